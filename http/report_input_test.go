package http_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestReportsAPIRefusesStrayInput: POST /api/v1/reports refuses a catalog for a report
// other than the gap report (422 naming catalog) and a body with more after its JSON
// object (422 naming body), starting nothing; GET /api/v1/reports refuses a parameter
// the list does not know (422 naming it, in the caller's language, with the parameters
// it takes) instead of listing every report (bt16 LOWs). The reports page, whose form
// always sends a catalog, still generates the vulnerability ledger.
func TestReportsAPIRefusesStrayInput(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	so := f.tokens[medsec.RoleSecurityOfficer]
	fields := func(body string) []string {
		var e struct {
			Errors []medsec.FieldError `json:"errors"`
		}
		json.Unmarshal([]byte(body), &e)
		var out []string
		for _, fe := range e.Errors {
			out = append(out, fe.Field)
		}
		return out
	}
	req := fmt.Sprintf(`{"name":"self-inspection","site_id":%d,"period":"2025","lang":"en","format":"html"`, f.assetHQ.SiteID)
	if status, body := f.do("POST", "/api/v1/reports", so, req+`,"catalog":"tw-mohw-medical-baseline"}`); status != 422 || fmt.Sprint(fields(body)) != "[catalog]" {
		t.Errorf("catalog for the self-inspection: %d %s, want 422 naming catalog", status, body)
	}
	if status, body := f.do("POST", "/api/v1/reports", so, req+`} {"name":"gap"}`); status != 422 || fmt.Sprint(fields(body)) != "[body]" {
		t.Errorf("trailing JSON: %d %s, want 422 naming body", status, body)
	}
	if status, body := f.do("GET", "/api/v1/reports", so, ""); status != 200 || !strings.Contains(body, `"total": 0`) {
		t.Errorf("reports after the refusals: %d %s, want none", status, body)
	}
	if status, body := f.do("GET", "/api/v1/reports?site=1&status=done", so, ""); status != 422 || fmt.Sprint(fields(body)) != "[site]" ||
		!strings.Contains(body, "name, site_id, status, limit") {
		t.Errorf("unknown list parameter: %d %s, want 422 naming site", status, body)
	}
	r, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/reports?sort=name", nil)
	r.Header.Set("Authorization", "Bearer "+so)
	r.Header.Set("Accept-Language", "ja")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := b.T("ja", "err.unknown_param", "name, site_id, status, limit"); resp.StatusCode != 422 || !strings.Contains(string(ja), want) {
		t.Errorf("unknown parameter in Japanese: %d %s, want %q", resp.StatusCode, ja, want)
	}

	c := f.session("u-security-officer")
	form := url.Values{"name": {"vuln-ledger"}, "site_id": {fmt.Sprint(f.assetHQ.SiteID)}, "period": {"2026-11"}, "lang": {"en"}, "format": {"html"},
		"catalog": {"tw-mohw-medical-baseline"}}
	pr, _ := http.NewRequest("POST", f.srv.URL+"/reports", strings.NewReader(form.Encode()))
	pr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	presp, err := c.Do(pr)
	if err != nil {
		t.Fatal(err)
	}
	presp.Body.Close()
	if loc := presp.Header.Get("Location"); presp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/reports?started=") {
		t.Fatalf("page form with its catalog: %d %q", presp.StatusCode, loc)
	} else {
		var id int64
		fmt.Sscanf(strings.TrimPrefix(loc, "/reports?started="), "%d", &id)
		if done := waitReport(t, f, id, so); done.Status != medsec.ReportDone || done.Catalog != "" {
			t.Errorf("page report: %+v", done)
		}
	}
}

// TestReportsAPIUnknownNameListsNames is bt16g M5: a report name the service does not
// know is refused naming the names a caller can send (self-inspection, gap, …), each
// with its title, in English and in the caller's language — not the titles alone, which
// neither the API nor the command line accepts.
func TestReportsAPIUnknownNameListsNames(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	so := f.tokens[medsec.RoleSecurityOfficer]
	body := fmt.Sprintf(`{"name":"selfinspection","site_id":%d,"period":"2025","lang":"en","format":"html"}`, f.assetHQ.SiteID)
	for _, lang := range []string{"en", "ja", "zh-TW"} {
		r, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/reports", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+so)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 422 {
			t.Fatalf("%s: %d %s, want 422", lang, resp.StatusCode, got)
		}
		var e struct {
			Errors []struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(got, &e); err != nil || len(e.Errors) != 1 || e.Errors[0].Field != "name" {
			t.Fatalf("%s: %s, want one problem naming name", lang, got)
		}
		msg := e.Errors[0].Message
		for _, name := range []string{"self-inspection", "gap", "vuln-ledger", "incident-ledger", "data-security"} {
			// The name as typed, then its title in the caller's language.
			open := " ("
			if lang != "en" {
				open = "（"
			}
			if want := name + open + b.T(lang, "report."+name); !strings.Contains(msg, want) {
				t.Errorf("%s: %q lacks %q", lang, msg, want)
			}
		}
	}
}

package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestVulnerabilityWorkflow runs the loop through the API and the pages: real ICSMA and
// NVD files imported over the API (a bad one refused, nothing stored), findings listed
// per scope, a finding confirmed, marked not affected, mitigated by a compensating
// control after the manufacturer refused the patch, fixed through the ledger; the ledger
// exported as XLSX; the advisory's VEX downloaded and checked against the CSAF schema; the
// pages in four languages.
func TestVulnerabilityWorkflow(t *testing.T) {
	icsma, err := os.ReadFile("../../shared/data/vuln/csaf-icsma/icsma-18-037-02.json")
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	mx40, _ := os.ReadFile("../../shared/data/vuln/csaf-icsma/icsma-17-255-01.json")
	db := openEngine(t, "sqlite")
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	services := mhttp.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Assets: sqlstore.NewAssetService(db), Vulns: sqlstore.NewVulnService(db)}
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := services.Org.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	ge, philips := &medsec.Vendor{Name: "GE Healthcare"}, &medsec.Vendor{Name: "Phillips"}
	for _, v := range []*medsec.Vendor{ge, philips} {
		if err := services.Org.CreateVendor(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	xr := &medsec.Asset{SiteID: site.ID, Name: "XR-01", Kind: medsec.KindModality, VendorID: ge.ID, Model: "Optima 520", Firmware: "3.0"}
	mon := &medsec.Asset{SiteID: site.ID, Name: "MX40-01", Kind: medsec.KindPatientMonitor, VendorID: philips.ID, Model: "IntelliVue MX40", Firmware: "B.06.17"}
	for _, a := range []*medsec.Asset{xr, mon} {
		if err := services.Assets.CreateAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	users := services.Users.(*sqlstore.UserService)
	tokens, sessions := map[medsec.Role]string{}, map[medsec.Role]string{}
	for _, role := range []medsec.Role{medsec.RoleClinicalEngineer, medsec.RoleSOCAnalyst, medsec.RoleVendor, medsec.RoleAdmin} {
		u := &medsec.User{Username: "u-" + string(role), Role: role}
		if role == medsec.RoleVendor {
			u.VendorID = philips.ID
		}
		if err := users.CreateUser(ctx, u, testPassword); err != nil {
			t.Fatal(err)
		}
		tokens[role], _ = users.CreateAPIToken(ctx, u.ID, "test")
		sessions[role], _ = users.CreateSession(ctx, u.ID)
	}
	srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	do := func(method, path, token, ctype string, body []byte) (int, http.Header, []byte) {
		req, _ := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	ce := tokens[medsec.RoleClinicalEngineer]

	// A bad file is refused naming the place; nothing stored.
	bad := bytes.Replace(icsma, []byte(`"CSAFPID-0001",`), []byte(`"CSAFPID-9999",`), 1)
	if status, _, body := do("POST", "/api/v1/advisories/import?name=bad.json", ce, "application/json", bad); status != 422 || !strings.Contains(string(body), "bad.json: /vulnerabilities/0/product_status/known_affected/0") {
		t.Fatalf("bad import: %d %s", status, body)
	}
	if status, _, body := do("POST", "/api/v1/advisories/import?name=bad.json", ce, "application/x-www-form-urlencoded", bad); status != 422 || !strings.Contains(string(body), "bad.json: /vulnerabilities/0/product_status/known_affected/0") {
		t.Fatalf("bad import as a form: %d %s", status, body)
	}
	if status, _, _ := do("POST", "/api/v1/advisories/import?name=x.json", tokens[medsec.RoleSOCAnalyst], "application/json", icsma); status != 403 {
		t.Errorf("SOC analyst import: %d", status)
	}
	for name, data := range map[string][]byte{"icsma-18-037-02.json": icsma, "icsma-17-255-01.json": mx40} {
		if status, _, body := do("POST", "/api/v1/advisories/import?name="+name, ce, "application/json", data); status != 200 {
			t.Fatalf("import %s: %d %s", name, status, body)
		}
	}
	var page struct {
		Items []medsec.Finding `json:"items"`
		Total int              `json:"total"`
	}
	_, _, body := do("GET", "/api/v1/findings?open=1", ce, "", nil)
	json.Unmarshal(body, &page)
	if page.Total < 3 {
		t.Fatalf("findings: %s", body)
	}
	// The Philips vendor user sees the MX40's findings only.
	_, _, body = do("GET", "/api/v1/findings", tokens[medsec.RoleVendor], "", nil)
	var vp struct {
		Items []medsec.Finding `json:"items"`
	}
	json.Unmarshal(body, &vp)
	for _, f := range vp.Items {
		if f.AssetID != mon.ID {
			t.Errorf("vendor user sees %s of %s", f.CVE, f.AssetName)
		}
	}
	if len(vp.Items) != 2 {
		t.Errorf("vendor user sees %d findings, want the MX40's 2", len(vp.Items))
	}
	var xrFinding medsec.Finding
	for _, f := range page.Items {
		if f.AssetID == xr.ID && f.CVE == "CVE-2010-5306" {
			xrFinding = f
		}
	}
	if xrFinding.ID == 0 || xrFinding.DeadlineRule != "high" {
		t.Fatalf("XR finding %+v", xrFinding)
	}
	if status, _, _ := do("GET", fmt.Sprintf("/api/v1/findings/%d", xrFinding.ID), tokens[medsec.RoleVendor], "", nil); status != 404 {
		t.Errorf("vendor user reads another company's finding: %d", status)
	}
	path := fmt.Sprintf("/api/v1/findings/%d", xrFinding.ID)
	if status, _, body := do("POST", path+"/analysis", ce, "application/json", []byte(`{"state":"not_affected"}`)); status != 422 {
		t.Errorf("not affected without justification: %d %s", status, body)
	}
	if status, _, body := do("POST", path+"/analysis", ce, "application/json", []byte(`{"state":"confirmed","detail":"seen on the console"}`)); status != 200 {
		t.Errorf("confirm: %d %s", status, body)
	}
	if status, _, body := do("POST", "/api/v1/patch-permissions", ce, "application/json", []byte(fmt.Sprintf(`{"asset_id":%d,"allowed":false,"said_by":"GE field service","said_on":"2026-11-29","evidence":"mail 2026-11-29"}`, xr.ID))); status != 201 {
		t.Errorf("permission: %d %s", status, body)
	}
	if status, _, body := do("POST", path+"/controls", ce, "application/json", []byte(`{"description":"VLAN 40, PACS only","review_on":"2027-02-28"}`)); status != 201 {
		t.Errorf("control: %d %s", status, body)
	}
	_, _, body = do("GET", path, ce, "", nil)
	var got medsec.Finding
	json.Unmarshal(body, &got)
	if got.State != medsec.FindingMitigated || got.Permission == nil || got.Permission.Allowed {
		t.Errorf("mitigated finding: %s", body)
	}
	if status, _, body := do("POST", path+"/fixes", ce, "application/json", []byte(`{"at":"2026-11-30T10:00:00Z","operator":"林醫工","action":"GE update installed","verification":"rescan","result":"passed"}`)); status != 201 {
		t.Errorf("fix: %d %s", status, body)
	}
	status, hdr, xlsx := do("GET", "/api/v1/fixes/export?format=xlsx", ce, "", nil)
	if status != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheet") {
		t.Fatalf("ledger xlsx: %d", status)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows(wb.GetSheetList()[0])
	if len(rows) != 2 || rows[1][1] != "XR-01" || rows[1][4] != "林醫工" {
		t.Errorf("ledger rows %v", rows)
	}

	// VEX of the advisory: CSAF (schema-checked) and CycloneDX.
	status, _, doc := do("GET", "/api/v1/advisories/ICSMA-18-037-02/vex?format=csaf", ce, "", nil)
	if status != 200 {
		t.Fatalf("vex: %d %s", status, doc)
	}
	if err := vuln.ValidateCSAFSchema(doc); err != nil || !bytes.Contains(doc, []byte(`"fixed"`)) {
		t.Errorf("CSAF VEX: %v", err)
	}
	if status, _, doc := do("GET", "/api/v1/advisories/ICSMA-18-037-02/vex?format=cyclonedx", ce, "", nil); status != 200 || !bytes.Contains(doc, []byte(`"resolved"`)) {
		t.Errorf("CycloneDX VEX: %d", status)
	}

	// The pages, in four languages, and the workflow form.
	page1 := func(path, lang string) (int, string) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "medsec_session", Value: sessions[medsec.RoleClinicalEngineer]})
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for lang, want := range map[string]string{"en": "Fix ledger", "ja": "脆弱性修正台帳", "zh-CN": "漏洞修复台账", "zh-TW": "漏洞修復臺賬"} {
		if status, b := page1("/vulnerabilities/ledger", lang); status != 200 || !strings.Contains(b, want) || !strings.Contains(b, "林醫工") {
			t.Errorf("%s ledger page: %d, %q missing", lang, status, want)
		}
		for _, p := range []string{"/vulnerabilities", fmt.Sprintf("/vulnerabilities/%d", xrFinding.ID), "/advisories", "/advisories/ICSMA-18-037-02", fmt.Sprintf("/assets/%d", xr.ID)} {
			if status, b := page1(p, lang); status != 200 || !strings.Contains(b, "ICSMA-18-037-02") {
				t.Errorf("%s %s: %d", lang, p, status)
			}
		}
	}
	form := url.Values{"state": {"not_affected"}, "justification": {"vulnerable_code_not_present"}, "detail": {"checked"}}
	var monFinding int64
	for _, f := range page.Items {
		if f.AssetID == mon.ID {
			monFinding = f.ID
		}
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/vulnerabilities/%d/analysis", ts.URL, monFinding), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "medsec_session", Value: sessions[medsec.RoleClinicalEngineer]})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Errorf("analysis form: %d", resp.StatusCode)
	}
	if f, err := services.Vulns.FindFinding(ctx, monFinding); err != nil || f.State != medsec.FindingNotAffected || f.Justification != "vulnerable_code_not_present" {
		t.Errorf("after the form: %+v %v", f, err)
	}

	// The rubric form re-scores the X-ray's finding; the page shows the environmental
	// vector in every language. The policy page shows the plan's clauses.
	form = url.Values{"reach": {"segment"}, "integrity_harm": {"none"}, "availability_harm": {"minor"}, "clinical_use": {"diagnosis"},
		"patient_data": {"one"}, "metrics": {"MAC:H"}, "reason": {"imaging VLAN only"}}
	req, _ = http.NewRequest("POST", fmt.Sprintf("%s/vulnerabilities/%d/rescore", ts.URL, xrFinding.ID), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "medsec_session", Value: sessions[medsec.RoleClinicalEngineer]})
	if resp, err = client.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	f, err := services.Vulns.FindFinding(ctx, xrFinding.ID)
	if err != nil || resp.StatusCode != 303 || !strings.Contains(f.EnvVector, "/MAV:A/MAC:H") {
		t.Fatalf("rescore form: %d, %+v, %v", resp.StatusCode, f, err)
	}
	for _, lang := range []string{"en", "ja", "zh-CN", "zh-TW"} {
		status, b := page1(fmt.Sprintf("/vulnerabilities/%d", xrFinding.ID), lang)
		if status != 200 || !strings.Contains(b, f.EnvVector) || !strings.Contains(b, "imaging VLAN only") {
			t.Errorf("%s finding page after re-scoring: %d", lang, status)
		}
		// The CVSS line's rating is the base score's, the environmental line the re-score's
		// (bt11g LOW: the environmental rating stood beside the base score).
		if lang == "en" && f.BaseSeverity != f.Severity && (!strings.Contains(b, `<span id="cvss-severity">`+strings.ToLower(f.BaseSeverity)) || strings.Contains(b, `<span id="cvss-severity">`+strings.ToLower(f.Severity))) {
			t.Errorf("CVSS line rates the base score %.1f as %s, want %s", f.BaseScore, f.Severity, f.BaseSeverity)
		}
		// No EPSS score imported for the CVE: the page says so, not 0.0000 (bt11g LOW).
		epssUnknown := map[string]string{"en": "unknown (no EPSS score", "ja": "不明（この CVE の EPSS", "zh-CN": "未知（尚未导入", "zh-TW": "未知（尚未匯入"}
		if f.EPSS == 0 && (strings.Contains(b, "0.0000") || !strings.Contains(b, epssUnknown[lang])) {
			t.Errorf("%s finding page shows an unknown EPSS as a score", lang)
		}
		if status, b := page1("/vulnerabilities/policy", lang); status != 200 || !strings.Contains(b, "003 §5.2.1") || !strings.Contains(b, "本院") {
			t.Errorf("%s policy page: %d", lang, status)
		}
	}

	// Every finding action goes through the one shared helper: the reads list what the
	// writes made, a bad id is 404, a bad form shows the page again with 422 and stores
	// nothing, a good one redirects to the finding.
	for _, sub := range []string{"/controls", "/fixes", "/rescores"} {
		status, _, body := do("GET", path+sub, ce, "", nil)
		if status != 200 || (sub != "/rescores" && !bytes.Contains(body, []byte(`"total": 1`))) || (sub == "/rescores" && !bytes.Contains(body, []byte("imaging VLAN only"))) {
			t.Errorf("GET %s: %d %s", sub, status, body)
		}
		if status, _, _ := do("GET", "/api/v1/findings/x"+sub, ce, "", nil); status != 404 {
			t.Errorf("GET a bad id's %s: %d", sub, status)
		}
	}
	if status, _, body := do("POST", path+"/rescores", ce, "application/json", []byte(`{"answers":{"reach":"hospital"},"reason":"API re-score"}`)); status != 201 || !bytes.Contains(body, []byte(`"reason": "API re-score"`)) {
		t.Errorf("API re-score: %d %s", status, body)
	}
	uiPost := func(sub string, form url.Values) (int, string) {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/vulnerabilities/%d%s", ts.URL, xrFinding.ID, sub), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "medsec_session", Value: sessions[medsec.RoleClinicalEngineer]})
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		sub       string
		bad, good url.Values
	}{
		{"/controls", url.Values{"description": {"isolated"}}, url.Values{"description": {"isolated VLAN"}, "review_on": {"2027-05-31"}}},
		{"/fixes", url.Values{"operator": {"林醫工"}, "result": {"passed"}}, url.Values{"at": {"2026-11-30T11:00"}, "operator": {"林醫工"}, "action": {"retested"}, "result": {"pending"}}},
		{"/permission", url.Values{"allowed": {"yes"}}, url.Values{"allowed": {"yes"}, "said_by": {"GE"}, "said_on": {"2026-11-30"}, "evidence": {"GE letter 2026-11-30"}, "for": {"model"}}},
	} {
		if status, b := uiPost(tc.sub, tc.bad); status != 422 || !strings.Contains(b, "ICSMA-18-037-02") {
			t.Errorf("bad %s form: %d", tc.sub, status)
		}
		if status, _ := uiPost(tc.sub, tc.good); status != 303 {
			t.Errorf("good %s form: %d", tc.sub, status)
		}
	}
	cs, _ := services.Vulns.FindControls(ctx, xrFinding.ID)
	fixes, _ := services.Vulns.FindFixEntries(ctx, xrFinding.ID)
	if f, err := services.Vulns.FindFinding(ctx, xrFinding.ID); err != nil || len(cs) != 2 || len(fixes) != 2 || f.Permission == nil || f.Permission.Allowed {
		// The asset's own word (not allowed) stands over the model's now recorded.
		t.Errorf("after the forms: %d controls, %d fixes, %+v %v", len(cs), len(fixes), f, err)
	}
	if status, _, body := do("PUT", fmt.Sprintf("/api/v1/deadline-policies/%d", xr.SiteID), tokens[medsec.RoleAdmin], "application/json", []byte(`{"high_hours":12}`)); status != 200 || !bytes.Contains(body, []byte(`"high_hours": 12`)) {
		t.Errorf("PUT policy: %d %s", status, body)
	}
	if status, _, _ := do("PUT", fmt.Sprintf("/api/v1/deadline-policies/%d", xr.SiteID), tokens[medsec.RoleAdmin], "application/json", []byte(`{"high_hours":-1}`)); status != 422 {
		t.Errorf("PUT a bad policy: %d", status)
	}
}

package http_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/detect"
	"medsec/detection"
	"medsec/i18n"
	"medsec/sqlstore"
)

// storeDetectionEvents keeps, at the fixture's HQ site, an emergency-account login: what
// a built-in rule catches.
func storeDetectionEvents(t *testing.T, f *fixture) {
	t.Helper()
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	at := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	events := []medsec.Event{{ID: "test:login:0", Time: at, SiteID: f.assetHQ.SiteID, Ref: medsec.EventRef{Type: medsec.EventRefEvent},
		Fields: map[string]any{"event.category": "authentication", "event.outcome": "success", "user.name": "emergency", "source.ip": "10.1.0.9"}}}
	if err := sqlstore.NewEventService(f.db).AppendEvents(ctx, events...); err != nil {
		t.Fatal(err)
	}
}

// sendIn sends a request with the client in one language and returns status and body.
func sendIn(t *testing.T, c *http.Client, req *http.Request, lang string) (int, string) {
	t.Helper()
	req.Header.Set("Accept-Language", lang)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDetectionPagesInFourLanguages raises alerts with the built-in rules (a retro-hunt
// over stored events, and a cross-zone flow) and opens the rules page, a rule's page,
// its test over stored events (the hunt), the alert queue, each alert's page and a
// refused rule import in zh-TW, zh-CN and ja: the built-in rules' titles and
// descriptions, the weekdays of the working hours and the import's problems read in
// that language, never in English nor as raw keys; English pages keep the English.
func TestDetectionPagesInFourLanguages(t *testing.T) {
	f := newFixture(t)
	storeDetectionEvents(t, f)
	raiseAssetAlert(t, f.db, f.assetHQ)
	status, body := f.do("POST", "/api/v1/rules/hunt", f.tokens[medsec.RoleSecurityOfficer], `{"since":"2026-11-01T00:00:00Z","until":"2026-12-01T00:00:00Z","raise":true}`)
	if status != 200 || !strings.Contains(body, `"raised": 1`) {
		t.Fatalf("retro-hunt: %d %.600s", status, body)
	}
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	alerts, _, err := sqlstore.NewDetectionService(f.db).FindAlerts(ctx, medsec.AlertFilter{Limit: 10})
	if err != nil || len(alerts) != 2 {
		t.Fatalf("alerts: %d %v", len(alerts), err)
	}
	builtins, err := detection.BuiltinRules(medsec.DefaultDetectionSettings())
	if err != nil {
		t.Fatal(err)
	}
	emergency := sqlstore.NewDetectionService(f.db)
	found, err := emergency.FindRules(ctx, medsec.RuleFilter{Query: "emergency"})
	if err != nil || len(found) != 1 {
		t.Fatalf("emergency rule: %v %v", found, err)
	}
	ruleID := found[0].ID
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range builtins {
		for _, k := range []string{"builtin_rule." + r.UID + ".title", "builtin_rule." + r.UID + ".description"} {
			if !bundle.Has(k) {
				t.Errorf("built-in rule %s (%s): %s missing in a language", r.UID, r.Title, k)
			}
		}
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("rules/bad.yml")
	w.Write([]byte("title: x\nid: 55555555-5555-4555-8555-555555555555\nlogsource: {product: linux}\ndetection:\n  sel:\n    a|bogus: 1\n  condition: sel\n"))
	zw.Close()

	c := f.session("u-" + string(medsec.RoleSecurityOfficer))
	get := func(path string) *http.Request { r, _ := http.NewRequest("GET", f.srv.URL+path, nil); return r }
	pages := map[string]func() *http.Request{
		"rules":  func() *http.Request { return get("/rules") },
		"rule":   func() *http.Request { return get(fmt.Sprintf("/rules/%d", ruleID)) },
		"alerts": func() *http.Request { return get("/alerts?status=all") },
		"hunt": func() *http.Request {
			r, _ := http.NewRequest("POST", f.srv.URL+fmt.Sprintf("/rules/%d/test", ruleID), strings.NewReader(url.Values{"since": {"2026-11-01"}, "until": {"2026-12-01"}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		},
		// A range whose end is not a date: the form names its own date fields.
		"hunt bad range": func() *http.Request {
			r, _ := http.NewRequest("POST", f.srv.URL+fmt.Sprintf("/rules/%d/test", ruleID), strings.NewReader(url.Values{"since": {"2026-11-01"}, "until": {"soon"}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		},
		"import": func() *http.Request {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", "sigma.zip")
			fw.Write(zipped.Bytes())
			mw.Close()
			r, _ := http.NewRequest("POST", f.srv.URL+"/rules/import", &buf)
			r.Header.Set("Content-Type", mw.FormDataContentType())
			return r
		},
	}
	for _, a := range alerts {
		id := a.ID
		pages[fmt.Sprintf("alert %d", id)] = func() *http.Request { return get(fmt.Sprintf("/alerts/%d", id)) }
	}
	yamlBlock := regexp.MustCompile(`(?s)<pre class="yaml">.*?</pre>`)
	refTypes := []string{medsec.EventRefLog, medsec.EventRefAudit, medsec.EventRefDiscovery, medsec.EventRefFlow, medsec.EventRefFinding, medsec.EventRefEvent}
	rawRef := regexp.MustCompile(` · (` + strings.Join(refTypes, "|") + `) `)
	translatedRef := func(lang, body string) bool {
		for _, r := range refTypes {
			if !bundle.Has("alert.ref." + r) {
				t.Errorf("alert.ref.%s missing in a language", r)
			}
			if strings.Contains(body, " · "+bundle.T(lang, "alert.ref."+r)+" ") {
				return true
			}
		}
		return false
	}
	for _, k := range detect.MessageKeys() {
		if !bundle.Has(k) {
			t.Errorf("rule parser message %s missing in a language", k)
		}
	}
	rawKey := regexp.MustCompile(`builtin_rule\.|weekday\.|hours\.next_day|rules\.import_`)
	for _, lang := range []string{"zh-TW", "zh-CN", "ja", "en"} {
		for name, req := range pages {
			status, body := sendIn(t, c, req(), lang)
			want := 200
			if name == "import" {
				want = 422
			}
			if status != want {
				t.Fatalf("%s in %s: %d\n%.500s", name, lang, status, body)
			}
			if m := rawKey.FindString(body); m != "" {
				t.Errorf("%s in %s shows the raw key %q", name, lang, m)
			}
			var english []string
			for _, r := range builtins {
				english = append(english, ">"+r.Title+"<", r.Description)
			}
			english = append(english, "Mon,Tue", "(next day)", "problems", ">Column<", ">Field<", ">File<",
				"unknown modifier", "RFC 3339", "since and until")
			if lang == "en" {
				english = []string{"builtin_rule."}
			}
			// The rule's Sigma text is shown as it is exported: English, as Sigma has it.
			shown := yamlBlock.ReplaceAllString(body, "")
			for _, e := range english {
				if strings.Contains(shown, e) {
					t.Errorf("%s in %s shows English %q", name, lang, e)
				}
			}
			// What each page must say in the language.
			var musts []string
			switch {
			case name == "rules":
				for _, r := range builtins {
					musts = append(musts, bundle.T(lang, "builtin_rule."+r.UID+".title"))
				}
				musts = append(musts, bundle.T(lang, "weekday.1")+map[bool]string{true: ",", false: "、"}[lang == "en"]+bundle.T(lang, "weekday.2"))
			case name == "rule":
				musts = append(musts, "<h1>"+bundle.T(lang, "builtin_rule."+found[0].UID+".title")+"</h1>", "emergency")
			case name == "hunt":
				musts = append(musts, bundle.T(lang, "rules.test_result", 1, 1), "<li>"+bundle.T(lang, "builtin_rule."+found[0].UID+".title"))
			case name == "import":
				// The parser's cause, in the page's language, with the modifier named.
				musts = append(musts, bundle.T(lang, "rules.import_rejected", "sigma.zip", 1), "<td>rules/bad.yml</td><td>6</td>", bundle.T(lang, "rules.import_file_col"), bundle.T(lang, "rules.import_field_col"),
					map[bool]string{true: "unknown modifier &#34;bogus&#34;", false: bundle.T(lang, "sigma.err.unknown_modifier", "bogus")}[lang == "en"])
			case name == "hunt bad range":
				musts = append(musts, bundle.T(lang, "rules.test_range", i18n.Key("audit.since"), i18n.Key("audit.until")), bundle.T(lang, "audit.since"))
			case name == "alerts":
				for _, a := range alerts {
					musts = append(musts, fmt.Sprintf(`<a href="/alerts/%d">%s</a>`, a.ID, bundle.T(lang, "builtin_rule."+a.RuleUID+".title")))
				}
			default:
				for _, a := range alerts {
					if name == fmt.Sprintf("alert %d", a.ID) {
						musts = append(musts, "<h1>"+bundle.T(lang, "builtin_rule."+a.RuleUID+".title")+"</h1>")
					}
				}
				// Each event's heading names its source in the language, never the raw type.
				if m := rawRef.FindString(body); m != "" {
					t.Errorf("%s in %s shows the raw source type %q", name, lang, m)
				}
				if !translatedRef(lang, body) {
					t.Errorf("%s in %s names no event source in its language", name, lang)
				}
			}
			for _, m := range musts {
				if !strings.Contains(body, m) {
					t.Errorf("%s in %s lacks %q", name, lang, m)
				}
			}
		}
	}
}

// TestAlertPageIncidentsAndAssignees: the alert page links the incident the alert opened
// (and offers to open one before), and its assignee list holds only enabled users who
// may triage and see the alert's site: the branch-limited engineer is offered for the
// branch's alert, not for the main site's; the vendor and auditor (no triage) never.
func TestAlertPageIncidentsAndAssignees(t *testing.T) {
	f := newFixture(t)
	hq, br := raiseAssetAlert(t, f.db, f.assetHQ), raiseAssetAlert(t, f.db, f.assetBR)
	c := f.session("u-" + string(medsec.RoleSecurityOfficer))
	page := func(id int64) string {
		status, _, body := getIn(t, c, fmt.Sprintf("%s/alerts/%d", f.srv.URL, id), "en")
		if status != 200 {
			t.Fatalf("alert %d: %d", id, status)
		}
		return body
	}
	body := page(hq.ID)
	if !strings.Contains(body, `id="alert-open-incident"`) || strings.Contains(body, `<a href="/incidents/`) {
		t.Errorf("alert without incident: no open form, or an incident link")
	}
	options := regexp.MustCompile(`<option value="(\d+)">([^<]+)</option>`)
	offered := func(body string) []string {
		var names []string
		for _, m := range options.FindAllStringSubmatch(body, -1) {
			names = append(names, m[2])
		}
		return names
	}
	triage := []string{"u-admin", "u-clinical-engineer", "u-it-operations", "u-security-officer", "u-soc-analyst"}
	for _, tt := range []struct {
		alert *medsec.Alert
		want  []string
	}{{hq, triage}, {br, append([]string{"branch-ce"}, triage...)}} {
		if got := offered(page(tt.alert.ID)); strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("alert at site %d offers %v, want %v", tt.alert.SiteID, got, tt.want)
		}
	}
	// Assigning someone the list leaves out is refused by the store as well.
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	users, err := sqlstore.NewUserService(f.db).FindUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username != "branch-ce" {
			continue
		}
		form := url.Values{"version": {"1"}, "assign": {fmt.Sprint(u.ID)}}.Encode()
		if status, body := f.postForm(fmt.Sprintf("/alerts/%d", hq.ID), medsec.RoleSecurityOfficer, form); status != 422 || !strings.Contains(body, "assignee_id") {
			t.Errorf("branch engineer assigned to the main site's alert: %d", status)
		}
		if status, _ := f.postForm(fmt.Sprintf("/alerts/%d", br.ID), medsec.RoleSecurityOfficer, form); status != 303 {
			t.Errorf("branch engineer assigned to the branch's alert: %d", status)
		}
	}
	status, out := f.do("POST", "/api/v1/incidents/from-alert", f.tokens[medsec.RoleSecurityOfficer], fmt.Sprintf(`{"alert_id":%d}`, hq.ID))
	if status != 201 {
		t.Fatalf("incident from alert: %d %s", status, out)
	}
	var opened struct{ Incident struct{ ID int64 } }
	json.Unmarshal([]byte(out), &opened)
	inc := opened.Incident
	if body := page(hq.ID); !strings.Contains(body, fmt.Sprintf(`<a href="/incidents/%d">#%d `, inc.ID, inc.ID)) {
		t.Errorf("alert page does not link incident %d", inc.ID)
	}
	// The API gives the same.
	if _, out := f.do("GET", fmt.Sprintf("/api/v1/alerts/%d/assignees", hq.ID), f.tokens[medsec.RoleSOCAnalyst], ""); strings.Contains(out, "branch-ce") || !strings.Contains(out, `"u-soc-analyst"`) {
		t.Errorf("API assignees of the main site's alert: %.400s", out)
	}
	_, out = f.do("GET", fmt.Sprintf("/api/v1/alerts/%d", hq.ID), f.tokens[medsec.RoleSecurityOfficer], "")
	if !strings.Contains(out, `"incidents": [`) {
		t.Errorf("API alert lacks its incidents: %.300s", out)
	}
}

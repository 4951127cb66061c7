package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/detection"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// addDetection wires the detection store and service, with the built-in rules installed.
func addDetection(t *testing.T, services *mhttp.Services, db *sqlstore.DB) *detection.Service {
	t.Helper()
	store := sqlstore.NewDetectionService(db)
	uses := sqlstore.NewEmergencyUseService(db)
	svc := detection.New(detection.Stores{Rules: store, Alerts: store, Suppressions: store, Events: sqlstore.NewEventService(db), Accounts: uses, Followers: []medsec.AlertFollower{uses}}, nil)
	if err := svc.InstallBuiltins(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := svc.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	services.Rules, services.Alerts, services.Suppressions, services.Detection, services.EmergencyUses = store, store, store, svc, uses
	services.MaintenancePlans = sqlstore.NewMaintenancePlanService(db)
	return svc
}

// raiseAssetAlert stores an alert on the asset whose event carries the asset's name and
// addresses, so that a page showing it to a user outside its scope is caught.
func raiseAssetAlert(t *testing.T, db *sqlstore.DB, a *medsec.Asset) *medsec.Alert {
	t.Helper()
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	store := sqlstore.NewDetectionService(db)
	rules, err := store.FindRules(ctx, medsec.RuleFilter{Query: "cross-zone"})
	if err != nil || len(rules) != 1 {
		t.Fatalf("cross-zone rule: %v %v", rules, err)
	}
	al := &medsec.Alert{DedupKey: fmt.Sprintf("test|%d", a.ID), RuleID: rules[0].ID, RuleUID: rules[0].UID, Title: rules[0].Title, Level: "medium",
		Tags: []string{"attack.t1021"}, SiteID: a.SiteID, AssetID: a.ID,
		Events: []medsec.AlertEvent{{Key: fmt.Sprintf("test:%d", a.ID), Time: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Ref: medsec.EventRef{Type: medsec.EventRefFlow, ID: a.ID},
			Fields: map[string]any{"source.domain": a.Name, "source.ip": strings.Join(a.IPs, ","), "source.mac": strings.Join(a.MACs, ",")}}}}
	if _, err := store.RaiseAlert(ctx, al); err != nil {
		t.Fatal(err)
	}
	return al
}

// TestAlertAPITriage raises an alert on the HQ asset and works it through the API: who
// reads it, who may triage, what a bad state answers, and the audit of the change.
func TestAlertAPITriage(t *testing.T) {
	f := newFixture(t)
	al := raiseAssetAlert(t, f.db, f.assetHQ)
	path := fmt.Sprintf("/api/v1/alerts/%d", al.ID)
	for _, c := range []struct {
		name   string
		method string
		token  string
		body   string
		want   int
	}{
		{"auditor reads", "GET", f.tokens[medsec.RoleAuditor], "", 200},
		{"vendor of the asset reads", "GET", f.tokens[medsec.RoleVendor], "", 200},
		{"branch engineer does not see it", "GET", f.branchCE, "", 404},
		{"auditor may not triage", "PUT", f.tokens[medsec.RoleAuditor], `{"version":1,"status":"acknowledged"}`, 403},
		{"unknown state", "PUT", f.tokens[medsec.RoleSOCAnalyst], `{"version":1,"status":"done"}`, 422},
		{"no version", "PUT", f.tokens[medsec.RoleSOCAnalyst], `{"status":"investigating"}`, 422},
		{"analyst triages", "PUT", f.tokens[medsec.RoleSOCAnalyst], `{"version":1,"status":"investigating","note":"checking the vendor's plan"}`, 200},
		// A second analyst working from the same version: refused, not last-write-wins.
		{"stale version", "PUT", f.tokens[medsec.RoleITOperations], `{"version":1,"status":"closed_false_positive"}`, 409},
		{"rules list", "GET", f.tokens[medsec.RoleAuditor], "", 200},
		// A rule's state and hits per site are the hospital's detection coverage.
		{"vendor may not list rules", "GET", f.tokens[medsec.RoleVendor], "", 403},
		{"vendor may not read a rule", "GET", f.tokens[medsec.RoleVendor], "", 403},
		{"vendor may not read the settings", "GET", f.tokens[medsec.RoleVendor], "", 403},
	} {
		p := path
		switch c.name {
		case "rules list", "vendor may not list rules":
			p = "/api/v1/rules"
		case "vendor may not read a rule":
			p = fmt.Sprintf("/api/v1/rules/%d", al.RuleID)
		case "vendor may not read the settings":
			p = "/api/v1/detection/settings"
		}
		status, body := f.do(c.method, p, c.token, c.body)
		if status != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, status, body, c.want)
		}
	}
	vendor := f.session("u-" + string(medsec.RoleVendor))
	for _, p := range []string{"/rules", fmt.Sprintf("/rules/%d", al.RuleID)} {
		resp, err := vendor.Get(f.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("vendor on %s: %d, want 403", p, resp.StatusCode)
		}
	}
	if status, body := f.do("PUT", path, f.tokens[medsec.RoleSOCAnalyst], `{"status":"investigating"}`); status != 422 || !strings.Contains(body, `"version"`) {
		t.Errorf("no version: %d %s, want 422 naming version", status, body)
	}
	_, body := f.do("GET", path, f.tokens[medsec.RoleAuditor], "")
	var got medsec.Alert
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Status != medsec.AlertInvestigating || got.Note != "checking the vendor's plan" || len(got.Events) != 1 || got.Version != 2 {
		t.Errorf("after triage: %+v (%v)", got, err)
	}
	status, body := f.do("GET", "/api/v1/alerts?status=open&site="+fmt.Sprint(f.assetHQ.SiteID), f.tokens[medsec.RoleSOCAnalyst], "")
	if status != 200 || !strings.Contains(body, `"total": 1`) {
		t.Errorf("open alerts: %d %s", status, body)
	}
	// Import: a broken rule names its line; nothing is stored.
	status, body = f.do("POST", "/api/v1/rules/import?name=bad.yml", f.tokens[medsec.RoleSecurityOfficer], "title: x\nid: 44444444-4444-4444-8444-444444444444\nlogsource: {product: linux}\ndetection:\n  sel:\n    a|nomodifier: 1\n  condition: sel\n")
	if status != 422 || !strings.Contains(body, `"line": 6`) {
		t.Errorf("bad import: %d %s", status, body)
	}
	status, body = f.do("POST", "/api/v1/rules/import?name=ok.yml", f.tokens[medsec.RoleSecurityOfficer], "title: x\nid: 44444444-4444-4444-8444-444444444444\nlogsource: {product: linux}\ndetection:\n  sel:\n    a|contains: 1\n  condition: sel\n")
	if status != 200 || !strings.Contains(body, `"imported": 1`) {
		t.Errorf("import: %d %s", status, body)
	}
}

// TestDetectionSettingsPage saves the built-in rules' thresholds from the rules page: a
// bad window is refused naming the field; a good one re-renders the burst rule.
func TestDetectionSettingsPage(t *testing.T) {
	f := newFixture(t)
	form := func(minutes string) string {
		return "failed_logins_count=7&failed_logins_minutes=" + minutes + "&storage_growth_percent=25&sensitive_attempts_count=5&sensitive_attempts_minutes=10" +
			"&working_from=08:00&working_to=17:30&maintenance_from=09:00&maintenance_to=17:00&emergency_accounts=breakglass&sensitive_paths=/etc/&remote_maintenance_sources=198.51.100.0/24"
	}
	status, body := f.postForm("/rules/settings", medsec.RoleSecurityOfficer, form("x"))
	if status != 422 || !strings.Contains(body, "failed_logins.minutes") {
		t.Errorf("bad minutes: %d\n%.500s", status, body)
	}
	if status, _ := f.postForm("/rules/settings", medsec.RoleAuditor, form("3")); status != 403 {
		t.Errorf("auditor saves settings: %d", status)
	}
	if status, body := f.postForm("/rules/settings", medsec.RoleSecurityOfficer, form("3")); status != 303 {
		t.Fatalf("save: %d %.300s", status, body)
	}
	_, body = f.do("GET", "/api/v1/rules?q=many+failed", f.tokens[medsec.RoleAuditor], "")
	if !strings.Contains(body, "timespan: 3m") || !strings.Contains(body, "gte: 7") {
		t.Errorf("burst rule not re-rendered:\n%.1500s", body)
	}
}

// postForm posts a form to a UI path as the fixture's user of the role.
func (f *fixture) postForm(path string, role medsec.Role, form string) (int, string) {
	f.t.Helper()
	c := f.session("u-" + string(role))
	resp, err := c.Post(f.srv.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDetectionSettingsOvernightWindow sets a maintenance window across midnight through
// the API: it is kept, and the maintenance rule's description says it runs to the next day.
func TestDetectionSettingsOvernightWindow(t *testing.T) {
	f := newFixture(t)
	tok := f.tokens[medsec.RoleSecurityOfficer]
	status, body := f.do("GET", "/api/v1/detection/settings", tok, "")
	if status != 200 {
		t.Fatalf("settings: %d %s", status, body)
	}
	var set map[string]any
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatal(err)
	}
	set["maintenance_window"] = map[string]any{"from": "22:00", "to": "02:00", "days": []int{1, 2, 3, 4, 5}, "tz": "Asia/Taipei"}
	b, _ := json.Marshal(set)
	if status, body = f.do("PUT", "/api/v1/detection/settings", tok, string(b)); status != 200 || !strings.Contains(body, `"from": "22:00"`) {
		t.Fatalf("overnight window: %d %s", status, body)
	}
	if status, body = f.do("GET", "/api/v1/rules?q=maintenance", tok, ""); status != 200 || !strings.Contains(body, "22:00-02:00 (next day)") {
		t.Errorf("maintenance rule: %d %.600s", status, body)
	}
}

// TestDetectionBadInput: an unknown alert status or level, a hunt naming a rule that does
// not exist, and a hunt range outside what medsec stores are refused naming the field.
func TestDetectionBadInput(t *testing.T) {
	f := newFixture(t)
	tok := f.tokens[medsec.RoleSecurityOfficer]
	for _, c := range []struct {
		method, path, body string
		want               int
		names              string
	}{
		{"GET", "/api/v1/alerts?status=bogus", "", 422, `"status"`},
		{"GET", "/api/v1/alerts?level=bogus", "", 422, `"level"`},
		{"GET", "/api/v1/alerts?status=all&level=high", "", 200, `"alerts"`},
		{"POST", "/api/v1/rules/hunt", `{"rule_ids":[999999],"since":"2026-11-01T00:00:00Z","until":"2026-11-30T00:00:00Z"}`, 422, `rule 999999`},
		{"POST", "/api/v1/rules/hunt", `{"since":"0001-01-01T00:00:00Z","until":"9999-12-31T00:00:00Z"}`, 422, `1970-01-01`},
		{"POST", "/api/v1/rules/hunt", `{"since":"2026-11-30T00:00:00Z","until":"2026-11-01T00:00:00Z"}`, 422, `must be after since`},
		{"POST", "/api/v1/rules/hunt", `{"since":"1970-01-01T00:00:00Z","until":"9999-12-31T00:00:00Z"}`, 200, `"hits"`},
		// Two documents sharing a Sigma id: refused naming the second's line, nothing stored.
		{"POST", "/api/v1/rules/import?name=dup.yml", "title: a\nid: 55555555-5555-4555-8555-555555555555\nlogsource: {product: linux}\ndetection:\n  sel:\n    a: 1\n  condition: sel\n---\ntitle: b\nid: 55555555-5555-4555-8555-555555555555\nlogsource: {product: linux}\ndetection:\n  sel:\n    a: 2\n  condition: sel\n", 422, `"line": 9`},
		{"GET", "/api/v1/rules?q=55555555", "", 200, `[]`},
	} {
		status, body := f.do(c.method, c.path, tok, c.body)
		if status != c.want || !strings.Contains(body, c.names) {
			t.Errorf("%s %s %s: %d %.400s, want %d naming %s", c.method, c.path, c.body, status, body, c.want, c.names)
		}
	}
}

// TestAlertPageLinksSealedLogRecord: an alert's event from a sealed log record links to the
// log search that finds that record (its index within a day of the event); the search
// opens; an event of another kind has no such link.
func TestAlertPageLinksSealedLogRecord(t *testing.T) {
	f := newFixture(t)
	al := raiseAssetAlert(t, f.db, f.assetHQ)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	store := sqlstore.NewDetectionService(f.db)
	at := time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC)
	logAlert := &medsec.Alert{DedupKey: "test|log", RuleID: al.RuleID, RuleUID: al.RuleUID, Title: al.Title, Level: "medium", SiteID: f.assetHQ.SiteID,
		Events: []medsec.AlertEvent{{Key: "log:1:42", Time: at, Ref: medsec.EventRef{Type: medsec.EventRefLog, ID: 42}, Fields: map[string]any{"message": "Failed password"}}}}
	if _, err := store.RaiseAlert(ctx, logAlert); err != nil {
		t.Fatal(err)
	}
	want := "/logs?" + url.Values{"end": {"2026-12-01T09:30:00Z"}, "q": {"medsec.index:42"}, "start": {"2026-11-29T09:30:00Z"}}.Encode()
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))
	status, _, body := getIn(t, c, fmt.Sprintf("%s/alerts/%d", f.srv.URL, logAlert.ID), "en")
	if status != 200 || !strings.Contains(body, `href="`+html.EscapeString(want)+`" class="log-record"`) {
		t.Fatalf("alert page (%d) lacks the link to %s", status, want)
	}
	if status, _, _ := getIn(t, c, f.srv.URL+want, "en"); status != 200 {
		t.Errorf("the linked log search answers %d", status)
	}
	if status, _, body := getIn(t, c, fmt.Sprintf("%s/alerts/%d", f.srv.URL, al.ID), "en"); status != 200 || strings.Contains(body, `class="log-record"`) {
		t.Errorf("a flow event links to a log record (%d)", status)
	}
}

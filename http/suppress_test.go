package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestSuppressLikeThisAlert suppresses a known false positive from its alert: the alert
// page links to the rule page's form filled from the alert (site, host, user, source);
// the form refuses a suppression without a reason naming the field, and an auditor; the
// saved suppression is listed by the API to users of its site only, and expiring it
// keeps it, expired [issue 13 finding 12].
func TestSuppressLikeThisAlert(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	store := sqlstore.NewDetectionService(f.db)
	rules, err := store.FindRules(ctx, medsec.RuleFilter{Query: "Many failed logins"})
	if err != nil || len(rules) != 1 {
		t.Fatalf("burst rule: %v %v", rules, err)
	}
	rule := rules[0]
	al := &medsec.Alert{DedupKey: "test|scanner", RuleID: rule.ID, RuleUID: rule.UID, Title: rule.Title, Level: "high", SiteID: f.assetHQ.SiteID,
		Events: []medsec.AlertEvent{{Key: "t:1", Time: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Ref: medsec.EventRef{Type: medsec.EventRefEvent, ID: 1},
			Fields: map[string]any{"host.name": "his-ap1", "user.name": "scan-svc", "source.ip": "10.1.99.5"}}}}
	if _, err := store.RaiseAlert(ctx, al); err != nil {
		t.Fatal(err)
	}
	officer := f.session("u-" + string(medsec.RoleSecurityOfficer))
	get := func(path string) string {
		t.Helper()
		resp, err := officer.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return string(b)
	}
	page := get(fmt.Sprintf("/alerts/%d", al.ID))
	link := fmt.Sprintf(`href="/rules/%d?alert=%d#suppress"`, rule.ID, al.ID)
	if !strings.Contains(page, link) {
		t.Fatalf("alert page lacks %s", link)
	}
	page = get(fmt.Sprintf("/rules/%d?alert=%d", rule.ID, al.ID))
	for _, want := range []string{`name="host" value="his-ap1"`, `name="user" value="scan-svc"`, `name="source" value="10.1.99.5"`, fmt.Sprintf(`<option value="%d" selected>`, f.assetHQ.SiteID)} {
		if !strings.Contains(page, want) {
			t.Errorf("rule page form lacks %s", want)
		}
	}
	form := url.Values{"site": {fmt.Sprint(f.assetHQ.SiteID)}, "host": {"his-ap1"}, "source": {"10.1.99.0/24"}, "expires": {"2099-12-31"}}
	if status, body := f.postForm(fmt.Sprintf("/rules/%d/suppressions", rule.ID), medsec.RoleSecurityOfficer, form.Encode()); status != 422 || !strings.Contains(body, "reason") {
		t.Errorf("no reason: %d %.300s", status, body)
	}
	form.Set("reason", "IT vulnerability scanner, weekly run")
	if status, _ := f.postForm(fmt.Sprintf("/rules/%d/suppressions", rule.ID), medsec.RoleAuditor, form.Encode()); status != 403 {
		t.Errorf("auditor suppresses: %d", status)
	}
	if status, body := f.postForm(fmt.Sprintf("/rules/%d/suppressions", rule.ID), medsec.RoleSecurityOfficer, form.Encode()); status != 303 {
		t.Fatalf("suppress: %d %.300s", status, body)
	}
	status, body := f.do("GET", fmt.Sprintf("/api/v1/suppressions?rule=%d", rule.ID), f.tokens[medsec.RoleAuditor], "")
	var list []medsec.Suppression
	if err := json.Unmarshal([]byte(body), &list); status != 200 || err != nil || len(list) != 1 || list[0].Source != "10.1.99.0/24" || list[0].Host != "his-ap1" ||
		list[0].Reason != "IT vulnerability scanner, weekly run" || list[0].Expired || list[0].ExpiresAt.IsZero() || list[0].CreatedByName == "" {
		t.Fatalf("list: %d %s", status, body)
	}
	if _, body := f.do("GET", "/api/v1/suppressions", f.branchCE, ""); strings.TrimSpace(body) != "[]" {
		t.Errorf("branch engineer sees: %s", body)
	}
	if status, _ := f.do("POST", fmt.Sprintf("/api/v1/suppressions/%d/expire", list[0].ID), f.branchCE, ""); status != 403 && status != 404 {
		t.Errorf("branch engineer expires: %d", status)
	}
	if !strings.Contains(get(fmt.Sprintf("/rules/%d", rule.ID)), "IT vulnerability scanner, weekly run") {
		t.Errorf("rule page does not list the suppression")
	}
	tok := f.tokens[medsec.RoleSecurityOfficer]
	if status, body := f.do("POST", fmt.Sprintf("/api/v1/suppressions/%d/expire", list[0].ID), tok, ""); status != 200 || !strings.Contains(body, `"expired": true`) {
		t.Errorf("expire: %d %s", status, body)
	}
	if status, _ := f.do("POST", fmt.Sprintf("/api/v1/suppressions/%d/expire", list[0].ID), tok, ""); status != 422 {
		t.Errorf("expire again: %d, want 422", status)
	}
	if status, body := f.do("POST", "/api/v1/suppressions", tok, fmt.Sprintf(`{"rule_id":%d,"site_id":%d,"user":"scan-svc","reason":"service account"}`, rule.ID, f.assetHQ.SiteID)); status != 201 || !strings.Contains(body, `"user": "scan-svc"`) {
		t.Errorf("API create: %d %s", status, body)
	}
	if status, body := f.do("POST", "/api/v1/suppressions", tok, fmt.Sprintf(`{"rule_id":%d,"site_id":%d,"reason":"x"}`, rule.ID, f.assetHQ.SiteID)); status != 422 || !strings.Contains(body, "host") {
		t.Errorf("API create without a field to match: %d %s", status, body)
	}
}

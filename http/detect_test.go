package http_test

import (
	"context"
	"encoding/json"
	"fmt"
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
	svc := detection.New(detection.Stores{Rules: store, Alerts: store, Events: sqlstore.NewEventService(db)}, nil)
	if err := svc.InstallBuiltins(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := svc.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	services.Rules, services.Alerts, services.Detection = store, store, svc
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
		{"auditor may not triage", "PUT", f.tokens[medsec.RoleAuditor], `{"status":"acknowledged"}`, 403},
		{"unknown state", "PUT", f.tokens[medsec.RoleSOCAnalyst], `{"status":"done"}`, 422},
		{"analyst triages", "PUT", f.tokens[medsec.RoleSOCAnalyst], `{"status":"investigating","note":"checking the vendor's plan"}`, 200},
		{"rules list", "GET", f.tokens[medsec.RoleAuditor], "", 200},
	} {
		p := path
		if c.name == "rules list" {
			p = "/api/v1/rules"
		}
		status, body := f.do(c.method, p, c.token, c.body)
		if status != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, status, body, c.want)
		}
	}
	_, body := f.do("GET", path, f.tokens[medsec.RoleAuditor], "")
	var got medsec.Alert
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Status != medsec.AlertInvestigating || got.Note != "checking the vendor's plan" || len(got.Events) != 1 {
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

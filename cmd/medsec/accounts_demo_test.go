package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/eventbus"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestDemoAccounts loads the demo hospital and finds the account states the demo promises:
// the departed doctor's enabled account, the shared login on the ICU clinical information
// system (a device application system), the manufacturer's Administrator, the unreset
// emergency account, the unused and the transferred person's accounts; the PACS review
// signed off and the ICU system's open.
func TestDemoAccounts(t *testing.T) {
	ctx := asSystem(context.Background())
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	accounts := sqlstore.NewAccountService(db)
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db), Components: sqlstore.NewComponentService(db), Scans: sqlstore.NewScanService(db),
		Accounts: accounts}
	if s.Assessments, err = newAssessmentService(db, dir); err != nil {
		t.Fatal(err)
	}
	// With its users: the PACS's review is signed off by the demo's system administrator.
	if loaded, _, err := loadDemo(ctx, s, "demo password for the test"); err != nil || !loaded {
		t.Fatalf("load: %v, %v", loaded, err)
	}
	fs, err := accounts.AccountFindings(ctx, medsec.AccountFilter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Username+" "+string(f.Kind))
	}
	slices.Sort(got)
	want := []string{"Administrator default-credentials", "chen.cy departed", "icu-breakglass emergency-used", "icu-nurse shared-forbidden", "lin.jr transferred", "tsai.old unused"}
	if !slices.Equal(got, want) {
		t.Errorf("demo findings = %q\nwant %q", got, want)
	}
	rs, err := accounts.FindAccessReviews(ctx, medsec.AccessReviewFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, r := range rs {
		states = append(states, r.AssetName+" "+r.Status)
	}
	slices.Sort(states)
	if want := []string{"PACS 影像主伺服器 signed", "重症照護資訊系統 open"}; !slices.Equal(states, want) {
		t.Errorf("demo reviews = %q, want %q", states, want)
	}
	for _, r := range rs {
		if r.Status == medsec.AccessReviewSigned && (r.SignedByName != "陳建宏" || r.SignedBy == 0) {
			t.Errorf("the PACS review is signed by %q (user %d), want the demo's system administrator 陳建宏", r.SignedByName, r.SignedBy)
		}
	}
}

// TestDemoEmergencyUse loads the demo hospital with detection on the event stream, as
// "medsec serve --demo" does: the ICU system's emergency-account login of ten days ago is
// followed (the inventory types icu-breakglass as emergency, a name the detection settings
// do not list) and is an overdue password-reset task on that account, with its alert.
func TestDemoEmergencyUse(t *testing.T) {
	ctx := asSystem(context.Background())
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bus := eventbus.New(0, nil)
	db.Events = bus
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db), Components: sqlstore.NewComponentService(db), Scans: sqlstore.NewScanService(db),
		Accounts: sqlstore.NewAccountService(db)}
	if s.Assessments, err = newAssessmentService(db, dir); err != nil {
		t.Fatal(err)
	}
	detector, err := startDetection(ctx, db, &s, bus, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer detector.Stop()
	// As serve does once the stores are open: nothing stored to replay, the stream flows.
	resumeDetection(ctx, detector, time.Now().UTC(), slog.Default())
	// As serve --demo does: the hospital, then its users, then what the users did.
	if out, err := loadDemoAndUsers(ctx, s, "Green-Harbor-2026!xy", nil); err != nil || !out.Loaded {
		t.Fatalf("load: %+v, %v", out, err)
	}
	if err := bus.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	uses, err := s.EmergencyUses.FindEmergencyUses(ctx, medsec.EmergencyUseFilter{Open: true})
	if err != nil {
		t.Fatal(err)
	}
	var icu *medsec.EmergencyUse
	for _, u := range uses {
		if u.Username == "icu-breakglass" {
			icu = u
		}
	}
	if icu == nil || icu.AssetName != "重症照護資訊系統" || icu.AccountID == 0 || !icu.Overdue || icu.AlertID == 0 || icu.Justification != "" {
		t.Fatalf("demo emergency uses = %+v; want icu-breakglass on the ICU system, overdue", uses)
	}
	// The PACS vendor's plan, and its login outside the plan as one alert (the one inside
	// raised none).
	plans, err := s.MaintenancePlans.FindMaintenancePlans(ctx, medsec.MaintenancePlanFilter{})
	if err != nil || len(plans) != 4 || plans[0].AssetNames[0] != "PACS 影像主伺服器" {
		t.Fatalf("demo plans = %+v, %v", plans, err)
	}
	// Requests in every state: one waiting (the clinical engineering chief's), one approved
	// and one refused by the security officer.
	states := map[string]int{}
	for _, p := range plans {
		states[p.Status]++
		if p.RequestedBy != "" && p.Status != medsec.MaintenanceRequested && (p.DecidedBy != "ciso" || p.DecidedBy == p.RequestedBy) {
			t.Errorf("demo plan decided by %q, requested by %q", p.DecidedBy, p.RequestedBy)
		}
	}
	if states[medsec.MaintenanceRequested] != 1 || states[medsec.MaintenanceApproved] != 2 || states[medsec.MaintenanceRefused] != 1 {
		t.Errorf("demo plans' states = %v", states)
	}
	// The demo acts as its real users: the directly entered plan names its approver (was
	// "system") and every plan's audit entry names a user by ID (was user 0).
	for _, p := range plans {
		if p.RequestedBy == "" && p.ApprovedBy != "ciso" {
			t.Errorf("the directly entered plan's approver is %q, want ciso", p.ApprovedBy)
		}
	}
	var entries int
	for _, action := range []string{medsec.ActionMaintenancePlanCreate, medsec.ActionMaintenancePlanRequest, medsec.ActionMaintenancePlanDecide} {
		got, _, err := s.Audit.FindAuditEntries(ctx, medsec.AuditFilter{Action: action, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			entries++
			if e.UserID == 0 || (e.Username != "ciso" && e.Username != "ce.lin" && e.Username != "itops.chen") {
				t.Errorf("%s audited as user %d %q, want a demo user", action, e.UserID, e.Username)
			}
		}
	}
	if entries != 6 {
		t.Errorf("%d maintenance audit entries, want 6 (1 entered, 3 requested, 2 decided)", entries)
	}
	rules, err := s.Rules.FindRules(ctx, medsec.RuleFilter{Query: medsec.RuleUIDVendorUnplanned})
	if err != nil || len(rules) != 1 {
		t.Fatalf("rule: %v, %v", rules, err)
	}
	alerts, _, err := s.Alerts.FindAlerts(ctx, medsec.AlertFilter{RuleID: rules[0].ID})
	if err != nil || len(alerts) != 1 || alerts[0].AssetName != "PACS 影像主伺服器" || alerts[0].EventCount != 1 {
		t.Fatalf("demo vendor alerts = %+v, %v; want the night login on the PACS", alerts, err)
	}
}

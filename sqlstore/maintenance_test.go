package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/account"
	"medsec/detection"
	"medsec/sqlstore"
)

// TestVendorLoginOutsidePlan enters a vendor's approved plan for the PACS on both engines
// and runs the real detection service: the vendor account's login inside the window raises
// nothing, the same account's login at night raises the built-in rule's alert on the
// PACS; a plan ending before it starts, or on another site's system, is refused; the
// plan is audited and seen only at its site.
func TestVendorLoginOutsidePlan(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		pacs := &medsec.Asset{SiteID: main.ID, Name: "PACS-01", Kind: medsec.KindPACS}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, pacs); err != nil {
			t.Fatal(err)
		}
		imp := account.ReadAccounts([]byte("username,type\nlumen-maint,vendor\n"), "pacs.csv")
		imp.AssetID = pacs.ID
		if _, err := sqlstore.NewAccountService(db).ImportAccounts(system, imp); err != nil {
			t.Fatal(err)
		}
		vendors, err := sqlstore.NewOrgService(db).FindVendors(system)
		if err != nil || len(vendors) == 0 {
			t.Fatal(vendors, err)
		}
		plans := sqlstore.NewMaintenancePlanService(db)
		start := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
		ce := as(&medsec.User{ID: 96, Username: "ce.lin", Role: medsec.RoleClinicalEngineer})
		bad := &medsec.MaintenancePlan{VendorID: vendors[0].ID, AssetIDs: []int64{pacs.ID}, Engineer: "Wu", Purpose: "patch", Start: start, End: start.Add(-time.Hour)}
		if err := plans.CreateMaintenancePlan(ce, bad); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("end before start: err = %v", err)
		}
		branchUser := as(&medsec.User{ID: 98, Username: "br", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		other := &medsec.MaintenancePlan{VendorID: vendors[0].ID, AssetIDs: []int64{pacs.ID}, Engineer: "Wu", Purpose: "patch", Start: start, End: start.Add(time.Hour)}
		if err := plans.CreateMaintenancePlan(branchUser, other); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("another site's system: err = %v", err)
		}
		p := &medsec.MaintenancePlan{VendorID: vendors[0].ID, AssetIDs: []int64{pacs.ID}, Engineer: "Wu Chien", Purpose: "PACS 8.2 patch", Start: start, End: start.Add(3 * time.Hour)}
		if err := plans.CreateMaintenancePlan(ce, p); err != nil || p.ID == 0 || p.ApprovedBy != "ce.lin" || len(p.AssetNames) != 1 || p.SiteID != main.ID {
			t.Fatalf("plan: %+v, %v", p, err)
		}
		if got, _ := plans.FindMaintenancePlans(branchUser, medsec.MaintenancePlanFilter{}); len(got) != 0 {
			t.Errorf("branch user sees %+v", got)
		}
		if got, _ := plans.FindMaintenancePlans(system, medsec.MaintenancePlanFilter{AssetID: pacs.ID}); len(got) != 1 {
			t.Errorf("plans of the PACS: %+v", got)
		}
		if entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionMaintenancePlanCreate}); err != nil || len(entries) != 1 {
			t.Errorf("audit: %d, %v", len(entries), err)
		}

		det := sqlstore.NewDetectionService(db)
		uses := sqlstore.NewEmergencyUseService(db)
		svc := detection.New(detection.Stores{Rules: det, Alerts: det, Events: sqlstore.NewEventService(db), Accounts: uses, Followers: []medsec.AlertFollower{uses}}, nil)
		if err := svc.InstallBuiltins(system); err != nil {
			t.Fatal(err)
		}
		if err := svc.Load(system); err != nil {
			t.Fatal(err)
		}
		login := func(key string, at time.Time) medsec.Event {
			return medsec.Event{ID: key, Time: at, SiteID: main.ID, AssetID: pacs.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent},
				Fields: map[string]any{"event.category": "authentication", "event.outcome": "success", "user.name": "Lumen-Maint", "source.ip": "192.0.2.10"}}
		}
		rules, err := det.FindRules(system, medsec.RuleFilter{Query: medsec.RuleUIDVendorUnplanned})
		if err != nil || len(rules) != 1 {
			t.Fatalf("rule: %v %v", rules, err)
		}
		alerts := func() []*medsec.Alert {
			as, _, err := det.FindAlerts(system, medsec.AlertFilter{RuleID: rules[0].ID})
			if err != nil {
				t.Fatal(err)
			}
			return as
		}
		if err := svc.Handle(system, []medsec.Event{login("t:in", start.Add(90*time.Minute))}); err != nil {
			t.Fatal(err)
		}
		if got := alerts(); len(got) != 0 {
			t.Fatalf("a login inside the plan raised %+v", got)
		}
		if err := svc.Handle(system, []medsec.Event{login("t:out", start.Add(14*time.Hour))}); err != nil {
			t.Fatal(err)
		}
		if got := alerts(); len(got) != 1 || got[0].AssetID != pacs.ID || got[0].EventCount != 1 {
			t.Fatalf("the login outside the plan: %+v", got)
		}
	})
}

package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/account"
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
		ce := as(&medsec.User{ID: 96, Username: "ciso", Role: medsec.RoleSecurityOfficer})
		bad := &medsec.MaintenancePlan{VendorID: vendors[0].ID, AssetIDs: []int64{pacs.ID}, Engineer: "Wu", Purpose: "patch", Start: start, End: start.Add(-time.Hour)}
		if err := plans.CreateMaintenancePlan(ce, bad); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("end before start: err = %v", err)
		}
		branchUser := as(&medsec.User{ID: 98, Username: "br", Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{branch.ID}})
		other := &medsec.MaintenancePlan{VendorID: vendors[0].ID, AssetIDs: []int64{pacs.ID}, Engineer: "Wu", Purpose: "patch", Start: start, End: start.Add(time.Hour)}
		if err := plans.CreateMaintenancePlan(branchUser, other); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("another site's system: err = %v", err)
		}
		p := &medsec.MaintenancePlan{VendorID: vendors[0].ID, AssetIDs: []int64{pacs.ID}, Engineer: "Wu Chien", Purpose: "PACS 8.2 patch", Start: start, End: start.Add(3 * time.Hour)}
		if err := plans.CreateMaintenancePlan(ce, p); err != nil || p.ID == 0 || p.ApprovedBy != "ciso" || p.Status != medsec.MaintenanceApproved || len(p.AssetNames) != 1 || p.SiteID != main.ID {
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
		svc := loginDetector(t, db, uses)
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

// TestMaintenanceRequestApproval: a plan is requested by a clinical engineer and waits
// (its window lets no vendor login pass: the login inside it is an alert); the clinical
// engineer cannot decide (EFORBIDDEN), nor can the requester when an approver (a security
// officer's own request), nor an approver of another site (ENOTFOUND); a refusal without
// a note names note; another approver approves it, after which a login in its window
// raises nothing; deciding again is ECONFLICT; a refused plan covers nothing; a clinical
// engineer may not enter an approved plan; request and decision are audited. Both engines.
func TestMaintenanceRequestApproval(t *testing.T) {
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
		vendors, _ := sqlstore.NewOrgService(db).FindVendors(system)
		plans := sqlstore.NewMaintenancePlanService(db)
		ce := as(&medsec.User{ID: 96, Username: "ce.lin", Role: medsec.RoleClinicalEngineer})
		ciso := as(&medsec.User{ID: 5, Username: "ciso", Role: medsec.RoleSecurityOfficer})
		admin := as(&medsec.User{ID: 1, Username: "admin", Role: medsec.RoleAdmin})
		branchOfficer := as(&medsec.User{ID: 98, Username: "br.ciso", Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{branch.ID}})
		start := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
		plan := func(h int) *medsec.MaintenancePlan {
			s := start.Add(time.Duration(h) * time.Hour)
			return &medsec.MaintenancePlan{VendorID: vendors[0].ID, AssetIDs: []int64{pacs.ID}, Engineer: "Wu Chien", Purpose: "遠端連線:PACS 8.2 patch", Start: s, End: s.Add(3 * time.Hour)}
		}
		if err := plans.CreateMaintenancePlan(ce, plan(0)); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("a clinical engineer entered an approved plan: %v", err)
		}
		req := plan(0)
		if err := plans.RequestMaintenancePlan(ce, req); err != nil || req.Status != medsec.MaintenanceRequested || req.RequestedBy != "ce.lin" || req.ApprovedBy != "" || !req.DecidedAt.IsZero() {
			t.Fatalf("request: %+v, %v", req, err)
		}
		if err := plans.RequestMaintenancePlan(as(&medsec.User{ID: 97, Username: "auditor", Role: medsec.RoleAuditor}), plan(0)); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("an auditor requested: %v", err)
		}
		if waiting, _ := plans.FindMaintenancePlans(system, medsec.MaintenancePlanFilter{Status: medsec.MaintenanceRequested}); len(waiting) != 1 || waiting[0].ID != req.ID {
			t.Errorf("waiting: %+v", waiting)
		}

		det := sqlstore.NewDetectionService(db)
		uses := sqlstore.NewEmergencyUseService(db)
		svc := loginDetector(t, db, uses)
		rules, _ := det.FindRules(system, medsec.RuleFilter{Query: medsec.RuleUIDVendorUnplanned})
		alerts := func() int {
			as, _, err := det.FindAlerts(system, medsec.AlertFilter{RuleID: rules[0].ID})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, a := range as {
				n += a.EventCount
			}
			return n
		}
		login := func(key string, at time.Time) {
			t.Helper()
			e := medsec.Event{ID: key, Time: at, SiteID: main.ID, AssetID: pacs.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent},
				Fields: map[string]any{"event.category": "authentication", "event.outcome": "success", "user.name": "lumen-maint", "source.ip": "192.0.2.10"}}
			if err := svc.Handle(system, []medsec.Event{e}); err != nil {
				t.Fatal(err)
			}
		}
		login("t:waiting", start.Add(time.Hour))
		if n := alerts(); n != 1 {
			t.Fatalf("a login inside a plan still waiting: %d alerted logins, want 1", n)
		}

		if _, err := plans.DecideMaintenancePlan(ce, req.ID, medsec.MaintenanceDecision{Approve: true}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("the clinical engineer decided: %v", err)
		}
		own := plan(10)
		if err := plans.RequestMaintenancePlan(ciso, own); err != nil {
			t.Fatal(err)
		}
		if _, err := plans.DecideMaintenancePlan(ciso, own.ID, medsec.MaintenanceDecision{Approve: true}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("the officer approved the officer's own request: %v", err)
		}
		if _, err := plans.DecideMaintenancePlan(branchOfficer, req.ID, medsec.MaintenanceDecision{Approve: true}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("another site's officer decided: %v", err)
		}
		if _, err := plans.DecideMaintenancePlan(ciso, req.ID, medsec.MaintenanceDecision{Note: "  "}); !hasField(err, "note") {
			t.Errorf("refusal without a note: %v", err)
		}
		got, err := plans.DecideMaintenancePlan(ciso, req.ID, medsec.MaintenanceDecision{Approve: true, Note: "限跳板機"})
		if err != nil || got.Status != medsec.MaintenanceApproved || got.ApprovedBy != "ciso" || got.DecidedBy != "ciso" || got.RequestedBy != "ce.lin" || got.DecidedAt.IsZero() || got.DecisionNote != "限跳板機" {
			t.Fatalf("approve: %+v, %v", got, err)
		}
		if _, err := plans.DecideMaintenancePlan(admin, req.ID, medsec.MaintenanceDecision{Note: "late"}); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("decided twice: %v", err)
		}
		login("t:approved", start.Add(2*time.Hour))
		if n := alerts(); n != 1 {
			t.Errorf("a login inside the approved plan was alerted: %d alerted logins", n)
		}
		refused, err := plans.DecideMaintenancePlan(admin, own.ID, medsec.MaintenanceDecision{Note: "no change ticket"})
		if err != nil || refused.Status != medsec.MaintenanceRefused || refused.ApprovedBy != "" || refused.DecidedBy != "admin" {
			t.Fatalf("refuse: %+v, %v", refused, err)
		}
		login("t:refused", start.Add(11*time.Hour))
		if n := alerts(); n != 2 {
			t.Errorf("a login inside a refused plan: %d alerted logins, want 2", n)
		}
		audit := sqlstore.NewAuditService(db)
		for action, want := range map[string]int{medsec.ActionMaintenancePlanRequest: 2, medsec.ActionMaintenancePlanDecide: 2} {
			if entries, _, err := audit.FindAuditEntries(system, medsec.AuditFilter{Action: action}); err != nil || len(entries) != want {
				t.Errorf("audit %s: %d, %v", action, len(entries), err)
			}
		}
	})
}

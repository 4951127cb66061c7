package sqlstore_test

import (
	"errors"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestDeadlinePolicy: every site starts on the plan's windows (003 §5.2.1, §3.1.2, KEV the
// shortest); an unrestricted administrator sets the main site's, and the deadline of its
// open findings is computed again from the time each was found (the MX40's medium finding
// and the KEV one); an administrator limited to the branch changes the branch only; other
// roles may not; a window out of bounds is refused by name; each change is audited; all
// zero returns the site to the plan.
func TestDeadlinePolicy(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories, KEV: f.kev}); err != nil {
			t.Fatal(err)
		}
		main := f.mx40old.SiteID
		branch := main + 1 // seedOrg's second site
		ps, err := f.svc.FindDeadlinePolicies(system)
		if err != nil || len(ps) != 2 {
			t.Fatalf("policies: %+v, %v", ps, err)
		}
		for _, p := range ps {
			if p.HighHours != 24 || p.MediumHours != 72 || p.LowHours != 168 || p.TerminalHighHours != 48 || p.KEVHours != 0 || p.Custom {
				t.Errorf("site %d starts on %+v, want the plan's", p.SiteID, p)
			}
		}
		p := &medsec.DeadlinePolicy{SiteID: main, MediumHours: 48, KEVHours: 12}
		if err := f.svc.SetDeadlinePolicy(system, p); err != nil {
			t.Fatal(err)
		}
		if !p.Custom || p.MediumHours != 48 || p.HighHours != 24 || p.KEVHours != 12 || p.Recomputed < 2 {
			t.Errorf("set: %+v", p)
		}
		mx, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID, CVE: "CVE-2017-9657"})
		if len(mx) != 1 || !mx[0].Due.Equal(mx[0].FoundAt.Add(48*time.Hour)) || mx[0].DeadlineRule != "medium" {
			t.Errorf("MX40 medium finding after the change: %+v", mx)
		}
		kev, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{CVE: "CVE-2010-5306"})
		if len(kev) != 1 || !kev[0].Due.Equal(kev[0].FoundAt.Add(12*time.Hour)) || kev[0].DeadlineRule != "kev" {
			t.Errorf("KEV finding after the change: %+v", kev)
		}
		// Matching again keeps the site's windows.
		if _, err := f.svc.Rematch(system); err != nil {
			t.Fatal(err)
		}
		if again, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{CVE: "CVE-2010-5306"}); !again[0].Due.Equal(kev[0].Due) {
			t.Errorf("after matching again: due %v, want %v", again[0].Due, kev[0].Due)
		}

		branchAdmin := as(&medsec.User{ID: 60, Username: "br-admin", Role: medsec.RoleAdmin, SiteIDs: []int64{branch}})
		if err := f.svc.SetDeadlinePolicy(branchAdmin, &medsec.DeadlinePolicy{SiteID: main, HighHours: 1}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch admin changing the main site: %v", err)
		}
		if err := f.svc.SetDeadlinePolicy(branchAdmin, &medsec.DeadlinePolicy{SiteID: branch, LowHours: 240}); err != nil {
			t.Errorf("branch admin changing its site: %v", err)
		}
		if ps, _ := f.svc.FindDeadlinePolicies(branchAdmin); len(ps) != 1 || ps[0].SiteID != branch || ps[0].LowHours != 240 {
			t.Errorf("branch admin sees %+v", ps)
		}
		officer := as(&medsec.User{ID: 61, Username: "officer", Role: medsec.RoleSecurityOfficer})
		if err := f.svc.SetDeadlinePolicy(officer, &medsec.DeadlinePolicy{SiteID: main, HighHours: 1}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("security officer changing a policy: %v", err)
		}
		var ve *medsec.ValidationError
		if err := f.svc.SetDeadlinePolicy(system, &medsec.DeadlinePolicy{SiteID: main, LowHours: -1}); !errors.As(err, &ve) || ve.Errors[0].Field != "low_hours" {
			t.Errorf("negative window: %v", err)
		}
		if err := f.svc.SetDeadlinePolicy(system, &medsec.DeadlinePolicy{SiteID: 9999}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("unknown site: %v", err)
		}
		_, total, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "vuln.policy.set"})
		if err != nil || total != 2 {
			t.Errorf("audit rows: %d, %v", total, err)
		}
		back := &medsec.DeadlinePolicy{SiteID: main, HighHours: 24}
		if err := f.svc.SetDeadlinePolicy(system, back); err != nil || back.Custom || back.MediumHours != 72 {
			t.Errorf("back to the plan: %+v, %v", back, err)
		}
		if kev, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{CVE: "CVE-2010-5306"}); !kev[0].Due.Equal(kev[0].FoundAt.Add(24 * time.Hour)) {
			t.Errorf("KEV finding back on the plan: due %v", kev[0].Due)
		}
	})
}

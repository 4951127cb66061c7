package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestFindingSiteFilterFollowsTheAsset (bt16 design note, fix16 NOTICED): the site filter
// (a site's vulnerability list and this period's reports) selects the findings of the
// assets at the site now; a device moved to the branch takes its findings with it, and
// the main site's list no longer holds them.
func TestFindingSiteFilterFollowsTheAsset(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		main, branch := f.mx40old.SiteID, vulnBranch(t, db).ID
		count := func(site int64) int {
			t.Helper()
			list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{SiteID: site, AssetID: f.mx40old.ID})
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		found := count(main)
		if found == 0 || count(branch) != 0 {
			t.Fatalf("before the move: main %d, branch %d findings of the MX40", found, count(branch))
		}
		assets := sqlstore.NewAssetService(db)
		mx, err := assets.FindAssetByID(system, f.mx40old.ID)
		if err != nil {
			t.Fatal(err)
		}
		mx.SiteID = branch
		if err := assets.UpdateAsset(system, mx); err != nil {
			t.Fatal(err)
		}
		if got, left := count(branch), count(main); got != found || left != 0 {
			t.Errorf("after the move to the branch: branch %d findings (want %d), main %d (want 0)", got, found, left)
		}
	})
}

// TestMovedFindingsFollowTheNewSitesPolicy (issue 11): a device moved to the branch
// takes its open findings with it (vuln_findings.site_id, audited vuln.finding.move on
// the branch), their deadlines computed by the branch's policy (vuln.finding.deadline);
// a later change of the branch's policy reaches them, the main site's does not; a
// finding closed before the move stays at the main site until it is opened again.
func TestMovedFindingsFollowTheNewSitesPolicy(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		main, branch := f.mx40old.SiteID, vulnBranch(t, db).ID
		list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
		if err != nil || len(list) < 2 {
			t.Fatalf("findings of the MX40 before the move: %d %v; the test needs two", len(list), err)
		}
		closed := list[len(list)-1]
		if _, err := f.svc.AnalyzeFinding(system, closed.ID, medsec.FindingAnalysis{State: medsec.FindingNotAffected,
			Justification: "vulnerable_code_not_in_execute_path", Version: closed.Version}); err != nil {
			t.Fatal(err)
		}
		// The branch has a policy of its own before the move: 12 h for every window.
		if err := f.svc.SetDeadlinePolicy(system, &medsec.DeadlinePolicy{SiteID: branch, HighHours: 12, MediumHours: 12, LowHours: 12, TerminalHighHours: 12}); err != nil {
			t.Fatal(err)
		}
		assets := sqlstore.NewAssetService(db)
		mx, err := assets.FindAssetByID(system, f.mx40old.ID)
		if err != nil {
			t.Fatal(err)
		}
		mx.SiteID = branch
		if err := assets.UpdateAsset(system, mx); err != nil {
			t.Fatal(err)
		}
		read := func(id int64) *medsec.Finding {
			t.Helper()
			fd, err := f.svc.FindFinding(system, id)
			if err != nil {
				t.Fatal(err)
			}
			return fd
		}
		audit := sqlstore.NewAuditService(db)
		entries := func(action string, id int64) []*medsec.AuditEntry {
			t.Helper()
			es, _, err := audit.FindAuditEntries(system, medsec.AuditFilter{Action: action, ObjectType: "vuln_finding", ObjectID: id})
			if err != nil {
				t.Fatal(err)
			}
			return es
		}
		var open []int64
		for _, fd := range list[:len(list)-1] {
			got := read(fd.ID)
			if got.SiteID != branch {
				t.Errorf("finding %d (%s) after the move: site %d, want the branch %d", fd.ID, fd.CVE, got.SiteID, branch)
			}
			if want := got.FoundAt.Add(12 * time.Hour); !got.Due.Equal(want) {
				t.Errorf("finding %d after the move: due %v, want %v by the branch's 12 h", fd.ID, got.Due, want)
			}
			if es := entries("vuln.finding.move", fd.ID); len(es) != 1 || es[0].SiteID != branch {
				t.Errorf("finding %d: vuln.finding.move rows %+v, want one on the branch", fd.ID, es)
			}
			if es := entries("vuln.finding.deadline", fd.ID); len(es) != 1 || es[0].SiteID != branch {
				t.Errorf("finding %d: vuln.finding.deadline rows %+v, want one on the branch", fd.ID, es)
			}
			open = append(open, fd.ID)
		}
		if got := read(closed.ID); got.SiteID != main {
			t.Errorf("closed finding %d after the move: site %d, want it left at the main site %d", closed.ID, got.SiteID, main)
		}
		// A change of the main site's policy no longer reaches the moved findings.
		p := &medsec.DeadlinePolicy{SiteID: main, HighHours: 6, MediumHours: 6, LowHours: 6, TerminalHighHours: 6}
		if err := f.svc.SetDeadlinePolicy(system, p); err != nil {
			t.Fatal(err)
		}
		for _, id := range open {
			if got := read(id); !got.Due.Equal(got.FoundAt.Add(12 * time.Hour)) {
				t.Errorf("finding %d after the main site's policy change: due %v, want the branch's found + 12 h still", id, got.Due)
			}
		}
		// The branch's does, every one of them.
		p = &medsec.DeadlinePolicy{SiteID: branch, HighHours: 30, MediumHours: 30, LowHours: 30, TerminalHighHours: 30}
		if err := f.svc.SetDeadlinePolicy(system, p); err != nil {
			t.Fatal(err)
		}
		if p.Recomputed != len(open) {
			t.Errorf("branch's policy change recomputed %d findings, want %d", p.Recomputed, len(open))
		}
		for _, id := range open {
			if got := read(id); !got.Due.Equal(got.FoundAt.Add(30 * time.Hour)) {
				t.Errorf("finding %d after the branch's policy change: due %v, want found + 30 h", id, got.Due)
			}
		}
		// Opened again, the closed finding joins the device's site and its policy.
		c := read(closed.ID)
		if _, err := f.svc.AnalyzeFinding(system, c.ID, medsec.FindingAnalysis{State: medsec.FindingConfirmed, Version: c.Version}); err != nil {
			t.Fatal(err)
		}
		if got := read(closed.ID); got.SiteID != branch || !got.Due.Equal(got.FoundAt.Add(30*time.Hour)) {
			t.Errorf("finding %d opened again: site %d due %v, want the branch %d and found + 30 h", closed.ID, got.SiteID, got.Due, branch)
		}
	})
}

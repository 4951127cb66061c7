package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// TestClosedLedgerFindingsScopedBySiteThen: a user limited to the main site gets 2025's
// vulnerability ledger of the main site with the MX40's findings after the monitor moved
// in 2026 to the branch (issue 16 break-test: findings were scoped by the asset's site
// today, so the limited user's closed-period ledger lost them); the branch's 2025 ledger
// does not list them, the monitor being then at the main site.
func TestClosedLedgerFindingsScopedBySiteThen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = func() time.Time { return time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC) }
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories, KEV: f.kev}); err != nil {
			t.Fatal(err)
		}
		org := sqlstore.NewOrgService(db)
		sites, err := org.FindSites(system)
		if err != nil {
			t.Fatal(err)
		}
		var mainSite, branch *medsec.Site
		for _, s := range sites {
			switch s.Code {
			case "HQ":
				mainSite = s
			case "BR":
				branch = s
			}
		}
		if mainSite == nil || branch == nil || f.mx40old.SiteID != mainSite.ID {
			t.Fatalf("fixture sites %v", sites)
		}
		mainUser := as(&medsec.User{ID: 21, Username: "ce.main", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{mainSite.ID}})
		branchUser := as(&medsec.User{ID: 22, Username: "ce.branch", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		assets := sqlstore.NewAssetService(db)
		src := report.Sources{Org: org, Assets: assets, Assessments: newAssessmentService(t, db), Vulns: f.svc, Incidents: sqlstore.NewIncidentService(db)}
		// count gives the number of the MX40-7F-01's rows in the site's ledger of period.
		count := func(ctx context.Context, site *medsec.Site, period string) int {
			t.Helper()
			p, err := report.ParsePeriod(period, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			d, err := report.Build(ctx, report.Params{Name: report.VulnLedger, Lang: "en", Period: p, Now: db.Now(), Site: site}, src,
				func(key string, args ...any) string { return bundle.T("en", key, args...) })
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range d.Sections {
				for _, tb := range s.Tables {
					if tb.Title != "Vulnerabilities" {
						continue
					}
					for _, r := range tb.Rows {
						if r[2] == f.mx40old.Name {
							n++
						}
					}
				}
			}
			return n
		}
		db.Now = func() time.Time { return time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC) }
		want := count(mainUser, mainSite, "2025")
		if want == 0 {
			t.Fatal("2025 ledger of the main site lists no finding of the MX40 before the move")
		}
		if n := count(branchUser, branch, "2025"); n != 0 {
			t.Fatalf("2025 ledger of the branch lists %d findings of the main site's MX40", n)
		}
		db.Now = func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
		f.mx40old.SiteID = branch.ID
		if err := assets.UpdateAsset(system, f.mx40old); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC) }
		for who, ctx := range map[string]context.Context{"main-site user": mainUser, "administrator": system} {
			if n := count(ctx, mainSite, "2025"); n != want {
				t.Errorf("after the move: %s's 2025 ledger of the main site lists %d findings of the MX40, want %d", who, n, want)
			}
		}
		if n := count(branchUser, branch, "2025"); n != 0 {
			t.Errorf("after the move: the branch user's 2025 ledger of the branch lists %d findings of the MX40, want 0", n)
		}
		if n := count(system, nil, "2025"); n != want {
			t.Errorf("after the move: the 2025 ledger of every site lists %d findings of the MX40, want %d", n, want)
		}
	})
}

package sqlstore_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// TestClosedLedgerKeepsDeadlinesOfThen: 2025's vulnerability ledger, generated in 2026, is
// the same after the main site's deadline policy changes in 2026 (issue 16 break-test: the
// policy change recomputed the open findings' deadlines in place, so last year's ledger
// showed this year's deadlines and lateness). Each change is audited per finding
// (vuln.finding.deadline) and the closed period's ledger rewinds it; 2026's ledger shows
// the new deadline.
func TestClosedLedgerKeepsDeadlinesOfThen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		closedLedgerKeepsDeadlines(t, db, func(f *vulnFixture) {
			if err := f.svc.SetDeadlinePolicy(system, &medsec.DeadlinePolicy{SiteID: f.mx40old.SiteID, HighHours: 12, MediumHours: 48, LowHours: 96, KEVHours: 12}); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// TestClosedLedgerKeepsDeadlinesOfThenAfterSiteMove: the same after the device moves in
// 2026 to a site with another deadline policy (issue 16 B: the move recomputed its
// findings' deadlines under the new site's policy without the per-finding
// vuln.finding.deadline rows, so the closed month's ledger showed the new deadlines).
func TestClosedLedgerKeepsDeadlinesOfThenAfterSiteMove(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		closedLedgerKeepsDeadlines(t, db, func(f *vulnFixture) {
			sites, err := sqlstore.NewOrgService(db).FindSites(system)
			if err != nil {
				t.Fatal(err)
			}
			var branch int64
			for _, s := range sites {
				if s.ID != f.mx40old.SiteID {
					branch = s.ID
				}
			}
			if err := f.svc.SetDeadlinePolicy(system, &medsec.DeadlinePolicy{SiteID: branch, HighHours: 12, MediumHours: 48, LowHours: 96, KEVHours: 12}); err != nil {
				t.Fatal(err)
			}
			assets := sqlstore.NewAssetService(db)
			a, err := assets.FindAssetByID(system, f.mx40old.ID)
			if err != nil {
				t.Fatal(err)
			}
			a.SiteID = branch
			if err := assets.UpdateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// closedLedgerKeepsDeadlines builds 2025's ledger in February 2026, makes the change on
// 1 March 2026 (which must move CVE-2017-9657's deadline on the old MX40), and checks
// that 2025's ledger is unchanged in April while 2026's shows the new deadlines.
func closedLedgerKeepsDeadlines(t *testing.T, db *sqlstore.DB, change func(f *vulnFixture)) {
	t.Helper()
	{
		db.Now = func() time.Time { return time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC) }
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories, KEV: f.kev}); err != nil {
			t.Fatal(err)
		}
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		src := report.Sources{Org: sqlstore.NewOrgService(db), Assets: sqlstore.NewAssetService(db), Assessments: newAssessmentService(t, db),
			Vulns: f.svc, Incidents: sqlstore.NewIncidentService(db)}
		rows := func(period string) []string {
			t.Helper()
			p, err := report.ParsePeriod(period, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			d, err := report.Build(system, report.Params{Name: report.VulnLedger, Lang: "en", Period: p, Now: db.Now()}, src,
				func(key string, args ...any) string { return bundle.T("en", key, args...) })
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range d.Sections {
				for _, tb := range s.Tables {
					if tb.Title == "Vulnerabilities" {
						for _, r := range tb.Rows {
							out = append(out, fmt.Sprint(r))
						}
					}
				}
			}
			return out
		}
		db.Now = func() time.Time { return time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC) }
		before := rows("2025")
		if len(before) == 0 {
			t.Fatal("2025 ledger lists no finding")
		}
		due := func() time.Time {
			list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID, CVE: "CVE-2017-9657"})
			if err != nil || len(list) != 1 {
				t.Fatalf("CVE-2017-9657: %d findings, %v", len(list), err)
			}
			return list[0].Due
		}
		was := due()
		db.Now = func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
		change(f)
		if now := due(); now.Equal(was) {
			t.Fatalf("the change left the deadline at %v", now)
		}
		db.Now = func() time.Time { return time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC) }
		if got := rows("2025"); !reflect.DeepEqual(got, before) {
			t.Errorf("2025 ledger changed by 2026's deadline policy:\n got %q\nwant %q", got, before)
		}
		if got := rows("2026"); reflect.DeepEqual(got, before) {
			t.Errorf("2026 ledger does not show the new deadlines: %q", got)
		}
	}
}

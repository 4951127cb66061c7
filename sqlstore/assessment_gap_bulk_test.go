package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"medsec"
	"medsec/catalog"
	"medsec/sqlstore"
)

// TestGapReportBulkMatchesWalk generates an inventory with every device class, level,
// connectivity and assessment status, failing checks on assessed and unassessed rows,
// backup plans and log sources, and holds the bulk gap report (counts from shared row
// shapes, check inputs read in bulk, only the page's items built) against the report as
// it was computed before: every asset and control walked, every check input read per
// asset. Every filter, every page size and every kind of user must give the same report.
func TestGapReportBulkMatchesWalk(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		org := sqlstore.NewOrgService(db)
		sites, _ := org.FindSites(system)
		var depts []*medsec.Department
		for i, s := range sites {
			for _, n := range []string{"加護病房", "血液透析室"} {
				d := &medsec.Department{SiteID: s.ID, Name: fmt.Sprintf("%s %d", n, i)}
				if err := org.CreateDepartment(system, d); err != nil {
					t.Fatal(err)
				}
				depts = append(depts, d)
			}
		}
		people, _ := org.FindPeople(system)
		assets := sqlstore.NewAssetService(db)
		classes := []medsec.DeviceClass{medsec.ClassStandalone, medsec.ClassGroup, medsec.ClassBoundary, medsec.ClassControl, medsec.ClassApplication, ""}
		levels := []medsec.Level{medsec.LevelLow, medsec.LevelModerate, medsec.LevelHigh, ""}
		conns := [][]medsec.Connectivity{nil, {medsec.ConnLocalLAN}, {medsec.ConnIntranet}, {medsec.ConnRS232, medsec.ConnLocalLAN}}
		past, _ := medsec.ParseDate("2025-01-31")
		var ids []int64
		for i := range 48 {
			a := &medsec.Asset{SiteID: depts[i%len(depts)].SiteID, DepartmentID: depts[i%len(depts)].ID, Name: fmt.Sprintf("裝置 %02d", (i*17)%48),
				Kind: medsec.KindWorkstation, Class: classes[i%len(classes)], Level: levels[(i/2)%len(levels)], Connectivity: conns[(i/3)%len(conns)]}
			if i%5 == 0 {
				a.DefaultCreds = medsec.CredUnchanged
			}
			if i%7 == 0 {
				a.EndOfSupport = past
			}
			if i%3 == 0 {
				a.ResponsibleID = people[0].ID
			}
			if i%4 == 0 {
				a.VendorID = f.vendorID
			}
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatalf("asset %d: %v", i, err)
			}
			ids = append(ids, a.ID)
		}
		ids = append(ids, f.hq.ID, f.br.ID)
		statuses := []medsec.AssessmentStatus{medsec.AssessImplemented, medsec.AssessCompensating, medsec.AssessPartial, medsec.AssessNotImplemented, medsec.AssessNotApplicable}
		for i, id := range ids {
			if i%4 == 3 && i < 48 {
				continue // not assessed at all: counted from its shape, failing checks or not
			}
			ac, err := f.svc.AssetControls(f.ciso, id)
			if err != nil {
				t.Fatal(err)
			}
			for j, c := range ac.Controls {
				st := statuses[(i*7+j)%len(statuses)]
				if len(c.Checks) > 0 && i%2 == 0 {
					st = medsec.AssessImplemented // a failing check on an implemented row: open only for it
				} else if (i+j)%3 != 0 {
					continue
				}
				if err := f.svc.Assess(f.ciso, &medsec.Assessment{CatalogID: c.CatalogID, ControlID: c.ControlID, AssetID: id, Status: st, Notes: "產生的評估", Compensating: "隔離網段", Reason: "裝置未具此功能"}); err != nil {
					t.Fatalf("assess %d %s %s: %v", id, c.ControlID, st, err)
				}
			}
		}
		for _, cid := range []string{catalog.IDChinaMeasures, catalog.IDJapanOperation, catalog.IDIncidentPlan} {
			cs, err := f.svc.OrganisationControls(f.ciso, cid)
			if err != nil {
				t.Fatal(err)
			}
			for j, c := range cs {
				if j%3 == 0 {
					if err := f.svc.Assess(f.ciso, &medsec.Assessment{CatalogID: cid, ControlID: c.ControlID, AssetID: medsec.Organisation, Status: statuses[j%len(statuses)], Notes: "產生的評估", Compensating: "隔離網段", Reason: "裝置未具此功能"}); err != nil {
						t.Fatalf("assess %s %s: %v", cid, c.ControlID, err)
					}
				}
			}
		}
		// Check inputs the bulk report reads per asset only where they exist.
		if err := sqlstore.NewBackupService(db).CreateBackupPlan(system, &medsec.BackupPlan{AssetID: ids[2], Name: "設定備份", FrequencyHours: 24, Generations: 2,
			Copies: []medsec.BackupCopy{{Label: "NAS", Medium: medsec.MediumDisk}}}); err != nil {
			t.Fatal(err)
		}
		officer := as(&medsec.User{Username: "so", Role: medsec.RoleSecurityOfficer})
		if _, err := sqlstore.NewLogSourceService(db).CreateLogSource(officer, &medsec.LogSource{SiteID: sites[0].ID, Name: "device-0", Address: "10.9.0.1", Transport: "udp", AssetID: ids[0]}, false); err != nil {
			t.Fatal(err)
		}

		all, err := f.svc.LegacyGapReport(f.ciso, medsec.GapFilter{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[medsec.AssessmentStatus]bool{}
		failedOnly := 0
		for _, it := range all.Open {
			seen[it.Status] = true
			if !it.Status.Open() {
				failedOnly++
			}
		}
		for _, st := range statuses {
			if all.Totals.ByStatus[st] == 0 {
				t.Errorf("the generated inventory has no row %s: %v", st, all.Totals.ByStatus)
			}
		}
		if failedOnly == 0 || len(all.UncarriedChecks) == 0 || len(all.LeftOut) == 0 {
			t.Errorf("generated inventory: %d items open only for a failing check, %d uncarried checks, %d left out; want some of each",
				failedOnly, len(all.UncarriedChecks), len(all.LeftOut))
		}

		same := func(name string, ctx context.Context, g medsec.GapFilter) {
			t.Helper()
			want, err := f.svc.LegacyGapReport(ctx, g)
			if err != nil {
				t.Fatalf("%s: legacy: %v", name, err)
			}
			got, err := f.svc.GapReport(ctx, g)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !reflect.DeepEqual(got, want) {
				gj, _ := json.MarshalIndent(got, "", " ")
				wj, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("%s: bulk report differs from the walk:\n%s", name, firstDiff(string(gj), string(wj)))
			}
			// Pages: the same items, in the same order, as the whole list cut.
			for _, p := range [][2]int{{0, 1}, {0, 7}, {5, 7}, {len(want.Open) - 3, 50}, {len(want.Open) + 10, 5}} {
				pg := g
				pg.Offset, pg.Limit = max(p[0], 0), p[1]
				got, err := f.svc.GapReport(ctx, pg)
				if err != nil {
					t.Fatal(err)
				}
				lo := min(pg.Offset, len(want.Open))
				hi := min(lo+pg.Limit, len(want.Open))
				if got.OpenTotal != len(want.Open) || !reflect.DeepEqual(got.Open, want.Open[lo:hi]) || !reflect.DeepEqual(got.Totals, want.Totals) {
					t.Errorf("%s: page %d+%d: %d of %d items, want %d of %d", name, pg.Offset, pg.Limit, len(got.Open), got.OpenTotal, hi-lo, len(want.Open))
				}
			}
		}
		same("everything", f.ciso, medsec.GapFilter{})
		same("auditor", f.auditor, medsec.GapFilter{})
		same("vendor", f.vendor, medsec.GapFilter{})
		same("branch engineer", f.branchCE, medsec.GapFilter{})
		same("site", f.ciso, medsec.GapFilter{SiteID: sites[1].ID})
		same("department", f.ciso, medsec.GapFilter{DepartmentID: depts[1].ID})
		same("owner", f.ciso, medsec.GapFilter{OwnerID: people[0].ID})
		same("one asset", f.ciso, medsec.GapFilter{AssetID: ids[0]})
		same("boundary host", f.ciso, medsec.GapFilter{AssetID: f.hq.ID})
		for _, l := range medsec.Levels {
			same("level "+string(l), f.ciso, medsec.GapFilter{Level: l})
		}
		for _, st := range medsec.ReportStatuses {
			same("status "+string(st), f.ciso, medsec.GapFilter{Status: st})
		}
		for _, d := range all.Domains[:min(3, len(all.Domains))] {
			same("domain "+d, f.ciso, medsec.GapFilter{Domain: d})
		}
		same("site, level and status", f.ciso, medsec.GapFilter{SiteID: sites[0].ID, Level: medsec.LevelModerate, Status: medsec.AssessNotAssessed})
		for _, cid := range []string{catalog.IDChinaMeasures, catalog.IDJapanOperation, catalog.IDIncidentPlan} {
			same(cid, f.ciso, medsec.GapFilter{CatalogID: cid})
			same(cid+" vendor", f.vendor, medsec.GapFilter{CatalogID: cid})
			same(cid+" status", f.ciso, medsec.GapFilter{CatalogID: cid, Status: medsec.AssessNotAssessed})
		}
	})
}

// firstDiff returns the lines around the first difference of two texts.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-300)
	return fmt.Sprintf("got  …%s…\nwant …%s…", a[from:min(len(a), i+200)], b[from:min(len(b), i+200)])
}

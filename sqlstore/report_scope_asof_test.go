package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/report"
	"medsec/sqlstore"
)

// TestClosedReportScopeJudgedThen: a user limited to the branch and the administrator get
// the same 2024 self-inspection and gap report of the branch after one of its devices
// moved in 2026 to the main site (issue 16 break-test: the limited user's report lost the
// device, its scope applied to today's site before the rewind). The scope is judged on the
// site the asset had at the period's end; the limited user still does not see a main-site
// asset in the main site's period.
func TestClosedReportScopeJudgedThen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 9)
		assets := sqlstore.NewAssetService(db)
		at("2023-02-01")
		f := newAssessFixture(t, db)
		moved := &medsec.Asset{SiteID: f.br.SiteID, Name: "分院 超音波", Kind: medsec.KindWorkstation, Class: medsec.ClassApplication, Level: medsec.LevelLow}
		if err := assets.CreateAsset(system, moved); err != nil {
			t.Fatal(err)
		}
		at("2026-12-01")
		rig := newReportRig(t, db, report.Sources{Assets: assets, Assessments: f.svc, Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db)})
		branch := rig.site(f.br.SiteID)
		names := func(ctx context.Context, name string) []string {
			t.Helper()
			var out []string
			for _, r := range tableRows(rig.build(ctx, name, "2024", "en", branch), "Asset list") {
				out = append(out, r[1].(string))
			}
			slices.Sort(out)
			return out
		}
		want := []string{"分院 PACS", "分院 超音波"}
		if got := names(f.branchCE, report.SelfInspection); !slices.Equal(got, want) {
			t.Fatalf("before the move: branch user's 2024 asset list %q, want %q", got, want)
		}
		at("2026-11-20")
		moved.SiteID = f.hq.SiteID
		if err := assets.UpdateAsset(system, moved); err != nil {
			t.Fatal(err)
		}
		at("2026-12-01")
		for who, ctx := range map[string]context.Context{"branch user": f.branchCE, "administrator": system} {
			if got := names(ctx, report.SelfInspection); !slices.Equal(got, want) {
				t.Errorf("after the move: %s's 2024 asset list %q, want %q", who, got, want)
			}
		}
		// The gap report's subjects (visibleAssets) likewise.
		p, _ := report.ParsePeriod("2024", time.UTC)
		for who, ctx := range map[string]context.Context{"branch user": f.branchCE, "administrator": system} {
			g, err := f.svc.GapReport(ctx, medsec.GapFilter{SiteID: branch.ID, AsOf: p.To, InUseFrom: p.From})
			if err != nil {
				t.Fatal(err)
			}
			if g.Subjects != 2 {
				t.Errorf("after the move: %s's 2024 gap report of the branch has %d subjects, want 2", who, g.Subjects)
			}
		}
		// The limited user does not see the main site's assets of 2024 through the rewind.
		var seen []string
		if err := assets.EachAsset(f.branchCE, medsec.AssetFilter{InUseFrom: p.From, InUseTo: p.To}, func(a *medsec.Asset) error {
			seen = append(seen, a.Name)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(seen)
		if !slices.Equal(seen, want) {
			t.Errorf("branch user's 2024 assets of every site %q, want %q", seen, want)
		}
	})
}

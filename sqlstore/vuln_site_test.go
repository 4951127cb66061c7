package sqlstore_test

import (
	"testing"

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
		sites, err := sqlstore.NewOrgService(db).FindSites(system)
		if err != nil || len(sites) != 2 {
			t.Fatalf("sites: %v %v", sites, err)
		}
		main, branch := f.mx40old.SiteID, sites[0].ID
		if branch == main {
			branch = sites[1].ID
		}
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

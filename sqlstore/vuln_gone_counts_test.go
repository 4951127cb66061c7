package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestGoneFindingsAreNotOpen (bt11g MEDIUM 3): after the MX40 at B.06.17 is updated to
// B.06.18, its findings of the real CVE-2017-9657 and ICSMA-17-255-01 are gone; the counts
// (/api/v1/findings/counts, the /vulnerabilities page), the open filter (the dashboard)
// and the advisories' open counts no longer count them (was: counted as open).
func TestGoneFindingsAreNotOpen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories, KEV: f.kev}); err != nil {
			t.Fatal(err)
		}
		before, err := f.svc.CountFindings(system)
		if err != nil {
			t.Fatal(err)
		}
		mine, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
		if len(mine) == 0 {
			t.Fatal("the MX40 at B.06.17 has no findings")
		}
		assets := sqlstore.NewAssetService(db)
		a, _ := assets.FindAssetByID(system, f.mx40old.ID)
		a.Firmware = "B.06.18"
		if err := assets.UpdateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		after, err := f.svc.CountFindings(system)
		if err != nil {
			t.Fatal(err)
		}
		if after.Open != before.Open-len(mine) {
			t.Errorf("open %d after the update, want %d (%d before, %d gone)", after.Open, before.Open-len(mine), before.Open, len(mine))
		}
		_, open, err := f.svc.FindFindings(system, medsec.FindingFilter{Open: true, Limit: 1})
		if err != nil || open != after.Open {
			t.Errorf("open filter %d, %v; counts say %d", open, err, after.Open)
		}
		if _, n, _ := f.svc.FindFindings(system, medsec.FindingFilter{Open: true, AssetID: a.ID}); n != 0 {
			t.Errorf("the updated MX40 has %d open findings, want 0", n)
		}
		advs, err := f.svc.FindAdvisories(system)
		if err != nil {
			t.Fatal(err)
		}
		for _, adv := range advs {
			if adv.Ref == "ICSMA-17-255-01" && adv.Open != 0 {
				t.Errorf("ICSMA-17-255-01 open %d, want 0 (its one device is gone)", adv.Open)
			}
		}
	})
}

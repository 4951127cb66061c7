package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// vulnBranch returns the branch site of a vulnerability fixture's organisation.
func vulnBranch(t *testing.T, db *sqlstore.DB) *medsec.Site {
	t.Helper()
	sites, err := sqlstore.NewOrgService(db).FindSites(system)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sites {
		if s.Code == "BR" {
			return s
		}
	}
	t.Fatal("no branch site")
	return nil
}

// TestVulnModelPermissionNeedsEverySite: a manufacturer's permission for a whole model
// applies to the model's devices at every site, so a branch-limited clinical engineer is
// refused (403) like model SBOMs and MDS2 profiles, nothing is stored, and the main site's
// MX40 keeps no permission; the same engineer may still record one for a branch device.
func TestVulnModelPermissionNeedsEverySite(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		branch := vulnBranch(t, db)
		ce := as(&medsec.User{ID: 14, Username: "ce.hsu", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		p := &medsec.PatchPermission{VendorID: f.mx40old.VendorID, Model: f.mx40old.Model, Allowed: true, SaidBy: "Philips", SaidOn: medsec.DateOf(testNow)}
		if err := f.svc.SetPatchPermission(ce, p); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Fatalf("branch engineer's model permission: %v, want forbidden", err)
		}
		list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
		if err != nil || len(list) == 0 {
			t.Fatalf("findings: %v %v", list, err)
		}
		if got, _ := f.svc.FindFinding(system, list[0].ID); got.Permission != nil {
			t.Errorf("main-site finding has a permission after the refusal: %+v", got.Permission)
		}
		pump := &medsec.Asset{SiteID: branch.ID, Name: "BR-MX40", Kind: medsec.KindPatientMonitor, VendorID: f.mx40old.VendorID, Model: f.mx40old.Model, Firmware: "B.06.17"}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, pump); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetPatchPermission(ce, &medsec.PatchPermission{AssetID: pump.ID, SaidBy: "Philips", SaidOn: medsec.DateOf(testNow)}); err != nil {
			t.Errorf("branch engineer's permission for a branch device: %v", err)
		}
		if err := f.svc.SetPatchPermission(system, p); err != nil {
			t.Errorf("unrestricted model permission: %v", err)
		}
	})
}

package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/internal/shareddata"
	"medsec/mds2"
	"medsec/sqlstore"
)

// TestModelWritesNeedEverySite checks that a device model's SBOMs and MDS2 profile, which
// apply to the model's assets at every site, are changed only by a user limited to no site:
// a branch engineer holding inventory:write is refused (EFORBIDDEN, nothing stored, no model
// created), an unrestricted one succeeds, and the branch engineer may still put an SBOM on
// an asset of its own site.
func TestModelWritesNeedEverySite(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		vendors, _ := sqlstore.NewOrgService(db).FindVendors(system)
		a1 := &medsec.Asset{SiteID: main.ID, Name: "pump-1", Kind: medsec.KindInfusionPump, VendorID: vendors[0].ID, Model: "Infusa 3"}
		a2 := &medsec.Asset{SiteID: branch.ID, Name: "pump-2", Kind: medsec.KindInfusionPump, VendorID: vendors[0].ID, Model: "Infusa 3"}
		for _, a := range []*medsec.Asset{a1, a2} {
			if err := sqlstore.NewAssetService(db).CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		svc := sqlstore.NewComponentService(db)
		branchCE := as(&medsec.User{ID: 14, Username: "ce.hsu", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		allCE := as(&medsec.User{ID: 15, Username: "ce.all", Role: medsec.RoleClinicalEngineer})
		target := medsec.ComponentTarget{VendorName: vendors[0].Name, ModelName: "Infusa 3"}
		newModel := medsec.ComponentTarget{VendorName: vendors[0].Name, ModelName: "Brand New"}

		// A new model by name, and an existing one: refused, nothing created.
		for _, tg := range []medsec.ComponentTarget{newModel, target} {
			if _, err := svc.ImportSBOM(branchCE, readSBOM(t, "medical-case-study/narrow.sbom.json", tg)); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
				t.Errorf("branch user's SBOM on model %q: %v, want forbidden", tg.ModelName, err)
			}
		}
		if _, err := svc.EnsureDeviceModel(branchCE, vendors[0].Name, "Brand New"); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("branch user creating a model: %v, want forbidden", err)
		}
		if models, _ := svc.FindDeviceModels(system); len(models) != 1 || models[0].Name != "Infusa 3" {
			t.Errorf("after refusals, models = %v", models)
		}
		sb, err := svc.ImportSBOM(allCE, readSBOM(t, "medical-case-study/narrow.sbom.json", target))
		if err != nil {
			t.Fatalf("unrestricted user's SBOM on model: %v", err)
		}
		// Replacing by ID, deleting: refused; the model keeps its 55 components.
		byID := readSBOM(t, "medical-case-study/extended.sbom.json", medsec.ComponentTarget{ModelID: sb.ModelID})
		byID.Key = sb.Key
		if _, err := svc.ImportSBOM(branchCE, byID); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("branch user replacing the model's SBOM: %v, want forbidden", err)
		}
		if err := svc.DeleteSBOM(branchCE, sb.ID); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("branch user deleting the model's SBOM: %v, want forbidden", err)
		}
		if _, got, err := svc.FindDeviceModel(system, sb.ModelID); err != nil || len(got.Components) != 55 {
			t.Errorf("model after refusals: %v components, %v", got, err)
		}

		data := shareddata.Data(t, "mds2/nema-example-mds2-worksheet-hn1-2019.xlsx")
		form, err := mds2.Parse("nema.xlsx", data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ImportMDS2(branchCE, target, form.Profile(0, "nema.xlsx", "x")); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("branch user's MDS2: %v, want forbidden", err)
		}
		if _, err := svc.FindMDS2(system, sb.ModelID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("MDS2 stored after refusal: %v", err)
		}
		if _, err := svc.ImportMDS2(allCE, target, form.Profile(0, "nema.xlsx", "x")); err != nil {
			t.Errorf("unrestricted user's MDS2: %v", err)
		}

		// The branch engineer's own asset: allowed.
		if _, err := svc.ImportSBOM(branchCE, readSBOM(t, "spdx/SPDXJSONExample-v2.3.spdx.json", medsec.ComponentTarget{AssetID: a2.ID})); err != nil {
			t.Errorf("branch user's SBOM on its own asset: %v", err)
		}
		if err := svc.DeleteSBOM(allCE, sb.ID); err != nil {
			t.Errorf("unrestricted user deleting the model's SBOM: %v", err)
		}
	})
}

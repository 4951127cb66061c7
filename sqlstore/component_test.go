package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/internal/shareddata"
	"medsec/sbom"
	"medsec/sqlstore"
)

// readSBOM parses a real SBOM of ../shared/data/sbom for an import onto target.
func readSBOM(t *testing.T, rel string, target medsec.ComponentTarget) medsec.SBOMImport {
	t.Helper()
	data := shareddata.Data(t, "sbom/"+rel)
	doc, err := sbom.Parse(rel, data)
	if err != nil {
		t.Fatal(err)
	}
	return doc.Import(target, rel, data)
}

// TestSBOMOnModel imports the real medical device's SBOMs onto a device model: both assets
// of the model share the components; re-importing the same document replaces its
// components; every change is audited; scope holds.
func TestSBOMOnModel(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		vendors, _ := sqlstore.NewOrgService(db).FindVendors(system)
		assets := sqlstore.NewAssetService(db)
		svc := sqlstore.NewComponentService(db)
		a1 := &medsec.Asset{SiteID: main.ID, Name: "pump-1", Kind: medsec.KindInfusionPump, VendorID: vendors[0].ID, Model: "Infusa 3"}
		a2 := &medsec.Asset{SiteID: branch.ID, Name: "pump-2", Kind: medsec.KindInfusionPump, VendorID: vendors[0].ID, Model: "Infusa 3"}
		other := &medsec.Asset{SiteID: main.ID, Name: "ct", Kind: medsec.KindModality}
		for _, a := range []*medsec.Asset{a1, a2, other} {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		target := medsec.ComponentTarget{VendorName: "aurora medical systems", ModelName: "Infusa 3"}
		imp := readSBOM(t, "medical-case-study/narrow.sbom.json", target)
		sb, err := svc.ImportSBOM(system, imp)
		if err != nil {
			t.Fatal(err)
		}
		if sb.ModelID == 0 || sb.Components != 55 {
			t.Fatalf("sbom = %+v", sb)
		}
		for _, a := range []*medsec.Asset{a1, a2} {
			got, err := svc.FindAssetComponents(system, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Model == nil || got.Model.Name != "Infusa 3" || len(got.Components) != 55 || len(got.SBOMs) != 1 {
				t.Errorf("asset %s: model %v, %d components, %d sboms", a.Name, got.Model, len(got.Components), len(got.SBOMs))
			}
		}
		if got, _ := svc.FindAssetComponents(system, other.ID); len(got.Components) != 0 || got.Model != nil {
			t.Errorf("asset of no model has %d components", len(got.Components))
		}
		// The same document again (same key), now with the extended list: replaced, not added.
		imp2 := readSBOM(t, "medical-case-study/extended.sbom.json", target)
		imp2.Key = imp.Key
		sb2, err := svc.ImportSBOM(system, imp2)
		if err != nil {
			t.Fatal(err)
		}
		if sb2.ID != sb.ID {
			t.Errorf("re-import made SBOM %d, want %d replaced", sb2.ID, sb.ID)
		}
		m, got, err := svc.FindDeviceModel(system, sb.ModelID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Assets != 2 || len(got.SBOMs) != 1 || len(got.Components) != 65 {
			t.Errorf("model: %d assets, %d sboms, %d components; want 2, 1, 65", m.Assets, len(got.SBOMs), len(got.Components))
		}
		var wolf *medsec.Component
		for _, c := range got.Components {
			if c.Name == "WolfSSL" {
				wolf = c
			}
		}
		if wolf == nil || wolf.CPE != "cpe:2.3:a:wolfssl:wolfssl:4.8.1:*:*:*:*:*:*:*" || wolf.PURL != "pkg:github/wolfssl/wolfssl" || wolf.Hashes == nil {
			t.Errorf("WolfSSL = %+v", wolf)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{ObjectType: "sbom", ObjectID: sb.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Action != "sbom.import" || entries[0].Before == nil || entries[1].Before != nil {
			t.Errorf("sbom audit = %d entries", len(entries))
		}

		// Scope: a branch engineer cannot put an SBOM on a main-site asset, and nothing is stored.
		branchCE := as(&medsec.User{ID: 9, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		onAsset := readSBOM(t, "spdx/SPDXJSONExample-v2.3.spdx.json", medsec.ComponentTarget{AssetID: a1.ID})
		if _, err := svc.ImportSBOM(branchCE, onAsset); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user on main-site asset: %v, want not found", err)
		}
		if _, err := svc.FindAssetComponents(branchCE, a1.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reading main-site asset: %v, want not found", err)
		}
		auditor := as(&medsec.User{ID: 10, Username: "aud", Role: medsec.RoleAuditor})
		if _, err := svc.ImportSBOM(auditor, onAsset); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor importing: %v, want forbidden", err)
		}
		// On the asset itself: the asset has its own SBOM beside its model's.
		if _, err := svc.ImportSBOM(system, onAsset); err != nil {
			t.Fatal(err)
		}
		got1, _ := svc.FindAssetComponents(system, a1.ID)
		got2, _ := svc.FindAssetComponents(system, a2.ID)
		if len(got1.Components) != 69 || len(got1.SBOMs) != 2 || len(got2.Components) != 65 {
			t.Errorf("asset components: %d and %d, want 69 and 65", len(got1.Components), len(got2.Components))
		}
		// Unknown vendor: refused, no model created.
		bad := readSBOM(t, "spdx/SPDXTagExample-v2.3.spdx", medsec.ComponentTarget{VendorName: "Nobody", ModelName: "X"})
		if _, err := svc.ImportSBOM(system, bad); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("unknown vendor: %v, want invalid", err)
		}
		models, err := svc.FindDeviceModels(system)
		if err != nil || len(models) != 1 || models[0].Assets != 2 {
			t.Errorf("models = %v, %v", models, err)
		}
		vendor := as(&medsec.User{ID: 11, Username: "v", Role: medsec.RoleVendor, VendorID: vendors[0].ID + 100})
		if models, _ := svc.FindDeviceModels(vendor); len(models) != 0 {
			t.Errorf("another vendor sees %d models", len(models))
		}
		if _, _, err := svc.FindDeviceModel(vendor, sb.ModelID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("another vendor reading the model: %v", err)
		}
		// Deleting the asset's SBOM leaves the model's.
		if err := svc.DeleteSBOM(system, got1.SBOMs[1].ID); err != nil {
			t.Fatal(err)
		}
		if got1, _ := svc.FindAssetComponents(system, a1.ID); len(got1.Components) != 65 {
			t.Errorf("after delete: %d components", len(got1.Components))
		}
	})
}

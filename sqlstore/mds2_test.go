package sqlstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"

	"medsec"
	"medsec/internal/shareddata"
	"medsec/mds2"
	"medsec/sqlstore"
)

// TestMDS2Gaps imports NEMA's example MDS2 form onto a device model and finds its answers
// as failing checks, with the answer as evidence, on the model's asset's controls and in
// the gap report; re-importing replaces the profile; every import is audited.
func TestMDS2Gaps(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		vendors, _ := sqlstore.NewOrgService(db).FindVendors(system)
		a := &medsec.Asset{SiteID: main.ID, Name: "glucose-server", Kind: medsec.KindApplicationServer, VendorID: vendors[0].ID,
			Model: "GlucoCheck", Class: medsec.ClassControl, Level: medsec.LevelLow}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		data := shareddata.Data(t, "mds2/nema-example-mds2-worksheet-hn1-2019.xlsx")
		form, err := mds2.Parse("nema.xlsx", data)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		svc := sqlstore.NewComponentService(db)
		target := medsec.ComponentTarget{VendorName: vendors[0].Name, ModelName: "GlucoCheck"}
		p, err := svc.ImportMDS2(system, target, form.Profile(0, "nema.xlsx", hex.EncodeToString(sum[:])))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ImportMDS2(system, target, form.Profile(0, "nema-again.xlsx", "y")); err != nil {
			t.Fatal(err)
		}
		got, err := svc.FindMDS2(system, p.ModelID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FileName != "nema-again.xlsx" || len(got.Answers) != 240 || len(got.Capabilities) != len(medsec.Capabilities) {
			t.Errorf("profile: %s, %d answers, %d capabilities", got.FileName, len(got.Answers), len(got.Capabilities))
		}
		entries, total, _ := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "mds2.import"})
		if total != 2 || entries[0].Before == nil || entries[1].Before != nil {
			t.Errorf("mds2 audit: %d entries", total)
		}

		assess := newAssessmentService(t, db)
		ac, err := assess.AssetControls(system, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var patching *medsec.CheckResult
		for i, r := range ac.Checks {
			if r.CheckID == "mds2-patching" {
				patching = &ac.Checks[i]
			}
		}
		if patching == nil || patching.Outcome != medsec.CheckFail || !slices.Contains(patching.Data, medsec.CheckDatum{Field: "mds2_answer", Value: "CSUP-11 = No"}) {
			t.Fatalf("mds2-patching on the asset = %+v", patching)
		}
		rep, err := assess.GapReport(system, medsec.GapFilter{AssetID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		found := map[string][]string{}
		var evidence []medsec.CheckDatum
		for _, it := range rep.Open {
			found[it.ControlID] = it.FailedChecks
			if it.ControlID == "tw-si-1.l" {
				evidence = it.Evidence
			}
		}
		if !slices.Contains(evidence, medsec.CheckDatum{Field: "mds2_answer", Value: "CSUP-11 = No"}) {
			t.Errorf("gap item tw-si-1.l evidence %v, want the MDS2 answer", evidence)
		}
		if !slices.Contains(found["tw-si-1.l"], "mds2-patching") || !slices.Contains(found["tw-si-2.l"], "mds2-malware-protection") {
			t.Errorf("gap report failed checks: %v", found)
		}
		// An asset of no profiled model gets no MDS2 results.
		b := &medsec.Asset{SiteID: main.ID, Name: "other", Kind: medsec.KindApplicationServer, Class: medsec.ClassControl, Level: medsec.LevelLow}
		sqlstore.NewAssetService(db).CreateAsset(system, b)
		ac, _ = assess.AssetControls(system, b.ID)
		for _, r := range ac.Checks {
			if r.CheckID == "mds2-patching" {
				t.Errorf("asset without a profile has %s", r.CheckID)
			}
		}
		// A vendor user of another vendor does not see the profile.
		other := as(&medsec.User{ID: 11, Username: "v", Role: medsec.RoleVendor, VendorID: vendors[0].ID + 5})
		if _, err := svc.FindMDS2(other, p.ModelID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("other vendor reading the profile: %v", err)
		}
		if _, err := svc.ImportMDS2(system, medsec.ComponentTarget{AssetID: a.ID}, p); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("MDS2 on an asset: %v, want invalid", err)
		}
	})
}

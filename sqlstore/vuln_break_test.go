package sqlstore_test

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"medsec"
	"medsec/internal/shareddata"
	"medsec/sbom"
	"medsec/sqlstore"
	"medsec/vuln"
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
		p := &medsec.PatchPermission{VendorID: f.mx40old.VendorID, Model: f.mx40old.Model, Allowed: true, SaidBy: "Philips", SaidOn: medsec.DateOf(testNow), Evidence: "letter"}
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
		if err := f.svc.SetPatchPermission(ce, &medsec.PatchPermission{AssetID: pump.ID, SaidBy: "Philips", SaidOn: medsec.DateOf(testNow), Evidence: "letter"}); err != nil {
			t.Errorf("branch engineer's permission for a branch device: %v", err)
		}
		if err := f.svc.SetPatchPermission(system, p); err != nil {
			t.Errorf("unrestricted model permission: %v", err)
		}
	})
}

// TestVulnMatchOnInventoryChange: a device added, changed or given an SBOM after the feeds
// were imported is matched at once, in the same transaction, not at the next feed import:
// a new MX40 on B.06.17 has its two findings, moving it to B.06.18 marks them gone, and the
// FDA case study's SBOM on the MX40 model gives every MX40 the FreeRTOS finding (and
// deleting it takes the finding away). The other assets' findings are untouched.
func TestVulnMatchOnInventoryChange(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		rec, err := os.ReadFile("testdata/vuln/freertos-tcp.json")
		if err != nil {
			t.Fatal(err)
		}
		freertos, err := vuln.ParseNVD("freertos-tcp.json", rec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: append(f.advisories, freertos...)}); err != nil {
			t.Fatal(err)
		}
		_, before, _ := f.svc.FindFindings(system, medsec.FindingFilter{})
		assets := sqlstore.NewAssetService(db)
		a := &medsec.Asset{SiteID: f.mx40old.SiteID, Name: "MX40-7F-03", Kind: medsec.KindPatientMonitor, VendorID: f.mx40old.VendorID, Model: "IntelliVue MX40", Firmware: "B.06.17"}
		if err := assets.CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		if _, n, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: a.ID}); n != 2 {
			t.Errorf("new MX40 on B.06.17 has %d findings at once, want 2", n)
		}
		a, _ = assets.FindAssetByID(system, a.ID)
		a.Firmware = "B.06.18"
		if err := assets.UpdateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		list, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: a.ID})
		if len(list) != 2 || list[0].GoneAt.IsZero() {
			t.Errorf("after the update to B.06.18: %+v, want 2 gone", list)
		}
		if _, n, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID}); n != 2 {
			t.Errorf("the other MX40 has %d findings, want its 2", n)
		}
		data := shareddata.Data(t, "sbom/medical-case-study/extended.sbom.json")
		doc, err := sbom.Parse("extended.sbom.json", data)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := sqlstore.NewComponentService(db).ImportSBOM(system, doc.Import(medsec.ComponentTarget{VendorName: "Philips", ModelName: "IntelliVue MX40"}, "extended.sbom.json", data))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{f.mx40old.ID, f.mx40.ID, a.ID} {
			got, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: id, CVE: "CVE-2018-16525"})
			if len(got) != 1 || got[0].ComponentID == 0 || !got[0].GoneAt.IsZero() {
				t.Errorf("asset %d after the model SBOM: %+v, want the FreeRTOS finding", id, got)
			}
		}
		if _, n, _ := f.svc.FindFindings(system, medsec.FindingFilter{}); n != before+2+3 {
			t.Errorf("%d findings in all, want %d", n, before+5)
		}
		if err := sqlstore.NewComponentService(db).DeleteSBOM(system, sb.ID); err != nil {
			t.Fatal(err)
		}
		got, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40.ID, CVE: "CVE-2018-16525"})
		if len(got) != 1 || got[0].GoneAt.IsZero() {
			t.Errorf("after deleting the SBOM: %+v, want gone", got)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "vuln.rematch"})
		// One for the import's batch of matching (matched after its transaction) and one per
		// inventory change.
		if err != nil || len(entries) != 5 {
			t.Errorf("vuln.rematch audit rows: %d, %v; want 5", len(entries), err)
		}
	})
}

// TestVulnTimesRefused: a fix dated in the future or before the finding was found, a
// retest before the fix, a control reviewed before the finding was found, and a deadline
// policy whose windows are inverted (high longer than medium, KEV longer than high) are
// refused naming the field; nothing is stored.
func TestVulnTimesRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
		if err != nil || len(list) == 0 {
			t.Fatalf("findings: %v %v", list, err)
		}
		fd := list[0]
		field := func(err error) string {
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				return "no validation error: " + fmt.Sprint(err)
			}
			return ve.Errors[0].Field + " " + ve.Errors[0].Key
		}
		entry := func(at time.Time, retest time.Time) *medsec.FixEntry {
			e := &medsec.FixEntry{FindingID: fd.ID, At: at, Operator: "林醫工", Action: "patched", Result: medsec.FixPassed}
			if !retest.IsZero() {
				e.RetestOn = medsec.DateOf(retest)
			}
			return e
		}
		for _, tc := range []struct {
			name string
			e    *medsec.FixEntry
			want string
		}{
			{"future", entry(testNow.Add(48*time.Hour), time.Time{}), "at err.fix_in_future"},
			{"before found", entry(fd.FoundAt.Add(-72*time.Hour), time.Time{}), "at err.fix_before_found"},
			{"retest before fix", entry(testNow, testNow.Add(-48*time.Hour)), "retest_on err.retest_before_fix"},
		} {
			if got := field(f.svc.AddFixEntry(system, tc.e)); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
			}
		}
		if l, _ := f.svc.FindFixEntries(system, fd.ID); len(l) != 0 {
			t.Errorf("refused entries were stored: %+v", l)
		}
		c := &medsec.CompensatingControl{FindingID: fd.ID, Description: "VLAN", ReviewOn: medsec.DateOf(fd.FoundAt.Add(-72 * time.Hour))}
		if got := field(f.svc.AddCompensatingControl(system, c)); got != "review_on err.review_before_found" {
			t.Errorf("control reviewed before found: %s", got)
		}
		main := fd.SiteID
		for _, tc := range []struct {
			p    medsec.DeadlinePolicy
			want string
		}{
			{medsec.DeadlinePolicy{SiteID: main, HighHours: 96}, "high_hours err.policy_inverted"},
			{medsec.DeadlinePolicy{SiteID: main, MediumHours: 200}, "medium_hours err.policy_inverted"},
			{medsec.DeadlinePolicy{SiteID: main, KEVHours: 30}, "kev_hours err.policy_inverted"},
		} {
			if got := field(f.svc.SetDeadlinePolicy(system, &tc.p)); got != tc.want {
				t.Errorf("policy %+v: %s, want %s", tc.p, got, tc.want)
			}
		}
	})
}

// TestVulnModelPermissionReachesAssets (bt11g M4): a manufacturer's permission recorded for
// a model is shown on every asset of that model and answers the check
// patching-permission-recorded, for the assets there and for one added later; an asset with
// its own permission keeps it, and each change is an asset.update with a new version.
func TestVulnModelPermissionReachesAssets(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		assets := sqlstore.NewAssetService(db)
		own := &medsec.PatchPermission{AssetID: f.mx40.ID, Allowed: true, SaidBy: "Philips field service", SaidOn: medsec.DateOf(testNow), Evidence: "ticket 7"}
		if err := f.svc.SetPatchPermission(system, own); err != nil {
			t.Fatal(err)
		}
		p := &medsec.PatchPermission{VendorID: f.mx40old.VendorID, Model: "intellivue  MX40", Allowed: false, SaidBy: "Philips PSIRT", SaidOn: medsec.DateOf(testNow), Evidence: "letter 2026-11"}
		if err := f.svc.SetPatchPermission(system, p); err != nil {
			t.Fatal(err)
		}
		later := &medsec.Asset{SiteID: f.mx40old.SiteID, Name: "MX40-7F-09", Kind: medsec.KindPatientMonitor, VendorID: f.mx40old.VendorID, Model: "IntelliVue MX40", Firmware: "B.06.18"}
		if err := assets.CreateAsset(system, later); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			asset   *medsec.Asset
			want    medsec.Tristate
			version int64
		}{{f.mx40old, medsec.No, 2}, {f.mx40, medsec.Yes, 2}, {later, medsec.No, 1}, {f.ge, medsec.Unknown, 1}} {
			a, err := assets.FindAssetByID(system, tt.asset.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a.PatchingPermitted != tt.want || a.Version != tt.version {
				t.Errorf("%s: patching_permitted %q version %d, want %q version %d", a.Name, a.PatchingPermitted, a.Version, tt.want, tt.version)
			}
			ac, err := newAssessmentService(t, db).AssetControls(system, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, c := range ac.Checks {
				if c.CheckID != "patching-permission-recorded" {
					continue
				}
				found = true
				wantOutcome := medsec.CheckPass
				if tt.want == medsec.Unknown {
					wantOutcome = medsec.CheckFail
				}
				if c.Outcome != wantOutcome || len(c.Data) == 0 || c.Data[0].Value != string(tt.want) {
					t.Errorf("%s: check %s %+v, want %s on %q", a.Name, c.Outcome, c.Data, wantOutcome, tt.want)
				}
			}
			if !found {
				t.Errorf("%s: no patching-permission-recorded check in %+v", a.Name, ac.Checks)
			}
		}
	})
}

// TestVulnInputsNotInTheFuture (bt11g input checks): a manufacturer's permission dated
// after today, or without evidence, is refused naming said_on or evidence, and nothing is
// stored; a fix whose retest has a result ("passed") for a day still to come is refused
// naming retest_result; the same entry with the retest day today is stored.
func TestVulnInputsNotInTheFuture(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		field := func(err error) string {
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) != 1 {
				return fmt.Sprintf("not one field error: %v", err)
			}
			return ve.Errors[0].Field
		}
		for _, tt := range []struct {
			p     medsec.PatchPermission
			field string
		}{
			{medsec.PatchPermission{AssetID: f.mx40old.ID, SaidBy: "Philips", SaidOn: medsec.DateOf(testNow.AddDate(0, 0, 3)), Evidence: "letter"}, "said_on"},
			{medsec.PatchPermission{AssetID: f.mx40old.ID, SaidBy: "Philips", SaidOn: medsec.DateOf(testNow), Evidence: "  "}, "evidence"},
		} {
			if err := f.svc.SetPatchPermission(system, &tt.p); medsec.ErrorCode(err) != medsec.EINVALID || field(err) != tt.field {
				t.Errorf("permission %+v: %v (field %s), want EINVALID on %s", tt.p, err, field(err), tt.field)
			}
		}
		list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
		if err != nil || len(list) == 0 {
			t.Fatalf("findings: %v %v", list, err)
		}
		if got, _ := f.svc.FindFinding(system, list[0].ID); got.Permission != nil {
			t.Errorf("a refused permission was stored: %+v", got.Permission)
		}
		e := &medsec.FixEntry{FindingID: list[0].ID, At: testNow, Operator: "林醫工", Action: "firmware updated", Verification: "rescan",
			Result: medsec.FixPending, RetestOn: medsec.DateOf(testNow.AddDate(0, 0, 7)), RetestResult: "passed"}
		if err := f.svc.AddFixEntry(system, e); medsec.ErrorCode(err) != medsec.EINVALID || field(err) != "retest_result" {
			t.Errorf("retest passed a week ahead: %v, want EINVALID on retest_result", err)
		}
		e.RetestOn = medsec.DateOf(testNow)
		if err := f.svc.AddFixEntry(system, e); err != nil {
			t.Errorf("retest passed today: %v", err)
		}
	})
}

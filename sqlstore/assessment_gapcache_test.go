package sqlstore_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"medsec"
	"medsec/catalog"
	"medsec/sqlstore"
)

// TestGapReportKeptUntilChange holds the kept gap report against a fresh walk of the store
// (the old per-asset computation) after each kind of change the report depends on: an
// asset's fields, an assessment, a check's input (a backup plan), an organisational
// assessment. Each change must show at once; without a change the kept report is served
// (its generation time does not move) until it is a minute old.
func TestGapReportKeptUntilChange(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		now := testNow
		db.Now = func() time.Time { return now }
		fresh := func(name string, ctx context.Context, g medsec.GapFilter) *medsec.GapReport {
			t.Helper()
			got, err := f.svc.GapReport(ctx, g)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, err := f.svc.LegacyGapReport(ctx, g)
			if err != nil {
				t.Fatalf("%s: legacy: %v", name, err)
			}
			want.GeneratedAt = got.GeneratedAt
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: the kept report differs from a fresh walk: open %d/%d, totals %v/%v, left out %d/%d",
					name, got.OpenTotal, want.OpenTotal, got.Totals, want.Totals, len(got.LeftOut), len(want.LeftOut))
			}
			return got
		}
		first := fresh("first", f.ciso, medsec.GapFilter{})

		now = now.Add(10 * time.Second)
		kept, err := f.svc.GapReport(f.ciso, medsec.GapFilter{Offset: 1, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !kept.GeneratedAt.Equal(first.GeneratedAt) || kept.OpenTotal != first.OpenTotal || !reflect.DeepEqual(kept.Open, first.Open[1:3]) {
			t.Fatalf("second page 10 s later: generated %v (first %v), items %v; want the kept report's", kept.GeneratedAt, first.GeneratedAt, kept.Open)
		}

		// An asset's class removed: its rows leave the report for the left-out list.
		a, err := sqlstore.NewAssetService(db).FindAssetByID(system, f.br.ID)
		if err != nil {
			t.Fatal(err)
		}
		a.Class = ""
		if err := sqlstore.NewAssetService(db).UpdateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		changed := fresh("class removed", f.ciso, medsec.GapFilter{})
		if changed.Totals.Total >= first.Totals.Total || len(changed.LeftOut) != len(first.LeftOut)+1 {
			t.Fatalf("after removing the class of %q: %d rows (before %d), %d left out (before %d)", a.Name,
				changed.Totals.Total, first.Totals.Total, len(changed.LeftOut), len(first.LeftOut))
		}

		// An assessment: one row from not assessed to implemented.
		ac, err := f.svc.AssetControls(f.ciso, f.hq.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Assess(f.ciso, &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: ac.Controls[0].ControlID, AssetID: f.hq.ID,
			Status: medsec.AssessImplemented}); err != nil {
			t.Fatal(err)
		}
		assessed := fresh("assessed", f.ciso, medsec.GapFilter{})
		if assessed.Totals.ByStatus[medsec.AssessImplemented] != changed.Totals.ByStatus[medsec.AssessImplemented]+1 {
			t.Fatalf("after an assessment: %d implemented, want %d", assessed.Totals.ByStatus[medsec.AssessImplemented], changed.Totals.ByStatus[medsec.AssessImplemented]+1)
		}

		// A check's input: a backup plan on the boundary host.
		if err := sqlstore.NewBackupService(db).CreateBackupPlan(system, &medsec.BackupPlan{AssetID: f.hq.ID, Name: "設定備份", FrequencyHours: 24, Generations: 2,
			Copies: []medsec.BackupCopy{{Label: "NAS", Medium: medsec.MediumDisk}}}); err != nil {
			t.Fatal(err)
		}
		fresh("backup plan", f.ciso, medsec.GapFilter{})
		fresh("backup plan, branch engineer", f.branchCE, medsec.GapFilter{})

		// An organisational catalog's assessment.
		before := fresh("CN", f.ciso, medsec.GapFilter{CatalogID: catalog.IDChinaMeasures})
		cs, err := f.svc.OrganisationControls(f.ciso, catalog.IDChinaMeasures)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Assess(f.ciso, &medsec.Assessment{CatalogID: catalog.IDChinaMeasures, ControlID: cs[0].ControlID, AssetID: medsec.Organisation,
			Status: medsec.AssessNotImplemented}); err != nil {
			t.Fatal(err)
		}
		after := fresh("CN assessed", f.ciso, medsec.GapFilter{CatalogID: catalog.IDChinaMeasures})
		if after.Totals.ByStatus[medsec.AssessNotImplemented] != before.Totals.ByStatus[medsec.AssessNotImplemented]+1 {
			t.Fatalf("CN after an assessment: %v, before %v", after.Totals.ByStatus, before.Totals.ByStatus)
		}

		// No change, a minute later: computed again.
		last, _ := f.svc.GapReport(f.ciso, medsec.GapFilter{})
		now = now.Add(time.Minute)
		aged, _ := f.svc.GapReport(f.ciso, medsec.GapFilter{})
		if !aged.GeneratedAt.After(last.GeneratedAt) {
			t.Fatalf("a minute later without a change: generated %v, as before (%v)", aged.GeneratedAt, last.GeneratedAt)
		}
	})
}

// TestGapAssetsCarryWhatChecksRead holds the automatic checks' results on assets read with
// the gap report's columns against their results on the assets read whole, for assets with
// every field set, so that a check reading a field the report leaves out fails here.
func TestGapAssetsCarryWhatChecksRead(t *testing.T) {
	db := MustOpenDB(t, "sqlite")
	f := newAssessFixture(t, db)
	people, _ := sqlstore.NewOrgService(db).FindPeople(system)
	past, _ := medsec.ParseDate("2025-01-31")
	later, _ := medsec.ParseDate("2031-06-30")
	for i, eos := range []medsec.Date{past, later} {
		a := &medsec.Asset{SiteID: f.hq.SiteID, Name: "全欄位裝置 " + string(rune('A'+i)), Kind: medsec.KindModality, VendorID: f.vendorID, Model: "CT-9000",
			Serial: "SN-1", Software: "VA40", Firmware: "2.1", FirmwareCPE: "cpe:2.3:o:vendor:ct_firmware:2.1:*:*:*:*:*:*:*",
			HardwareCPE: "cpe:2.3:h:vendor:ct-9000:-:*:*:*:*:*:*:*", PURL: "pkg:generic/ct@2.1", IPs: []string{fmt.Sprintf("10.1.2.%d", 3+i)}, MACs: []string{fmt.Sprintf("00:11:22:33:44:%02d", 55+i)},
			AETitles: []string{fmt.Sprintf("CT%d", i)}, VLAN: 20, SSID: "med", Location: "放射科 1F", ResponsibleID: people[0].ID, VendorContact: "0800-000",
			Connectivity: []medsec.Connectivity{medsec.ConnIntranet}, DataClass: medsec.DataSensitivePersonal, PatientRecords: 1200, EndOfSupport: eos,
			RemoteMaintenance: "VPN", PatchingPermitted: medsec.No, DefaultCreds: medsec.CredUnchanged, Class: medsec.ClassStandalone,
			Level: medsec.LevelHigh, Notes: "備註"}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
	}
	narrow, whole, err := f.svc.GapAssetChecks(f.ciso)
	if err != nil {
		t.Fatal(err)
	}
	if len(narrow) < 4 || len(narrow) != len(whole) {
		t.Fatalf("%d and %d assets read, want the same 4", len(narrow), len(whole))
	}
	for i := range narrow {
		if !reflect.DeepEqual(narrow[i], whole[i]) {
			t.Errorf("asset %d: checks on the gap report's columns differ from those on the whole asset:\n%v\n%v", i, narrow[i], whole[i])
		}
	}
}

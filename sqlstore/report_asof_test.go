package sqlstore_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/catalog"
	"medsec/report"
	"medsec/sqlstore"
)

// TestClosedPeriodReportShowsItsEnd builds the 2024 reports in late 2026: the asset list
// holds the assets in use during 2024 (not one created in 2026, nor one retired in 2023,
// but one retired in 2026), and compliance shows the assessments recorded by the end of
// 2024, not those recorded since; the cover says as of when, and the text what medsec
// cannot show as it was. The 2026 report (not ended) shows today's state.
func TestClosedPeriodReportShowsItsEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 9)
		assets := sqlstore.NewAssetService(db)
		at("2023-02-01")
		f := newAssessFixture(t, db) // hq and br in use since 2023
		old := &medsec.Asset{SiteID: f.hq.SiteID, Name: "舊監視器", Kind: medsec.KindWorkstation, Class: medsec.ClassApplication, Level: medsec.LevelLow}
		if err := assets.CreateAsset(system, old); err != nil {
			t.Fatal(err)
		}
		at("2023-09-01")
		if err := assets.RetireAsset(system, old.ID); err != nil {
			t.Fatal(err)
		}
		at("2024-05-01")
		for _, x := range []*medsec.Assessment{
			{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: f.hq.ID, Status: medsec.AssessImplemented},
			{CatalogID: catalog.IDChinaMeasures, ControlID: "cn-9.2-1", Status: medsec.AssessImplemented},
		} {
			if err := f.svc.Assess(f.ciso, x); err != nil {
				t.Fatal(err)
			}
		}
		at("2026-11-20")
		late := &medsec.Asset{SiteID: f.hq.SiteID, Name: "新購超音波", Kind: medsec.KindWorkstation, Class: medsec.ClassApplication, Level: medsec.LevelLow}
		if err := assets.CreateAsset(system, late); err != nil {
			t.Fatal(err)
		}
		if err := assets.RetireAsset(system, f.br.ID); err != nil {
			t.Fatal(err)
		}
		for _, x := range []*medsec.Assessment{
			{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: f.hq.ID, Status: medsec.AssessNotImplemented},
			{CatalogID: catalog.IDChinaMeasures, ControlID: "cn-9.2-1", Status: medsec.AssessNotImplemented},
		} {
			if err := f.svc.Assess(f.ciso, x); err != nil {
				t.Fatal(err)
			}
		}
		at("2026-12-01")

		rig := newReportRig(t, db, report.Sources{Assets: assets, Assessments: f.svc, Vulns: sqlstore.NewVulnService(db),
			Incidents: sqlstore.NewIncidentService(db)})
		build := func(name, period string) *report.Document {
			t.Helper()
			return rig.build(f.ciso, name, period, "en", nil)
		}
		table := func(d *report.Document, title string) *report.Table {
			for _, s := range d.Sections {
				for i := range s.Tables {
					if strings.Contains(s.Tables[i].Title, title) {
						return &s.Tables[i]
					}
				}
			}
			t.Fatalf("%s %s: no table %q", d.Name, d.Period, title)
			return nil
		}
		names := func(d *report.Document) []string {
			var out []string
			for _, r := range table(d, "Asset list").Rows {
				out = append(out, r[1].(string))
			}
			slices.Sort(out)
			return out
		}
		// open reports whether the plan lists the control as open, on the asset if named.
		open := func(d *report.Document, control, asset string) bool {
			for _, s := range d.Sections {
				for _, tb := range s.Tables {
					if !strings.HasPrefix(tb.Title, "Remediation plan") {
						continue
					}
					for _, r := range tb.Rows {
						if r[0] == control && (asset == "" || r[4] == asset) {
							return true
						}
					}
				}
			}
			return false
		}
		fact := func(d *report.Document, label string) string {
			for _, x := range d.Facts {
				if x.Label == label {
					return x.Value
				}
			}
			return ""
		}

		past := build(report.SelfInspection, "2024")
		if got, want := names(past), []string{"CT 邊界主機", "分院 PACS"}; !slices.Equal(got, want) {
			t.Errorf("2024 asset list = %q, want %q (in use during 2024)", got, want)
		}
		if got := fact(past, "State as of"); got != "end of the period (2024-12-31)" {
			t.Errorf("2024 cover: state as of %q", got)
		}
		if !strings.Contains(strings.Join(past.Sections[0].Text, " "), "each with its details, zone and level as they then were") {
			t.Errorf("2024 summary does not say what is shown as at generation: %q", past.Sections[0].Text)
		}
		gap := build(report.Gap, "2024")
		if open(gap, "tw-ac-1.l", "CT 邊界主機") {
			t.Error("2024 gap report lists tw-ac-1.l on the CT host as open: implemented in 2024, not-implemented only since 2026")
		}
		if open(gap, "tw-ac-1.l", "新購超音波") {
			t.Error("2024 gap report lists an asset created in 2026")
		}
		var implemented int
		for _, r := range table(gap, ": controls by status").Rows {
			if r[0] == "Total" {
				implemented = r[1].(int)
			}
		}
		if implemented != 1 {
			t.Errorf("2024 gap report: %d implemented, want 1 (the 2024 assessment)", implemented)
		}
		if open(past, "cn-9.2-1", "") {
			t.Error("2024 self-inspection lists cn-9.2-1 as open: implemented in 2024")
		}

		now := build(report.SelfInspection, "2026")
		if got, want := names(now), []string{"CT 邊界主機", "新購超音波"}; !slices.Equal(got, want) {
			t.Errorf("2026 asset list = %q, want %q (in use now)", got, want)
		}
		if got := fact(now, "State as of"); got != "generation (the period has not ended)" {
			t.Errorf("2026 cover: state as of %q", got)
		}
		if !open(build(report.Gap, "2026"), "tw-ac-1.l", "CT 邊界主機") || !open(now, "cn-9.2-1", "") {
			t.Error("2026 reports do not list today's not-implemented controls as open")
		}
	})
}

// TestClosedReportUnchangedByLaterChanges: a closed year's self-inspection and gap report
// are the same document before and after the inventory changes later (bt16b #3: a device
// retired in 2026 stayed in the 2024 asset list but its rows left the 2024 counts, its
// zone level no longer found). Retiring the device, lowering its zone's SL, placing
// another asset by hand in that zone and changing an asset's level in 2026 change
// nothing in the 2024 reports: assets, zones and placements are as recorded at the end
// of 2024 (rewound from the audit trail), and the device counts at 高 from its zone's
// SL4 as it then did. The 2026 report shows the changes.
func TestClosedReportUnchangedByLaterChanges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 9)
		assets := sqlstore.NewAssetService(db)
		zones := sqlstore.NewZoneService(db)
		at("2023-02-01")
		f := newAssessFixture(t, db)
		sl4 := 4
		ot := &medsec.Zone{SiteID: f.hq.SiteID, Name: "工控區", Kind: medsec.ZoneOT, Ranges: []string{"10.1.40.0/24"}, SL: &sl4}
		if err := zones.CreateZone(system, ot); err != nil {
			t.Fatal(err)
		}
		pump := &medsec.Asset{SiteID: f.hq.SiteID, Name: "輸液幫浦閘道", IPs: []string{"10.1.40.21"}, Class: medsec.ClassBoundary, Level: medsec.LevelLow}
		nurse := &medsec.Asset{SiteID: f.hq.SiteID, Name: "護理站電腦", IPs: []string{"192.168.3.3"}, Class: medsec.ClassApplication, Level: medsec.LevelLow}
		for _, a := range []*medsec.Asset{pump, nurse} {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		// A compensating measure recorded before 2024, which 2024's risk review lists.
		if _, err := f.svc.AssessBulk(f.ciso, medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-na-1.l",
			Status: medsec.AssessCompensating, Compensating: "獨立 VLAN 與防火牆白名單"}, []int64{f.hq.ID}); err != nil {
			t.Fatal(err)
		}
		at("2026-11-20")
		rig := newReportRig(t, db, report.Sources{Assets: assets, Assessments: f.svc, Vulns: sqlstore.NewVulnService(db),
			Incidents: sqlstore.NewIncidentService(db), Zones: zones})
		build := func(name, period string) *report.Document {
			t.Helper()
			return rig.build(f.ciso, name, period, "en", nil)
		}
		levelRows := func(d *report.Document) map[string]int {
			out := map[string]int{}
			for _, s := range d.Sections {
				for _, tb := range s.Tables {
					if !strings.HasSuffix(tb.Title, ": controls by status") {
						continue
					}
					for _, r := range tb.Rows {
						out[r[0].(string)] = r[len(r)-1].(int)
					}
				}
			}
			return out
		}
		before := map[string]*report.Document{"self": build(report.SelfInspection, "2024"), "gap": build(report.Gap, "2024"),
			"risk": build(report.RiskReview, "2024")}
		if rows := levelRows(before["self"]); rows["High (高)"] == 0 {
			t.Fatalf("2024 TW rows by level %v: the device in the SL4 zone should count at High", rows)
		}

		at("2026-11-21")
		if err := assets.RetireAsset(system, pump.ID); err != nil {
			t.Fatal(err)
		}
		sl1 := 1
		ot.SL = &sl1
		if err := zones.UpdateZone(system, ot); err != nil {
			t.Fatal(err)
		}
		if err := zones.PlaceAsset(system, nurse.ID, ot.ID); err != nil {
			t.Fatal(err)
		}
		hq, err := assets.FindAssetByID(system, f.hq.ID)
		if err != nil {
			t.Fatal(err)
		}
		hq.Level, hq.Name = medsec.LevelHigh, "CT 邊界主機（更名）"
		if err := assets.UpdateAsset(system, hq); err != nil {
			t.Fatal(err)
		}
		// A measure recorded after 2024 is not 2024's (bt16c: the risk review listed today's).
		if _, err := f.svc.AssessBulk(f.ciso, medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l",
			Status: medsec.AssessCompensating, Compensating: "帳號每月點檢"}, []int64{f.hq.ID}); err != nil {
			t.Fatal(err)
		}
		at("2026-12-01")

		for name, was := range before {
			now := build(was.Name, "2024")
			for i := range was.Sections {
				if i >= len(now.Sections) || !reflect.DeepEqual(was.Sections[i], now.Sections[i]) {
					t.Errorf("2024 %s: section %q changed after later inventory changes:\nwas %v\nnow %v", name, was.Sections[i].Heading, was.Sections[i], now.Sections[min(i, len(now.Sections)-1)])
				}
			}
			if len(now.Sections) != len(was.Sections) {
				t.Errorf("2024 %s: %d sections, was %d", name, len(now.Sections), len(was.Sections))
			}
		}
		cur := build(report.SelfInspection, "2026")
		if rows := levelRows(cur); rows["High (高)"] == 0 {
			t.Errorf("2026 TW rows by level %v: the CT host now set to High should count there", rows)
		}
		for _, s := range cur.Sections {
			for _, tb := range s.Tables {
				if tb.Title == "Asset list" && slices.ContainsFunc(tb.Rows, func(r []any) bool { return r[1] == "輸液幫浦閘道" }) {
					t.Error("2026 asset list holds the device retired before now")
				}
			}
		}
	})
}

// TestClosedRiskReviewKeepsItsFindingControls (bt16 #3): a closed year's risk review lists
// the compensating controls of its mitigated findings as recorded by the year's end, named
// as the device was then; a control added to the same finding later, and a rename since,
// leave the year's document as it was.
func TestClosedRiskReviewKeepsItsFindingControls(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 9)
		at("2023-02-01")
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID, CVE: "CVE-2017-9657"})
		if err != nil || len(list) != 1 {
			t.Fatalf("finding: %v %v", list, err)
		}
		control := func(what, review string) {
			t.Helper()
			day, err := medsec.ParseDate(review)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.svc.AddCompensatingControl(system, &medsec.CompensatingControl{FindingID: list[0].ID, Description: what, ReviewOn: day}); err != nil {
				t.Fatal(err)
			}
		}
		control("isolated VLAN 40", "2024-06-01")
		assets := sqlstore.NewAssetService(db)
		rig := newReportRig(t, db, report.Sources{Assets: assets, Assessments: newAssessmentService(t, db), Vulns: f.svc,
			Incidents: sqlstore.NewIncidentService(db), Zones: sqlstore.NewZoneService(db)})
		build := func() *report.Document {
			t.Helper()
			return rig.build(system, report.RiskReview, "2024", "en", nil)
		}
		at("2026-11-20")
		was := build()
		text := fmt.Sprint(was.Sections)
		if !strings.Contains(text, "isolated VLAN 40") || !strings.Contains(text, "MX40-7F-01") {
			t.Fatalf("2024 risk review lacks the control recorded in 2023 on MX40-7F-01:\n%s", text)
		}

		at("2026-11-21")
		control("jump host only, added 2026", "2026-12-15")
		mx, err := assets.FindAssetByID(system, f.mx40old.ID)
		if err != nil {
			t.Fatal(err)
		}
		mx.Name = "MX40-renamed"
		if err := assets.UpdateAsset(system, mx); err != nil {
			t.Fatal(err)
		}
		at("2026-12-01")
		now := build()
		if !reflect.DeepEqual(was.Sections, now.Sections) {
			t.Errorf("2024 risk review changed after a control was added and the device renamed in 2026:\nwas %v\nnow %v", was.Sections, now.Sections)
		}
	})
}

package sqlstore_test

import (
	"reflect"
	"testing"

	"medsec"
	"medsec/report"
	"medsec/sqlstore"
)

// TestDataSecurityFlowsAsOfPeriodEnd: a closed year's data-security assessment [002 第二十一条]
// is the same document after the zone model and the inventory change later (bt16 H1: its
// "Personal-data flows between zones" read today's zones, conduits, placements and data
// classes, and said so). Moving a data-holding device to the branch, declassifying
// another's data, retiring a third, placing a fourth elsewhere by hand, renaming a zone,
// giving a conduit a control and adding a DICOM conduit in 2026 change nothing in the
// 2025 report: they are rewound from the audit trail as the self-inspection's are. A 2010
// report, before any zone, lists no flow; the 2026 report shows the changes.
func TestDataSecurityFlowsAsOfPeriodEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 9)
		assets := sqlstore.NewAssetService(db)
		zones := sqlstore.NewZoneService(db)
		at("2023-02-01")
		f := newAssessFixture(t, db)
		site := f.hq.SiteID
		clin := &medsec.Zone{SiteID: site, Name: "臨床區", Kind: medsec.ZoneIntranet, Ranges: []string{"10.1.10.0/24"}}
		img := &medsec.Zone{SiteID: site, Name: "影像區", Kind: medsec.ZoneOT, Ranges: []string{"10.1.20.0/24"}}
		office := &medsec.Zone{SiteID: site, Name: "行政區", Kind: medsec.ZoneIntranet, Ranges: []string{"10.1.30.0/24"}}
		for _, z := range []*medsec.Zone{clin, img, office} {
			if err := zones.CreateZone(system, z); err != nil {
				t.Fatal(err)
			}
		}
		c1 := &medsec.Conduit{SiteID: site, Name: "臨床→影像", FromZoneID: clin.ID, ToZoneID: img.ID, Protocol: "tcp", Ports: "104"}
		c2 := &medsec.Conduit{SiteID: site, Name: "行政→臨床", FromZoneID: office.ID, ToZoneID: clin.ID, Protocol: "tcp", Ports: "443"}
		for _, c := range []*medsec.Conduit{c1, c2} {
			if err := zones.CreateConduit(system, c); err != nil {
				t.Fatal(err)
			}
		}
		mk := func(name, ip string, dc medsec.DataClass) *medsec.Asset {
			a := &medsec.Asset{SiteID: site, Name: name, Kind: medsec.KindWorkstation, IPs: []string{ip}, DataClass: dc,
				Class: medsec.ClassApplication, Level: medsec.LevelLow}
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		his := mk("HIS 伺服器", "10.1.10.5", medsec.DataSensitivePersonal)
		pacs := mk("PACS 主機", "10.1.20.5", medsec.DataSensitivePersonal)
		lab := mk("檢驗工作站", "10.1.10.7", medsec.DataNonSensitive)
		nurse := mk("護理站電腦", "10.1.30.9", medsec.DataNonSensitive)

		at("2026-12-01")
		rig := newReportRig(t, db, report.Sources{Assets: assets, Assessments: f.svc, Vulns: sqlstore.NewVulnService(db),
			Incidents: sqlstore.NewIncidentService(db), Zones: zones})
		const flows = "Personal-data flows between zones"
		hq := rig.site(site)
		was := rig.build(f.ciso, report.DataSecurity, "2025", "en", hq)
		if n := len(tableRows(was, flows)); n != 2 {
			t.Fatalf("2025 flows %v: want both conduits", tableRows(was, flows))
		}
		if rows := tableRows(rig.build(f.ciso, report.DataSecurity, "2010", "en", hq), flows); len(rows) != 0 {
			t.Errorf("2010 (before any zone) lists flows %v", rows)
		}

		at("2026-11-20")
		move := func(a *medsec.Asset, change func(*medsec.Asset)) {
			t.Helper()
			cur, err := assets.FindAssetByID(system, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			change(cur)
			if err := assets.UpdateAsset(system, cur); err != nil {
				t.Fatal(err)
			}
		}
		move(his, func(a *medsec.Asset) { a.SiteID = f.br.SiteID })
		move(lab, func(a *medsec.Asset) { a.DataClass = medsec.DataDeviceOnly })
		if err := assets.RetireAsset(system, pacs.ID); err != nil {
			t.Fatal(err)
		}
		if err := zones.PlaceAsset(system, nurse.ID, img.ID); err != nil {
			t.Fatal(err)
		}
		img.Name = "影像區（新）"
		if err := zones.UpdateZone(system, img); err != nil {
			t.Fatal(err)
		}
		c2.Controls = []medsec.ConduitControl{medsec.ControlFiltering}
		if err := zones.UpdateConduit(system, c2); err != nil {
			t.Fatal(err)
		}
		if err := zones.CreateConduit(system, &medsec.Conduit{SiteID: site, Name: "新 DICOM", FromZoneID: office.ID, ToZoneID: img.ID,
			Protocol: "tcp", Ports: "11112", App: "dicom"}); err != nil {
			t.Fatal(err)
		}
		at("2026-12-01")

		now := rig.build(f.ciso, report.DataSecurity, "2025", "en", hq)
		if was.ContentHash() != now.ContentHash() {
			for i := range was.Sections {
				if i < len(now.Sections) && !reflect.DeepEqual(was.Sections[i], now.Sections[i]) {
					t.Errorf("2025 section %q changed:\nwas %v\nnow %v", was.Sections[i].Heading, was.Sections[i], now.Sections[i])
				}
			}
			t.Fatal("2025 data-security assessment changed after later changes")
		}
		cur := tableRows(rig.build(f.ciso, report.DataSecurity, "2026", "en", hq), flows)
		// Today: HIS has left, the lab's data is the device's only, the nurse station sits in
		// the imaging zone; so the office→clinical conduit carries no data and the new DICOM one does.
		if len(cur) != 2 || cur[0][0] != "臨床→影像" || cur[1][0] != "新 DICOM" || cur[1][3] != "影像區（新）" {
			t.Errorf("2026 flows %v: want 臨床→影像 and the new DICOM conduit into the renamed zone", cur)
		}
	})
}

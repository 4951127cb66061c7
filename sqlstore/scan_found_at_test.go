package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestScannerFindingDatedAtScanTime (bt11g M5): a scanner's finding was found when the
// scan ran, not when its report was imported: a report of a scan three days before the
// import gives a new finding first seen at the scan time, its deadline counted from then,
// and moves an advisory finding recorded at the import back to the scan time with its
// deadline (the window unchanged).
func TestScannerFindingDatedAtScanTime(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		before, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
		if err != nil || len(before) == 0 {
			t.Fatalf("advisory findings: %v %v", before, err)
		}
		old := before[0]
		if !old.FoundAt.Equal(testNow) {
			t.Fatalf("advisory finding found at %v, want the import time %v", old.FoundAt, testNow)
		}
		scanned := testNow.Add(-72 * time.Hour)
		imp := medsec.ScanImport{AssetID: f.mx40old.ID, Format: "nessus", Scanner: "Nessus", FileName: "ward7.nessus", SHA256: "ward7",
			ScannedAt: scanned, ScannedAtField: "NessusClientData_v2/Report/ReportHost[1]/HostProperties/tag[@name='HOST_START']",
			Hosts: []medsec.ScanHost{{Address: "10.7.0.1", Results: []medsec.ScanResult{{ScannerID: "99999", Title: "remote code execution", Severity: "critical",
				Score: 9.8, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CVEs: []string{"CVE-2099-0001", old.CVE}}}}}}
		if _, err := sqlstore.NewScanService(db).ImportScan(system, imp); err != nil {
			t.Fatal(err)
		}
		after, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
		if err != nil {
			t.Fatal(err)
		}
		var seenNew, seenOld bool
		for _, g := range after {
			switch g.CVE {
			case "CVE-2099-0001":
				seenNew = true
				if w := g.Due.Sub(g.FoundAt); !g.FoundAt.Equal(scanned) || (w != 24*time.Hour && w != 48*time.Hour) {
					t.Errorf("scanner finding found %v due %v (%s rule), want found at the scan %v and due a 24 h or 48 h window after",
						g.FoundAt, g.Due, g.DeadlineRule, scanned)
				}
				if !g.Overdue {
					t.Errorf("scanner finding due %v is not overdue at %v", g.Due, testNow)
				}
			case old.CVE:
				seenOld = true
				if !g.FoundAt.Equal(scanned) || !g.Due.Equal(old.Due.Add(-72*time.Hour)) {
					t.Errorf("advisory finding seen earlier by the scan: found %v due %v, want %v and %v", g.FoundAt, g.Due, scanned, old.Due.Add(-72*time.Hour))
				}
			}
		}
		if !seenNew || !seenOld {
			t.Errorf("findings after the scan: %d, new %v old %v", len(after), seenNew, seenOld)
		}
	})
}

package sqlstore_test

import (
	"encoding/json"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestScanImportAuditRowPerSiteSaysWhatItDid: a report whose hosts attach at both sites is
// audited with one scan.import row per site, each counting that site's hosts, results and
// findings only (issue 11: each row held the whole report's counts, so the branch's trail
// said 3 hosts and 4 findings where one host and one finding were its).
func TestScanImportAuditRowPerSiteSaysWhatItDid(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		assets := sqlstore.NewAssetService(db)
		for _, a := range []*medsec.Asset{
			{SiteID: main.ID, Name: "his-1", Kind: medsec.KindHIS, IPs: []string{"10.1.0.1"}},
			{SiteID: main.ID, Name: "his-2", Kind: medsec.KindHIS, IPs: []string{"10.1.0.2"}},
			{SiteID: branch.ID, Name: "pacs-br", Kind: medsec.KindPACS, IPs: []string{"10.2.0.1"}},
		} {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		result := func(id string, cves ...string) medsec.ScanResult {
			return medsec.ScanResult{ScannerID: id, Title: "check " + id, Severity: "high", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CVEs: cves}
		}
		imp := medsec.ScanImport{Format: "nessus", Scanner: "Nessus", FileName: "both-sites.nessus", SHA256: "ab12", ScannedAt: testNow.Add(-24 * time.Hour),
			Hosts: []medsec.ScanHost{
				{Address: "10.1.0.1", Results: []medsec.ScanResult{result("1", "CVE-2024-0001"), result("2", "CVE-2024-0002")}},
				{Address: "10.1.0.2", Results: []medsec.ScanResult{result("3", "CVE-2024-0003"), result("4")}},
				{Address: "10.2.0.1", Results: []medsec.ScanResult{result("5", "CVE-2024-0005")}},
				{Address: "10.9.9.9", Results: []medsec.ScanResult{result("6", "CVE-2024-0006")}},
			}}
		rep, err := sqlstore.NewScanService(db).ImportScan(system, imp)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Hosts != 4 || rep.Attached != 3 || rep.Results != 6 || rep.Findings != 4 {
			t.Fatalf("report: %+v", rep)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "scan.import"})
		if err != nil || len(entries) != 2 {
			t.Fatalf("audit rows: %+v, %v", entries, err)
		}
		type counts struct {
			Hosts      int     `json:"hosts"`
			Attached   int     `json:"attached"`
			Results    int     `json:"results"`
			Findings   int     `json:"findings"`
			AttachedTo []int64 `json:"attached_to"`
		}
		want := map[int64]counts{main.ID: {Hosts: 2, Attached: 2, Results: 4, Findings: 3}, branch.ID: {Hosts: 1, Attached: 1, Results: 1, Findings: 1}}
		for _, e := range entries {
			var got counts
			if err := json.Unmarshal(e.After, &got); err != nil {
				t.Fatal(err)
			}
			w, ok := want[e.SiteID]
			if !ok {
				t.Errorf("audit row of site %d", e.SiteID)
				continue
			}
			if got.Hosts != w.Hosts || got.Attached != w.Attached || got.Results != w.Results || got.Findings != w.Findings || len(got.AttachedTo) != w.Hosts {
				t.Errorf("site %d audit row: %+v, want %+v", e.SiteID, got, w)
			}
		}
	})
}

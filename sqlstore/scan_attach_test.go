package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestScanHostsAttachWhenInventoried (issue 11 finding 7): a scanned host the inventory
// did not hold when the report was imported is attached when the device is inventoried
// later — created with the host's address, or given it by an edit — with the findings of
// its CVEs, the report's counts and an audit row; a second edit attaches nothing more; a
// branch engineer's report never attaches to a main-site device of the same address.
func TestScanHostsAttachWhenInventoried(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		assets, scans, vulns := sqlstore.NewAssetService(db), sqlstore.NewScanService(db), sqlstore.NewVulnService(db)
		// OpenVAS: one host 10.99.99.99 (server99) with 93 CVEs, imported before the device is inventoried.
		rep, err := scans.ImportScan(system, readScan(t, "openvas/defectdojo-openvas-report_detail_v2.xml", 0))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Attached != 0 || rep.Findings != 0 {
			t.Fatalf("import with no asset: %d attached, %d findings", rep.Attached, rep.Findings)
		}
		his := &medsec.Asset{SiteID: main.ID, Name: "his-app-1", Kind: medsec.KindHIS, IPs: []string{"10.99.99.99"}}
		if err := assets.CreateAsset(system, his); err != nil {
			t.Fatal(err)
		}
		_, total, err := vulns.FindFindings(system, medsec.FindingFilter{AssetID: his.ID, Limit: 1})
		if err != nil || total != 93 {
			t.Fatalf("findings of the asset created with the scanned address: %d, %v; want 93", total, err)
		}
		got, err := scans.FindScanReport(system, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Attached != 1 || got.Findings != 93 || len(got.HostList) != 1 || got.HostList[0].AssetID != his.ID || got.HostList[0].MatchedBy != medsec.AttachedAddress {
			t.Errorf("report after the asset was created: attached %d findings %d hosts %+v", got.Attached, got.Findings, got.HostList)
		}
		if results, err := scans.FindAssetScanResults(system, his.ID); err != nil || len(results) != 1 || len(results[0].CVEs) != 93 {
			t.Errorf("scan results of the asset: %d, %v", len(results), err)
		}
		if _, n, _ := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "scan.attach"}); n != 1 {
			t.Errorf("%d scan.attach audit rows, want 1", n)
		}
		// Nessus: three hosts, none inventoried; a device given 192.168.2.100 by an edit.
		nessus := readScan(t, "nessus/libnessus-nessus_report_local_3.nessus", 0)
		cves := map[string]bool{}
		for _, h := range nessus.Hosts {
			if h.Address == "192.168.2.100" {
				for _, r := range h.Results {
					for _, c := range r.CVEs {
						cves[c] = true
					}
				}
			}
		}
		rep2, err := scans.ImportScan(system, nessus)
		if err != nil || rep2.Attached != 0 {
			t.Fatalf("nessus: %+v, %v", rep2, err)
		}
		gw := &medsec.Asset{SiteID: main.ID, Name: "lab-gw", Kind: medsec.KindApplicationServer}
		if err := assets.CreateAsset(system, gw); err != nil {
			t.Fatal(err)
		}
		gw, _ = assets.FindAssetByID(system, gw.ID)
		gw.IPs = []string{"192.168.2.100"}
		if err := assets.UpdateAsset(system, gw); err != nil {
			t.Fatal(err)
		}
		_, total, _ = vulns.FindFindings(system, medsec.FindingFilter{AssetID: gw.ID, Limit: 1})
		if len(cves) == 0 || total != len(cves) {
			t.Errorf("findings after the edit gave the address: %d, want %d", total, len(cves))
		}
		gw, _ = assets.FindAssetByID(system, gw.ID)
		gw.Location = "B1"
		if err := assets.UpdateAsset(system, gw); err != nil {
			t.Fatal(err)
		}
		if got, _ := scans.FindScanReport(system, rep2.ID); got.Attached != 1 || got.Findings != len(cves) {
			t.Errorf("after a second edit: attached %d, findings %d; want 1, %d", got.Attached, got.Findings, len(cves))
		}
		// A branch engineer's report of 192.168.2.101 stays the branch's.
		ce := &medsec.User{Username: "branch-ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}}
		if err := sqlstore.NewUserService(db).CreateUser(system, ce, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		again := readScan(t, "nessus/libnessus-nessus_report_local_3.nessus", 0)
		again.SHA256 = "another scan"
		rep3, err := scans.ImportScan(as(ce), again)
		if err != nil {
			t.Fatal(err)
		}
		aix := &medsec.Asset{SiteID: main.ID, Name: "aix-main", Kind: medsec.KindApplicationServer, IPs: []string{"192.168.2.101"}}
		if err := assets.CreateAsset(system, aix); err != nil {
			t.Fatal(err)
		}
		for _, h := range mustReport(t, scans, rep3.ID).HostList {
			if h.Address == "192.168.2.101" && h.AssetID != 0 {
				t.Errorf("the branch's report attached to the main site's device")
			}
		}
		for _, h := range mustReport(t, scans, rep2.ID).HostList {
			if h.Address == "192.168.2.101" && h.AssetID != aix.ID {
				t.Errorf("the system's report did not attach 192.168.2.101 to the main site's new device: %+v", h)
			}
		}
		baix := &medsec.Asset{SiteID: branch.ID, Name: "aix-branch", Kind: medsec.KindApplicationServer, IPs: []string{"192.168.2.104"}}
		if err := assets.CreateAsset(system, baix); err != nil {
			t.Fatal(err)
		}
		for _, h := range mustReport(t, scans, rep3.ID).HostList {
			if h.Address == "192.168.2.104" && h.AssetID != baix.ID {
				t.Errorf("the branch's report did not attach 192.168.2.104 to the branch's new device: %+v", h)
			}
		}
	})
}

func mustReport(t *testing.T, scans *sqlstore.ScanService, id int64) *medsec.ScanReport {
	t.Helper()
	r, err := scans.FindScanReport(system, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

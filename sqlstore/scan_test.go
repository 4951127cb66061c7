package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/internal/shareddata"
	"medsec/scanreport"
	"medsec/sqlstore"
)

func readScan(t *testing.T, rel string, assetID int64) medsec.ScanImport {
	t.Helper()
	data := shareddata.Data(t, "scanners/"+rel)
	r, err := scanreport.Parse(rel, data)
	if err != nil {
		t.Fatal(err)
	}
	return r.Import(assetID, rel, "sha")
}

// TestScanAttach imports real scanner reports: hosts attach by address and by host name;
// an address two assets share attaches nothing; a site-limited user attaches only to its
// assets and sees only those hosts; a chosen asset takes every host of an image scan.
func TestScanAttach(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		assets := sqlstore.NewAssetService(db)
		mk := func(site int64, name string, ips ...string) *medsec.Asset {
			a := &medsec.Asset{SiteID: site, Name: name, Kind: medsec.KindApplicationServer, IPs: ips}
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		ubuntu := mk(main.ID, "lab-gateway", "192.168.2.100")
		mk(main.ID, "aix-1", "192.168.2.101")
		mk(branch.ID, "aix-2", "192.168.2.101")
		server99 := mk(branch.ID, "SERVER99")
		svc := sqlstore.NewScanService(db)

		nessus := readScan(t, "nessus/libnessus-nessus_report_local_3.nessus", 0)
		onUbuntu := 0
		for _, h := range nessus.Hosts {
			if h.Address == "192.168.2.100" {
				onUbuntu = len(h.Results)
			}
		}
		rep, err := svc.ImportScan(system, nessus)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Hosts != 3 || rep.Results != 106 || rep.Attached != 1 {
			t.Errorf("report: %d hosts, %d results, %d attached; want 3, 106, 1", rep.Hosts, rep.Results, rep.Attached)
		}
		got, err := svc.FindScanReport(system, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		attached := map[string]string{}
		for _, h := range got.HostList {
			attached[h.Address] = h.AssetName + "/" + h.MatchedBy
		}
		if attached["192.168.2.100"] != "lab-gateway/address" || attached["192.168.2.101"] != "/" {
			t.Errorf("attached = %v", attached)
		}
		results, err := svc.FindAssetScanResults(system, ubuntu.ID)
		if err != nil || len(results) == 0 || results[0].Scanner != "Nessus" {
			t.Fatalf("results of the attached asset: %d, %v", len(results), err)
		}

		// A branch engineer's import attaches only at the branch, by host name.
		branchCE := as(&medsec.User{ID: 9, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		rep2, err := svc.ImportScan(branchCE, readScan(t, "openvas/defectdojo-openvas-report_detail_v2.xml", 0))
		if err != nil {
			t.Fatal(err)
		}
		got2, err := svc.FindScanReport(branchCE, rep2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got2.HostList) != 1 || got2.HostList[0].AssetID != server99.ID || got2.HostList[0].MatchedBy != medsec.AttachedHostname ||
			len(got2.HostList[0].Results[0].CVEs) != 93 {
			t.Errorf("openvas host: %+v", got2.HostList)
		}
		if _, err := svc.FindScanReport(branchCE, rep.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reading a report with no host of its: %v", err)
		}
		if list, _ := svc.FindScanReports(branchCE); len(list) != 1 {
			t.Errorf("branch user lists %d reports, want 1", len(list))
		}
		if _, err := svc.ImportScan(branchCE, readScan(t, "trivy/trivy-integration-ubuntu-1804.json", ubuntu.ID)); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user choosing a main-site asset: %v", err)
		}
		// An image scan onto a chosen asset.
		rep3, err := svc.ImportScan(system, readScan(t, "trivy/trivy-integration-ubuntu-1804.json", ubuntu.ID))
		if err != nil || rep3.Attached != 1 {
			t.Fatalf("trivy onto asset: %+v, %v", rep3, err)
		}
		results, _ = svc.FindAssetScanResults(system, ubuntu.ID)
		if onUbuntu == 0 || len(results) != 5+onUbuntu || results[0].ReportID != rep3.ID || results[0].PURL == "" {
			t.Errorf("asset results: %d (first from report %d)", len(results), results[0].ReportID)
		}
		entries, total, _ := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "scan.import"})
		if total != 3 || entries[0].ObjectID != rep3.ID {
			t.Errorf("scan audit: %d", total)
		}
	})
}

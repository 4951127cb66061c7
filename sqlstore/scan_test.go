package sqlstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/internal/shareddata"
	"medsec/scanreport"
	"medsec/sqlstore"
	"medsec/vuln"
)

func readScan(t *testing.T, rel string, assetID int64) medsec.ScanImport {
	t.Helper()
	data := shareddata.Data(t, "scanners/"+rel)
	r, err := scanreport.Parse(rel, data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return r.Import(assetID, rel, hex.EncodeToString(sum[:]))
}

// TestScanImportedTwice: the same report (by content) imported a second time is refused
// with ECONFLICT naming the stored report, and no second scan is made; a batch import
// (vuln import) skips it with a warning.
func TestScanImportedTwice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		svc := sqlstore.NewScanService(db)
		imp := readScan(t, "nessus/libnessus-nessus_report_local_3.nessus", 0)
		first, err := svc.ImportScan(system, imp)
		if err != nil {
			t.Fatal(err)
		}
		imp.FileName = "renamed.nessus"
		_, err = svc.ImportScan(system, imp)
		if medsec.ErrorCode(err) != medsec.ECONFLICT || !strings.Contains(medsec.ErrorMessage(err), "scan report "+strconv.FormatInt(first.ID, 10)) {
			t.Fatalf("second import: %v, want a conflict naming report %d", err, first.ID)
		}
		sum, err := sqlstore.NewVulnService(db).Import(system, sqlstore.VulnImport{Scans: []medsec.ScanImport{imp}})
		if err != nil {
			t.Fatal(err)
		}
		if sum.ScanReports != 0 || sum.ScanReportsSkipped != 1 || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "renamed.nessus") {
			t.Errorf("batch import of the same report: %+v", sum)
		}
		var n int
		if err := db.QueryRowForTest(`SELECT COUNT(*) FROM scan_reports`, &n); err != nil || n != 1 {
			t.Errorf("%d scan reports stored (%v), want 1", n, err)
		}
	})
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

// TestScanFindings: the CVEs of an attached host become findings of its asset, with source
// "scanner", the report as their advisory and a deadline from the scanner's CVSS score;
// matching the advisories again leaves them; the same report again adds no finding but
// names the new report on each; a person's analysis stays.
func TestScanFindings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		a := &medsec.Asset{SiteID: main.ID, Name: "server99", Kind: medsec.KindHIS, IPs: []string{"10.99.99.99"}}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		svc, vulns := sqlstore.NewScanService(db), sqlstore.NewVulnService(db)
		rep, err := svc.ImportScan(system, readScan(t, "openvas/defectdojo-openvas-report_detail_v2.xml", 0))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Attached != 1 || rep.Findings != 93 {
			t.Fatalf("report: %d attached, %d findings; want 1, 93", rep.Attached, rep.Findings)
		}
		list, total, err := vulns.FindFindings(system, medsec.FindingFilter{AssetID: a.ID, Limit: 200})
		if err != nil || total != 93 {
			t.Fatalf("findings: %d, %v", total, err)
		}
		f := list[0]
		ref := "SCAN-" + strconv.FormatInt(rep.ID, 10)
		if f.Source != "scanner" || f.Advisory != ref || f.Score != 9.8 || f.State != medsec.FindingNew ||
			rep.ScannedAt.IsZero() || !f.FoundAt.Equal(rep.ScannedAt) || !f.Due.Equal(rep.ScannedAt.Add(24*time.Hour)) {
			t.Errorf("finding %+v", f)
		}
		if _, err := vulns.AnalyzeFinding(system, f.ID, medsec.FindingAnalysis{State: medsec.FindingConfirmed, Version: f.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := vulns.Rematch(system); err != nil {
			t.Fatal(err)
		}
		// A later scan that finds the same (its file differs: another scan time).
		again := readScan(t, "openvas/defectdojo-openvas-report_detail_v2.xml", 0)
		again.SHA256, again.ScannedAt = "a later scan", again.ScannedAt.Add(24*time.Hour)
		rep2, err := svc.ImportScan(system, again)
		if err != nil || rep2.Findings != 0 {
			t.Fatalf("same result in a later scan: %+v, %v", rep2, err)
		}
		got, err := vulns.FindFinding(system, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.GoneAt.IsZero() || got.State != medsec.FindingConfirmed || strings.Join(got.Advisories, ",") != ref+",SCAN-"+strconv.FormatInt(rep2.ID, 10) {
			t.Errorf("after rematch and a second scan: gone %v, state %s, advisories %v", got.GoneAt, got.State, got.Advisories)
		}
	})
}

// TestScanAdvisoryScope: a scan report stands in the advisories as SCAN-<id>, titled with
// its scanner and file name, and its results' titles name what the scanner saw on one
// site's host. A user limited to the other site, or a vendor user whose company has no
// host in the report, neither lists it, nor reads it, nor sees its titles on its own
// findings of the same CVE; published advisories stay visible to all.
func TestScanAdvisoryScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		org := sqlstore.NewOrgService(db)
		vendor := &medsec.Vendor{Name: "Branch Vendor Ltd"}
		if err := org.CreateVendor(system, vendor); err != nil {
			t.Fatal(err)
		}
		assets := sqlstore.NewAssetService(db)
		mainHost := &medsec.Asset{SiteID: main.ID, Name: "main-his", Kind: medsec.KindHIS, IPs: []string{"10.1.0.5"}}
		branchHost := &medsec.Asset{SiteID: branch.ID, Name: "branch-his", Kind: medsec.KindHIS, IPs: []string{"10.2.0.5"}, VendorID: vendor.ID}
		for _, a := range []*medsec.Asset{mainHost, branchHost} {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		svc, vulns := sqlstore.NewScanService(db), sqlstore.NewVulnService(db)
		scan := func(file, addr, title string) *medsec.ScanReport {
			rep, err := svc.ImportScan(system, medsec.ScanImport{Format: "nessus", Scanner: "Nessus", FileName: file, SHA256: file, Hosts: []medsec.ScanHost{{
				Address: addr, Results: []medsec.ScanResult{{ScannerID: "1", Title: title, Severity: "high", CVEs: []string{"CVE-2024-6387"},
					Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"}}}}})
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		mainRep := scan("main-campus-weekly.nessus", "10.1.0.5", "Main campus only: OpenSSH on main-his")
		branchRep := scan("branch-weekly.nessus", "10.2.0.5", "Branch: OpenSSH")
		published, err := vuln.ParseCSAF("icsma-17-255-01.json", readVulnFile(t, "csaf-icsma/icsma-17-255-01.json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vulns.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{published}}); err != nil {
			t.Fatal(err)
		}
		mainRef, branchRef := "SCAN-"+strconv.FormatInt(mainRep.ID, 10), "SCAN-"+strconv.FormatInt(branchRep.ID, 10)
		for _, u := range []*medsec.User{
			{ID: 9, Username: "branch-ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}},
			{ID: 10, Username: "vendor", Role: medsec.RoleVendor, VendorID: vendor.ID},
		} {
			ctx := as(u)
			list, err := vulns.FindAdvisories(ctx)
			if err != nil {
				t.Fatal(err)
			}
			refs := map[string]string{}
			for _, a := range list {
				refs[a.Ref] = a.Title
			}
			if _, ok := refs[mainRef]; ok {
				t.Errorf("%s lists the other site's scan report %s: %q", u.Username, mainRef, refs[mainRef])
			}
			if _, ok := refs[branchRef]; !ok || refs[published.ID] == "" {
				t.Errorf("%s lists %v, without its own scan report %s or the published %s", u.Username, refs, branchRef, published.ID)
			}
			if _, _, err := vulns.FindAdvisory(ctx, mainRef); medsec.ErrorCode(err) != medsec.ENOTFOUND {
				t.Errorf("%s reads the other site's scan report %s: %v", u.Username, mainRef, err)
			}
			if _, err := vulns.VEX(ctx, mainRef, "csaf", vuln.VEXInput{Publisher: "t"}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
				t.Errorf("%s exports VEX of the other site's scan report: %v", u.Username, err)
			}
			fs, _, err := vulns.FindFindings(ctx, medsec.FindingFilter{})
			if err != nil || len(fs) != 1 {
				t.Fatalf("%s findings: %d, %v", u.Username, len(fs), err)
			}
			if fs[0].Title != "Branch: OpenSSH" {
				t.Errorf("%s sees its finding titled %q, want its own scanner's title", u.Username, fs[0].Title)
			}
		}
		if _, _, err := vulns.FindAdvisory(system, mainRef); err != nil {
			t.Errorf("unrestricted user reading %s: %v", mainRef, err)
		}
	})
}

package sqlstore_test

import (
	"slices"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestScanReportCountsInScope: a report whose hosts are at two sites tells a branch user
// only the branch's part — hosts, attached hosts, results and findings — in the report and
// in the list of reports (issue 11: the stored counts of the whole report told it how much
// the main site's scan found), while a user of every site keeps the whole report's counts.
func TestScanReportCountsInScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		assets := sqlstore.NewAssetService(db)
		nessus := readScan(t, "nessus/libnessus-nessus_report_local_3.nessus", 0)
		// Each host's results and CVEs, to attach the first two at the two sites.
		type part struct{ results, cves int }
		parts := map[string]part{}
		var addrs []string
		for _, h := range nessus.Hosts {
			var cves []string
			for _, r := range h.Results {
				cves = append(cves, r.CVEs...)
			}
			slices.Sort(cves)
			parts[h.Address] = part{len(h.Results), len(slices.Compact(cves))}
			addrs = append(addrs, h.Address)
		}
		if len(addrs) != 3 {
			t.Fatalf("hosts %v, want 3", addrs)
		}
		// The main site gets the host with the most CVEs, the branch the next one.
		slices.SortFunc(addrs, func(a, b string) int { return parts[b].cves - parts[a].cves })
		mainAddr, branchAddr := addrs[0], addrs[1]
		for _, a := range []*medsec.Asset{
			{SiteID: main.ID, Name: "main-host", Kind: medsec.KindApplicationServer, IPs: []string{mainAddr}},
			{SiteID: branch.ID, Name: "branch-host", Kind: medsec.KindApplicationServer, IPs: []string{branchAddr}},
		} {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		svc := sqlstore.NewScanService(db)
		rep, err := svc.ImportScan(system, nessus)
		if err != nil {
			t.Fatal(err)
		}
		if parts[branchAddr].cves == 0 || rep.Findings != parts[mainAddr].cves+parts[branchAddr].cves {
			t.Fatalf("fixture: branch host %d CVEs, report %d findings", parts[branchAddr].cves, rep.Findings)
		}
		whole := *rep
		branchCE := as(&medsec.User{ID: 9, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		type reportCounts struct{ Hosts, Attached, Results, Findings int }
		want := reportCounts{Hosts: 1, Attached: 1, Results: parts[branchAddr].results, Findings: parts[branchAddr].cves}
		counts := func(r *medsec.ScanReport) reportCounts {
			return reportCounts{Hosts: r.Hosts, Attached: r.Attached, Results: r.Results, Findings: r.Findings}
		}
		got, err := svc.FindScanReport(branchCE, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if counts(got) != want || len(got.HostList) != 1 || got.HostList[0].Address != branchAddr {
			t.Errorf("branch user's report: %+v with %d hosts; want %+v (whole report %+v)", counts(got), len(got.HostList), want, counts(&whole))
		}
		list, err := svc.FindScanReports(branchCE)
		if err != nil || len(list) != 1 || counts(list[0]) != want {
			t.Errorf("branch user's list: %v, %v; want one report with %+v", list, err, want)
		}
		// Every site's user sees the whole report.
		all, err := svc.FindScanReport(system, rep.ID)
		if err != nil || counts(all) != counts(&whole) || whole.Hosts != 3 || whole.Attached != 2 {
			t.Errorf("whole report: %+v, %v; want %+v", counts(all), err, counts(&whole))
		}
	})
}

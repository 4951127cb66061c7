package sqlstore_test

import (
	"encoding/json"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestScanImportCountsInImportersScope: a branch (site-limited) user importing a report
// whose hosts are at two sites is told only its own part — the hosts attached to its
// assets, their results and findings — and how many other hosts there were, as a number,
// never their addresses or names (issue 11: ImportScan returned the whole report's counts,
// 3 hosts and every result, to the branch importer).
func TestScanImportCountsInImportersScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		assets := sqlstore.NewAssetService(db)
		nessus := readScan(t, "nessus/libnessus-nessus_report_local_3.nessus", 0)
		if len(nessus.Hosts) != 3 {
			t.Fatalf("fixture: %d hosts, want 3", len(nessus.Hosts))
		}
		mainHost, branchHost := nessus.Hosts[0], nessus.Hosts[1]
		for _, a := range []*medsec.Asset{
			{SiteID: main.ID, Name: "main-host", Kind: medsec.KindApplicationServer, IPs: []string{mainHost.Address}},
			{SiteID: branch.ID, Name: "branch-host", Kind: medsec.KindApplicationServer, IPs: []string{branchHost.Address}},
		} {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		cves := map[string]bool{}
		for _, r := range branchHost.Results {
			for _, c := range r.CVEs {
				cves[c] = true
			}
		}
		branchCE := as(&medsec.User{ID: 9, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		svc := sqlstore.NewScanService(db)
		rep, err := svc.ImportScan(branchCE, nessus)
		if err != nil {
			t.Fatal(err)
		}
		type counts struct{ Hosts, Attached, Results, Findings, OutsideScope int }
		got := counts{rep.Hosts, rep.Attached, rep.Results, rep.Findings, rep.OutsideScope}
		want := counts{Hosts: 1, Attached: 1, Results: len(branchHost.Results), Findings: len(cves), OutsideScope: 2}
		if got != want {
			t.Errorf("branch importer told %+v, want %+v", got, want)
		}
		body, _ := json.Marshal(rep)
		for _, h := range []medsec.ScanHost{mainHost, nessus.Hosts[2]} {
			for _, s := range []string{h.Address, h.Hostname} {
				if s != "" && strings.Contains(string(body), s) {
					t.Errorf("branch importer's answer names host %q outside its sites: %s", s, body)
				}
			}
		}
		// What it is told is what it reads back.
		again, err := svc.FindScanReport(branchCE, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c := (counts{again.Hosts, again.Attached, again.Results, again.Findings, want.OutsideScope}); c != want {
			t.Errorf("branch user's report reads %+v, import said %+v", c, got)
		}
		// The stored report is whole: an administrator sees all three hosts, the main
		// site's unattached (the branch importer's scope attaches only its own assets).
		all, err := svc.FindScanReport(system, rep.ID)
		if err != nil || all.Hosts != 3 || all.Attached != 1 || all.OutsideScope != 0 {
			t.Errorf("whole report: %+v, %v", all, err)
		}
	})
}

// TestScanImportedTwiceByAnotherSite: a report another site imported before is refused to
// a branch user without naming the stored report's number or file name, which tell of the
// other site's scan (issue 11); the importer who sees it is told both.
func TestScanImportedTwiceByAnotherSite(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		nessus := readScan(t, "nessus/libnessus-nessus_report_local_3.nessus", 0)
		if err := sqlstore.NewAssetService(db).CreateAsset(system, &medsec.Asset{SiteID: main.ID, Name: "main-host",
			Kind: medsec.KindApplicationServer, IPs: []string{nessus.Hosts[0].Address}}); err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewScanService(db)
		first := nessus
		first.FileName = "hq-october-secret.nessus"
		stored, err := svc.ImportScan(system, first)
		if err != nil {
			t.Fatal(err)
		}
		branchCE := as(&medsec.User{ID: 9, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		_, err = svc.ImportScan(branchCE, nessus)
		if medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Fatalf("branch import of the same report: %v, want ECONFLICT", err)
		}
		if msg := medsec.ErrorMessage(err); strings.Contains(msg, first.FileName) || strings.Contains(msg, "report "+itoa(stored.ID)) {
			t.Errorf("branch user told of the other site's report: %q", msg)
		}
		_, err = svc.ImportScan(system, nessus)
		if msg := medsec.ErrorMessage(err); !strings.Contains(msg, first.FileName) {
			t.Errorf("administrator's refusal %q does not name the stored report's file %q", msg, first.FileName)
		}
	})
}

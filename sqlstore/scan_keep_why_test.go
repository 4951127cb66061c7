package sqlstore_test

import (
	"strconv"
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestScannerFindingKeepsItsCheckWhenAnAdvisoryMatches (issue 11): a scanner's finding of
// CVE-2017-9658 on the MX40 B.06.17, which the real ICSMA-17-255-01 then matches too, still
// names the scanner's check — in its why, before the advisory's identifiers, and as the
// check its score comes from while the advisory gives none — and keeps the scan report
// among its advisories, first. Was: matching replaced why_json and the advisories, so the
// score read "score of the scanner's check" with no check, and the report lost it.
func TestScannerFindingKeepsItsCheckWhenAnAdvisoryMatches(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		const cve = "CVE-2017-9658"
		rep, err := sqlstore.NewScanService(db).ImportScan(system, medsec.ScanImport{AssetID: f.mx40old.ID, Format: "nessus", Scanner: "Nessus",
			FileName: "mx40.nessus", SHA256: "mx40", Hosts: []medsec.ScanHost{{Hostname: "MX40-7F-01", Results: []medsec.ScanResult{{
				ScannerID: "104631", Title: "Philips IntelliVue MX40 vulnerabilities", Severity: "High", Score: 8.8,
				Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", CVEs: []string{cve}}}}}})
		if err != nil || rep.Findings != 1 {
			t.Fatalf("scan: %+v, %v", rep, err)
		}
		// The ICSMA without its scores, so that the scanner's check still scores the finding.
		adv := f.advisories[2]
		if adv.ID != "ICSMA-17-255-01" {
			t.Fatalf("fixture advisory %s", adv.ID)
		}
		for i := range adv.Vulnerabilities {
			adv.Vulnerabilities[i].Vector, adv.Vulnerabilities[i].Scores = "", nil
		}
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{adv}}); err != nil {
			t.Fatal(err)
		}
		list, n, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID, CVE: cve})
		if err != nil || n != 1 {
			t.Fatalf("findings: %d, %v", n, err)
		}
		got := list[0]
		scanRef := "SCAN-" + strconv.FormatInt(rep.ID, 10)
		if len(got.Advisories) != 2 || got.Advisories[0] != scanRef || got.Advisories[1] != "ICSMA-17-255-01" {
			t.Errorf("advisories %v, want [%s ICSMA-17-255-01]", got.Advisories, scanRef)
		}
		if got.Why == nil || len(got.Why.Identifiers) < 2 || got.Why.Identifiers[0].Kind != "scanner" || got.Why.Identifiers[0].Params["scanner_id"] != "104631" ||
			got.Why.Rule.Kind == "scanner_report" {
			t.Errorf("why %+v, want the scanner's check 104631 before the advisory's identifiers, by the advisory's rule", got.Why)
		}
		if got.ScoreSource != medsec.ScoreFromScanner || got.Score != 8.8 || got.ScoreCheck != "Nessus 104631" {
			t.Errorf("score %.1f from %q check %q, want 8.8 from the scanner's check Nessus 104631", got.Score, got.ScoreSource, got.ScoreCheck)
		}
		// The scan report still counts the finding it created.
		if all, err := sqlstore.NewScanService(db).FindScanReport(as(&medsec.User{ID: 9, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{f.mx40old.SiteID}}), rep.ID); err != nil || all.Findings != 1 {
			t.Errorf("site user's report: %+v, %v; want 1 finding", all, err)
		}
	})
}

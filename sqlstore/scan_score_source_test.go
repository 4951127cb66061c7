package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestScannerScoreStaysWithItsFindings (issue 11 #8): OpenVAS check
// 1.3.6.1.4.1.25623.1.0.836484 scores 9.8 and lists 93 CVEs the store has no score for.
// Its score is the findings' own, labelled as the check's, and is not written into the
// CVE rows every site shares (they stay unscored); a published score that arrives later
// for one of the CVEs is what a new finding of that CVE on another site's asset takes,
// and the scanner's findings of that CVE already stored take it as well, with the deadline
// it gives.
func TestScannerScoreStaysWithItsFindings(t *testing.T) {
	const (
		rel   = "openvas/defectdojo-openvas-report_detail_v2.xml"
		check = "1.3.6.1.4.1.25623.1.0.836484"
		cve   = "CVE-2025-49716"
	)
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		assets := sqlstore.NewAssetService(db)
		a := &medsec.Asset{SiteID: main.ID, Name: "server99", Kind: medsec.KindHIS, IPs: []string{"10.99.99.99"}}
		b := &medsec.Asset{SiteID: branch.ID, Name: "branch-his", Kind: medsec.KindHIS, IPs: []string{"10.2.9.9"}}
		for _, x := range []*medsec.Asset{a, b} {
			if err := assets.CreateAsset(system, x); err != nil {
				t.Fatal(err)
			}
		}
		svc, vulns := sqlstore.NewScanService(db), sqlstore.NewVulnService(db)
		if _, err := svc.ImportScan(system, readScan(t, rel, 0)); err != nil {
			t.Fatal(err)
		}
		var unscored, scored int
		if err := db.QueryRowForTest(`SELECT COUNT(*) FROM vuln_vulnerabilities WHERE score_known = 0 AND cvss_vector = '' AND base_score = 0`, &unscored); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowForTest(`SELECT COUNT(*) FROM vuln_vulnerabilities WHERE score_known = 1`, &scored); err != nil {
			t.Fatal(err)
		}
		if unscored != 93 || scored != 0 {
			t.Fatalf("CVE rows after the scan: %d unscored, %d scored; want 93 unscored, none scored by the scanner's check", unscored, scored)
		}
		list, total, err := vulns.FindFindings(system, medsec.FindingFilter{AssetID: a.ID, Limit: 200})
		if err != nil || total != 93 {
			t.Fatalf("findings: %d, %v", total, err)
		}
		for _, f := range list {
			if f.Score != 9.8 || f.BaseScore != 9.8 || !f.ScoreKnown || f.ScoreSource != medsec.ScoreFromScanner ||
				f.ScoreCheck != "Greenbone/OpenVAS (GMP 22.6) "+check || f.CVSSVector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" || f.Severity != "Critical" {
				t.Fatalf("%s: score %.1f base %.1f known %v source %q check %q vector %q severity %s; want the check's 9.8, labelled",
					f.CVE, f.Score, f.BaseScore, f.ScoreKnown, f.ScoreSource, f.ScoreCheck, f.CVSSVector, f.Severity)
			}
		}

		// NVD's score for one of the CVEs arrives.
		nvd := &vuln.Advisory{ID: "NVD-" + cve, Source: "nvd", Title: cve, Vulnerabilities: []vuln.Vulnerability{{CVE: cve,
			Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}}
		if _, err := vulns.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{nvd}}); err != nil {
			t.Fatal(err)
		}
		// The same check seen on the branch's asset: its finding of the CVE takes NVD's
		// score, the others still the check's.
		again := readScan(t, rel, b.ID)
		again.SHA256 = "the branch's scan"
		if _, err := svc.ImportScan(system, again); err != nil {
			t.Fatal(err)
		}
		got, _, err := vulns.FindFindings(system, medsec.FindingFilter{AssetID: b.ID, Limit: 200})
		if err != nil || len(got) != 93 {
			t.Fatalf("branch findings: %d, %v", len(got), err)
		}
		var branchF *medsec.Finding
		for _, f := range got {
			want, source := 9.8, medsec.ScoreFromScanner
			if f.CVE == cve {
				branchF = f
				want, source = 7.5, medsec.ScoreFromAdvisory
			}
			if f.Score != want || f.ScoreSource != source {
				t.Errorf("branch %s: score %.1f from %q, want %.1f from %q", f.CVE, f.Score, f.ScoreSource, want, source)
			}
		}
		for _, f := range list {
			if f.CVE != cve {
				continue
			}
			old, err := vulns.FindFinding(system, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			// The first asset's finding takes NVD's score too, and the deadline it gives
			// (as the branch's new finding, found at the same time).
			if old.Score != 7.5 || old.ScoreSource != medsec.ScoreFromAdvisory || old.CVSSVector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H" ||
				branchF == nil || !old.Due.Equal(branchF.Due) || old.DeadlineRule != branchF.DeadlineRule {
				t.Errorf("finding %d of %s on the first asset: %.1f from %q (%s) due %v (was %v)", old.ID, cve, old.Score, old.ScoreSource, old.CVSSVector, old.Due, f.Due)
			}
		}
	})
}

package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestCVEScoreOrigin (issue 11): a published score says who published it — NVD's record
// of CVE-2017-9657, the CSAF advisory ICSMA-17-255-01 for CVE-2017-9658 — and migration
// 0097 tells the rows stored before it apart: the same two by the stored advisories that
// give their vectors, and a CVE row the old code filled with a scanner check's score (its
// vector is the check's, no stored advisory gives it) as a scanner's score, not published.
func TestCVEScoreOrigin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{f.advisories[0]}}); err != nil {
			t.Fatal(err)
		}
		const legacy, vector = "CVE-2099-0001", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
		if _, err := sqlstore.NewScanService(db).ImportScan(system, medsec.ScanImport{AssetID: f.mx40.ID, Format: "nessus", Scanner: "Nessus",
			FileName: "mx40.nessus", SHA256: "mx40", Hosts: []medsec.ScanHost{{Hostname: "MX40-7F-02", Results: []medsec.ScanResult{{
				ScannerID: "104631", Title: "check", Severity: "High", Score: 8.8, Vector: vector, CVEs: []string{"CVE-2099-0002", legacy}}}}}}); err != nil {
			t.Fatal(err)
		}
		origin := func(asset int64, cve string) (string, string, string) {
			t.Helper()
			list, n, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: asset, CVE: cve})
			if err != nil || n != 1 {
				t.Fatalf("findings of %s: %d, %v", cve, n, err)
			}
			return list[0].ScoreSource, list[0].ScoreOrigin, list[0].ScoreRef
		}
		type row struct {
			asset                    int64
			cve, source, origin, ref string
		}
		nvd9657 := row{f.mx40old.ID, "CVE-2017-9657", medsec.ScoreFromAdvisory, medsec.ScoreOriginNVD, "CVE-2017-9657"}
		csaf9658 := row{f.mx40old.ID, "CVE-2017-9658", medsec.ScoreFromAdvisory, medsec.ScoreOriginCSAF, "ICSMA-17-255-01"}
		csaf9657 := row{f.mx40old.ID, "CVE-2017-9657", medsec.ScoreFromAdvisory, medsec.ScoreOriginCSAF, "ICSMA-17-255-01"}
		scanner := row{f.mx40.ID, legacy, medsec.ScoreFromAdvisory, medsec.ScoreOriginScanner, ""}
		check := func(when string, want ...row) {
			t.Helper()
			for _, w := range want {
				if s, o, r := origin(w.asset, w.cve); s != w.source || o != w.origin || r != w.ref {
					t.Errorf("%s: %s: score from %q origin %q ref %q; want %q %q %q", when, w.cve, s, o, r, w.source, w.origin, w.ref)
				}
			}
		}
		check("NVD imported", nvd9657)
		// ICSMA-17-255-01 scores CVE-2017-9658 (and CVE-2017-9657 again: the row then
		// names it, the last to score it).
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{f.advisories[2]}}); err != nil {
			t.Fatal(err)
		}
		check("CSAF imported", csaf9657, csaf9658)
		// The rows as the code before 0090 and 0097 left them: the scanner's check wrote its
		// score into the CVE row, its finding read it as published, and no row said who
		// published a score.
		for _, q := range []string{
			`UPDATE vuln_vulnerabilities SET cvss_vector = '` + vector + `', base_score = 8.8, score_known = 1 WHERE cve = '` + legacy + `'`,
			`UPDATE vuln_findings SET score_source = 'advisory', score_vector = '' WHERE cve = '` + legacy + `'`,
			`ALTER TABLE vuln_vulnerabilities DROP COLUMN score_origin`,
			`ALTER TABLE vuln_vulnerabilities DROP COLUMN score_ref`,
		} {
			if err := db.ExecForTest(q); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.RerunMigrationForTest("0097_cve_score_origin.sql"); err != nil {
			t.Fatal(err)
		}
		check("migrated", csaf9658, scanner)
		// CVE-2017-9657: NVD and the ICSMA give it; the migration names one that gives
		// the stored vector, NVD first.
		if _, o, r := origin(f.mx40old.ID, "CVE-2017-9657"); o == "" || r == "" {
			t.Errorf("migrated CVE-2017-9657: origin %q ref %q, want a publisher", o, r)
		}
		// The other CVE of the check, never written into its row, stays the check's own.
		if s, o, _ := origin(f.mx40.ID, "CVE-2099-0002"); s != medsec.ScoreFromScanner || o != "" {
			t.Errorf("CVE-2099-0002: score from %q origin %q, want the scanner's check", s, o)
		}
	})
}

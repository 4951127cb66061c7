package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestPublishedScoreReachesScannerFindings (issue 11): a scanner's findings take the
// published score when an NVD record for their CVE arrives later — a CVE row the code
// before migration 0090 filled with the check's score (origin "scanner", its finding
// reading it as published), a finding the check left unscored, and a finding re-scored
// for its device on the check's vector, whose re-scoring is applied again on NVD's vector
// (a second re-scoring, same answers, by the importer, audited). On the old code all three
// kept the check's score, 7.0 or the environmental score of the check's vector.
func TestPublishedScoreReachesScannerFindings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		const (
			legacy, rescored, unscored = "CVE-2099-0001", "CVE-2099-0002", "CVE-2099-0003"
			checkVector                = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
		)
		if _, err := sqlstore.NewScanService(db).ImportScan(system, medsec.ScanImport{AssetID: f.mx40.ID, Format: "nessus", Scanner: "Nessus",
			FileName: "mx40.nessus", SHA256: "mx40", Hosts: []medsec.ScanHost{{Hostname: "MX40-7F-02", Results: []medsec.ScanResult{
				{ScannerID: "104631", Title: "check", Severity: "High", Score: 8.8, Vector: checkVector, CVEs: []string{legacy, rescored}},
				{ScannerID: "104632", Title: "unscored check", Severity: "Medium", CVEs: []string{unscored}}}}}}); err != nil {
			t.Fatal(err)
		}
		// The legacy row as the code before 0090 and 0097 left it.
		for _, q := range []string{
			`UPDATE vuln_vulnerabilities SET cvss_vector = '` + checkVector + `', base_score = 8.8, score_known = 1, score_origin = 'scanner' WHERE cve = '` + legacy + `'`,
			`UPDATE vuln_findings SET score_source = 'advisory', score_vector = '' WHERE cve = '` + legacy + `'`,
		} {
			if err := db.ExecForTest(q); err != nil {
				t.Fatal(err)
			}
		}
		find := func(cve string) *medsec.Finding {
			t.Helper()
			list, n, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40.ID, CVE: cve})
			if err != nil || n != 1 {
				t.Fatalf("findings of %s: %d, %v", cve, n, err)
			}
			return list[0]
		}
		if got := find(unscored); got.ScoreSource != medsec.ScoreFromNone {
			t.Fatalf("fixture: %s scored from %q", unscored, got.ScoreSource)
		}
		answers := medsec.RubricAnswers{Reach: "segment", IntegrityHarm: "minor", AvailabilityHarm: "serious", ClinicalUse: "life-sustaining", PatientData: "one"}
		before := find(rescored)
		if before.ScoreSource != medsec.ScoreFromScanner {
			t.Fatalf("fixture: %s scored from %q", rescored, before.ScoreSource)
		}
		if _, err := f.svc.RescoreFinding(system, before.ID, medsec.FindingRescore{Reason: "ICU central station", Answers: answers}); err != nil {
			t.Fatal(err)
		}

		vectors := map[string]string{
			legacy:   "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", // 7.5
			rescored: "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", // 1.9
			unscored: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N", // 5.3
		}
		nvd := &vuln.Advisory{ID: "NVD-2099", Source: vuln.SourceNVD, Title: "NVD"}
		for _, cve := range []string{legacy, rescored, unscored} {
			nvd.Vulnerabilities = append(nvd.Vulnerabilities, vuln.Vulnerability{CVE: cve, Vector: vectors[cve]})
		}
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{nvd}}); err != nil {
			t.Fatal(err)
		}
		for _, cve := range []string{legacy, unscored} {
			c, err := vuln.ScoreVector(vectors[cve])
			if err != nil {
				t.Fatal(err)
			}
			got := find(cve)
			dl, err := vuln.ComputeDeadline(vuln.Policy{}, vuln.Exposure{Score: c.Base}, got.FoundAt)
			if err != nil {
				t.Fatal(err)
			}
			if got.Score != c.Base || got.ScoreSource != medsec.ScoreFromAdvisory || got.ScoreOrigin != medsec.ScoreOriginNVD ||
				!got.Due.Equal(dl.Due) || got.DeadlineRule != string(dl.Rule) {
				t.Errorf("%s after NVD: %.1f from %q/%q due %v %s; want NVD's %.1f due %v %s",
					cve, got.Score, got.ScoreSource, got.ScoreOrigin, got.Due, got.DeadlineRule, c.Base, dl.Due, dl.Rule)
			}
		}
		want, err := vuln.Rescore(vectors[rescored], answers, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := find(rescored)
		dl, err := vuln.ComputeDeadline(vuln.Policy{}, vuln.Exposure{Score: want.Environmental}, got.FoundAt)
		if err != nil {
			t.Fatal(err)
		}
		if got.EnvVector != want.Vector || got.Score != want.Environmental || got.ScoreSource != medsec.ScoreFromAdvisory ||
			got.CVSSVector != vectors[rescored] || !got.Due.Equal(dl.Due) {
			t.Errorf("re-scored %s after NVD: env %s %.1f from %q on %s due %v; want %s %.1f on NVD's %s due %v",
				rescored, got.EnvVector, got.Score, got.ScoreSource, got.CVSSVector, got.Due, want.Vector, want.Environmental, vectors[rescored], dl.Due)
		}
		g, err := f.svc.RescoreGuide(system, got.ID)
		if err != nil || len(g.History) != 2 || g.History[0].BaseVector != vectors[rescored] || g.History[1].BaseVector != checkVector ||
			g.History[0].Answers != answers || g.History[0].Reason != "ICU central station" {
			t.Errorf("re-scorings: %+v, %v; want the person's on the check's vector, then the same answers on NVD's", g, err)
		}
		entries, total, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "vuln.finding.rescore"})
		if err != nil || total != 2 || entries[0].ObjectID != got.ID {
			t.Errorf("audit: %d rescore rows, %v; want the person's and the import's", total, err)
		}
	})
}

// TestCSAFScoreWinsOverNVD (issue 11): a CVE that a CSAF advisory (product-specific, CSAF
// 2.0 §3.2.3.12) and NVD's record both score keeps the CSAF advisory's score whatever the
// order of the imports, and its findings say so (origin csaf, ICSMA-17-255-01); NVD's
// score is the CVE's until a CSAF advisory scores it. On the old code the last import
// won: NVD's record imported after the ICSMA replaced the advisory's score.
func TestCSAFScoreWinsOverNVD(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		nvd, icsma := f.advisories[0], f.advisories[2]
		const cve = "CVE-2017-9657"
		// The real record and the ICSMA give the same v3.0 vector; NVD's generic score
		// differs here (as NVD's often does from a vendor's), to tell them apart.
		const nvdVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
		cp := *nvd
		cp.Vulnerabilities = nil
		nvd = &cp
		for _, v := range f.advisories[0].Vulnerabilities {
			if v.CVE == cve {
				v.Vector = nvdVector
			}
			nvd.Vulnerabilities = append(nvd.Vulnerabilities, v)
		}
		var csafVector string
		for _, v := range icsma.Vulnerabilities {
			if v.CVE == cve {
				csafVector = v.Vector
			}
		}
		if csafVector == "" || nvdVector == csafVector {
			t.Fatalf("fixture: NVD %q, ICSMA %q", nvdVector, csafVector)
		}
		origin := func(when, wantOrigin, wantRef, wantVector string) {
			t.Helper()
			list, n, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID, CVE: cve})
			if err != nil || n != 1 {
				t.Fatalf("%s: findings: %d, %v", when, n, err)
			}
			got := list[0]
			c, err := vuln.ScoreVector(wantVector)
			if err != nil {
				t.Fatal(err)
			}
			if got.ScoreOrigin != wantOrigin || got.ScoreRef != wantRef || got.CVSSVector != wantVector || got.Score != c.Base {
				t.Errorf("%s: %s scored %.1f (%s) by %q %q; want %.1f (%s) by %q %q", when, cve, got.Score, got.CVSSVector, got.ScoreOrigin, got.ScoreRef,
					c.Base, wantVector, wantOrigin, wantRef)
			}
		}
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{nvd}}); err != nil {
			t.Fatal(err)
		}
		origin("NVD alone", medsec.ScoreOriginNVD, cve, nvdVector)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{icsma}}); err != nil {
			t.Fatal(err)
		}
		origin("ICSMA after NVD", medsec.ScoreOriginCSAF, "ICSMA-17-255-01", csafVector)
		// NVD's record again (its next revision): the advisory's score stays.
		again := *nvd
		again.Updated = nvd.Updated.Add(24 * time.Hour)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{&again}}); err != nil {
			t.Fatal(err)
		}
		origin("NVD after ICSMA", medsec.ScoreOriginCSAF, "ICSMA-17-255-01", csafVector)
	})
}

package sqlstore_test

import (
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestOldFindingsSayRangeTermsInWords: a finding matched before the NVD range fields were
// said in words stored "(versionEndExcluding)" in its English version test; read now, it
// says the test as a finding matched today does ("affected before version …"), the term
// gone (issue 16).
func TestOldFindingsSayRangeTermsInWords(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		read := func() []*medsec.Finding {
			list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
			if err != nil {
				t.Fatal(err)
			}
			return list
		}
		want := map[int64]string{}
		for _, fd := range read() {
			if fd.Why != nil && strings.Contains(fd.VersionTest, "affected before version") {
				want[fd.ID] = fd.VersionTest
			}
		}
		if len(want) == 0 {
			t.Fatal("no finding of the MX40 has a range test")
		}
		// As stored before: the NVD term in the English text.
		if err := db.ExecForTest(`UPDATE vuln_findings SET version_test = 'firmware b.06.17 < b.06.18 (versionEndExcluding)'`); err != nil {
			t.Fatal(err)
		}
		for _, fd := range read() {
			if strings.Contains(fd.VersionTest, "versionEndExcluding") {
				t.Errorf("finding %d still says %q", fd.ID, fd.VersionTest)
			}
			if w, ok := want[fd.ID]; ok && fd.VersionTest != w {
				t.Errorf("finding %d says %q, want %q", fd.ID, fd.VersionTest, w)
			}
		}
	})
}

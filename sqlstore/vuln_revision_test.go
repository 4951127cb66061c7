package sqlstore_test

import (
	"bytes"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestOlderCSAFRevisionDoesNotReplaceNewer: the real ICSMA-17-255-01 (tracking version 1,
// 2017-09-12) updated to version 99 (2026-11-30) marking the MX40 fixed; importing the
// original again (an old copy in a mirror or directory) is reported naming both revisions
// and not stored: the stored advisory stays 99 and the MX40 finding stays gone. A file
// claiming revision 99 with other product statuses is reported and not stored either;
// the same revision again is accepted.
func TestOlderCSAFRevisionDoesNotReplaceNewer(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		orig := readVulnFile(t, "csaf-icsma/icsma-17-255-01.json")
		// The tracking version is the document's last "version" (the first is the
		// revision history's).
		i := bytes.LastIndex(orig, []byte(`"version": "1"`))
		v99 := append(append(append([]byte{}, orig[:i]...), `"version": "99"`...), orig[i+len(`"version": "1"`):]...)
		v99 = bytes.Replace(v99, []byte(`"current_release_date": "2017-09-12T00:00:00.000000Z"`), []byte(`"current_release_date": "2026-11-30T00:00:00.000000Z"`), 1)
		fixed := bytes.ReplaceAll(v99, []byte(`"known_affected"`), []byte(`"fixed"`))
		if bytes.Equal(fixed, v99) || bytes.Equal(v99, orig) {
			t.Fatal("the advisory's shape changed: tracking or statuses not found")
		}
		parse := func(name string, data []byte) *vuln.Advisory {
			a, err := vuln.ParseCSAF(name, data)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Files: []string{"icsma-17-255-01.json"}, Advisories: []*vuln.Advisory{parse("icsma-17-255-01.json", orig)}}); err != nil {
			t.Fatal(err)
		}
		live := func() int {
			list, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
			n := 0
			for _, x := range list {
				if x.GoneAt.IsZero() {
					n++
				}
			}
			return n
		}
		if n := live(); n != 2 {
			t.Fatalf("MX40 on B.06.17 has %d findings after revision 1, want 2", n)
		}
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Files: []string{"v99.json"}, Advisories: []*vuln.Advisory{parse("v99.json", fixed)}}); err != nil {
			t.Fatal(err)
		}
		stored := func() *vuln.Advisory {
			a, _, err := f.svc.FindAdvisory(system, "ICSMA-17-255-01")
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		if a := stored(); a.Revision != "99" {
			t.Fatalf("revision 99 not stored: %q", a.Revision)
		}
		sum, err := f.svc.Import(system, sqlstore.VulnImport{Files: []string{"old.json"}, Advisories: []*vuln.Advisory{parse("old.json", orig)}})
		want := "old.json: older revision of ICSMA-17-255-01 ignored: stored 99 (2026-11-30), file 1 (2017-09-12)"
		if err != nil || sum.Advisories != 0 || strings.Join(sum.Warnings, "\n") != want {
			t.Fatalf("older revision: %+v, %v; want the warning %q", sum, err, want)
		}
		if a := stored(); a.Revision != "99" || len(a.Vulnerabilities[0].Fixed) == 0 || live() != 0 {
			t.Errorf("stored advisory replaced by the older revision: %q, %d findings matched again", a.Revision, live())
		}
		sum, err = f.svc.Import(system, sqlstore.VulnImport{Files: []string{"forged99.json"}, Advisories: []*vuln.Advisory{parse("forged99.json", v99)}})
		if err != nil || sum.Advisories != 0 || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "claims the stored revision 99 (2026-11-30)") {
			t.Fatalf("same revision, other statuses: %+v, %v", sum, err)
		}
		sum, err = f.svc.Import(system, sqlstore.VulnImport{Files: []string{"v99.json"}, Advisories: []*vuln.Advisory{parse("v99.json", fixed)}})
		if err != nil || sum.Advisories != 1 || len(sum.Warnings) != 0 {
			t.Fatalf("same revision again: %+v, %v", sum, err)
		}
	})
}

// TestCompareRevisions: CSAF integer and semantic versioning, pre-releases, and the date
// when the versions are of different kinds.
func TestCompareRevisions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"1", "2", 1}, {"10", "9", -1}, {"1.2.0", "1.10.0", 1}, {"1.0.0", "1.0.0-rc1", -1}, {"1.0.0-rc1", "1.0.0", 1}, {"2.0.0+b1", "2.0.0+b2", 0}, {"1", "1.0.0", 0}} {
		if got := vuln.CompareRevisions(&vuln.Advisory{Revision: tc.a}, &vuln.Advisory{Revision: tc.b}); got != tc.want {
			t.Errorf("%s → %s: %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/internal/vulntest"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestVendorStatementOutranksNVD (issue 11): the manufacturer's CSAF statement that the
// MX40 on B.06.17 is fixed, or known not affected, by CVE-2017-9657 stops the real NVD
// record's CPE match from raising a finding on it, whichever is imported first (NVD
// first: the finding is gone); the same statement matched by name alone (no vendor
// branch: low confidence) does not, and the finding carries it as a note for the analyst.
func TestVendorStatementOutranksNVD(t *testing.T) {
	for _, status := range []string{"fixed", "known_not_affected"} {
		for _, order := range []string{"nvd-first", "csaf-first"} {
			t.Run(status+"/"+order, func(t *testing.T) {
				forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
					f := newVulnFixture(t, db)
					nvd := f.advisories[0]
					if nvd.ID != "CVE-2017-9657" {
						t.Fatalf("fixture's first advisory %s, want the NVD record CVE-2017-9657", nvd.ID)
					}
					sure, loose := vulntest.VendorStatement(t, status, false), vulntest.VendorStatement(t, status, true)
					loose.ID = "PHILIPS-PSA-2017-9657-NAME"
					steps := [][]*vuln.Advisory{{nvd}, {sure}}
					if order == "csaf-first" {
						steps = [][]*vuln.Advisory{{sure}, {nvd}}
					}
					open := func(asset int64) []*medsec.Finding {
						t.Helper()
						list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: asset, CVE: "CVE-2017-9657"})
						if err != nil {
							t.Fatal(err)
						}
						var out []*medsec.Finding
						for _, fd := range list {
							if fd.GoneAt.IsZero() && fd.State.Open() {
								out = append(out, fd)
							}
						}
						return out
					}
					// The loose statement alone beside NVD: the finding stands, with the note.
					if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{nvd, loose}}); err != nil {
						t.Fatal(err)
					}
					got := open(f.mx40old.ID)
					if len(got) != 1 {
						t.Fatalf("NVD and a name-only statement: %d open findings of CVE-2017-9657 on the MX40, want 1", len(got))
					}
					n := got[0].VendorNote
					if n == nil || n.Advisory != loose.ID || n.Status != status || n.Confidence != "low" || n.ProductID != "CSAFPID-0001" {
						t.Fatalf("note of the finding: %+v, want %s's low-confidence %s", n, loose.ID, status)
					}
					for _, step := range steps {
						if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: step}); err != nil {
							t.Fatal(err)
						}
					}
					if got := open(f.mx40old.ID); len(got) != 0 {
						t.Errorf("after the manufacturer's sure statement (%s): %d open findings, want 0: %+v", status, len(got), got[0])
					}
				})
			})
		}
	}
}

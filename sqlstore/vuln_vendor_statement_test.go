package sqlstore_test

import (
	"encoding/json"
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// vendorStatement returns the real ICSMA-17-255-01 (Philips IntelliVue MX40) rewritten as
// a manufacturer's bulletin that says of CVE-2017-9657 the status given for the same
// product (CSAFPID-0001, MX40 before B.06.18), naming its firmware B.06.17 by CPE (matched
// with medium confidence: the device's CPE is derived from its names); with vendorless,
// its product tree loses the vendor branch and the CPE, so the product is matched by a
// prefix of its name alone (low confidence, as the real ICSMA's is).
func vendorStatement(t *testing.T, status string, vendorless bool) *vuln.Advisory {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(readVulnFile(t, "csaf-icsma/icsma-17-255-01.json"), &doc); err != nil {
		t.Fatal(err)
	}
	tracking := doc["document"].(map[string]any)["tracking"].(map[string]any)
	tracking["id"] = "PHILIPS-PSA-2017-9657"
	doc["document"].(map[string]any)["publisher"].(map[string]any)["name"] = "Philips"
	tree := doc["product_tree"].(map[string]any)
	if vendorless {
		tree["branches"] = tree["branches"].([]any)[0].(map[string]any)["branches"]
	} else {
		// The bulletin names the firmware by its CPE (product_identification_helper), as
		// NVD's configuration does.
		vendor := tree["branches"].([]any)[0].(map[string]any)
		name := vendor["branches"].([]any)[0].(map[string]any)
		product := name["branches"].([]any)[0].(map[string]any)["product"].(map[string]any)
		product["product_identification_helper"] = map[string]any{"cpe": "cpe:2.3:o:philips:intellivue_mx40_firmware:b.06.17:*:*:*:*:*:*:*"}
	}
	var vulns []any
	for _, v := range doc["vulnerabilities"].([]any) {
		vm := v.(map[string]any)
		if vm["cve"] == "CVE-2017-9657" {
			vm["product_status"] = map[string]any{status: []any{"CSAFPID-0001"}}
			vulns = append(vulns, vm)
		}
	}
	doc["vulnerabilities"] = vulns
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	a, err := vuln.ParseCSAF("philips-psa-2017-9657.json", b)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

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
					sure, loose := vendorStatement(t, status, false), vendorStatement(t, status, true)
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

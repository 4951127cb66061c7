// Package vulntest builds the vulnerability advisories that several packages' tests share,
// from the real records in ../shared/data/vuln.
package vulntest

import (
	"encoding/json"
	"testing"

	"medsec/internal/shareddata"
	"medsec/vuln"
)

// VendorStatement returns the real ICSMA-17-255-01 (Philips IntelliVue MX40) rewritten as
// a manufacturer's bulletin that says of CVE-2017-9657 the status given for the same
// product (CSAFPID-0001, MX40 before B.06.18), naming its firmware B.06.17 by CPE (matched
// with medium confidence: the device's CPE is derived from its names); with vendorless,
// its product tree loses the vendor branch and the CPE, so the product is matched by a
// prefix of its name alone (low confidence, as the real ICSMA's is).
func VendorStatement(t testing.TB, status string, vendorless bool) *vuln.Advisory {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(shareddata.Data(t, "vuln/csaf-icsma/icsma-17-255-01.json"), &doc); err != nil {
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

package vuln

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

func vexInput(t *testing.T) VEXInput {
	a, err := ParseCSAF("icsma-18-037-02.json", sharedFile(t, "csaf-icsma/icsma-18-037-02.json"))
	if err != nil {
		t.Fatal(err)
	}
	return VEXInput{Advisory: a, Publisher: "Demo Hospital", Namespace: "https://hospital.example", Now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Devices: []VEXDevice{
			{ProductID: "MEDSEC-ASSET-1", Name: "XR-01", Vendor: "GE Healthcare", Model: "Optima 520", Version: "3.0", CVE: "CVE-2010-5306", Status: "known_affected", Mitigation: "VLAN 40, PACS only"},
			{ProductID: "MEDSEC-ASSET-2", Name: "XR-02", Vendor: "GE Healthcare", Model: "Optima 520", Version: "3.1", CVE: "CVE-2010-5306", Status: "known_not_affected", Justification: "vulnerable_code_not_present"},
			{ProductID: "MEDSEC-ASSET-3", Name: "NM-01", Vendor: "GE Healthcare", Model: "Discovery NM530c", Version: "1.002", CPE: "cpe:2.3:o:gehealthcare:discovery_nm530c_firmware:1.002:*:*:*:*:*:*:*", CVE: "CVE-2010-5306", Status: "fixed"},
			{ProductID: "MEDSEC-ASSET-3", Name: "NM-01", Vendor: "GE Healthcare", Model: "Discovery NM530c", Version: "1.002", CVE: "CVE-2012-6660", Status: "under_investigation"},
		}}
}

// TestCSAFVEX writes a CSAF VEX document with every status, checks it against the CSAF
// 2.0 JSON schema (CSAFVEX does) and reads it back with medsec's own CSAF reader.
func TestCSAFVEX(t *testing.T) {
	out, err := CSAFVEX(vexInput(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateCSAFSchema(out); err != nil {
		t.Fatal(err)
	}
	back, err := ParseCSAF("vex.json", out)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Products) != 3 || len(back.Vulnerabilities) != 2 {
		t.Fatalf("read back %d products, %d vulnerabilities", len(back.Products), len(back.Vulnerabilities))
	}
	v := back.Vulnerabilities[0]
	if v.CVE != "CVE-2010-5306" || len(v.Affected) != 1 || len(v.NotAffected) != 1 || len(v.Fixed) != 1 {
		t.Errorf("statuses %+v", v)
	}
	if back.Vulnerabilities[1].UnderInvestigation[0] != "MEDSEC-ASSET-3" {
		t.Errorf("under investigation %+v", back.Vulnerabilities[1])
	}
	if !bytes.Contains(out, []byte(`"label": "vulnerable_code_not_present"`)) || !bytes.Contains(out, []byte(`"category": "csaf_vex"`)) {
		t.Errorf("no justification flag or profile:\n%s", out)
	}
	// A document the schema refuses is refused, naming the JSON pointer.
	bad := bytes.Replace(out, []byte(`"csaf_version": "2.0"`), []byte(`"csaf_version": "1.0"`), 1)
	if err := ValidateCSAFSchema(bad); err == nil || !strings.Contains(err.Error(), "/document/csaf_version") {
		t.Errorf("bad category: %v", err)
	}
}

func TestCycloneDXVEX(t *testing.T) {
	out, err := CycloneDXVEX(vexInput(t))
	if err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(out), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	states := map[cdx.ImpactAnalysisState]int{}
	for _, v := range *bom.Vulnerabilities {
		states[v.Analysis.State] += len(*v.Affects)
		if v.Analysis.State == cdx.IASNotAffected && v.Analysis.Justification != cdx.IAJCodeNotPresent {
			t.Errorf("justification %q", v.Analysis.Justification)
		}
	}
	want := map[cdx.ImpactAnalysisState]int{cdx.IASExploitable: 1, cdx.IASNotAffected: 1, cdx.IASResolved: 1, cdx.IASInTriage: 1}
	for k, n := range want {
		if states[k] != n {
			t.Errorf("state %s: %d devices, want %d (%v)", k, states[k], n, states)
		}
	}
	if len(*bom.Components) != 3 || bom.SpecVersion != cdx.SpecVersion1_6 {
		t.Errorf("components %d, spec %v", len(*bom.Components), bom.SpecVersion)
	}
	var raw map[string]any
	json.Unmarshal(out, &raw)
	if raw["specVersion"] != "1.6" {
		t.Errorf("specVersion %v", raw["specVersion"])
	}
}

// TestVEXNoDevices checks both formats for a reader who sees no affected device: a valid
// CSAF document (no empty product tree) and a CycloneDX 1.6 document without nulls.
func TestVEXNoDevices(t *testing.T) {
	in := vexInput(t)
	in.Devices = nil
	out, err := CSAFVEX(in)
	if err != nil {
		t.Fatalf("CSAF without devices: %v", err)
	}
	if bytes.Contains(out, []byte("full_product_names")) {
		t.Errorf("empty product tree written: %s", out)
	}
	out, err = CycloneDXVEX(in)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["$schema"] != "http://cyclonedx.org/schema/bom-1.6.schema.json" || raw["specVersion"] != "1.6" {
		t.Errorf("$schema %v, specVersion %v", raw["$schema"], raw["specVersion"])
	}
	for _, k := range []string{"components", "vulnerabilities"} {
		if v, ok := raw[k]; ok && v == nil {
			t.Errorf("%s is null", k)
		}
	}
}

package vuln

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/gocsaf/csaf/v3/csaf"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// VEXDevice is one device's status for one CVE of an advisory.
type VEXDevice struct {
	// ProductID identifies the device in the VEX document ("MEDSEC-ASSET-12").
	ProductID string
	// Name is the device's name; Vendor, Model and Version (firmware or software) and CPE
	// describe it.
	Name    string
	Vendor  string
	Model   string
	Version string
	CPE     string
	CVE     string
	// Status is the CSAF product status: known_affected, known_not_affected, fixed or
	// under_investigation.
	Status string
	// Justification is the CSAF flag label of a known_not_affected device.
	Justification string
	// Detail is the person's words; Mitigation the compensating control of a mitigated
	// device.
	Detail     string
	Mitigation string
}

// VEXInput is what a VEX document says: the advisory answered, who answers, when, and
// every device's status.
type VEXInput struct {
	Advisory *Advisory
	// Publisher is the hospital; Namespace its URL (CSAF /document/publisher/namespace).
	Publisher string
	Namespace string
	Now       time.Time
	Devices   []VEXDevice
}

// justificationCDX maps CSAF 2.0 flag labels (§3.2.3.5) to CycloneDX 1.6 impact analysis
// justifications.
var justificationCDX = map[string]cdx.ImpactAnalysisJustification{
	"component_not_present":                             cdx.IAJCodeNotPresent,
	"vulnerable_code_not_present":                       cdx.IAJCodeNotPresent,
	"vulnerable_code_cannot_be_controlled_by_adversary": cdx.IAJRequiresEnvironment,
	"vulnerable_code_not_in_execute_path":               cdx.IAJCodeNotReachable,
	"inline_mitigations_already_exist":                  cdx.IAJProtectedByMitigatingControl,
}

// CSAFVEX writes the devices' statuses as a CSAF 2.0 document of the csaf_vex profile
// (§4.5): one full product name per device, one vulnerability per CVE with its product
// status, a flag with the justification of each known_not_affected device and a
// remediation for each known_affected one (the profile's impact and action statements).
// The result is checked against the CSAF 2.0 JSON schema; an invalid one is an error.
func CSAFVEX(in VEXInput) ([]byte, error) {
	now := in.Now.UTC().Format(time.RFC3339)
	id := "MEDSEC-VEX-" + in.Advisory.ID
	products := []any{}
	seen := map[string]bool{}
	for _, d := range in.Devices {
		if seen[d.ProductID] {
			continue
		}
		seen[d.ProductID] = true
		name := strings.TrimSpace(strings.Join([]string{d.Name, "(" + strings.TrimSpace(d.Vendor+" "+d.Model+" "+d.Version) + ")"}, " "))
		p := map[string]any{"name": name, "product_id": d.ProductID}
		helper := map[string]any{}
		if d.CPE != "" {
			if _, err := parseCPE(d.CPE); err == nil {
				helper["cpe"] = d.CPE
			}
		}
		if d.Model != "" {
			helper["model_numbers"] = []string{d.Model}
		}
		if len(helper) > 0 {
			p["product_identification_helper"] = helper
		}
		products = append(products, p)
	}
	byCVE := map[string][]VEXDevice{}
	var cves []string
	for _, d := range in.Devices {
		if _, ok := byCVE[d.CVE]; !ok {
			cves = append(cves, d.CVE)
		}
		byCVE[d.CVE] = append(byCVE[d.CVE], d)
	}
	slices.Sort(cves)
	vulns := []any{}
	for _, c := range cves {
		status := map[string][]string{}
		var flags, remediations, threats []any
		for _, d := range byCVE[c] {
			status[d.Status] = append(status[d.Status], d.ProductID)
			switch d.Status {
			case "known_not_affected":
				if d.Justification != "" {
					flags = append(flags, map[string]any{"label": d.Justification, "product_ids": []string{d.ProductID}})
				}
				details := d.Detail
				if details == "" {
					details = strings.ReplaceAll(d.Justification, "_", " ")
				}
				threats = append(threats, map[string]any{"category": "impact", "details": details, "product_ids": []string{d.ProductID}})
			case "known_affected":
				cat, details := "none_available", "The hospital is working on it."
				if d.Mitigation != "" {
					cat, details = "mitigation", d.Mitigation
				} else if d.Detail != "" {
					details = d.Detail
				}
				remediations = append(remediations, map[string]any{"category": cat, "details": details, "product_ids": []string{d.ProductID}})
			}
		}
		v := map[string]any{"product_status": status}
		if cveIDPattern.MatchString(c) {
			v["cve"] = c
		} else {
			v["ids"] = []any{map[string]any{"system_name": in.Advisory.ID, "text": c}}
		}
		v["notes"] = []any{map[string]any{"category": "description", "title": "Advisory", "text": "Status of the hospital's devices for " + c + " of " + in.Advisory.ID + "."}}
		if len(flags) > 0 {
			v["flags"] = flags
		}
		if len(threats) > 0 {
			v["threats"] = threats
		}
		if len(remediations) > 0 {
			v["remediations"] = remediations
		}
		vulns = append(vulns, v)
	}
	ns := in.Namespace
	if ns == "" {
		ns = "https://medsec.invalid"
	}
	pub := in.Publisher
	if pub == "" {
		pub = "medsec"
	}
	doc := map[string]any{
		"document": map[string]any{
			"category":     "csaf_vex",
			"csaf_version": "2.0",
			"lang":         "en",
			"title":        "Status of the hospital's devices for " + in.Advisory.ID,
			"publisher":    map[string]any{"category": "user", "name": pub, "namespace": ns},
			"references": []any{map[string]any{"category": "external", "summary": "The advisory answered: " + in.Advisory.ID + " " + in.Advisory.Title,
				"url": ns + "/advisories/" + in.Advisory.ID}},
			"tracking": map[string]any{
				"id": id, "status": "final", "version": "1",
				"initial_release_date": now, "current_release_date": now,
				"revision_history": []any{map[string]any{"date": now, "number": "1", "summary": "Written by medsec."}},
				"generator":        map[string]any{"date": now, "engine": map[string]any{"name": "medsec"}},
			},
		},
	}
	// The schema wants at least one product and one vulnerability when these are given:
	// when no device visible to the reader is affected, both are left out (both optional).
	if len(products) > 0 {
		doc["product_tree"] = map[string]any{"full_product_names": products}
	}
	if len(vulns) > 0 {
		doc["vulnerabilities"] = vulns
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := ValidateCSAFSchema(out); err != nil {
		return nil, fmt.Errorf("CSAF VEX for %s: %w", in.Advisory.ID, err)
	}
	return out, nil
}

// ValidateCSAFSchema checks a document against the CSAF 2.0 JSON schema and returns the
// first error with its JSON pointer.
func ValidateCSAFSchema(data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	errs, err := csaf.ValidateCSAF(doc)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return fmt.Errorf("CSAF 2.0 schema: %s", errs[0])
	}
	return nil
}

// CycloneDXVEX writes the devices' statuses as a CycloneDX 1.6 VEX document: the devices as
// components of type device, one vulnerability per CVE with an analysis per device (state
// exploitable, not_affected, resolved or in_triage; the justification mapped from CSAF's
// flag labels; a mitigated device's response workaround_available).
func CycloneDXVEX(in VEXInput) ([]byte, error) {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.JSONSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	bom.SerialNumber = "urn:uuid:" + pseudoUUID(in.Advisory.ID+in.Now.UTC().Format(time.RFC3339Nano))
	bom.Metadata = &cdx.Metadata{Timestamp: in.Now.UTC().Format(time.RFC3339), Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "medsec"}}}}
	var comps []cdx.Component
	seen := map[string]bool{}
	for _, d := range in.Devices {
		if seen[d.ProductID] {
			continue
		}
		seen[d.ProductID] = true
		c := cdx.Component{BOMRef: d.ProductID, Type: cdx.ComponentTypeDevice, Name: d.Name, Version: d.Version,
			Description: strings.TrimSpace(d.Vendor + " " + d.Model)}
		if d.Vendor != "" {
			c.Manufacturer = &cdx.OrganizationalEntity{Name: d.Vendor}
		}
		if d.CPE != "" {
			c.CPE = d.CPE
		}
		comps = append(comps, c)
	}
	if len(comps) > 0 {
		bom.Components = &comps
	}
	var vulns []cdx.Vulnerability
	byCVE := map[string][]VEXDevice{}
	var cves []string
	for _, d := range in.Devices {
		if _, ok := byCVE[d.CVE]; !ok {
			cves = append(cves, d.CVE)
		}
		byCVE[d.CVE] = append(byCVE[d.CVE], d)
	}
	slices.Sort(cves)
	for _, c := range cves {
		// CycloneDX gives one analysis per vulnerability; a CVE whose devices differ is
		// written once per state, each affecting its devices.
		groups := map[string][]VEXDevice{}
		var keys []string
		for _, d := range byCVE[c] {
			k := d.Status + "|" + d.Justification + "|" + d.Mitigation
			if _, ok := groups[k]; !ok {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], d)
		}
		slices.Sort(keys)
		for i, k := range keys {
			ds := groups[k]
			a := &cdx.VulnerabilityAnalysis{Detail: ds[0].Detail}
			switch ds[0].Status {
			case "known_affected":
				a.State = cdx.IASExploitable
				if ds[0].Mitigation != "" {
					a.Response = &[]cdx.ImpactAnalysisResponse{cdx.IARWorkaroundAvailable}
					a.Detail = ds[0].Mitigation
				}
			case "known_not_affected":
				a.State, a.Justification = cdx.IASNotAffected, justificationCDX[ds[0].Justification]
			case "fixed":
				a.State = cdx.IASResolved
			default:
				a.State = cdx.IASInTriage
			}
			var affects []cdx.Affects
			for _, d := range ds {
				affects = append(affects, cdx.Affects{Ref: d.ProductID})
			}
			vulns = append(vulns, cdx.Vulnerability{BOMRef: fmt.Sprintf("%s-%d", c, i+1), ID: c,
				Source: &cdx.Source{Name: in.Advisory.ID}, Analysis: a, Affects: &affects})
		}
	}
	if len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}
	var b bytes.Buffer
	if err := cdx.NewBOMEncoder(&b, cdx.BOMFileFormatJSON).SetPretty(true).Encode(bom); err != nil {
		return nil, fmt.Errorf("CycloneDX VEX for %s: %w", in.Advisory.ID, err)
	}
	return b.Bytes(), nil
}

// pseudoUUID derives a version-5-shaped UUID text from s (its SHA-256), so that the same
// export at the same time gets the same serial number.
func pseudoUUID(s string) string {
	h := sha256.Sum256([]byte(s))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

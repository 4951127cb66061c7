package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// vexStatuses reads a CSAF VEX document's product statuses and flags of one CVE.
func vexStatuses(t *testing.T, doc []byte, cve string) (map[string][]string, []map[string]any) {
	t.Helper()
	var d struct {
		Vulnerabilities []struct {
			CVE    string              `json:"cve"`
			Status map[string][]string `json:"product_status"`
			Flags  []map[string]any    `json:"flags"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	for _, v := range d.Vulnerabilities {
		if v.CVE == cve {
			return v.Status, v.Flags
		}
	}
	t.Fatalf("%s not in the VEX document:\n%s", cve, doc)
	return nil, nil
}

// TestVEXOfGoneFindings (bt11g MEDIUM 2): the VEX export said under_investigation for
// devices whose findings medsec had marked gone. The MX40 at B.06.17 updated to B.06.18 is
// outside ICSMA-17-255-01's "< B.06.18": known_not_affected with vulnerable_code_not_present
// (CSAF) and not_affected / code_not_present (CycloneDX); a second revision of the real
// advisory that lists the product as fixed makes it fixed (CSAF) and resolved (CycloneDX).
func TestVEXOfGoneFindings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("MEDSEC-ASSET-%d", f.mx40old.ID)
		assets := sqlstore.NewAssetService(db)
		a, _ := assets.FindAssetByID(system, f.mx40old.ID)
		a.Firmware = "B.06.18"
		if err := assets.UpdateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		doc, err := f.svc.VEX(system, "ICSMA-17-255-01", "csaf", vuln.VEXInput{Publisher: "t"})
		if err != nil {
			t.Fatal(err)
		}
		st, flags := vexStatuses(t, doc, "CVE-2017-9657")
		if !slices.Contains(st["known_not_affected"], id) || len(st["under_investigation"]) != 0 {
			t.Errorf("B.06.18: statuses %v, want %s known_not_affected", st, id)
		}
		if len(flags) != 1 || flags[0]["label"] != "vulnerable_code_not_present" {
			t.Errorf("B.06.18: flags %v, want vulnerable_code_not_present", flags)
		}
		cdx, err := f.svc.VEX(system, "ICSMA-17-255-01", "cyclonedx", vuln.VEXInput{Publisher: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if s := string(cdx); !strings.Contains(s, `"state": "not_affected"`) || !strings.Contains(s, `"justification": "code_not_present"`) || strings.Contains(s, "in_triage") {
			t.Errorf("B.06.18 CycloneDX:\n%s", s)
		}

		// Back to B.06.17, then the advisory's second revision says the product is fixed.
		a, _ = assets.FindAssetByID(system, f.mx40old.ID)
		a.Firmware = "B.06.17"
		if err := assets.UpdateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := json.Unmarshal(readVulnFile(t, "csaf-icsma/icsma-17-255-01.json"), &raw); err != nil {
			t.Fatal(err)
		}
		tr := raw["document"].(map[string]any)["tracking"].(map[string]any)
		tr["version"], tr["current_release_date"] = "2", "2018-01-10T00:00:00.000000Z"
		tr["revision_history"] = append(tr["revision_history"].([]any), map[string]any{"date": "2018-01-10T00:00:00.000000Z", "number": "2", "summary": "fixed"})
		for _, v := range raw["vulnerabilities"].([]any) {
			v.(map[string]any)["product_status"] = map[string]any{"fixed": []any{"CSAFPID-0001"}}
		}
		v2, _ := json.Marshal(raw)
		adv, err := vuln.ParseCSAF("icsma-17-255-01-v2.json", v2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{adv}}); err != nil {
			t.Fatal(err)
		}
		fs, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: a.ID, Advisory: "ICSMA-17-255-01"})
		if len(fs) == 0 || fs[0].GoneAt.IsZero() {
			t.Fatalf("findings after the fixed revision %+v, want gone", fs)
		}
		doc, err = f.svc.VEX(system, "ICSMA-17-255-01", "csaf", vuln.VEXInput{Publisher: "t"})
		if err != nil {
			t.Fatal(err)
		}
		// CVE-2017-9657 stays matched by NVD's record on B.06.17; CVE-2017-9658 is only
		// the advisory's.
		if st, _ := vexStatuses(t, doc, "CVE-2017-9658"); !slices.Contains(st["fixed"], id) || len(st["under_investigation"]) != 0 {
			t.Errorf("fixed revision: statuses %v, want %s fixed", st, id)
		}
		cdx, err = f.svc.VEX(system, "ICSMA-17-255-01", "cyclonedx", vuln.VEXInput{Publisher: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if s := string(cdx); !strings.Contains(s, `"state": "resolved"`) || strings.Contains(s, "in_triage") {
			t.Errorf("fixed revision CycloneDX:\n%s", s)
		}
	})
}

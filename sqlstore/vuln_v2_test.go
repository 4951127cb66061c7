package sqlstore_test

import (
	"encoding/json"
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestVulnV2OnlySeverity: a CVE NVD scored only in CVSS v2 at 10.0 (the real
// CVE-2017-9657 record with its v3.0 metric replaced by a v2 one) gives the MX40 on
// B.06.17 a finding of score 10.0 labelled "High" by NVD's v2 ratings (no Critical in v2),
// whose deadline is the ≥ 7.0 window of 003 §5.2.1 (high, or terminal high on a terminal
// device), not a lower one.
func TestVulnV2OnlySeverity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		var rec map[string]any
		if err := json.Unmarshal(readVulnFile(t, "nvd-cve-2.0/CVE-2017-9657.json"), &rec); err != nil {
			t.Fatal(err)
		}
		cve := rec
		if c, ok := rec["cve"].(map[string]any); ok {
			cve = c
		}
		cve["metrics"] = map[string]any{"cvssMetricV2": []any{map[string]any{"source": "nvd@nist.gov", "type": "Primary",
			"cvssData": map[string]any{"version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:C/I:C/A:C", "baseScore": 10.0}}}}
		data, _ := json.Marshal(rec)
		as, err := vuln.ParseNVD("v2.json", data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: as}); err != nil {
			t.Fatal(err)
		}
		list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID, CVE: "CVE-2017-9657"})
		if err != nil || len(list) != 1 {
			t.Fatalf("findings: %v %v", list, err)
		}
		fd := list[0]
		if fd.CVSSVersion != "2.0" || fd.Score != 10.0 || fd.Severity != "High" {
			t.Errorf("v2-only finding: version %q score %.1f severity %q, want 2.0, 10.0, High", fd.CVSSVersion, fd.Score, fd.Severity)
		}
		if fd.DeadlineRule != string(vuln.RuleHigh) && fd.DeadlineRule != string(vuln.RuleTerminalHigh) {
			t.Errorf("v2 10.0 deadline rule %q, want high or terminal_high", fd.DeadlineRule)
		}
		c, err := f.svc.CountFindings(system)
		if err != nil || c.BySeverity["Critical"] != 0 || c.BySeverity["High"] == 0 {
			t.Errorf("counts by severity %v (%v): a v2 10.0 counted as Critical", c.BySeverity, err)
		}
	})
}

// TestBranchUserCannotReplaceSharedAdvisory (t11 finding 1): advisories are shared by
// every site, so a clinical engineer limited to the branch who imports a forged revision of
// ICSMA-17-255-01 (every product "fixed") is refused (EFORBIDDEN) and nothing changes: the
// stored advisory keeps its title and the main site's MX40 findings stay open and
// matched. The same user may still import a scan report of the branch.
func TestBranchUserCannotReplaceSharedAdvisory(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		before, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
		if err != nil || len(before) != 2 {
			t.Fatalf("MX40 findings before: %v %v", before, err)
		}
		forged, err := vuln.ParseCSAF("forged.json", readVulnFile(t, "csaf-icsma/icsma-17-255-01.json"))
		if err != nil {
			t.Fatal(err)
		}
		forged.Title = "FORGED"
		for i := range forged.Vulnerabilities {
			v := &forged.Vulnerabilities[i]
			v.Fixed, v.Affected = append(v.Fixed, v.Affected...), nil
		}
		branch := vulnBranch(t, db)
		ce := as(&medsec.User{ID: 14, Username: "ce.hsu", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		for name, in := range map[string]sqlstore.VulnImport{
			"advisory": {Advisories: []*vuln.Advisory{forged}},
			"kev":      {KEV: f.kev},
			"epss":     {EPSS: f.epss},
		} {
			if _, err := f.svc.Import(ce, in); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
				t.Errorf("branch engineer's %s import: %v, want forbidden", name, err)
			}
		}
		adv, _, err := f.svc.FindAdvisory(system, "ICSMA-17-255-01")
		if err != nil || adv.Title == "FORGED" {
			t.Errorf("stored advisory after the refusal: %q %v", adv.Title, err)
		}
		after, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
		if err != nil || len(after) != 2 {
			t.Fatalf("MX40 findings after: %v %v", after, err)
		}
		for _, fd := range after {
			if !fd.GoneAt.IsZero() || len(fd.Advisories) != len(before[0].Advisories) && fd.CVE == before[0].CVE {
				t.Errorf("main-site finding changed by the refused import: %+v", fd)
			}
		}
		// An unrestricted user's import of the same revision goes through.
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{forged}}); err != nil {
			t.Errorf("unrestricted import: %v", err)
		}
	})
}

package vuln

import (
	"encoding/json"
	"testing"
)

// TestNVDPrimaryScoreFirst: the real NVD record CVE-2020-6961 (NVD Primary v3.1 10.0,
// Primary v2 7.5) with a CNA's v4.0 4.8 and v3.1 4.0 (Secondary) added, the shape of NVD
// records since 2024: the finding is scored from NVD's Primary v3.1 (10.0), not the CNA's
// lower v4.0; every vector is kept with its source. Without NVD's v3.1, the CNA's v4.0 is
// taken before NVD's v2.
func TestNVDPrimaryScoreFirst(t *testing.T) {
	var rec map[string]any
	if err := json.Unmarshal(sharedFile(t, "nvd-cve-2.0/CVE-2020-6961.json"), &rec); err != nil {
		t.Fatal(err)
	}
	metrics := rec["metrics"].(map[string]any)
	cna := "ics-cert@hq.dhs.gov"
	v40 := "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"
	metrics["cvssMetricV40"] = []any{map[string]any{"source": cna, "type": "Secondary", "cvssData": map[string]any{"vectorString": v40}}}
	metrics["cvssMetricV31"] = append(metrics["cvssMetricV31"].([]any),
		map[string]any{"source": cna, "type": "Secondary", "cvssData": map[string]any{"vectorString": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N"}})
	parse := func() Vulnerability {
		t.Helper()
		data, _ := json.Marshal(rec)
		as, err := ParseNVD("CVE-2020-6961.json", data)
		if err != nil {
			t.Fatal(err)
		}
		return as[0].Vulnerabilities[0]
	}
	v := parse()
	s, err := ScoreVector(v.Vector)
	if err != nil || v.Vector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" || s.Base != 10.0 || v.VectorSource != "nvd@nist.gov (Primary)" {
		t.Errorf("chosen %s (%s) score %v, want NVD's Primary v3.1 10.0", v.Vector, v.VectorSource, s.Base)
	}
	if len(v.Scores) != 4 || v.Scores[0].Vector != v40 || v.Scores[0].Source != cna || v.Scores[0].Type != "Secondary" {
		t.Errorf("scores kept: %+v", v.Scores)
	}
	delete(metrics, "cvssMetricV31")
	if v := parse(); v.Vector != v40 || v.VectorSource != cna+" (Secondary)" {
		t.Errorf("without NVD v3.1: chosen %s (%s), want the CNA's v4.0 before NVD's v2", v.Vector, v.VectorSource)
	}
}

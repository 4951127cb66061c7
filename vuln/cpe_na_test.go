package vuln

import "testing"

// TestNAVersionDoesNotMatchAValue: NISTIR 7696 Table 6-2, a criterion's NA ("-") version
// against a target's value is DISJOINT (was: matched, "not applicable", high). On the
// real NVD record CVE-2020-6961: the MAI700's firmware 1.0 with its hardware CPE written
// with NA (as NVD writes hardware) matches; the same hardware CPE with a version "2"
// does not; a firmware criterion of NA does not match firmware 1.0 (the tester's probe).
func TestNAVersionDoesNotMatchAValue(t *testing.T) {
	as, err := ParseNVD("CVE-2020-6961.json", sharedFile(t, "nvd-cve-2.0/CVE-2020-6961.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(nil, as)
	fw := "cpe:2.3:o:gehealthcare:carescape_central_station_mai700_firmware:1.0:*:*:*:*:*:*:*"
	if got := m.Match(Target{CPEs: []string{fw, "cpe:2.3:h:gehealthcare:carescape_central_station_mai700:-:*:*:*:*:*:*:*"}}); len(got) != 1 {
		t.Errorf("hardware NA vs NA: %d matches, want 1", len(got))
	}
	if got := m.Match(Target{CPEs: []string{fw, "cpe:2.3:h:gehealthcare:carescape_central_station_mai700:2:*:*:*:*:*:*:*"}}); len(got) != 0 {
		t.Errorf("hardware NA vs 2: %+v, want no match", got)
	}
	probe := []byte(`{"id":"CVE-2099-0003","published":"2026-01-01T00:00:00","lastModified":"2026-01-01T00:00:00","configurations":[{"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:o:acme:fw:-:*:*:*:*:*:*:*"}]}]}]}`)
	ps, err := ParseNVD("probe.json", probe)
	if err != nil {
		t.Fatal(err)
	}
	pm := NewMatcher(nil, ps)
	if got := pm.Match(Target{CPEs: []string{"cpe:2.3:o:acme:fw:1.0:*:*:*:*:*:*:*"}}); len(got) != 0 {
		t.Errorf("NA criterion vs 1.0: %+v, want no match", got)
	}
	if got := pm.Match(Target{CPEs: []string{"cpe:2.3:o:acme:fw:-:*:*:*:*:*:*:*"}}); len(got) != 1 {
		t.Errorf("NA criterion vs NA: %d matches, want 1", len(got))
	}
}

package vuln

import (
	"testing"
	"time"
)

// TestRateInV2UsesNVDRanges: a CVSS v2 score is rated by NVD's three v2 ratings (Low
// 0.0–3.9, Medium 4.0–6.9, High 7.0–10.0; no Critical), a v3/v4 score by the v3.1 §5
// scale; the deadline follows the score, so a v2 10.0 gets the ≥ 7.0 window (24 h).
func TestRateInV2UsesNVDRanges(t *testing.T) {
	for _, tc := range []struct {
		v     Version
		score float64
		want  Severity
	}{
		{V20, 0.0, SeverityLow}, {V20, 3.9, SeverityLow}, {V20, 4.0, SeverityMedium}, {V20, 6.9, SeverityMedium},
		{V20, 7.0, SeverityHigh}, {V20, 9.3, SeverityHigh}, {V20, 10.0, SeverityHigh},
		{V31, 0.0, SeverityNone}, {V31, 9.0, SeverityCritical}, {V31, 10.0, SeverityCritical}, {V40, 9.3, SeverityCritical},
		{"", 10.0, SeverityCritical},
	} {
		if got := RateIn(tc.v, tc.score); got != tc.want {
			t.Errorf("RateIn(%q, %.1f) = %s, want %s", tc.v, tc.score, got, tc.want)
		}
	}
	c, err := ScoreVector("AV:N/AC:L/Au:N/C:C/I:C/A:C")
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != V20 || c.Base != 10.0 || c.BaseSeverity() != SeverityHigh || c.Severity() != SeverityHigh {
		t.Errorf("v2 10.0 vector: %+v rated %s/%s, want High", c, c.BaseSeverity(), c.Severity())
	}
	v3, err := ScoreVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
	if err != nil || v3.Base != 10.0 || v3.Severity() != SeverityCritical {
		t.Errorf("v3.1 10.0 vector: %+v %v, want Critical", v3, err)
	}
	found := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	d, err := ComputeDeadline(Policy{}, Exposure{Score: c.Base}, found)
	if err != nil || d.Rule != RuleHigh || d.Window != DefaultHigh {
		t.Errorf("deadline of a v2 10.0: %+v %v, want rule high, 24 h", d, err)
	}
}

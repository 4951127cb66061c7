package vuln

import (
	"testing"
	"time"

	"medsec"
)

func TestFixedInTime(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f := func(state medsec.FindingState, due time.Duration) *medsec.Finding {
		return &medsec.Finding{CVE: "CVE-2017-9657", State: state, Due: now.Add(due)}
	}
	for _, tc := range []struct {
		name     string
		findings []*medsec.Finding
		want     medsec.CheckOutcome
	}{
		{"none", nil, medsec.CheckPass},
		{"open within deadline", []*medsec.Finding{f(medsec.FindingNew, time.Hour)}, medsec.CheckPass},
		{"overdue", []*medsec.Finding{f(medsec.FindingConfirmed, -time.Hour)}, medsec.CheckFail},
		{"overdue but mitigated", []*medsec.Finding{f(medsec.FindingMitigated, -time.Hour)}, medsec.CheckPass},
		{"overdue but fixed", []*medsec.Finding{f(medsec.FindingFixed, -time.Hour)}, medsec.CheckPass},
		{"gone", []*medsec.Finding{{CVE: "CVE-2017-9657", State: medsec.FindingNew, Due: now.Add(-time.Hour), GoneAt: now}}, medsec.CheckPass},
	} {
		r := FixedInTime(7, tc.findings, now)
		if r.Outcome != tc.want || r.CheckID != CheckFixedInTime || r.Controls[0].ControlID != "tw-si-1.l" {
			t.Errorf("%s: %+v", tc.name, r)
		}
		if len(tc.findings) > 0 && tc.findings[0].GoneAt.IsZero() && len(r.Data) != 1 {
			t.Errorf("%s: data %+v, want the finding it was computed from", tc.name, r.Data)
		}
	}
}

package vuln

import (
	"fmt"
	"time"

	"medsec"
)

// CheckFixedInTime is the ID of the automatic check that a device's vulnerabilities are
// fixed within the deadlines of the site's policy.
const CheckFixedInTime = "vulnerabilities-fixed-in-time"

// FixedInTime is the automatic check of 000 附表一 漏洞修補(普) (control tw-si-1.l of the
// TW baseline: update vulnerable software, with the manufacturer's permission) computed
// from a device's findings at now: it fails while a finding is open past its deadline
// without a compensating control (the deadlines of 003 §5.2.1 and §3.1.2), and passes
// otherwise. Its data lists every finding it was computed from: CVE, state and deadline.
func FixedInTime(assetID int64, findings []*medsec.Finding, now time.Time) medsec.CheckResult {
	r := medsec.CheckResult{CheckID: CheckFixedInTime, AssetID: assetID, ComputedAt: now.UTC(),
		Controls: []medsec.ControlRef{{CatalogID: "tw-mohw-medical-baseline", ControlID: "tw-si-1.l"}}}
	overdue, open := 0, 0
	r.Data = []medsec.CheckDatum{}
	for _, f := range findings {
		if !f.GoneAt.IsZero() {
			continue
		}
		late := (f.State == medsec.FindingNew || f.State == medsec.FindingConfirmed) && f.Due.Before(now)
		if late {
			overdue++
		}
		if f.State.Open() {
			open++
		}
		r.Data = append(r.Data, medsec.CheckDatum{Field: "vuln_finding",
			Value: fmt.Sprintf("%s %s, due %s", f.CVE, f.State, f.Due.UTC().Format("2006-01-02 15:04 UTC"))})
	}
	switch {
	case overdue > 0:
		r.Outcome, r.Detail = medsec.CheckFail, fmt.Sprintf("%d vulnerabilities are open past their fix deadline without a compensating control", overdue)
	case open > 0:
		r.Outcome, r.Detail = medsec.CheckPass, fmt.Sprintf("%d open vulnerabilities, all within their deadline or mitigated", open)
	default:
		r.Outcome, r.Detail = medsec.CheckPass, "no open vulnerability matched to the device"
	}
	return r
}

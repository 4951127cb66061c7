package vuln

import (
	"fmt"
	"time"

	"medsec"
)

// Scan requirement IDs.
const (
	// ScanYearly: 000 附表一 漏洞修補 (高) item 二 — a scheduled vulnerability scan every
	// year of the terminal devices' boundary hosts and the control system servers.
	ScanYearly = "yearly-boundary-control"
	// ScanMonthly: 003 §3.2.2 — a vulnerability scan of the core business systems every
	// month.
	ScanMonthly = "monthly-core-systems"
)

// ScanRequirements are the scan cadences the plans set, each with the control its check
// feeds. 003 §3.1.2 (terminals scanned regularly) and 004 §8.2 (vulnerabilities handled
// promptly; security diagnosis "定期的に") give no cadence, and 002 第九条's yearly
// self-inspection is the organisation's, so they set none here.
var ScanRequirements = []medsec.ScanRequirement{
	{ID: ScanYearly, Months: 12, WarnDays: 30, Clause: "000 附表一 漏洞修補 (高) 二",
		Control: medsec.ControlRef{CatalogID: "tw-mohw-medical-baseline", ControlID: "tw-si-1.h", Item: "二"},
		Classes: []medsec.DeviceClass{medsec.ClassBoundary, medsec.ClassControl}, Level: medsec.LevelHigh},
	{ID: ScanMonthly, Months: 1, WarnDays: 7, Clause: "003 §3.2.2",
		Control: medsec.ControlRef{CatalogID: "hospital-incident-plan", ControlID: "ir-3.2.2-3"},
		Kinds:   []medsec.AssetKind{medsec.KindHIS, medsec.KindEMR, medsec.KindLIS, medsec.KindRIS, medsec.KindPACS}},
}

// ScanRequirement returns the requirement with the ID, or nil.
func ScanRequirement(id string) *medsec.ScanRequirement {
	for i := range ScanRequirements {
		if ScanRequirements[i].ID == id {
			return &ScanRequirements[i]
		}
	}
	return nil
}

// CheckScanPrefix starts the ID of the automatic check of a scan requirement
// ("scan-cadence-yearly-boundary-control").
const CheckScanPrefix = "scan-cadence-"

// ScansOnCadence is the automatic check of each scan requirement the asset is subject to
// (dues holds the asset's AssetScanDue rows) at now: it fails while the asset was never
// scanned or its last scan is older than the cadence, and passes otherwise. Its data says
// what it was computed from: the last covering report, its time and the due date.
func ScansOnCadence(assetID int64, dues []medsec.AssetScanDue, now time.Time) []medsec.CheckResult {
	var out []medsec.CheckResult
	for _, d := range dues {
		req := ScanRequirement(d.Requirement)
		if req == nil {
			continue
		}
		r := medsec.CheckResult{CheckID: CheckScanPrefix + req.ID, AssetID: assetID, ComputedAt: now.UTC(), Controls: []medsec.ControlRef{req.Control},
			Data: []medsec.CheckDatum{{Field: "scan_requirement", Value: fmt.Sprintf("every %d month(s), %s", req.Months, req.Clause)}}}
		if d.LastScanAt.IsZero() {
			r.Data = append(r.Data, medsec.CheckDatum{Field: "last_scan", Value: "never"})
		} else {
			r.Data = append(r.Data, medsec.CheckDatum{Field: "last_scan", Value: fmt.Sprintf("%s, %s report %d", d.LastScanAt.UTC().Format("2006-01-02 15:04 UTC"), d.LastScanner, d.LastReportID)},
				medsec.CheckDatum{Field: "scan_due", Value: d.DueAt.UTC().Format("2006-01-02 15:04 UTC")})
		}
		switch d.State {
		case medsec.ScanNever:
			r.Outcome, r.Detail = medsec.CheckFail, "no imported scanner report covers the device"
		case medsec.ScanOverdue:
			r.Outcome, r.Detail = medsec.CheckFail, "the last vulnerability scan is older than the cadence allows"
		default:
			r.Outcome, r.Detail = medsec.CheckPass, "scanned within the cadence"
		}
		out = append(out, r)
	}
	return out
}

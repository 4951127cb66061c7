package vuln

import (
	"testing"
	"time"

	"medsec"
)

// TestScanRequirements: who is subject to which cadence (a boundary host or control
// system only at 高, the core systems by kind at any level) and the states at the edges of
// the warning window and the due date, a month and a year after the last scan.
func TestScanRequirements(t *testing.T) {
	yearly, monthly := ScanRequirement(ScanYearly), ScanRequirement(ScanMonthly)
	for _, tc := range []struct {
		a             medsec.Asset
		level         medsec.Level
		yearly, month bool
	}{
		{medsec.Asset{Class: medsec.ClassBoundary}, medsec.LevelHigh, true, false},
		{medsec.Asset{Class: medsec.ClassControl}, medsec.LevelHigh, true, false},
		{medsec.Asset{Class: medsec.ClassBoundary}, medsec.LevelModerate, false, false},
		{medsec.Asset{Class: medsec.ClassStandalone}, medsec.LevelHigh, false, false},
		{medsec.Asset{Kind: medsec.KindHIS}, medsec.LevelNone, false, true},
		{medsec.Asset{Kind: medsec.KindPACS, Class: medsec.ClassControl}, medsec.LevelHigh, true, true},
		{medsec.Asset{Kind: medsec.KindModality}, medsec.LevelHigh, false, false},
	} {
		if got := yearly.Applies(&tc.a, tc.level); got != tc.yearly {
			t.Errorf("yearly applies to %+v at %q: %v", tc.a, tc.level, got)
		}
		if got := monthly.Applies(&tc.a, tc.level); got != tc.month {
			t.Errorf("monthly applies to %+v at %q: %v", tc.a, tc.level, got)
		}
	}
	last := time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		r    *medsec.ScanRequirement
		at   time.Time
		want medsec.ScanDueState
	}{
		{monthly, time.Time{}, medsec.ScanOK},
		{monthly, last.AddDate(0, 0, 20), medsec.ScanOK},
		{monthly, time.Date(2026, 2, 21, 9, 0, 0, 0, time.UTC).Add(-time.Second), medsec.ScanOK},
		{monthly, time.Date(2026, 2, 21, 9, 0, 0, 0, time.UTC), medsec.ScanDueSoon},
		{monthly, time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC).Add(-time.Second), medsec.ScanDueSoon},
		{monthly, time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC), medsec.ScanOverdue},
		{yearly, last.AddDate(1, 0, -31), medsec.ScanOK},
		{yearly, last.AddDate(1, 0, -30), medsec.ScanDueSoon},
		{yearly, last.AddDate(1, 0, 0), medsec.ScanOverdue},
	} {
		at := tc.at
		if at.IsZero() {
			at = last
		}
		if got := tc.r.State(last, at); got != tc.want {
			t.Errorf("%s at %s: %s, want %s", tc.r.ID, at, got, tc.want)
		}
	}
	if got := monthly.State(time.Time{}, last); got != medsec.ScanNever {
		t.Errorf("never scanned: %s", got)
	}
	// A month after 31 January is the end of February (Go's AddDate would say 3 March);
	// a year after 29 February is 28 February.
	if due := monthly.Due(last); !due.Equal(time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("due %s", due)
	}
	if due := yearly.Due(time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)); !due.Equal(time.Date(2029, 2, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("due %s", due)
	}
	rs := ScansOnCadence(7, []medsec.AssetScanDue{
		{Requirement: ScanMonthly, State: medsec.ScanOverdue, LastScanAt: last, DueAt: monthly.Due(last), LastScanner: "Nessus", LastReportID: 3},
		{Requirement: ScanYearly, State: medsec.ScanDueSoon, LastScanAt: last, DueAt: yearly.Due(last)},
		{Requirement: "unknown"},
	}, last)
	if len(rs) != 2 || rs[0].Outcome != medsec.CheckFail || rs[0].Controls[0].ControlID != "ir-3.2.2-3" || rs[0].Data[1].Value != "2026-01-31 09:00 UTC, Nessus report 3" ||
		rs[1].Outcome != medsec.CheckPass || rs[1].Controls[0] != (medsec.ControlRef{CatalogID: "tw-mohw-medical-baseline", ControlID: "tw-si-1.h", Item: "二"}) {
		t.Errorf("checks %+v", rs)
	}
}

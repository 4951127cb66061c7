package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestCorrectedDutiesAreNotLate: the leak duties a correction voided (the exposure was
// synthetic test data; stop reason corrected) were late when voided, but are no duty of
// the record: their state is stopped, and the ledger (網絡安全事件臺賬, 003 §3.3.3) counts
// them neither late nor in its total; the CLI list counts the same (medsec.CountClocks).
// Before, they stayed late and were counted. Both engines.
func TestCorrectedDutiesAreNotLate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常登入", AssetIDs: []int64{f.his.ID},
			Level: 3, LevelReason: "abnormal logins on the HIS"})
		if err != nil {
			t.Fatal(err)
		}
		*f.now = testNow.Add(time.Hour)
		if inc, err = f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureOrdinary, FoundAt: testNow.Add(30 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		*f.now = testNow.Add(30 * time.Hour) // the 24-hour leak duties are past due
		ledger := func() *medsec.LedgerRow {
			rows, err := f.svc.Ledger(f.ciso, medsec.IncidentFilter{})
			if err != nil || len(rows) != 1 {
				t.Fatalf("ledger %v %v", rows, err)
			}
			return rows[0]
		}
		before := ledger()
		inc, _ = f.svc.FindIncidentByID(f.soc, inc.ID)
		leaks := 0
		for _, c := range inc.Clocks {
			if c.Basis == medsec.BasisExposure {
				leaks++
				if c.State != medsec.ClockLate {
					t.Fatalf("%s %s before the correction, want late", c.Key, c.State)
				}
			}
		}
		if leaks == 0 {
			t.Fatal("no leak duty")
		}
		if inc, err = f.svc.RecordExposure(f.ciso, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureNone, Correction: true,
			Note: "the records were synthetic test data"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range inc.Clocks {
			if c.StopReason == medsec.StopCorrected && c.State != medsec.ClockStopped {
				t.Errorf("%s voided by the correction: %s, want stopped", c.Key, c.State)
			}
		}
		after := ledger()
		if after.ClocksLate != before.ClocksLate-leaks || after.ClocksTotal != before.ClocksTotal-leaks {
			t.Errorf("ledger late/total %d/%d after voiding %d late duties, was %d/%d: want %d/%d", after.ClocksLate, after.ClocksTotal, leaks,
				before.ClocksLate, before.ClocksTotal, before.ClocksLate-leaks, before.ClocksTotal-leaks)
		}
		if _, late, total := medsec.CountClocks(inc.Clocks); late != after.ClocksLate || total != after.ClocksTotal {
			t.Errorf("incident counts %d/%d, ledger %d/%d", late, total, after.ClocksLate, after.ClocksTotal)
		}
	})
}

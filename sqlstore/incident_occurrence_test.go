package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestAlertOpensWithOccurrence: an incident opened from an alert occurred at the alert's
// first event (the earliest evidence of it) and was detected when the alert was raised —
// not detected at the first event with the occurrence unknown — so the duties counted
// from the event (003 ch.2 事件發生後: technical team 30 min, authority report 1 h) count
// from the first event and the first report (發現事件後, 003 §4.1.2) from the alert.
// Both engines.
func TestAlertOpensWithOccurrence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		first, raised := testNow.Add(-50*time.Minute), testNow.Add(-5*time.Minute)
		a := insertAlert(t, db, 41, "Ransomware file renames on HIS", "critical", f.main.ID, f.his.ID)
		if err := db.ExecRaw(t.Context(), `UPDATE alerts SET first_at = ?, created_at = ? WHERE id = ?`, first, raised, a); err != nil {
			t.Fatal(err)
		}
		inc, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: a})
		if err != nil {
			t.Fatal(err)
		}
		if !inc.OccurredAt.Equal(first) || !inc.DetectedAt.Equal(raised) {
			t.Errorf("occurred %v detected %v, want %v and %v", inc.OccurredAt, inc.DetectedAt, first, raised)
		}
		for key, w := range map[string]struct {
			start time.Time
			basis string
			state medsec.ClockState
		}{
			"technical-team":   {first, medsec.BasisOccurred, medsec.ClockLate},
			"authority-report": {first, medsec.BasisOccurred, medsec.ClockRunning},
			"first-report":     {raised, medsec.BasisDetected, medsec.ClockRunning},
		} {
			c := clockByKey(inc, key)
			if c == nil || !c.Start.Equal(w.start) || c.Basis != w.basis || c.State != w.state {
				t.Errorf("%s: %+v, want start %v (%s) %s", key, c, w.start, w.basis, w.state)
			}
		}
		// An alert whose first event has no real time (1970) leaves the occurrence unknown.
		b := insertAlert(t, db, 42, "Port scan from infusion pump", "medium", f.branch.ID, f.pump.ID)
		if err := db.ExecRaw(t.Context(), `UPDATE alerts SET first_at = ?, created_at = ? WHERE id = ?`, time.Unix(0, 0).UTC(), raised, b); err != nil {
			t.Fatal(err)
		}
		other, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: b})
		if err != nil {
			t.Fatal(err)
		}
		if !other.OccurredAt.IsZero() || !other.DetectedAt.Equal(raised) {
			t.Errorf("1970 first event: occurred %v detected %v", other.OccurredAt, other.DetectedAt)
		}
	})
}

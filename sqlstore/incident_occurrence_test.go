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
			// The event before the alert: the duties counted from it count from the
			// detection, not due before the hospital knew (bt14h #2).
			"technical-team":   {raised, medsec.BasisDetectedAfterOccurrence, medsec.ClockRunning},
			"authority-report": {raised, medsec.BasisDetectedAfterOccurrence, medsec.ClockRunning},
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

// TestPresidentReportIsItsOwnDuty: a level-3 incident's report to the leading group, met,
// does not meet level 2's report to the president (重大事件需同步上報院長, 003 §4.1.2):
// after 3→2 the president's report runs from the change, a notification to the leading
// group cannot meet it, and one to the president does. Both engines.
func TestPresidentReportIsItsOwnDuty(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "PACS 異常", Level: 3, LevelReason: "one system",
			Outage: medsec.OutageSystem, OutageMinutes: 90})
		if err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "president-report"); c != nil {
			t.Errorf("level 3 owes a report to the president: %+v", c)
		}
		inc, err = f.svc.RecordNotification(f.soc, inc.ID, inc.Version, medsec.IncidentNotification{Recipient: medsec.RecipientLeadership,
			Name: "領導小組", Channel: "phone", Language: "zh-TW", Content: "通報", ClockID: clockByKey(inc, "leadership-report").ID})
		if err != nil {
			t.Fatal(err)
		}
		*f.now = testNow.Add(10 * time.Minute)
		inc, err = f.svc.ChangeLevel(f.ciso, inc.ID, inc.Version, 2, "the emergency department is down too")
		if err != nil {
			t.Fatal(err)
		}
		pres := clockByKey(inc, "president-report")
		if pres == nil || !pres.MetAt.IsZero() || pres.State != medsec.ClockRunning || !pres.Start.Equal(testNow.Add(10*time.Minute)) || pres.Basis != medsec.BasisLevel {
			t.Fatalf("president report after 3→2 with the leading group told: %+v", pres)
		}
		if c := clockByKey(inc, "leadership-report"); c == nil || c.MetAt.IsZero() {
			t.Errorf("leading group report after 3→2: %+v", c)
		}
		n := medsec.IncidentNotification{Recipient: medsec.RecipientLeadership, Name: "領導小組", Channel: "phone", Language: "zh-TW", Content: "再報", ClockID: pres.ID}
		if _, err := f.svc.RecordNotification(f.soc, inc.ID, inc.Version, n); fieldKey(err, "recipient") != "incident.err.recipient_mismatch" {
			t.Errorf("leading group notification meets the president's report: %v", err)
		}
		n.Recipient, n.Name = medsec.RecipientPresident, "院長"
		inc, err = f.svc.RecordNotification(f.soc, inc.ID, inc.Version, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range inc.Clocks {
			if c.ID == pres.ID && (c.MetAt.IsZero() || c.State != medsec.ClockMet) {
				t.Errorf("president report after telling the president: %+v", c)
			}
		}
	})
}

// TestSetOccurrenceMovesClocks: setting the occurrence of an incident recorded without
// one moves the duties counted from it (003 ch.2 事件發生後) in the same change: an
// occurrence before the detection leaves them counting from the detection, saying so
// (BasisDetectedAfterOccurrence), a met one keeping its met time; clocks of other moments stay; a timeline entry and an audit row say so. A time
// after the detection or in the future, a missing note, and a reader are refused. Both
// engines.
func TestSetOccurrenceMovesClocks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := testNow.Add(-20 * time.Minute)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 全院中斷", Level: 1, LevelReason: "core systems down",
			Outage: medsec.OutageCore, OutageMinutes: 300, DetectedAt: detected})
		if err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "technical-team"); c == nil || c.Basis != medsec.BasisDetectedNoOccurrence || c.State != medsec.ClockRunning {
			t.Fatalf("technical team before: %+v", c)
		}
		inc, err = f.svc.MeetClock(f.soc, inc.ID, inc.Version, clockByKey(inc, "authority-report").ID, "衛生局已電話通報", "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		firstReport := *clockByKey(inc, "first-report")
		for name, tc := range map[string]struct {
			at    time.Time
			note  string
			field string
			key   string
		}{
			"after detection": {detected.Add(time.Minute), "log", "occurred_at", "incident.err.occurred_after_detected"},
			"future":          {testNow.Add(time.Hour), "log", "occurred_at", "incident.err.time_future"},
			"missing":         {time.Time{}, "log", "occurred_at", "err.required"},
			"no note":         {detected.Add(-time.Hour), " ", "note", "err.required"},
		} {
			if _, err := f.svc.SetOccurrence(f.soc, inc.ID, inc.Version, tc.at, tc.note); fieldKey(err, tc.field) != tc.key {
				t.Errorf("%s: %v, want %s on %s", name, err, tc.key, tc.field)
			}
		}
		// Every problem at once (t14 break-test 3: the missing note hid the time's).
		_, err = f.svc.SetOccurrence(f.soc, inc.ID, inc.Version, testNow.Add(time.Hour), "")
		if fieldKey(err, "occurred_at") != "incident.err.time_future" || fieldKey(err, "note") != "err.required" {
			t.Errorf("a future time without a note: %v, want both problems", err)
		}
		if _, err := f.svc.SetOccurrence(f.auditor, inc.ID, inc.Version, detected.Add(-time.Hour), "log"); code(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor: %v", err)
		}
		occurred := testNow.Add(-90 * time.Minute)
		inc, err = f.svc.SetOccurrence(f.soc, inc.ID, inc.Version, occurred, "防火牆日誌顯示首次加密於 07:30")
		if err != nil {
			t.Fatal(err)
		}
		if !inc.OccurredAt.Equal(occurred) {
			t.Errorf("occurred %v, want %v", inc.OccurredAt, occurred)
		}
		// The occurrence before the detection: the duties count from the detection and
		// say so, neither due before the hospital knew (bt14h #2: late at once).
		tt := clockByKey(inc, "technical-team")
		if tt == nil || !tt.Start.Equal(detected) || tt.Basis != medsec.BasisDetectedAfterOccurrence || !tt.Due.Equal(detected.Add(30*time.Minute)) || tt.State != medsec.ClockRunning {
			t.Errorf("technical team after: %+v", tt)
		}
		var ar *medsec.Clock
		for _, c := range inc.Clocks {
			if c.Key == "authority-report" {
				ar = c
			}
		}
		if ar == nil || !ar.MetAt.Equal(testNow) || !ar.Due.Equal(detected.Add(time.Hour)) || ar.State != medsec.ClockMet || ar.Basis != medsec.BasisDetectedAfterOccurrence {
			t.Errorf("authority report met at %v, after: %+v", testNow, ar)
		}
		if c := clockByKey(inc, "first-report"); c == nil || !c.Start.Equal(firstReport.Start) || !c.Due.Equal(firstReport.Due) {
			t.Errorf("first report moved: %+v, was %+v", c, firstReport)
		}
		if last := inc.Timeline[len(inc.Timeline)-1]; last.Kind != "occurrence" || last.Msg == nil || last.Msg.Key != "incident.tl.occurrence_set" || last.Text == "" {
			t.Errorf("timeline %+v", last)
		}
		if n := auditCount(t, db, "incident.occurrence"); n != 1 {
			t.Errorf("%d audit rows, want 1", n)
		}
		// Once closed, the ledger line's occurrence is corrected only by the security
		// officer, as its record is (t14 break-test 2: an analyst turned a met report late).
		inc = readyToClose(t, f, inc)
		*f.now = testNow.Add(28 * time.Second)
		if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetOccurrence(f.soc, inc.ID, inc.Version, occurred.Add(-time.Hour), "log"); code(err) != medsec.EFORBIDDEN {
			t.Errorf("the analyst corrected a closed incident's occurrence: %v", err)
		}
		if _, err := f.svc.SetOccurrence(f.ciso, inc.ID, inc.Version, occurred.Add(-time.Hour), "稽核更正：防火牆日誌時區"); err != nil {
			t.Errorf("the security officer's correction of a closed incident: %v", err)
		}
	})
}

// TestExposureCorrectionRoleFirst: an exposure correction by someone who may not correct
// is refused as forbidden even when its reason is missing (was: 422 naming note, telling
// the analyst to add a reason to a correction they may not make). Both engines.
func TestExposureCorrectionRoleFirst(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "病歷外洩", Exposure: medsec.ExposureOrdinary,
			Level: 3, LevelReason: "ordinary leak"})
		if err != nil {
			t.Fatal(err)
		}
		fix := medsec.ExposureFinding{Exposure: medsec.ExposureNone, Correction: true}
		if _, err := f.svc.RecordExposure(f.soc, inc.ID, inc.Version, fix); code(err) != medsec.EFORBIDDEN {
			t.Errorf("analyst's correction without a reason: %v, want forbidden", err)
		}
		if _, err := f.svc.RecordExposure(f.ciso, inc.ID, inc.Version, fix); fieldKey(err, "note") != "err.required" {
			t.Errorf("officer's correction without a reason: %v, want note required", err)
		}
	})
}

// TestOccurrenceDaysBeforeDetection records an incident found ten minutes ago that
// occurred three days before: the 1-hour authority report and the technical team's 30
// minutes (事件發生後, 003 ch.2) count from the detection, running, so no late clock is
// notified at recording (bt14h #2: both were late and escalated at once). Both engines.
func TestOccurrenceDaysBeforeDetection(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := testNow.Add(-10 * time.Minute)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "病歷外洩", Level: 1, LevelReason: "large-scale leak",
			Exposure: medsec.ExposureLargeScale, DetectedAt: detected, OccurredAt: testNow.AddDate(0, 0, -3)})
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"authority-report", "technical-team"} {
			if c := clockByKey(inc, key); c == nil || !c.Start.Equal(detected) || c.Basis != medsec.BasisDetectedAfterOccurrence || c.State != medsec.ClockRunning {
				t.Errorf("%s: %+v, want from the detection %v, running", key, c, detected)
			}
		}
	})
}

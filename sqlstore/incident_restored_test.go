package sqlstore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestPatchTasksWaitForRestoration: the patch tasks count from the systems restored
// (技術工作組在系統恢復後…高危漏洞需在24小時內完成補丁更新，中危漏洞48小時內修復, 003 §4.3.4)
// and exist in every scenario: until the restoration is recorded their clocks wait (no
// due time, never late, not notified); "systems restored" starts them from the time
// given, a correction moves them (a met one judged against its new due time), every
// problem of the action is said at once, and a closed incident's is the security
// officer's. Was: ransomware only, counted from the detection, late 24 h after it
// whether or not anything was restored. Both engines.
func TestPatchTasksWaitForRestoration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := testNow.Add(-2 * time.Hour)
		for _, sc := range medsec.Scenarios {
			inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "patch " + string(sc), Scenario: sc, DetectedAt: detected})
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"task.patch-high", "task.patch-medium"} {
				c := clockByKey(inc, key)
				if c == nil || c.State != medsec.ClockWaiting || !c.Due.IsZero() || c.Basis != medsec.BasisAwaitingRestored {
					t.Errorf("%s %s: %+v, want waiting for the restoration", sc, key, c)
				}
			}
		}
		inc := openDetected(t, f, "DDoS 掛號系統", medsec.ScenarioDDoS, detected)
		var err error
		// Three days on, nothing restored: the patch clocks are not late.
		*f.now = testNow.Add(72 * time.Hour)
		late, err := f.svc.LateClocks(system)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range late {
			if l.Clock.Key == "task.patch-high" || l.Clock.Key == "task.patch-medium" {
				t.Fatalf("a patch clock is late before any restoration: %+v", l.Clock)
			}
		}
		if inc, err = f.svc.FindIncidentByID(f.soc, inc.ID); err != nil {
			t.Fatal(err)
		}
		// Every problem at once; the auditor may not.
		_, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, f.now.Add(time.Hour), "")
		if fieldKey(err, "restored_at") != "incident.err.time_future" || fieldKey(err, "note") != "err.required" {
			t.Errorf("future time without a note: %v", err)
		}
		if _, err := f.svc.SetRestored(f.soc, inc.ID, inc.Version, detected.Add(-time.Minute), "HIS 已恢復"); fieldKey(err, "restored_at") != "incident.err.restored_before_detected" {
			t.Errorf("restored before detection: %v", err)
		}
		if _, err := f.svc.SetRestored(f.soc, inc.ID, inc.Version, time.Time{}, "HIS 已恢復"); fieldKey(err, "restored_at") != "err.required" {
			t.Errorf("no time: %v", err)
		}
		if _, err := f.svc.SetRestored(f.auditor, inc.ID, inc.Version, detected, "x"); code(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor: %v", err)
		}
		restored := testNow.Add(40 * time.Hour)
		if inc, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, restored, "掛號系統恢復服務"); err != nil {
			t.Fatal(err)
		}
		if !inc.RestoredAt.Equal(restored) {
			t.Errorf("restored at %v, want %v", inc.RestoredAt, restored)
		}
		high, medium := clockByKey(inc, "task.patch-high"), clockByKey(inc, "task.patch-medium")
		if !high.Start.Equal(restored) || !high.Due.Equal(restored.Add(24*time.Hour)) || high.Basis != medsec.BasisRestored || high.State != medsec.ClockLate {
			t.Errorf("high: %+v, want 24 h from %v, late at %v", high, restored, *f.now)
		}
		if !medium.Due.Equal(restored.Add(48*time.Hour)) || medium.State != medsec.ClockRunning {
			t.Errorf("medium: %+v, want 48 h from %v, running", medium, restored)
		}
		if last := inc.Timeline[len(inc.Timeline)-1]; last.Kind != "restored" || last.Msg == nil || last.Msg.Key != "incident.tl.restored_set" || last.Text != "掛號系統恢復服務" {
			t.Errorf("timeline %+v", last)
		}
		if n := auditCount(t, db, "incident.restored"); n != 1 {
			t.Errorf("%d audit rows, want 1", n)
		}
		// The medium patches done; then the restoration is corrected to later: the high
		// one runs again, the met one is judged against its new due time.
		var mediumTask int64
		for _, tk := range inc.Tasks {
			if tk.Key == "patch-medium" {
				mediumTask = tk.ID
			}
		}
		if inc, err = f.svc.CompleteTask(f.soc, inc.ID, inc.Version, mediumTask, "patched"); err != nil {
			t.Fatal(err)
		}
		corrected := testNow.Add(60 * time.Hour)
		if inc, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, corrected, "恢復時間以變更紀錄為準"); err != nil {
			t.Fatal(err)
		}
		high, medium = clockByKey(inc, "task.patch-high"), clockByKey(inc, "task.patch-medium")
		if !high.Due.Equal(corrected.Add(24*time.Hour)) || high.State != medsec.ClockRunning {
			t.Errorf("high after correction: %+v", high)
		}
		if !medium.Due.Equal(corrected.Add(48*time.Hour)) || medium.State != medsec.ClockMet {
			t.Errorf("medium after correction: %+v", medium)
		}
		// Closed: only the security officer corrects it.
		inc = readyToClose(t, f, inc)
		if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetRestored(f.soc, inc.ID, inc.Version, corrected, "x"); code(err) != medsec.EFORBIDDEN {
			t.Errorf("analyst corrected a closed incident's restoration: %v", err)
		}
		if _, err := f.svc.SetRestored(f.ciso, inc.ID, inc.Version, corrected.Add(-time.Hour), "稽核更正"); err != nil {
			t.Errorf("security officer: %v", err)
		}
	})
}

// TestRestoredMigration: migration 0094 turns the patch clocks an older version started
// from the detection, neither met nor stopped, into clocks waiting for the restoration;
// a met one keeps its record. Both engines.
func TestRestoredMigration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := testNow.Add(-time.Hour)
		inc := openDetected(t, f, "勒索", medsec.ScenarioRansomware, detected)
		var err error
		high, medium := clockByKey(inc, "task.patch-high"), clockByKey(inc, "task.patch-medium")
		if err := db.ExecForTest(`UPDATE incident_clocks SET basis = 'detected', start_at = ?, due_at = ? WHERE id = ?`, detected, detected.Add(24*time.Hour), high.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest(`UPDATE incident_clocks SET basis = 'detected', start_at = ?, due_at = ?, met_at = ?, met_by = 'itops.chen' WHERE id = ?`,
			detected, detected.Add(48*time.Hour), testNow, medium.ID); err != nil {
			t.Fatal(err)
		}
		// The schema the older version left: no restored_at.
		if err := db.ExecForTest(`ALTER TABLE incidents DROP COLUMN restored_at`); err != nil {
			t.Fatal(err)
		}
		if err := db.RerunMigrationForTest("0094_incident_restored.sql"); err != nil {
			t.Fatal(err)
		}
		if inc, err = f.svc.FindIncidentByID(f.soc, inc.ID); err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "task.patch-high"); c.State != medsec.ClockWaiting || !c.Due.IsZero() {
			t.Errorf("unmet patch clock after the migration: %+v", c)
		}
		if c := clockByKey(inc, "task.patch-medium"); c.State != medsec.ClockMet || c.Basis != medsec.BasisDetected {
			t.Errorf("met patch clock after the migration: %+v", c)
		}
	})
}

// TestPatchMetBeforeRestoration: a patch task done while its clock still waits for the
// systems restored (系統恢復後, 003 §4.3.4) is met early. When the restoration is recorded
// later, the clock starts and falls due from it, keeps its met time and stays met, says
// it was met before it started (MetEarly), is never late nor notified, and the ledger
// counts it met. A later met time, after the new due time, is late as before. Was: met
// with a met time before its start and nothing saying so. Both engines.
func TestPatchMetBeforeRestoration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := testNow.Add(-2 * time.Hour)
		inc := openDetected(t, f, "勒索 PACS", medsec.ScenarioRansomware, detected)
		var err error
		var highTask int64
		for _, tk := range inc.Tasks {
			if tk.Key == "patch-high" {
				highTask = tk.ID
			}
		}
		if inc, err = f.svc.CompleteTask(f.soc, inc.ID, inc.Version, highTask, "patched early"); err != nil {
			t.Fatal(err)
		}
		met := clockByKey(inc, "task.patch-high")
		if met.State != medsec.ClockMet || met.MetEarly {
			t.Fatalf("met while waiting: %+v", met)
		}
		metAt := met.MetAt
		*f.now = testNow.Add(3 * time.Hour)
		restored := testNow.Add(2 * time.Hour)
		if inc, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, restored, "PACS 已恢復"); err != nil {
			t.Fatal(err)
		}
		high := clockByKey(inc, "task.patch-high")
		if !high.MetAt.Equal(metAt) || !high.Start.Equal(restored) || !high.Due.Equal(restored.Add(24*time.Hour)) ||
			high.State != medsec.ClockMet || !high.MetEarly || high.Due.Before(high.Start) {
			t.Errorf("met before the restoration, then restored: %+v, want met early, due 24 h from %v", high, restored)
		}
		// The timeline counts the clocks that started: the medium patch, not the high
		// one already met (was "2 clocks started").
		if last := inc.Timeline[len(inc.Timeline)-1]; last.Msg == nil || last.Msg.Key != "incident.tl.restored_set" || len(last.Msg.Args) != 2 || last.Msg.Args[1].Text != "1" {
			t.Errorf("restored timeline %+v, want 1 clock started", last.Msg)
		}
		// Long after its due time: still met, not late, not notified.
		*f.now = testNow.Add(100 * time.Hour)
		if inc, err = f.svc.FindIncidentByID(f.soc, inc.ID); err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "task.patch-high"); c.State != medsec.ClockMet || !c.MetEarly {
			t.Errorf("read later: %+v", c)
		}
		late, err := f.svc.LateClocks(system)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range late {
			if l.Clock.ID == high.ID {
				t.Errorf("the early-met clock is notified late: %+v", l.Clock)
			}
		}
		rows, err := f.svc.Ledger(f.soc, medsec.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.IncidentID != inc.ID {
				continue
			}
			wantMet, wantLate, _ := medsec.CountClocks(inc.Clocks)
			if r.ClocksMet != wantMet || r.ClocksLate != wantLate {
				t.Errorf("ledger met %d late %d, page met %d late %d", r.ClocksMet, r.ClocksLate, wantMet, wantLate)
			}
		}
		// The restoration corrected to the detection: the patch, 2 h after it, is met in time, not early.
		if inc, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, detected, "更正"); err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "task.patch-high"); c.MetEarly || c.State != medsec.ClockMet {
			t.Errorf("restored at the detection, met 2 h on: %+v", c)
		}
	})
}

// TestIncidentRefusalsNameSiteZone: after the site moves to CN, a refused time names the
// detection in the zone the incident's page shows (the site's current one, Asia/Shanghai),
// not the zone of the jurisdiction the incident opened under, and echoes the refused time
// in it, not in UTC: restoration, occurrence, a clock met. Was: Asia/Taipei, and raw
// RFC 3339 UTC values. Both engines.
func TestIncidentRefusalsNameSiteZone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := testNow.Add(-2 * time.Hour)
		inc := openDetected(t, f, "HIS", medsec.ScenarioDDoS, detected)
		var err error
		if err := f.svc.SetSiteJurisdiction(system, f.main.ID, medsec.JurisdictionCN); err != nil {
			t.Fatal(err)
		}
		if inc, err = f.svc.FindIncidentByID(f.soc, inc.ID); err != nil {
			t.Fatal(err)
		}
		if inc.TimeZone != "Asia/Shanghai" {
			t.Fatalf("page zone %q", inc.TimeZone)
		}
		first := func(err error) medsec.FieldError {
			t.Helper()
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("want a field error: %v", err)
			}
			return ve.Errors[0]
		}
		early := detected.Add(-time.Hour)
		for name, err := range map[string]error{
			"restored": func() error { _, err := f.svc.SetRestored(f.soc, inc.ID, inc.Version, early, "x"); return err }(),
			"met": func() error {
				_, err := f.svc.MeetClock(f.soc, inc.ID, inc.Version, inc.Clocks[0].ID, "", "", early)
				return err
			}(),
		} {
			fe := first(err)
			if len(fe.Args) == 0 || !strings.Contains(fe.Args[0], "(Asia/Shanghai)") || !strings.Contains(fe.Value, "(Asia/Shanghai)") || strings.Contains(fe.Value, "Z") {
				t.Errorf("%s: %+v, want the detection and the value in Asia/Shanghai", name, fe)
			}
		}
		_, err = f.svc.SetOccurrence(f.soc, inc.ID, inc.Version, testNow, "x")
		if fe := first(err); !strings.Contains(fe.Args[0], "(Asia/Shanghai)") || !strings.Contains(fe.Value, "(Asia/Shanghai)") {
			t.Errorf("occurrence: %+v", fe)
		}
	})
}

// openDetected opens an incident of the scenario at the main site, detected at detected.
func openDetected(t *testing.T, f *incidentFixture, title string, sc medsec.Scenario, detected time.Time) *medsec.Incident {
	t.Helper()
	inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: title, Scenario: sc, DetectedAt: detected})
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

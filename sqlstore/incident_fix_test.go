package sqlstore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// readyToClose waives every open checklist item of inc as the security officer, completes
// the scenario template's tasks not done (they hold the close, incident.CheckTasksDone)
// and writes the record the ledger needs to close.
func readyToClose(t *testing.T, f *incidentFixture, inc *medsec.Incident) *medsec.Incident {
	t.Helper()
	inc = tasksDone(t, f, inc)
	var err error
	for _, it := range inc.Checklist {
		if it.Done() {
			continue
		}
		if inc, err = f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, it.Key, "test: not applicable"); err != nil {
			t.Fatal(err)
		}
	}
	if inc, err = f.svc.UpdateRecord(f.ciso, inc.ID, inc.Version, "cause", "actions", "result"); err != nil {
		t.Fatal(err)
	}
	return inc
}

// tasksDone completes, as the SOC analyst, every task of inc's scenario template not done.
func tasksDone(t *testing.T, f *incidentFixture, inc *medsec.Incident) *medsec.Incident {
	t.Helper()
	full, err := f.svc.FindIncidentByID(f.soc, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	inc = full
	for _, task := range full.Tasks {
		if task.Key == "" || task.Lesson || !task.DoneAt.IsZero() {
			continue
		}
		if inc, err = f.svc.CompleteTask(f.soc, inc.ID, inc.Version, task.ID, "test: done"); err != nil {
			t.Fatal(err)
		}
	}
	return inc
}

// TestIncidentLegalDutiesSurviveClose: a CN patient-data leak closed 28 s after opening
// keeps its legal reporting duties running (003 §5.3.3 履行法定報告義務; 002 第二十五、
// 二十七条): they go late when due, the ledger counts them and the scheduler is told;
// the response's own clocks stop.
func TestIncidentLegalDutiesSurviveClose(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		if err := f.svc.SetSiteJurisdiction(system, f.branch.ID, medsec.JurisdictionCN); err != nil {
			t.Fatal(err)
		}
		inc, err := f.svc.CreateIncident(f.ciso, &medsec.IncidentCreate{SiteID: f.branch.ID, Title: "CN test", Exposure: medsec.ExposureImportant,
			Scenario: medsec.ScenarioDataLeak})
		if err != nil {
			t.Fatal(err)
		}
		inc = readyToClose(t, f, inc)
		*f.now = testNow.Add(28 * time.Second)
		if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"authority-report", "leak-report-health", "leak-report-cyberspace", "leak-inform-patients", "cn-notify-subjects", "cn-report-health", "cn-report-police"} {
			if c := clockByKey(inc, key); c == nil || c.State != medsec.ClockRunning {
				t.Errorf("%s after close: %+v", key, c)
			}
		}
		if c := clockByKey(inc, "verification"); c != nil {
			t.Errorf("the response's verification clock runs on after close: %+v", c)
		}
		*f.now = testNow.Add(25 * time.Hour)
		ledger, err := f.svc.Ledger(f.auditor, medsec.IncidentFilter{})
		if err != nil || len(ledger) != 1 {
			t.Fatalf("ledger %v %v", ledger, err)
		}
		if l := ledger[0]; l.ClocksLate < 3 {
			t.Errorf("ledger counts %d late of %d: the late legal duties are left out", l.ClocksLate, l.ClocksTotal)
		}
		late, err := f.svc.LateClocks(system)
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]bool{}
		for _, l := range late {
			keys[l.Clock.Key] = true
		}
		if !keys["leak-report-health"] || !keys["leak-report-cyberspace"] || !keys["authority-report"] || keys["first-report"] {
			t.Errorf("late after close: %v", keys)
		}
		// Met after close, the duty is met late for the record.
		c := clockByKey(inc, "leak-report-health")
		full, _ := f.svc.FindIncidentByID(f.ciso, inc.ID)
		if inc, err = f.svc.RecordNotification(f.ciso, inc.ID, full.Version, medsec.IncidentNotification{Recipient: medsec.RecipientAuthority,
			Channel: "phone", Language: "zh-CN", Content: "报告", ClockID: c.ID}); err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "leak-report-health"); c.State != medsec.ClockLate || c.MetAt.IsZero() {
			t.Errorf("met after close: %+v", c)
		}
	})
}

// TestIncidentNotificationRecipientMatchesClock: a notification meets a clock only when
// sent to the duty's addressee (003 §5.3.3: the patients are told, not the vendor).
func TestIncidentNotificationRecipientMatchesClock(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "leak", Exposure: medsec.ExposureOrdinary,
			Scenario: medsec.ScenarioDataLeak})
		if err != nil {
			t.Fatal(err)
		}
		patients := clockByKey(inc, "leak-inform-patients")
		n := medsec.IncidentNotification{Recipient: medsec.RecipientVendor, Channel: "email", Language: "en", Content: "hi", ClockID: patients.ID}
		_, err = f.svc.RecordNotification(f.soc, inc.ID, inc.Version, n)
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) || ve.Errors[0].Field != "recipient" || !strings.Contains(ve.Errors[0].Message, "patients") {
			t.Fatalf("vendor meets the patients' clock: %v", err)
		}
		verification := clockByKey(inc, "verification")
		n.Recipient, n.ClockID = medsec.RecipientLeadership, verification.ID
		if _, err := f.svc.RecordNotification(f.soc, inc.ID, inc.Version, n); !errors.As(err, &ve) || ve.Errors[0].Field != "clock_id" {
			t.Fatalf("a notification meets the verification clock: %v", err)
		}
		n.Recipient, n.ClockID = medsec.RecipientPatients, patients.ID
		if inc, err = f.svc.RecordNotification(f.soc, inc.ID, inc.Version, n); err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "leak-inform-patients"); c.State != medsec.ClockMet {
			t.Errorf("patients told: %+v", c)
		}
	})
}

// TestEvidenceUploadAudited: every evidence upload leaves an audit row naming the file.
func TestEvidenceUploadAudited(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		as := newAssessmentService(t, db)
		if _, err := as.StoreEvidence(f.itops, "his-export.pcap", strings.NewReader("capture bytes")); err != nil {
			t.Fatal(err)
		}
		if got := auditCount(t, db, "evidence.upload"); got != 1 {
			t.Errorf("%d audit rows for an upload", got)
		}
	})
}

// TestClosedIncidentNoOldLateNotices: a clock stopped late when the incident closed is not
// notified again when a new clock of the closed incident goes late.
func TestClosedIncidentNoOldLateNotices(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "x"})
		if err != nil {
			t.Fatal(err)
		}
		inc = readyToClose(t, f, inc)
		*f.now = testNow.Add(20 * time.Minute) // first-report is late
		if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
		if inc, err = f.svc.AddClock(f.ciso, inc.ID, inc.Version, "call the insurer", 1); err != nil {
			t.Fatal(err)
		}
		*f.now = testNow.Add(30 * time.Minute)
		late, err := f.svc.LateClocks(system)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, l := range late {
			keys = append(keys, l.Clock.Key)
		}
		if strings.Join(keys, ",") != "custom" {
			t.Errorf("late clocks of the closed incident: %v", keys)
		}
	})
}

// TestIncidentCloseNeedsRecord: an incident closes only with its cause, actions and result
// written (003 §3.3.3: the ledger holds 時間、處置措施和結果); each missing one is named.
func TestIncidentCloseNeedsRecord(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "x"})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range inc.Checklist {
			if inc, err = f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, it.Key, "n/a"); err != nil {
				t.Fatal(err)
			}
		}
		inc = tasksDone(t, f, inc)
		if inc, err = f.svc.UpdateRecord(f.ciso, inc.ID, inc.Version, "phishing", "", ""); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup)
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != 2 || ve.Errors[0].Field != "actions" || ve.Errors[1].Field != "result" {
			t.Fatalf("close without actions and result: %v", err)
		}
		if inc, err = f.svc.UpdateRecord(f.ciso, inc.ID, inc.Version, "phishing", "isolated", "restored"); err != nil {
			t.Fatal(err)
		}
		if _, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
	})
}

// TestIncidentTaskClockFromDetection: a scenario task's deadline (isolate within 10
// minutes) counts from discovery, not from recording [003 §4.3.1].
func TestIncidentTaskClockFromDetection(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := testNow.Add(-8 * time.Minute)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "ransomware", Scenario: medsec.ScenarioRansomware,
			DetectedAt: detected})
		if err != nil {
			t.Fatal(err)
		}
		c := clockByKey(inc, "task.isolate-infected")
		if c == nil || !c.Start.Equal(detected) || !c.Due.Equal(detected.Add(10*time.Minute)) {
			t.Errorf("isolation clock %+v, want due 10 min after detection", c)
		}
	})
}

// TestIncidentFilterRefusesUnknown: a mistyped status or drill filter is refused naming
// the field, not answered with an empty list.
func TestIncidentFilterRefusesUnknown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		var ve *medsec.ValidationError
		if _, err := f.svc.FindIncidents(f.soc, medsec.IncidentFilter{Status: "bogus"}); !errors.As(err, &ve) || ve.Errors[0].Field != "status" {
			t.Errorf("status=bogus: %v", err)
		}
		if _, err := f.svc.Ledger(f.soc, medsec.IncidentFilter{Drill: "maybe"}); !errors.As(err, &ve) || ve.Errors[0].Field != "drill" {
			t.Errorf("drill=maybe: %v", err)
		}
		if _, err := f.svc.FindIncidents(f.soc, medsec.IncidentFilter{Status: medsec.IncidentOpen, Drill: "no"}); err != nil {
			t.Errorf("valid filter: %v", err)
		}
	})
}

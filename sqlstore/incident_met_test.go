package sqlstore_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestIncidentMetAtRealTime: a clock is met at the time the person gives (when the duty was
// really done), not when it was typed in; lateness is judged on that time; a time in the
// future or before detection is refused naming met_at (sent_at for a notification). Before,
// every clock was met "now", so a report made on time but recorded an hour later was late.
// Both engines, settable clock.
func TestIncidentMetAtRealTime(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := testNow.Add(-30 * time.Minute)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常", DetectedAt: detected})
		if err != nil {
			t.Fatal(err)
		}
		*f.now = testNow.Add(2 * time.Hour) // recorded two hours later
		first := clockByKey(inc, "first-report")
		done := detected.Add(5 * time.Minute)
		if inc, err = f.svc.MeetClock(f.soc, inc.ID, inc.Version, first.ID, "值班電話", "", done); err != nil {
			t.Fatal(err)
		}
		c := clockByID(inc, first.ID)
		if !c.MetAt.Equal(done) || c.State != medsec.ClockMet {
			t.Errorf("first report met at %v (%s), want %v and met", c.MetAt, c.State, done)
		}
		if last := inc.Timeline[len(inc.Timeline)-1]; last.Msg == nil || last.Msg.Key != "incident.tl.clock_met" {
			t.Errorf("timeline: %+v", last.Msg)
		}
		// A notification sent on time meets the clock at its sending time.
		ver := clockByKey(inc, "verification")
		for _, bad := range []struct {
			at         time.Time
			field, key string
		}{{f.now.Add(time.Hour), "met_at", "incident.err.time_future"}, {detected.Add(-time.Minute), "met_at", "incident.err.met_before_detected"}} {
			_, err := f.svc.MeetClock(f.soc, inc.ID, inc.Version, ver.ID, "", "", bad.at)
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || ve.Errors[0].Field != bad.field || ve.Errors[0].Key != bad.key {
				t.Errorf("met at %v: %v, want %s %s", bad.at, err, bad.field, bad.key)
			}
		}
		var ve *medsec.ValidationError
		if _, err := f.svc.MeetClock(f.soc, inc.ID, inc.Version, ver.ID, "", "", detected.Add(-time.Minute)); !errors.As(err, &ve) ||
			!strings.Contains(ve.Errors[0].Args[0], "2026-11-23 16:30 (Asia/Taipei)") {
			t.Errorf("before detection names the detection in the site's time: %v", err)
		}
		if inc, err = f.svc.MeetClock(f.soc, inc.ID, inc.Version, ver.ID, "", "", testNow.Add(40*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if c := clockByID(inc, ver.ID); c.State != medsec.ClockLate || !c.MetAt.Equal(testNow.Add(40*time.Minute)) {
			t.Errorf("verification met 40 min after recording: %s at %v, want late", c.State, c.MetAt)
		}
		if last := inc.Timeline[len(inc.Timeline)-1]; last.Msg == nil || last.Msg.Key != "incident.tl.clock_met_late" {
			t.Errorf("timeline: %+v", last.Msg)
		}
		inc, err = f.svc.AddClock(f.soc, inc.ID, inc.Version, "院長報告", 30)
		if err != nil {
			t.Fatal(err)
		}
		own := clockByKey(inc, "custom")
		sent := f.now.Add(-90 * time.Minute)
		if _, err := f.svc.RecordNotification(f.soc, inc.ID, inc.Version, medsec.IncidentNotification{Recipient: medsec.RecipientLeadership, Channel: "phone",
			Language: "zh-TW", Content: "x", ClockID: own.ID, SentAt: f.now.Add(10 * time.Minute)}); !errors.As(err, &ve) || ve.Errors[0].Field != "sent_at" {
			t.Errorf("sent in the future: %v", err)
		}
		if inc, err = f.svc.RecordNotification(f.soc, inc.ID, inc.Version, medsec.IncidentNotification{Recipient: medsec.RecipientLeadership, Channel: "phone",
			Language: "zh-TW", Content: "已報告", ClockID: own.ID, SentAt: sent}); err != nil {
			t.Fatal(err)
		}
		if c := clockByID(inc, own.ID); !c.MetAt.Equal(sent) || !inc.Notifications[0].SentAt.Equal(sent) {
			t.Errorf("notification met the clock at %v, sent %v; want %v", c.MetAt, inc.Notifications[0].SentAt, sent)
		}
	})
}

// TestChecklistSpansOfCalm: "core systems stable for 24 h" and "72 h without anomaly"
// [003 §4.4.1, §4.4.3] cannot be ticked before that long after detection; the refusal
// names the item and when it can be met, in the site's time; a security officer may waive
// them; a drill ticks them as the exercise goes. Before, both could be ticked minutes
// after opening. Both engines.
func TestChecklistSpansOfCalm(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := testNow.Add(-30 * time.Minute)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常", DetectedAt: detected})
		if err != nil {
			t.Fatal(err)
		}
		*f.now = testNow.Add(10 * time.Minute)
		_, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, "stable-24h", "")
		var e *medsec.Error
		if !errors.As(err, &e) || e.Key != "incident.err.item_too_early" || len(e.Args) != 3 || e.Args[1] != "2026-11-24 16:30 (Asia/Taipei)" ||
			!strings.Contains(e.Message, "Core systems") && !strings.Contains(e.Message, "“") {
			t.Fatalf("stable-24h after 40 minutes: %#v", err)
		}
		if inc, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, "integrity-hash", ""); err != nil {
			t.Fatalf("integrity-hash has no wait: %v", err)
		}
		*f.now = detected.Add(24 * time.Hour)
		if inc, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, "stable-24h", "24 h"); err != nil {
			t.Fatalf("stable-24h after 24 h: %v", err)
		}
		if _, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, "no-anomaly-72h", ""); !errors.As(err, &e) || e.Key != "incident.err.item_too_early" ||
			e.Args[1] != "2026-11-26 16:30 (Asia/Taipei)" || e.Args[2] != "72" {
			t.Fatalf("no-anomaly-72h after 24 h: %v", err)
		}
		if _, err = f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, "no-anomaly-72h", "monitoring replaced"); err != nil {
			t.Fatalf("waive: %v", err)
		}
		drill, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "演練", Drill: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err = f.svc.MeetChecklistItem(f.soc, drill.ID, drill.Version, "no-anomaly-72h", "演練"); err != nil {
			t.Fatalf("drill: %v", err)
		}
	})
}

// TestChecklistSpansCountFromRestoration (bt14 HIGH #1): once the systems' restoration is
// recorded, "core systems stable for 24 h" and "72 h without anomaly" [003 §4.4.1, §4.4.3]
// count from it, not from detection: an incident detected days ago and restored ten
// minutes ago cannot tick either, and the refusal says when, from the restoration.
// Before, both were met minutes after the systems came back and the incident closed.
// Both engines.
func TestChecklistSpansCountFromRestoration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := testNow.Add(-7 * 24 * time.Hour)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 勒索", DetectedAt: detected})
		if err != nil {
			t.Fatal(err)
		}
		restored := testNow.Add(-10 * time.Minute)
		if inc, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, restored, "HIS back"); err != nil {
			t.Fatal(err)
		}
		var e *medsec.Error
		for key, want := range map[string]string{"stable-24h": "2026-11-24 16:50 (Asia/Taipei)", "no-anomaly-72h": "2026-11-26 16:50 (Asia/Taipei)"} {
			_, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, key, "")
			if !errors.As(err, &e) || e.Key != "incident.err.item_too_early_restored" || len(e.Args) != 3 || e.Args[1] != want {
				t.Errorf("%s ten minutes after the restoration: %#v, want refused until %s", key, err, want)
			}
		}
		*f.now = restored.Add(24 * time.Hour)
		if _, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, "stable-24h", "24 h since restoration"); err != nil {
			t.Errorf("stable-24h 24 h after the restoration: %v", err)
		}
	})
}

func clockByID(inc *medsec.Incident, id int64) *medsec.Clock {
	for _, c := range inc.Clocks {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// TestIncidentInputHardening: a detection or occurrence time before 2000 (1970, Unix
// time's zero) is refused naming the field; a title with a bidirectional override is
// refused; an evidence name with a path or a device name is kept cleaned. Both engines.
func TestIncidentInputHardening(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		var ve *medsec.ValidationError
		_, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS", DetectedAt: time.Unix(0, 0)})
		if !errors.As(err, &ve) || ve.Errors[0].Field != "detected_at" || ve.Errors[0].Key != "incident.err.time_too_old" {
			t.Errorf("1970: %v", err)
		}
		_, err = f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS", OccurredAt: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)})
		if !errors.As(err, &ve) || ve.Errors[0].Field != "occurred_at" {
			t.Errorf("1999: %v", err)
		}
		_, err = f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "invoice\u202Efdp.exe"})
		if !errors.As(err, &ve) || ve.Errors[0].Field != "title" || ve.Errors[0].Key != "err.bad_char" || ve.Errors[0].Value != "U+202E" {
			t.Errorf("bidi override: %v", err)
		}
	})
}

// TestSpansJudgedOnTheRestorationAsItStands: a core-systems outage cannot tick "stable 24 h"
// before its restoration is recorded (it would count from detection; bt14d HIGH #2). Ticked
// after a restoration five days ago, the spans hold; when the restoration is corrected to
// two minutes ago, both spans are reopened (on the timeline), closing is refused, ticking
// them again is refused until their new ends, and the incident closes once they are
// ticked 72 hours later (bt14d HIGH #1: the incident closed three minutes after the
// corrected restoration). Both engines.
func TestSpansJudgedOnTheRestorationAsItStands(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "全院核心系統中斷", DetectedAt: testNow.Add(-7 * 24 * time.Hour),
			Outage: medsec.OutageCore, OutageMinutes: 300})
		if err != nil {
			t.Fatal(err)
		}
		var e *medsec.Error
		if _, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, "stable-24h", ""); !errors.As(err, &e) || e.Key != "incident.err.item_needs_restoration" {
			t.Fatalf("stable-24h of a core outage never restored: %v", err)
		}
		if inc, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, testNow.Add(-5*24*time.Hour), "HIS back"); err != nil {
			t.Fatal(err)
		}
		for _, it := range inc.Checklist {
			if inc, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, it.Key, ""); err != nil {
				t.Fatalf("meet %s: %v", it.Key, err)
			}
		}
		corrected := testNow.Add(-2 * time.Minute)
		if inc, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, corrected, "failed again; really back just now"); err != nil {
			t.Fatal(err)
		}
		var reopened []string
		for _, it := range inc.Checklist {
			if !it.Done() {
				reopened = append(reopened, it.Key)
			}
		}
		if slices.Sort(reopened); !slices.Equal(reopened, []string{"no-anomaly-72h", "stable-24h"}) {
			t.Fatalf("after the correction open items %q, want the two spans reopened", reopened)
		}
		if last := inc.Timeline[len(inc.Timeline)-1]; last.Kind != "checklist.reopened" && inc.Timeline[len(inc.Timeline)-2].Kind != "checklist.reopened" {
			t.Errorf("the timeline does not say the spans were reopened: %+v", last)
		}
		declared := medsec.EndDeclaration{DeclaredBy: "江文雄"}
		inc = tasksDone(t, f, inc)
		_, err = f.svc.CloseIncident(f.soc, inc.ID, inc.Version, declared)
		if !errors.As(err, &e) || e.Key != "incident.err.checklist_open_items" {
			t.Fatalf("closing minutes after the corrected restoration: %#v", err)
		}
		for _, key := range reopened {
			if _, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, key, ""); !errors.As(err, &e) || e.Key != "incident.err.item_too_early_restored" {
				t.Errorf("%s minutes after the corrected restoration: %v", key, err)
			}
		}
		*f.now = corrected.Add(72 * time.Hour)
		for _, key := range reopened {
			if inc, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, key, ""); err != nil {
				t.Fatalf("meet %s 72 h after the corrected restoration: %v", key, err)
			}
		}
		if inc, err = f.svc.UpdateRecord(f.soc, inc.ID, inc.Version, "勒索軟體", "隔離、還原", "系統恢復"); err != nil {
			t.Fatal(err)
		}
		if _, err = f.svc.CloseIncident(f.soc, inc.ID, inc.Version, declared); err != nil {
			t.Errorf("closing with the spans ticked again after their ends: %v", err)
		}
	})
}

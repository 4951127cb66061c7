package detection_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/logs"
	"medsec/notify"
	"medsec/sqlstore"
)

// Events more than the lateness behind their site's newest event are left out of the
// correlations; they are counted per rule, shown (Status, the rule's late_matches) and
// told to rule admins of the site with the span to retro-hunt [issue 13 t13 finding 19:
// one JSON ingest with a current record, then 12 failed logins stamped 10 minutes ago].
func TestLateMatchesAreCountedAndTold(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f := newFixture(t, "sqlite", now)
	p := &logs.Parser{}
	var events []medsec.Event
	add := func(raw string, i int) {
		rec, err := p.Parse([]byte(raw), now, "10.1.10.5:443")
		if err != nil {
			t.Fatal(err)
		}
		rec.SiteID, rec.Index = f.site.ID, int64(i+1)
		events = append(events, logs.RecordEvent(rec))
	}
	add(`{"@timestamp":"2026-12-01T10:00:00Z","message":"current record","host":{"name":"ws-br-01"}}`, 0)
	for i := range 12 {
		add(fmt.Sprintf(`{"@timestamp":"2026-12-01T09:50:%02dZ","event":{"category":"authentication","outcome":"failure"},"source":{"ip":"198.18.13.13"},"user":{"name":"admin"}}`, i), i+1)
	}
	f.arrive(t, events, now.Add(2*time.Minute))
	// The live engine left them out; the service re-correlated the late span over the
	// stored events on its own and raised the burst once.
	got := f.alerts(t)
	if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || got[0].EventCount != 10 || got[0].SiteID != f.site.ID ||
		!strings.Contains(got[0].DedupKey, "medsec.source.network=198.18.13.13/32") {
		t.Fatalf("alerts after the late burst: %+v", got)
	}
	st := f.svc.Status()
	if st.LateMatches != 12 || len(st.Rules) != 1 || st.Rules[0].Title != "Failed login" || st.Rules[0].LateMatches != 12 ||
		!st.Rules[0].LateNewest.Equal(time.Date(2026, 12, 1, 9, 50, 11, 0, time.UTC)) {
		t.Fatalf("status: %+v", st)
	}
	var told []medsec.Notification
	for _, n := range f.notes.got {
		if n.Key == "notify.rule_late_matches" {
			told = append(told, n)
		}
	}
	if len(told) != 1 || told[0].Scope.SiteID != f.site.ID || told[0].Perm != medsec.PermRuleAdmin || told[0].Args[1].Text != "12" ||
		told[0].Args[3].Text != "2026-12-01T09:50:00Z" || told[0].Args[4].Text != "2026-12-01T09:50:11Z" {
		t.Fatalf("notifications: %+v", f.notes.got)
	}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		m := notify.Render(bundle, &told[0], lang, "")
		if !strings.Contains(m.Body, "12") || !strings.Contains(m.Body, "2026-12-01T09:50:11Z") || !strings.Contains(m.Body, "30s") || strings.Contains(m.Body, "%!") {
			t.Errorf("%s: %q / %q", lang, m.Subject, m.Body)
		}
	}
	// A second delivery of late matches adds to the count and raises no second alert.
	if err := f.svc.Handle(context.Background(), events[1:]); err != nil {
		t.Fatal(err)
	}
	f.svc.Idle()
	if st := f.svc.Status(); st.LateMatches != 24 {
		t.Errorf("late matches after twelve more: %d", st.LateMatches)
	}
	if got := f.alerts(t); len(got) != 1 || got[0].EventCount != 10 {
		t.Errorf("alerts after the second delivery: %+v", got)
	}
}

// TestLateBurstWithAnOldRecordIsReCorrelated delivers a late burst whose batch also holds
// a failed login two days old: the burst is still re-correlated and alerted, the old
// match only counted [bt13h H3: the span of late matches, over 24 hours, kept the whole
// burst from re-correlation].
func TestLateBurstWithAnOldRecordIsReCorrelated(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f := newFixture(t, "sqlite", now)
	p := &logs.Parser{}
	var events []medsec.Event
	add := func(raw string) {
		rec, err := p.Parse([]byte(raw), now, "10.1.10.5:443")
		if err != nil {
			t.Fatal(err)
		}
		rec.SiteID, rec.Index = f.site.ID, int64(len(events)+1)
		events = append(events, logs.RecordEvent(rec))
	}
	failed := `{"@timestamp":%q,"event":{"category":"authentication","outcome":"failure"},"source":{"ip":"198.18.13.13"},"user":{"name":"admin"}}`
	add(`{"@timestamp":"2026-12-01T10:00:00Z","message":"current record","host":{"name":"ws-br-01"}}`)
	add(fmt.Sprintf(failed, "2026-11-29T09:00:00Z"))
	for i := range 12 {
		add(fmt.Sprintf(failed, fmt.Sprintf("2026-12-01T09:50:%02dZ", i)))
	}
	f.arrive(t, events, now.Add(2*time.Minute))
	got := f.alerts(t)
	if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || got[0].EventCount != 10 {
		t.Fatalf("alerts after the late burst with an old record: %+v", got)
	}
	if st := f.svc.Status(); st.LateMatches != 13 {
		t.Errorf("late matches: %d, want 13", st.LateMatches)
	}
}

// arrive stores events as the log store would (a hunt reads them), hands them to the live
// stream in their order of arrival, moves the service's clock to until and waits until
// it is idle.
func (f *fixture) arrive(t *testing.T, events []medsec.Event, until time.Time) {
	t.Helper()
	f.svc.Stop()
	if err := sqlstore.NewEventService(f.db).AppendEvents(system, events...); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Handle(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Advance(context.Background(), until); err != nil {
		t.Fatal(err)
	}
	f.svc.Idle()
}

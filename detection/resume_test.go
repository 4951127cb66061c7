package detection_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"medsec"
	"medsec/detection"
	"medsec/logs"
	"medsec/logstore"
	"medsec/sqlstore"
)

// restart stops the fixture's detection service, dropping everything it held in memory
// as a killed process would (Stop writes nothing), and starts another on the same stores
// as the server does: holding the stream until Resume has replayed the stored events.
func (f *fixture) restart(t *testing.T, now time.Time) detection.ResumeResult {
	t.Helper()
	if err := f.svc.Stop(); err != nil {
		t.Fatal(err)
	}
	f.svc = detection.New(detection.Stores{Rules: f.store, Alerts: f.store, Events: sqlstore.NewEventService(f.db), Notifier: f.notes}, nil)
	if err := f.svc.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.svc.HoldUntilResume()
	if err := f.svc.Start(f.bus); err != nil {
		t.Fatal(err)
	}
	svc := f.svc
	t.Cleanup(func() { svc.Stop() })
	res, err := f.svc.Resume(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestRestartKeepsCorrelationWindows restarts detection in the middle of a brute force
// (five failed logins of the ten the burst correlation needs within five minutes): the
// five after the restart complete it, and exactly one alert holds all ten. Later
// restarts raise no second alert for the sequence, open or closed. Failures stored while
// no detection ran (the process died between storing and evaluating them) are raised
// by the restart's replay [issue 13 finding 1].
func TestRestartKeepsCorrelationWindows(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		now := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, now)
		events := sqlstore.NewEventService(f.db)
		n := 0
		fail := func(at time.Time, ip string) {
			n++
			e := medsec.Event{ID: fmt.Sprintf("t:%d", n), Time: at, SiteID: f.site.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent, ID: int64(n)}}
			e.Set("event.category", "authentication").Set("event.outcome", "failure").Set("user.name", "nurse.lin").Set("source.ip", ip)
			if err := events.AppendEvents(system, e); err != nil {
				t.Fatal(err)
			}
		}
		start := now.Add(-3 * time.Minute)
		for i := range 5 {
			fail(start.Add(time.Duration(i)*10*time.Second), "10.1.20.77")
		}
		if got := f.alerts(t); len(got) != 0 {
			t.Fatalf("five failures raised %+v", got)
		}
		res := f.restart(t, now)
		if res.Events != 5 || res.Raised != 0 {
			t.Errorf("resume: %+v, want 5 events replayed, none raised", res)
		}
		for i := 5; i < 10; i++ {
			fail(start.Add(time.Duration(i)*10*time.Second), "10.1.20.77")
		}
		if err := f.bus.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Advance(context.Background(), now); err != nil {
			t.Fatal(err)
		}
		got := f.alerts(t)
		if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || got[0].EventCount != 10 {
			t.Fatalf("after the restart in the middle of the burst: %+v, want one alert of 10 events", got)
		}
		first := got[0]

		// The sequence alerted: a restart replays it, its events are used up again, and
		// nothing is raised twice, whether the alert is open or closed.
		res = f.restart(t, now)
		if res.Events != 10 || res.Raised != 0 {
			t.Errorf("second resume: %+v, want 10 events replayed, none raised", res)
		}
		if got := f.alerts(t); len(got) != 1 || got[0].EventCount != 10 {
			t.Fatalf("after the second restart: %+v", got)
		}
		closed := medsec.AlertTruePositive
		if _, err := f.store.UpdateAlert(system, first.ID, medsec.AlertUpdate{Status: &closed, Version: &first.Version}); err != nil {
			t.Fatal(err)
		}
		f.restart(t, now)
		for i := 10; i < 13; i++ {
			fail(start.Add(time.Duration(i)*10*time.Second), "10.1.20.77")
		}
		if err := f.bus.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Advance(context.Background(), now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := f.alerts(t); len(got) != 1 {
			t.Fatalf("after closing and restarting: %d alerts, want 1: %+v %+v", len(got), *got[0], *got[1])
		}

		// Ten failures stored while detection was down (killed between storing and
		// evaluating): the restart raises them, once.
		if err := f.svc.Stop(); err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			fail(now.Add(time.Duration(i)*time.Second), "10.1.20.99")
		}
		later := now.Add(2 * time.Minute)
		res = f.restart(t, later)
		if err := f.svc.Advance(context.Background(), later); err != nil {
			t.Fatal(err)
		}
		got = f.alerts(t)
		if len(got) != 2 || got[0].EventCount != 10 || got[0].ID == first.ID {
			t.Fatalf("failures stored while detection was down: %+v (resume %+v)", got, res)
		}
	})
}

// jsonLogins returns n failed logins as Winlogbeat sends them (ECS lists for
// event.category and event.type), from i0 on, a second apart from start, parsed as the
// log API parses them.
func jsonLogins(t *testing.T, site int64, start time.Time, i0, n int) []logs.Record {
	t.Helper()
	p := &logs.Parser{Format: logs.FormatJSON}
	var recs []logs.Record
	for i := i0; i < i0+n; i++ {
		at := start.Add(time.Duration(i) * time.Second)
		raw := fmt.Sprintf(`{"@timestamp":%q,"event":{"category":["authentication"],"type":["start"],"outcome":"failure","code":"4625"},"user":{"name":"admin"},"source":{"ip":"198.18.9.9"},"host":{"name":"ws-br-01"}}`, at.Format(time.RFC3339))
		rec, err := p.Parse([]byte(raw), at, "10.1.10.5:443")
		if err != nil {
			t.Fatal(err)
		}
		rec.SiteID = site
		recs = append(recs, rec)
	}
	return recs
}

// openLogs opens a sealed log store of the fixture's site and sets it on the service;
// stored records are published to the bus as the server's log collection does.
func (f *fixture) openLogs(t *testing.T) (*logstore.Store, *logs.Publisher) {
	t.Helper()
	st, err := logstore.Open(logstore.Config{Dir: t.TempDir(), Site: func(logs.Record) int64 { return f.site.ID }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.svc.SetLogs(sqlstore.NewLogService(f.db, st))
	return st, &logs.Publisher{Next: st, Bus: f.bus}
}

// TestRestartRebuildsWindowsFromSealedLogs restarts detection after six of a Winlogbeat
// brute force's failed logins (event.category a list) reached the sealed log store: the
// replay reads them back as lists, and the four after the restart complete the burst.
// A hunt over the stored records fires it as well (issue 13: hunts read the stored ECS
// lists as text and matched nothing).
func TestRestartRebuildsWindowsFromSealedLogs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, start)
		st, pub := f.openLogs(t)
		if err := pub.Append(context.Background(), jsonLogins(t, f.site.ID, start, 0, 6)); err != nil {
			t.Fatal(err)
		}
		st.Refresh()
		if got := f.alerts(t); len(got) != 0 {
			t.Fatalf("six failures raised %+v", got)
		}
		if err := f.svc.Stop(); err != nil {
			t.Fatal(err)
		}
		f.svc = detection.New(detection.Stores{Rules: f.store, Alerts: f.store, Events: sqlstore.NewEventService(f.db), Notifier: f.notes}, nil)
		if err := f.svc.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.svc.HoldUntilResume()
		if err := f.svc.Start(f.bus); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.svc.Stop() })
		f.svc.SetLogs(sqlstore.NewLogService(f.db, st))
		res, err := f.svc.Resume(context.Background(), start.Add(10*time.Second))
		if err != nil || res.Logs != 6 {
			t.Fatalf("resume: %+v, %v; want 6 log records replayed", res, err)
		}
		if err := pub.Append(context.Background(), jsonLogins(t, f.site.ID, start, 6, 4)); err != nil {
			t.Fatal(err)
		}
		st.Refresh()
		if err := f.bus.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Advance(context.Background(), start.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		got := f.alerts(t)
		if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || got[0].EventCount != 10 {
			t.Fatalf("alerts after the restart: %+v", got)
		}
		burst, err := f.store.FindRules(system, medsec.RuleFilter{Query: "Many failed logins"})
		if err != nil || len(burst) != 1 {
			t.Fatalf("burst rule: %v %v", burst, err)
		}
		hunt, err := f.svc.Hunt(system, medsec.HuntRequest{RuleIDs: []int64{burst[0].ID}, Since: start.Add(-time.Minute), Until: start.Add(time.Minute)})
		if err != nil || hunt.Logs != 10 || hunt.Hits != 1 || len(hunt.List) != 1 || len(hunt.List[0].Events) != 10 {
			t.Fatalf("hunt over the stored records: %+v, %v", hunt, err)
		}
		if c, ok := hunt.List[0].Events[0].Fields["event.category"].([]string); !ok || len(c) != 1 || c[0] != "authentication" {
			t.Errorf("hunted event.category: %#v", hunt.List[0].Events[0].Fields["event.category"])
		}
	})
}

// TestReplayIsAuditedOnce restarts detection over 10,050 stored log records, more than
// one page (medsec.HuntPage) of the replay's read: the trail holds one logs.search entry
// for the whole replay naming its span and count, not one per page [issue 13 t13: a day's
// replay was audited as a system log search per page — two entries here on the old code].
func TestReplayIsAuditedOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, start)
		st, _ := f.openLogs(t)
		const n = medsec.HuntPage + 50
		recs := jsonLogins(t, f.site.ID, start.Add(-2*time.Hour), 0, n)
		for i := range recs {
			recs[i].Received = start.Add(-time.Minute + time.Duration(i)*time.Millisecond)
		}
		if err := st.Append(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		st.Refresh()
		if err := f.svc.Stop(); err != nil {
			t.Fatal(err)
		}
		f.svc = detection.New(detection.Stores{Rules: f.store, Alerts: f.store, Events: sqlstore.NewEventService(f.db), Notifier: f.notes}, nil)
		if err := f.svc.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.svc.HoldUntilResume()
		if err := f.svc.Start(f.bus); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.svc.Stop() })
		f.svc.SetLogs(sqlstore.NewLogService(f.db, st))
		res, err := f.svc.Resume(context.Background(), start)
		if err != nil || res.Logs != n {
			t.Fatalf("resume: %+v, %v; want %d log records replayed", res, err, n)
		}
		entries, _, err := sqlstore.NewAuditService(f.db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionLogSearch, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var replay []string // nothing else reads the logs here
		for _, e := range entries {
			replay = append(replay, e.Detail)
		}
		want := fmt.Sprintf("detection restart replay: read from %s to %s: %d records in 2 pages",
			res.Since.Format(time.RFC3339Nano), start.Add(24*time.Hour).Format(time.RFC3339Nano), n)
		if len(replay) != 1 || replay[0] != want {
			t.Errorf("log search audit entries of the replay: %q, want one: %q", replay, want)
		}
	})
}

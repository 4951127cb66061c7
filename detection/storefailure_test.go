package detection_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"medsec"
)

// Alerts found while the store fails are kept and stored once it answers again, each
// exactly once (issue 13 break-test finding 1: the in-memory bus dropped a batch whose
// alerts failed to store). SQLite: another connection holds the database locked (BEGIN
// EXCLUSIVE), so the store's writes fail with "database is locked" after its 10 s busy
// wait; PostgreSQL: the alerts table is renamed away. Meanwhile the failure is in Status
// and told once to rule admins; afterwards a standalone rule's three alerts hold two
// events each, the failed-login burst is one alert of ten events, hit counts are exact.
func TestAlertsSurviveAFailingStore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		t0 := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, t0)
		f.svc.RetryMin, f.svc.RetryMax = 50*time.Millisecond, 500*time.Millisecond
		rule := "title: Login denied\nid: 70000000-0000-4000-8000-000000000010\nlogsource: {product: medsec, service: auth}\ndetection:\n  selection:\n    event.action: login.denied\n  condition: selection\nlevel: medium\n"
		rs, err := f.svc.ImportRules(system, "denied.yml", []byte(rule))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetRuleEnabled(system, rs[0].ID, 0, true); err != nil {
			t.Fatal(err)
		}

		admin, err := sql.Open(map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[engine], map[string]string{"sqlite": "file:" + f.dsn, "postgres": f.dsn}[engine])
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		ctx := context.Background()
		conn, err := admin.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fail, heal := "BEGIN EXCLUSIVE", "ROLLBACK"
		if engine == "postgres" {
			fail, heal = "ALTER TABLE alerts RENAME TO alerts_away", "ALTER TABLE alerts_away RENAME TO alerts"
		}
		if _, err := conn.ExecContext(ctx, fail); err != nil {
			t.Fatal(err)
		}
		healed := false
		defer func() {
			if !healed {
				conn.ExecContext(ctx, heal)
			}
		}()

		var events []medsec.Event
		for i := range 6 {
			events = append(events, medsec.Event{ID: fmt.Sprintf("test:denied:%d", i), Time: t0.Add(time.Duration(i) * time.Second), Ref: medsec.EventRef{Type: medsec.EventRefAudit, ID: int64(200 + i)},
				Fields: map[string]any{"event.dataset": "medsec.auth", "event.action": "login.denied", "user.name": "nurse", "source.ip": fmt.Sprintf("10.9.9.%d", 20+i%3)}})
		}
		for i := range 10 {
			events = append(events, medsec.Event{ID: fmt.Sprintf("test:failed:%d", i), Time: t0.Add(time.Duration(6+i) * time.Second), Ref: medsec.EventRef{Type: medsec.EventRefAudit, ID: int64(100 + i)},
				Fields: map[string]any{"event.dataset": "medsec.auth", "event.category": "authentication", "event.action": "login.failed", "event.outcome": "failure", "user.name": "admin", "source.ip": "10.9.9.9"}})
		}
		// Two batches, as two publishers would send them: the first's alerts wait for the
		// store, the second waits behind them.
		if err := f.bus.Publish(ctx, events[:8]...); err != nil {
			t.Fatal(err)
		}
		if err := f.bus.Publish(ctx, events[8:]...); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for f.svc.Status().StoreFailures < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("the store did not fail: %+v", f.svc.Status())
			}
			time.Sleep(20 * time.Millisecond)
		}
		st := f.svc.Status()
		if st.FailingSince.IsZero() || st.Pending == 0 || st.LastStoreError == "" {
			t.Fatalf("status while failing: %+v", st)
		}
		t.Logf("while failing: %+v", st)
		told := 0
		f.notes.mu.Lock()
		for _, n := range f.notes.got {
			if n.Key == "notify.detection_store_failing" && n.Perm == medsec.PermRuleAdmin && n.Severity == medsec.SeverityCritical {
				told++
			}
		}
		f.notes.mu.Unlock()
		if told != 1 {
			t.Fatalf("told %d times of the failing store, want once: %+v", told, f.notes.got)
		}

		if _, err := conn.ExecContext(ctx, heal); err != nil {
			t.Fatal(err)
		}
		healed = true
		if err := f.bus.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Advance(ctx, t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		st = f.svc.Status()
		if st.Pending != 0 || !st.FailingSince.IsZero() || st.StoreFailures < 2 {
			t.Fatalf("status after recovery: %+v", st)
		}
		count := map[string]int{}
		for _, a := range f.alerts(t) {
			full, err := f.store.FindAlertByID(system, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, e := range full.Events {
				if seen[e.Key] {
					t.Errorf("alert %q holds event %s twice", a.Title, e.Key)
				}
				seen[e.Key] = true
			}
			count[fmt.Sprintf("%s/%d", a.Title, a.EventCount)]++
			if a.EventCount != len(full.Events) {
				t.Errorf("alert %q counts %d events, holds %d", a.Title, a.EventCount, len(full.Events))
			}
		}
		want := map[string]int{"Login denied/2": 3, "Many failed logins in a short time/10": 1}
		if fmt.Sprint(count) != fmt.Sprint(want) {
			t.Fatalf("alerts (title/events: how many) %v, want %v", count, want)
		}
		rules, err := f.store.FindRules(system, medsec.RuleFilter{})
		if err != nil {
			t.Fatal(err)
		}
		hits := map[string]int64{}
		for _, r := range rules {
			if r.Hits != 0 {
				hits[r.Title] = r.Hits
			}
		}
		if want := map[string]int64{"Failed login": 10, "Login denied": 6, "Many failed logins in a short time": 1}; fmt.Sprint(hits) != fmt.Sprint(want) {
			t.Fatalf("hits %v, want %v", hits, want)
		}
	})
}

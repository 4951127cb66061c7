package detection_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestReCorrelationSkipsSpanWhileDisabled turns the brute-force correlation off at the
// site, stores ten failed logins, turns it on again, then delivers one late failed login
// whose re-correlation span reaches back over the ten: nothing is raised for the span in
// which the rule was off [bt13h M4]. With no disable, the same delivery raises the burst.
func TestReCorrelationSkipsSpanWhileDisabled(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, disable := range []bool{true, false} {
			now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
			f := newFixture(t, engine, now)
			f.svc.Stop()
			burst, err := f.store.FindRules(system, medsec.RuleFilter{Query: "Many failed logins"})
			if err != nil || len(burst) != 1 {
				t.Fatalf("burst rule: %v %v", burst, err)
			}
			at := func(hm string) time.Time {
				tm, err := time.Parse("15:04", hm)
				if err != nil {
					t.Fatal(err)
				}
				return time.Date(2026, 12, 1, tm.Hour(), tm.Minute(), 0, 0, time.UTC)
			}
			if disable {
				f.db.Now = func() time.Time { return at("09:00") }
				if err := f.store.SetRuleEnabled(system, burst[0].ID, f.site.ID, false); err != nil {
					t.Fatal(err)
				}
				f.db.Now = func() time.Time { return at("09:30") }
				if err := f.store.SetRuleEnabled(system, burst[0].ID, f.site.ID, true); err != nil {
					t.Fatal(err)
				}
				// Turned on again when already on: the time it was turned on stays.
				f.db.Now = func() time.Time { return at("09:40") }
				if err := f.store.SetRuleEnabled(system, burst[0].ID, f.site.ID, true); err != nil {
					t.Fatal(err)
				}
				f.db.Now = func() time.Time { return now }
				if err := f.svc.Load(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			failed := func(id string, ts time.Time) medsec.Event {
				return medsec.Event{ID: id, Time: ts, SiteID: f.site.ID,
					Fields: map[string]any{"event.category": "authentication", "event.outcome": "failure", "source.ip": "198.18.13.13", "user.name": "admin"}}
			}
			var stored []medsec.Event
			for i := range 10 {
				stored = append(stored, failed(fmt.Sprintf("off:%d", i), at("09:10").Add(time.Duration(i)*time.Second)))
			}
			late := []medsec.Event{
				{ID: "cur", Time: now, SiteID: f.site.ID, Fields: map[string]any{"message": "current"}},
				failed("late", at("09:10").Add(20*time.Second)),
			}
			if err := sqlstore.NewEventService(f.db).AppendEvents(system, append(stored, late...)...); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.Handle(context.Background(), late); err != nil {
				t.Fatal(err)
			}
			f.svc.Idle()
			got := f.alerts(t)
			if disable && len(got) != 0 {
				t.Errorf("alerts of a span in which the rule was off: %+v", got)
			}
			if !disable && (len(got) != 1 || got[0].Title != burst[0].Title) {
				t.Errorf("alerts with the rule on: %+v", got)
			}
		}
	})
}

package detection_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestReloadSeesChangesOfAnotherProcess changes rules on the database through a store of
// its own (as "medsec rules import" beside a running server does): Reload notices the
// change and loads the rules, keeping the open windows of the rules that did not change
// (six failed logins before the change and four after raise the burst), and does nothing
// when nothing changed [issue 13 finding 7].
func TestReloadSeesChangesOfAnotherProcess(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, start)
		other, err := sqlstore.Open(context.Background(), f.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		cli := sqlstore.NewDetectionService(other)
		if loaded, err := f.svc.Reload(context.Background()); err != nil || loaded {
			t.Fatalf("reload with no change: %v, %v", loaded, err)
		}
		failures := func(from, to int) []medsec.Event {
			var evs []medsec.Event
			for i := from; i < to; i++ {
				evs = append(evs, medsec.Event{ID: fmt.Sprintf("test:f:%d", i), Time: start.Add(time.Duration(i) * time.Second), SiteID: f.site.ID,
					Fields: map[string]any{"event.category": "authentication", "event.outcome": "failure", "user.name": "admin", "source.ip": "198.18.6.6"}})
			}
			return evs
		}
		if err := f.svc.Handle(context.Background(), failures(0, 6)); err != nil {
			t.Fatal(err)
		}
		// A rule the burst does not read is turned off at the site by the other process.
		cross, err := cli.FindRules(system, medsec.RuleFilter{Query: "cross-zone"})
		if err != nil || len(cross) != 1 {
			t.Fatalf("cross-zone rule: %v %v", cross, err)
		}
		if err := cli.SetRuleEnabled(system, cross[0].ID, f.site.ID, false); err != nil {
			t.Fatal(err)
		}
		if loaded, err := f.svc.Reload(context.Background()); err != nil || !loaded {
			t.Fatalf("reload after another process turned a rule off: %v, %v", loaded, err)
		}
		if loaded, err := f.svc.Reload(context.Background()); err != nil || loaded {
			t.Fatalf("second reload: %v, %v", loaded, err)
		}
		if err := f.svc.Handle(context.Background(), failures(6, 10)); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Advance(context.Background(), start.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		got := f.alerts(t)
		if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || got[0].EventCount != 10 {
			t.Fatalf("alerts: %+v, want the burst of 10 events", got)
		}
		// New settings stored by the other process are loaded too.
		set, err := cli.FindDetectionSettings(system)
		if err != nil {
			t.Fatal(err)
		}
		set.FailedLogins.Count = 3
		if err := cli.UpdateDetectionSettings(system, set); err != nil {
			t.Fatal(err)
		}
		if loaded, err := f.svc.Reload(context.Background()); err != nil || !loaded {
			t.Fatalf("reload after new settings: %v, %v", loaded, err)
		}
	})
}

package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"medsec"
	"medsec/eventbus"
	"medsec/sqlstore"
)

// collect subscribes to a bus and returns the events it delivered so far.
func collect(t *testing.T, bus *eventbus.Memory) func() []medsec.Event {
	var mu sync.Mutex
	var got []medsec.Event
	sub, err := bus.Subscribe("test", func(_ context.Context, evs []medsec.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, evs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	return func() []medsec.Event {
		if err := bus.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

func TestLoginsAreEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		bus := eventbus.New(0, nil)
		db.Events = bus
		got := collect(t, bus)
		users := sqlstore.NewUserService(db)
		generated, err := users.EnsureAdmin(system, "")
		if err != nil {
			t.Fatal(err)
		}
		users.Authenticate(from("10.9.9.9"), "admin", "wrong", "")
		users.Authenticate(from("10.9.9.9"), "nobody", "x", "")
		if _, err := users.Authenticate(from("10.0.0.1"), "admin", generated, ""); err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, e := range got() {
			lines = append(lines, e.Text("event.dataset")+" "+e.Text("event.action")+" "+e.Text("event.outcome")+" "+e.Text("user.name")+" "+e.Text("source.ip")+" "+e.Ref.Type)
		}
		want := []string{"medsec.auth login.failed failure admin 10.9.9.9 audit", "medsec.auth login.failed failure nobody 10.9.9.9 audit", "medsec.auth login success admin 10.0.0.1 audit"}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("published:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
		stored, total, err := sqlstore.NewEventService(db).FindEvents(system, medsec.EventFilter{Dataset: medsec.DatasetAuth})
		if err != nil || total != 3 || len(stored) != 3 || stored[0].Text("event.action") != medsec.EventLoginFailed || stored[0].ID != got()[0].ID {
			t.Errorf("stored events: %d %v (%v)", total, stored, err)
		}
	})
}

func TestFlowsWithoutConduitAreEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newZoneFixture(t, db)
		bus := eventbus.New(0, nil)
		db.Events = bus
		got := collect(t, bus)
		flows := "src,dst,proto,port,app\n" +
			"10.1.40.7,10.1.10.11,tcp,3389,\n" + // RDP from the OT zone to the intranet: no conduit
			"10.1.40.7,10.1.40.21,tcp,80,\n" // inside the OT zone: fine
		if _, err := f.zones.ImportFlowsCSV(as(f.engineer), f.main.ID, strings.NewReader(flows), "flows.csv"); err != nil {
			t.Fatal(err)
		}
		evs := got()
		if len(evs) != 1 {
			t.Fatalf("events: %+v, want one flow without conduit", evs)
		}
		e := evs[0]
		if e.Text("event.action") != medsec.EventFlowNotAllowed || e.Text("destination.port") != "3389" || e.Text("source.ip") != "10.1.40.7" ||
			e.SiteID != f.main.ID || e.AssetID == 0 || e.Text("medsec.zone.source.name") == "" || e.Text("medsec.zone.destination.name") == "" {
			t.Errorf("event: %+v", e)
		}
		// The auditor sees every site; a user limited to the branch sees none of the main site's.
		evs2, _, err := sqlstore.NewEventService(db).FindEvents(as(f.auditor), medsec.EventFilter{})
		if err != nil || len(evs2) != 1 {
			t.Errorf("auditor reads events: %v, %v", evs2, err)
		}
		if evs3, _, err := sqlstore.NewEventService(db).FindEvents(as(f.branchOps), medsec.EventFilter{}); err != nil || len(evs3) != 0 {
			t.Errorf("branch user reads events: %v, %v", evs3, err)
		}
	})
}

package natsbus_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"medsec"
	"medsec/internal/natstest"
	"medsec/natsbus"
)

// TestBusIsAnEventBus uses the JetStream bus through medsec.EventBus as detection uses
// the in-process one: events published after Subscribe arrive once each, in order, with
// their fields' types kept; an invalid event publishes nothing; a second subscription of
// one name is a conflict.
func TestBusIsAnEventBus(t *testing.T) {
	cfg := testGroup(t, natstest.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := mustConnect(t, cfg)
	if _, err := conn.EnsureStream(ctx); err != nil {
		t.Fatal(err)
	}
	var bus medsec.EventBus = &natsbus.Bus{Conn: conn, Site: "TPE", Sensor: "central"}
	var mu sync.Mutex
	var got []medsec.Event
	sub, err := bus.Subscribe("detection", func(_ context.Context, events []medsec.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, events...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if _, err := bus.Subscribe("detection", func(context.Context, []medsec.Event) error { return nil }); medsec.ErrorCode(err) != medsec.ECONFLICT {
		t.Errorf("second subscription: %v, want ECONFLICT", err)
	}
	at := time.Now().UTC().Truncate(time.Millisecond)
	var events []medsec.Event
	for i := range 5 {
		e := medsec.Event{ID: "audit:" + string(rune('a'+i)), Time: at, Ref: medsec.EventRef{Type: medsec.EventRefAudit, ID: int64(i)}}
		e.Set("event.action", medsec.EventLoginFailed).Set("destination.port", int64(443)).Set("tags", []string{"x", "y"})
		events = append(events, e)
	}
	if err := bus.Publish(ctx, medsec.Event{ID: "", Time: at}); medsec.ErrorCode(err) != medsec.EINVALID {
		t.Errorf("invalid event: %v, want EINVALID", err)
	}
	time.Sleep(300 * time.Millisecond) // the consumer exists before the events
	if err := bus.Publish(ctx, events...); err != nil {
		t.Fatal(err)
	}
	if err := bus.Publish(ctx, events[:2]...); err != nil { // a retry: same IDs
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 5 }) {
		t.Fatalf("received %d of 5", len(got))
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 5 {
		t.Fatalf("received %d events, want 5", len(got))
	}
	for i, e := range got {
		if e.ID != events[i].ID || !e.Time.Equal(at) || e.Fields["destination.port"] != int64(443) || len(e.Fields["tags"].([]string)) != 2 {
			t.Errorf("event %d: %+v", i, e)
		}
	}
}

package eventbus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"medsec"
	"medsec/eventbus"
)

func ev(i int) medsec.Event {
	e := medsec.Event{ID: fmt.Sprintf("test:%d", i), Time: time.Date(2026, 11, 30, 8, 0, i, 0, time.UTC), SiteID: 1}
	e.Set("event.action", medsec.EventLoginFailed).Set("user.name", "alice").Set("destination.port", int64(443))
	return e
}

func TestMemoryDeliversInOrderToEverySubscription(t *testing.T) {
	bus := eventbus.New(2, nil)
	var mu sync.Mutex
	got := map[string][]string{}
	for _, name := range []string{"detect", "archive"} {
		sub, err := bus.Subscribe(name, func(_ context.Context, evs []medsec.Event) error {
			mu.Lock()
			defer mu.Unlock()
			for _, e := range evs {
				got[name] = append(got[name], e.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
	}
	ctx := context.Background()
	var want []string
	for i := range 20 {
		if err := bus.Publish(ctx, ev(i)); err != nil {
			t.Fatal(err)
		}
		want = append(want, ev(i).ID)
	}
	if err := bus.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, name := range []string{"detect", "archive"} {
		if !reflect.DeepEqual(got[name], want) {
			t.Errorf("%s got %v, want %v", name, got[name], want)
		}
	}
}

func TestMemoryRefusesInvalidAndDuplicateNames(t *testing.T) {
	bus := eventbus.New(0, nil)
	sub, err := bus.Subscribe("a", func(context.Context, []medsec.Event) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bus.Subscribe("a", func(context.Context, []medsec.Event) error { return nil }); medsec.ErrorCode(err) != medsec.ECONFLICT {
		t.Errorf("second subscription a: got %v, want conflict", err)
	}
	bad := ev(1)
	bad.Fields["x"] = map[string]int{}
	if err := bus.Publish(context.Background(), ev(0), bad); medsec.ErrorCode(err) != medsec.EINVALID {
		t.Errorf("publish of a map field: got %v, want invalid", err)
	}
	noID := ev(2)
	noID.ID = ""
	if err := bus.Publish(context.Background(), noID); medsec.ErrorCode(err) != medsec.EINVALID {
		t.Errorf("publish without ID: got %v, want invalid", err)
	}
	sub.Close()
	if _, err := bus.Subscribe("a", func(context.Context, []medsec.Event) error { return nil }); err != nil {
		t.Errorf("subscribe after close: %v", err)
	}
}

func TestMemoryBlocksWhenFullUntilContextEnds(t *testing.T) {
	bus := eventbus.New(1, nil)
	release := make(chan struct{})
	sub, _ := bus.Subscribe("slow", func(context.Context, []medsec.Event) error { <-release; return nil })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var err error
	for i := 0; i < 5 && err == nil; i++ {
		err = bus.Publish(ctx, ev(i))
	}
	if err != context.DeadlineExceeded {
		t.Errorf("publishing into a full queue: got %v, want deadline exceeded", err)
	}
	close(release)
	sub.Close()
}

// TestEventJSONRoundTrip checks that an event crosses a JetStream subject (JSON) intact
// with its field types (integers stay int64, lists of strings []string).
func TestEventJSONRoundTrip(t *testing.T) {
	e := ev(3)
	e.AssetID = 7
	e.Ref = medsec.EventRef{Type: medsec.EventRefAudit, ID: 99}
	e.Set("tags", []string{"a", "b"})
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back medsec.Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != e.ID || !back.Time.Equal(e.Time) || back.AssetID != 7 || back.Ref.Key() != "audit:99" || back.Text("user.name") != "alice" || back.Text("destination.port") != "443" {
		t.Errorf("round trip: got %+v from %s", back, b)
	}
	if err := back.Validate(); err != nil || back.Fields["destination.port"] != int64(443) {
		t.Errorf("round trip: fields %v, validate %v", back.Fields, err)
	}
	if back.Text("tags") != "a,b" {
		t.Errorf("tags: got %q", back.Text("tags"))
	}
}

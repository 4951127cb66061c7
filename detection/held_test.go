package detection_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"medsec"
	"medsec/detection"
	"medsec/sqlstore"
)

// TestHeldEventsAreBounded sends fifty batches of 500 events (1 KB each) while a
// restart's replay holds the stream: Handle takes batches until HeldLimit events are
// held, then waits (the intake is pushed back), so memory stays bounded; Resume then
// evaluates every batch, none lost [issue 13 t13 finding 3: every event arriving
// during the replay was held in memory].
func TestHeldEventsAreBounded(t *testing.T) {
	now := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	f := newFixture(t, "sqlite", now)
	f.svc.Stop()
	svc := detection.New(detection.Stores{Rules: f.store, Alerts: f.store, Events: sqlstore.NewEventService(f.db), Notifier: f.notes}, nil)
	svc.HeldLimit = 1000
	if err := svc.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc.HoldUntilResume()
	pad := strings.Repeat("x", 1024)
	var handled atomic.Int64
	done := make(chan struct{})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	go func() {
		defer close(done)
		for b := range 50 {
			batch := make([]medsec.Event, 500)
			for i := range batch {
				batch[i] = medsec.Event{ID: fmt.Sprintf("h:%d:%d", b, i), Time: now.Add(time.Duration(b*500+i) * time.Millisecond), SiteID: f.site.ID,
					Fields: map[string]any{"event.category": "authentication", "event.outcome": "failure", "source.ip": "10.1.20.77", "pad": pad + fmt.Sprint(i)}}
			}
			if err := svc.Handle(context.Background(), batch); err != nil {
				t.Error(err)
			}
			handled.Add(1)
		}
	}()
	time.Sleep(500 * time.Millisecond)
	runtime.GC()
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	if n := handled.Load(); n > 3 {
		t.Errorf("%d batches of 500 taken while holding, want at most 3 (HeldLimit 1000 events)", n)
	}
	if grew := int64(during.HeapAlloc) - int64(before.HeapAlloc); grew > 8<<20 {
		t.Errorf("heap grew %d MB while holding, want under 8 MB", grew>>20)
	}
	res, err := svc.Resume(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("Handle still waiting after Resume")
	}
	if res.Held < 2 || handled.Load() != 50 {
		t.Errorf("resume %+v, handled %d batches, want all 50", res, handled.Load())
	}
	rules, err := f.store.FindRules(system, medsec.RuleFilter{Query: "Failed login"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Title == "Failed login" && r.Hits != 25000 {
			t.Errorf("failed-login hits %d, want 25000 (every held event evaluated)", r.Hits)
		}
	}
}

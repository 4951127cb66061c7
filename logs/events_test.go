package logs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"medsec"
	"medsec/eventbus"
)

// indexingSink stores records and numbers them as a log store does.
type indexingSink struct{ n int64 }

func (s *indexingSink) Append(ctx context.Context, recs []Record) error {
	for i := range recs {
		recs[i].SiteID, recs[i].Index = 3, s.n
		s.n++
	}
	return nil
}

// TestPublisher stores parsed records and receives them as events on the in-process bus,
// with IDs naming site and index and every field of a type events allow.
func TestPublisher(t *testing.T) {
	p := &Parser{}
	received := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var recs []Record
	for _, line := range []string{
		`<34>1 2026-11-30T11:59:59Z fw01 sshd 42 - [meta@1 user="root"] Failed password for root from 10.0.0.9`,
		`CEF:0|V|P|1|4000|Login failed|7|src=10.1.2.3 spt=51000 suser=nurse01 outcome=failure`,
	} {
		r, err := p.Parse([]byte(line), received, "10.0.0.1:514")
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	evs := publish(t, recs, "no events")
	if len(evs) != 2 || evs[0].ID != "log:3:0" || evs[1].ID != "log:3:1" || evs[1].Ref != (medsec.EventRef{Type: "log", ID: 1}) || evs[0].SiteID != 3 {
		t.Fatalf("events %+v", evs)
	}
	e := evs[0]
	if !e.Time.Equal(time.Date(2026, 11, 30, 11, 59, 59, 0, time.UTC)) || e.Fields["process.pid"] != int64(42) ||
		e.Fields["log.syslog.structured_data.meta@1.user"] != "root" || e.Fields["host.name"] != "fw01" || e.Fields["log.source.address"] != "10.0.0.1:514" {
		t.Errorf("event %+v", e)
	}
	if evs[1].Fields["source.port"] != int64(51000) || evs[1].Fields["user.name"] != "nurse01" || !evs[1].Time.Equal(received) {
		t.Errorf("CEF event %+v", evs[1])
	}
}

// TestPublisherGivesUpAtShutdown holds the stream (the handler busy, the queue full) while
// records are appended: Append waits for the stream, whatever its caller's context, until
// the server's Shutdown context ends; it then returns with the records stored [issue 13:
// a held HTTPS ingest request kept the server's shutdown waiting for detection].
func TestPublisherGivesUpAtShutdown(t *testing.T) {
	bus := eventbus.New(1, nil)
	release := make(chan struct{})
	sub, err := bus.Subscribe("detection", func(ctx context.Context, evs []medsec.Event) error { <-release; return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { close(release); sub.Close() }()
	for i := range 2 { // one batch in the handler, one filling the queue
		e := medsec.Event{ID: fmt.Sprintf("audit:%d", i+1), Time: time.Now().UTC(), Ref: medsec.EventRef{Type: medsec.EventRefAudit, ID: int64(i + 1)}}
		if err := bus.Publish(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	shutdown, stop := context.WithCancel(context.Background())
	sink := &indexingSink{}
	pub := &Publisher{Next: sink, Bus: bus, Shutdown: shutdown}
	reqCtx, cancelReq := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		now := time.Now()
		done <- pub.Append(reqCtx, []Record{{Received: now, Fields: map[string]any{"message": "a"}}, {Received: now, Fields: map[string]any{"message": "b"}}})
	}()
	cancelReq() // the sender goes away: the publication must not give up with it
	select {
	case err := <-done:
		t.Fatalf("Append returned (%v) while the stream was held and the server running", err)
	case <-time.After(200 * time.Millisecond):
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Append at shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Append still held by the stream after the server's shutdown")
	}
	if sink.n != 2 {
		t.Errorf("%d records stored, want 2", sink.n)
	}
}

// TestPublisherZeroTimeKeepsBatch publishes a batch holding a record stamped with Go's
// zero time (JSON and RFC 5424 both) and a record whose event the stream refuses: the
// zero-time records are read at their receive time and every valid batch-mate is
// published [bt13h H1: one such record kept the whole batch from detection].
func TestPublisherZeroTimeKeepsBatch(t *testing.T) {
	p := &Parser{}
	received := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	var recs []Record
	for _, line := range []string{
		`{"@timestamp":"0001-01-01T00:00:00Z","message":"y1"}`,
		`{"event":{"action":"export-db"},"host":{"name":"h"},"user":{"name":"x"}}`,
		`<38>1 0001-01-01T00:00:00Z zerohost app - - - x`,
	} {
		r, err := p.Parse([]byte(line), received, "src")
		if err != nil {
			t.Fatal(err)
		}
		if _, has := r.Fields["@timestamp"]; has {
			t.Errorf("%s: @timestamp %v kept", line, r.Fields["@timestamp"])
		}
		recs = append(recs, r)
	}
	// A record no parser makes (no time at all): its event is refused, alone.
	recs = append(recs, Record{Fields: map[string]any{"message": "no time"}})
	recs = append(recs, Record{Received: received, Fields: map[string]any{"message": "last"}})
	evs := publish(t, recs, "no events: the batch was kept from the stream")
	if len(evs) != 4 || evs[3].Fields["message"] != "last" {
		t.Fatalf("events %+v, want the 4 valid ones", evs)
	}
	for _, e := range evs {
		if !e.Time.Equal(received) {
			t.Errorf("event %s at %v, want the receive time %v", e.ID, e.Time, received)
		}
	}
}

// publish appends recs through a Publisher onto an in-process bus and returns the events
// the bus delivers, failing with none (noEvents) after 5 seconds.
func publish(t *testing.T, recs []Record, noEvents string) []medsec.Event {
	t.Helper()
	bus := eventbus.New(0, nil)
	got := make(chan []medsec.Event, 2)
	sub, err := bus.Subscribe("test", func(ctx context.Context, evs []medsec.Event) error { got <- evs; return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	pub := &Publisher{Next: &indexingSink{}, Bus: bus}
	if err := pub.Append(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	select {
	case evs := <-got:
		return evs
	case <-time.After(5 * time.Second):
		t.Fatal(noEvents)
	}
	return nil
}

package natsbus_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"medsec"
	"medsec/internal/natstest"
	"medsec/internal/pgtest"
	"medsec/logs"
	"medsec/logstore"
	"medsec/natsbus"
	"medsec/sqlstore"
)

// central is a central server's stores for a test: PostgreSQL (a fresh schema) with two
// sites, and a sealed log store in a temporary directory.
type central struct {
	db      *sqlstore.DB
	store   *logstore.Store
	handler *natsbus.Central
	sites   map[string]int64
}

func newCentral(t *testing.T) *central {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	c := &central{db: db, sites: map[string]int64{}}
	org := sqlstore.NewOrgService(db)
	for _, code := range []string{"TPE", "KHH"} {
		s := &medsec.Site{Code: code, Name: code + " hospital"}
		if err := org.CreateSite(sys, s); err != nil {
			t.Fatal(err)
		}
		c.sites[code] = s.ID
	}
	c.store, err = logstore.Open(logstore.Config{Dir: t.TempDir(), Site: func(r logs.Record) int64 { return r.SiteID }, MinFree: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.store.Close() })
	c.handler = &natsbus.Central{Sensors: sqlstore.NewSensorService(db), Logs: c.store, Parser: &logs.Parser{},
		Events: sqlstore.NewEventService(db),
		Site: func(_ context.Context, code string) (int64, error) {
			if id, ok := c.sites[code]; ok {
				return id, nil
			}
			return 0, medsec.Errorf(medsec.ENOTFOUND, "site %s not found", code)
		}}
	return c
}

// sealed returns the number of records in each site's sealed log.
func (c *central) sealed() map[int64]int64 {
	out := map[int64]int64{}
	for _, s := range c.store.Status() {
		out[s.Site] = s.Size
	}
	return out
}

// TestCentralCommitsOnce sends 200 log records and an event from sensors of two sites,
// with 40 resent, through the shared broker to two central consumers of one durable name
// committing into one PostgreSQL and log store: each site's sealed log holds its 100
// records once and verifies; the sensors' rows count them; handing a whole batch to the
// handler again (a redelivery after a lost acknowledgement) stores nothing more.
func TestCentralCommitsOnce(t *testing.T) {
	c := newCentral(t)
	cfg := testGroup(t, natstest.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub := mustConnect(t, cfg)
	if _, err := pub.EnsureStream(ctx); err != nil {
		t.Fatal(err)
	}
	var envs []*natsbus.Envelope
	for i := 1; i <= 100; i++ {
		envs = append(envs, logEnvelope("TPE", "span0", i), logEnvelope("KHH", "span0", i))
	}
	ev := medsec.Event{ID: "host:TPE:10.20.0.7", Time: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC), Ref: medsec.EventRef{Type: medsec.EventRefDiscovery, ID: 1}}
	ev.Set("event.dataset", medsec.DatasetDiscovery).Set("event.action", medsec.EventHostNew).Set("source.ip", "10.20.0.7")
	envs = append(envs, &natsbus.Envelope{ID: "TPE/span0/x/event1", Site: "TPE", Sensor: "span0", Kind: natsbus.KindEvent, Time: ev.Time, Event: &ev})
	if _, err := pub.Publish(ctx, envs...); err != nil {
		t.Fatal(err)
	}
	// The resend goes under new stream sequence numbers only if the stream's window has
	// passed; the consumers see it either way in the test below through Handle.
	if _, err := pub.Publish(ctx, envs[:40]...); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var batches [][]*natsbus.Envelope
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 2 {
		conn := mustConnect(t, cfg)
		cons := &natsbus.Consumer{Conn: conn, Durable: "central", Batch: 32, Handler: func(ctx context.Context, b []*natsbus.Envelope) error {
			if err := c.handler.Handle(ctx, b); err != nil {
				return err
			}
			mu.Lock()
			batches = append(batches, b)
			mu.Unlock()
			return nil
		}}
		wg.Go(func() { cons.Run(runCtx) })
	}
	want := map[int64]int64{c.sites["TPE"]: 100, c.sites["KHH"]: 100}
	// Done when both sites' records are sealed and every message's ID is committed (the
	// IDs are committed last, after the event: waiting for the seal alone stopped the
	// consumers in the middle of the last batch on a loaded machine).
	committed := func() bool {
		sensors, err := sqlstore.NewSensorService(c.db).FindSensors(medsec.NewContextWithUser(ctx, medsec.SystemUser), medsec.SensorFilter{})
		n := int64(0)
		for _, s := range sensors {
			n += s.Messages
		}
		return err == nil && n == 201
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got := c.sealed(); got[c.sites["TPE"]] == 100 && got[c.sites["KHH"]] == 100 && committed() {
			break
		}
	}
	time.Sleep(200 * time.Millisecond)
	stop()
	wg.Wait()
	if got := c.sealed(); got[c.sites["TPE"]] != want[c.sites["TPE"]] || got[c.sites["KHH"]] != want[c.sites["KHH"]] {
		t.Fatalf("sealed %v, want %v", got, want)
	}
	// A redelivery of a committed batch.
	if err := c.handler.Handle(ctx, batches[0]); err != nil {
		t.Fatal(err)
	}
	if got := c.sealed(); got[c.sites["TPE"]] != 100 || got[c.sites["KHH"]] != 100 {
		t.Errorf("after a redelivery sealed %v, want 100 each", got)
	}
	rep, err := c.store.Verify(ctx, nil)
	if err != nil || !rep.OK {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	sensors, err := sqlstore.NewSensorService(c.db).FindSensors(sys, medsec.SensorFilter{})
	if err != nil || len(sensors) != 2 {
		t.Fatalf("sensors %v, %v", sensors, err)
	}
	for _, s := range sensors {
		wantMsgs := int64(100)
		if s.SiteID == c.sites["TPE"] {
			wantMsgs = 101 // and the event
		}
		if s.Messages != wantMsgs || s.Duplicates < int64(len(batches[0]))/2 || s.LastMessage.IsZero() || s.Lag <= 0 {
			t.Errorf("sensor %+v", s)
		}
	}
	events, n, err := sqlstore.NewEventService(c.db).FindEvents(sys, medsec.EventFilter{Dataset: medsec.DatasetDiscovery, Limit: 10})
	if err != nil || n != 1 || events[0].SiteID != c.sites["TPE"] {
		t.Errorf("events %v (%d), %v", events, n, err)
	}
}

// TestCentralUnknownSite commits the known site's records of a batch and asks for the
// batch again while a sensor names a site central does not have.
func TestCentralUnknownSite(t *testing.T) {
	c := newCentral(t)
	ctx := context.Background()
	err := c.handler.Handle(ctx, []*natsbus.Envelope{logEnvelope("TPE", "s1", 1), logEnvelope("TNN", "s1", 1)})
	if err == nil {
		t.Fatal("a batch naming an unknown site was acknowledged")
	}
	if got := c.sealed(); got[c.sites["TPE"]] != 1 || len(got) != 1 {
		t.Errorf("sealed %v, want TPE's one record", got)
	}
}

// TestCentralSensorClockOff takes, in one batch, a record a sensor's spool drained five
// days late, one from a sensor whose clock lost its battery (1970), one from a sensor
// running three days ahead, and a record of now: all four are stored and searchable and
// the seal verifies. The impossible stamps are stored at central's time with the sensor's
// stamp kept as event.created; the drained record keeps its own time. On the old code the
// future stamp was sealed but left out of the storage (over a day ahead), and since a
// site's receive times only move forward the record of now after it was too, which
// verification reports as deleted.
func TestCentralSensorClockOff(t *testing.T) {
	c := newCentral(t)
	ctx := context.Background()
	now := time.Now().UTC()
	c.handler.Now = func() time.Time { return now }
	stamps := []time.Time{now.Add(-5 * 24 * time.Hour), time.Date(1970, 1, 1, 0, 0, 42, 0, time.UTC), now.Add(72 * time.Hour), now}
	var envs []*natsbus.Envelope
	for i, at := range stamps {
		e := logEnvelope("TPE", "s1", i+1)
		e.Time, e.Log.Received = at, at
		envs = append(envs, e)
	}
	if err := c.handler.Handle(ctx, envs); err != nil {
		t.Fatal(err)
	}
	rep, err := c.store.Verify(ctx, nil)
	if err != nil || !rep.OK {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	res, err := c.store.Search(ctx, logstore.Query{From: now.AddDate(-1, 0, 0), To: now.Add(time.Hour), Limit: 10})
	if err != nil || res.Total != 4 {
		t.Fatalf("search: %+v, %v; want the 4 records", res, err)
	}
	byIndex := map[int64]logstore.Hit{}
	for _, h := range res.Hits {
		byIndex[h.Index] = h
	}
	if h := byIndex[0]; !h.Received.Equal(stamps[0]) || h.Fields["event.created"] != "" {
		t.Errorf("drained record: received %v, event.created %q; want its own time %v", h.Received, h.Fields["event.created"], stamps[0])
	}
	for i, at := range stamps[1:3] {
		h := byIndex[int64(i+1)]
		if !h.Received.Equal(now) || h.Fields["event.created"] != at.Format(time.RFC3339Nano) {
			t.Errorf("record %d: received %v, event.created %q; want %v and %v", i+1, h.Received, h.Fields["event.created"], now, at)
		}
	}
	if h := byIndex[3]; !h.Received.Equal(now) {
		t.Errorf("record of now: received %v", h.Received)
	}
}

package natsbus_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"medsec/internal/natstest"
	"medsec/natsbus"
)

// testGroup returns the configuration of a group of the test's own on url.
func testGroup(t *testing.T, url string) natsbus.Config {
	t.Helper()
	return natsbus.Config{URL: url, Group: natstest.Group(t, url, natsbus.StreamName), Name: t.Name()}
}

// logEnvelope returns the n-th log envelope of a sensor.
func logEnvelope(site, sensor string, n int) *natsbus.Envelope {
	at := time.Now().UTC().Add(-10*time.Second + time.Duration(n)*time.Millisecond)
	return &natsbus.Envelope{ID: fmt.Sprintf("%s/%s/x/%d", site, sensor, n), Site: site, Sensor: sensor, Kind: natsbus.KindLog, Time: at, Seq: uint64(n),
		Log: &natsbus.LogRecord{Received: at, Raw: []byte(fmt.Sprintf("<38>Dec  1 03:00:00 pacs01 dicomd[7]: association %d", n)), Peer: "10.20.0.7:514"}}
}

func mustConnect(t *testing.T, cfg natsbus.Config) *natsbus.Conn {
	t.Helper()
	c, err := natsbus.Connect(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestStreamDedupeAndWorkQueue publishes 300 records of two sites, 50 of them twice (a
// sensor resending after a lost acknowledgement): the stream keeps 300. Two consumers of
// one durable name, as two central servers, take them: each record is handled exactly
// once between them, and each site's records arrive in order at whichever took them.
func TestStreamDedupeAndWorkQueue(t *testing.T) {
	cfg := testGroup(t, natstest.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub := mustConnect(t, cfg)
	stream, err := pub.EnsureStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var envs []*natsbus.Envelope
	for i := 1; i <= 150; i++ {
		envs = append(envs, logEnvelope("TPE", "s1", i), logEnvelope("KHH", "s2", i))
	}
	if n, err := pub.Publish(ctx, envs...); err != nil || n != len(envs) {
		t.Fatalf("publish: %d, %v", n, err)
	}
	if n, err := pub.Publish(ctx, envs[100:150]...); err != nil || n != 50 {
		t.Fatalf("resend: %d, %v", n, err)
	}
	info, err := stream.Info(ctx)
	if err != nil || info.State.Msgs != 300 {
		t.Fatalf("stream holds %d messages (%v), want 300", info.State.Msgs, err)
	}
	if got := info.Config.Subjects; len(got) != 1 || got[0] != "medsec."+cfg.Group+".>" {
		t.Errorf("subjects %v", got)
	}

	var mu sync.Mutex
	handled := map[string]int{}
	lastSeq := map[string]uint64{}
	var wg sync.WaitGroup
	runCtx, stop := context.WithCancel(ctx)
	for i := range 2 {
		c := mustConnect(t, cfg)
		cons := &natsbus.Consumer{Conn: c, Durable: "central", Batch: 16, Handler: func(_ context.Context, batch []*natsbus.Envelope) error {
			mu.Lock()
			defer mu.Unlock()
			for _, e := range batch {
				handled[e.ID]++
				key := fmt.Sprint(i, e.Site)
				if e.Seq <= lastSeq[key] {
					t.Errorf("consumer %d: %s after seq %d", i, e.ID, lastSeq[key])
				}
				lastSeq[key] = e.Seq
			}
			return nil
		}}
		wg.Go(func() {
			if err := cons.Run(runCtx); err != nil {
				t.Error(err)
			}
		})
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := len(handled)
		mu.Unlock()
		if n == 300 {
			break
		}
	}
	time.Sleep(300 * time.Millisecond) // a double delivery would show now
	stop()
	wg.Wait()
	if len(handled) != 300 {
		t.Fatalf("handled %d distinct records, want 300", len(handled))
	}
	for id, n := range handled {
		if n != 1 {
			t.Errorf("%s handled %d times", id, n)
		}
	}
}

// TestRedeliveryUntilCommitted fails the handler's first two attempts at a batch: the
// records are redelivered and handled, none lost, and acknowledged only after success.
func TestRedeliveryUntilCommitted(t *testing.T) {
	cfg := testGroup(t, natstest.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := mustConnect(t, cfg)
	if _, err := c.EnsureStream(ctx); err != nil {
		t.Fatal(err)
	}
	var envs []*natsbus.Envelope
	for i := 1; i <= 20; i++ {
		envs = append(envs, logEnvelope("TPE", "s1", i))
	}
	if _, err := c.Publish(ctx, envs...); err != nil {
		t.Fatal(err)
	}
	attempts, got := 0, map[string]bool{}
	done := make(chan struct{})
	runCtx, stop := context.WithCancel(ctx)
	// AckWait short: a negative acknowledgement lost on a loaded machine is redelivered
	// within the test's time too (after AckWait), not only the ones the broker received.
	cons := &natsbus.Consumer{Conn: c, Durable: "central", AckWait: 5 * time.Second, Handler: func(_ context.Context, batch []*natsbus.Envelope) error {
		attempts++
		if attempts <= 2 {
			return fmt.Errorf("PostgreSQL unreachable (attempt %d)", attempts)
		}
		for _, e := range batch {
			got[e.ID] = true
		}
		if len(got) == 20 {
			close(done)
		}
		return nil
	}}
	go cons.Run(runCtx)
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("after %d attempts %d of 20 records handled", attempts, len(got))
	}
	stop()
	info, err := c.JS.Consumer(ctx, natsbus.StreamName(cfg.Group), "central")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := info.Info(ctx)
	if err != nil || ci.NumPending != 0 {
		t.Errorf("consumer pending %d, %v", ci.NumPending, err)
	}
	for deadline := time.Now().Add(5 * time.Second); ci.NumAckPending != 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ci, _ = info.Info(ctx)
	}
	if ci.NumAckPending != 0 {
		t.Errorf("%d messages still unacknowledged", ci.NumAckPending)
	}
}

// TestEnvelopeValidate refuses envelopes that would make a bad subject or carry no
// payload, naming what is wrong.
func TestEnvelopeValidate(t *testing.T) {
	ok := logEnvelope("TPE", "s1", 1)
	ok.Group = "g1"
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := ok.Subject(); got != "medsec.g1.TPE.log" {
		t.Errorf("subject %q", got)
	}
	for _, tc := range []struct {
		name string
		edit func(e *natsbus.Envelope)
		want string
	}{
		{"dot in site", func(e *natsbus.Envelope) { e.Site = "TPE.1" }, `site "TPE.1"`},
		{"wildcard sensor", func(e *natsbus.Envelope) { e.Sensor = "*" }, `sensor "*"`},
		{"no id", func(e *natsbus.Envelope) { e.ID = "" }, "id"},
		{"no payload", func(e *natsbus.Envelope) { e.Log = nil }, "payload"},
		{"unknown kind", func(e *natsbus.Envelope) { e.Kind = "flow" }, `kind "flow"`},
	} {
		e := *logEnvelope("TPE", "s1", 1)
		e.Group = "g1"
		tc.edit(&e)
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
}

// TestSlowHandlerIsNotRedelivered: a handler that takes 2.5 times the AckWait (as
// detection does while it retries a failing store) gets each message once; the consumer
// keeps telling the server it is in progress (before, the server handed the batch out
// again after AckWait and the handler saw it twice).
func TestSlowHandlerIsNotRedelivered(t *testing.T) {
	cfg := testGroup(t, natstest.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub := mustConnect(t, cfg)
	if _, err := pub.EnsureStream(ctx); err != nil {
		t.Fatal(err)
	}
	envs := []*natsbus.Envelope{logEnvelope("TPE", "s1", 1), logEnvelope("TPE", "s1", 2)}
	if n, err := pub.Publish(ctx, envs...); err != nil || n != 2 {
		t.Fatalf("publish: %d, %v", n, err)
	}
	var mu sync.Mutex
	handled := map[string]int{}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	{
		c := mustConnect(t, cfg)
		cons := &natsbus.Consumer{Conn: c, Durable: "slow", Batch: 16, AckWait: 2 * time.Second, Handler: func(_ context.Context, batch []*natsbus.Envelope) error {
			mu.Lock()
			for _, e := range batch {
				handled[e.ID]++
			}
			mu.Unlock()
			time.Sleep(5 * time.Second)
			return nil
		}}
		wg.Go(func() {
			if err := cons.Run(runCtx); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(8 * time.Second)
	stop()
	wg.Wait()
	if len(handled) != 2 {
		t.Fatalf("handled %v, want both records", handled)
	}
	for id, n := range handled {
		if n != 1 {
			t.Errorf("%s handled %d times", id, n)
		}
	}
}

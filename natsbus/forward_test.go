package natsbus_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"medsec/internal/natstest"
	"medsec/logs"
	"medsec/natsbus"
)

// records returns n syslog records received now, numbered from first.
func records(first, n int) []logs.Record {
	out := make([]logs.Record, n)
	for i := range out {
		out[i] = logs.Record{Received: time.Now().UTC(), Raw: fmt.Appendf(nil, "<38>Dec  1 03:00:00 pacs01 dicomd[7]: association %d", first+i), Peer: "10.20.0.7:514"}
	}
	return out
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestSensorOutage forwards records through a proxy to the shared broker, cuts the link,
// keeps receiving (the spool grows and the health says so), restarts the sensor while the
// link is down, restores the link: every record reaches the stream once, in order.
func TestSensorOutage(t *testing.T) {
	u, _ := url.Parse(natstest.URL())
	proxy := natstest.NewProxy(t, u.Host)
	cfg := testGroup(t, natstest.URL())
	direct := mustConnect(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	stream, err := direct.EnsureStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored := func() uint64 {
		info, err := stream.Info(ctx)
		if err != nil {
			return 0
		}
		return info.State.Msgs
	}
	dir := t.TempDir()
	start := func() (*natsbus.Forwarder, context.CancelFunc, chan struct{}) {
		spool, err := natsbus.OpenSpool(dir, "TPE", "span0", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		pc := cfg
		pc.URL = proxy.URL
		conn := mustConnect(t, pc)
		f := &natsbus.Forwarder{Spool: spool, Conn: conn, Batch: 50}
		fctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); f.Run(fctx); spool.Close() }()
		return f, stop, done
	}
	f, stop, done := start()
	if err := f.Append(ctx, records(1, 100)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return stored() == 100 }) {
		t.Fatalf("stream holds %d of 100 before the outage", stored())
	}
	proxy.Down()
	if err := f.Append(ctx, records(101, 200)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { h := f.Health(); return !h.Connected && h.Pending == 200 }) {
		t.Fatalf("health during the outage: %+v", f.Health())
	}
	h := f.Health()
	if h.SpoolBytes == 0 || h.SpoolLimit != 1<<20 || h.OldestPending.IsZero() || h.Sent != 100 || h.Received != 300 {
		t.Errorf("health during the outage: %+v", h)
	}
	// The sensor restarts while the link is down: the spool is kept.
	stop()
	<-done
	f, stop, done = start()
	defer func() { stop(); <-done }()
	if h := f.Health(); h.Pending != 200 {
		t.Fatalf("after a restart the spool holds %d, want 200", h.Pending)
	}
	if err := f.Append(ctx, records(301, 50)); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got != 100 {
		t.Fatalf("stream holds %d during the outage", got)
	}
	proxy.Up()
	if !waitFor(20*time.Second, func() bool { return stored() == 350 }) {
		t.Fatalf("stream holds %d of 350 after the link returned", stored())
	}
	if !waitFor(5*time.Second, func() bool { h := f.Health(); return h.Connected && h.Pending == 0 && h.SpoolBytes == 0 }) {
		t.Errorf("health after draining: %+v", f.Health())
	}
	// Order: the stream's sequence follows the sensor's.
	cons, err := direct.JS.OrderedConsumer(ctx, natsbus.StreamName(cfg.Group), jetstreamOrdered())
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	for i := range 350 {
		m, err := cons.Next()
		if err != nil {
			t.Fatal(err)
		}
		e, err := natsbus.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != last+1 {
			t.Fatalf("message %d has sequence %d after %d", i, e.Seq, last)
		}
		last = e.Seq
	}
	if segs, _ := filepath.Glob(filepath.Join(dir, "seg-*")); len(segs) != 1 {
		t.Errorf("segments left after draining: %v", segs)
	}
}

// TestSpoolBound refuses records past the bound, counts them as dropped, and keeps what
// it took.
func TestSpoolBound(t *testing.T) {
	cfg := testGroup(t, "nats://127.0.0.1:1") // never reachable
	conn := mustConnect(t, cfg)
	spool, err := natsbus.OpenSpool(t.TempDir(), "TPE", "span0", 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer spool.Close()
	f := &natsbus.Forwarder{Spool: spool, Conn: conn}
	ctx := context.Background()
	var refused int
	for i := range 40 {
		if err := f.Append(ctx, records(i, 1)); errors.Is(err, natsbus.ErrSpoolFull) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	h := f.Health()
	if refused == 0 || h.Dropped != int64(refused) || h.Pending != int64(40-refused) || h.SpoolBytes > 4096 || h.Connected {
		t.Errorf("refused %d; health %+v", refused, h)
	}
}

// TestSpoolTornFrame cuts the spool's last frame in half (a crash during a write): the
// spool opens with the whole frames before it and appends after them.
func TestSpoolTornFrame(t *testing.T) {
	dir := t.TempDir()
	s, err := natsbus.OpenSpool(dir, "TPE", "span0", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		env := &natsbus.Envelope{Group: "g", Kind: natsbus.KindLog, Time: time.Now().UTC(), Log: &natsbus.LogRecord{Received: time.Now().UTC(), Raw: fmt.Appendf(nil, "line %d", i)}}
		if err := s.Append(env); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	seg, _ := filepath.Glob(filepath.Join(dir, "seg-*"))
	st, _ := os.Stat(seg[0])
	os.Truncate(seg[0], st.Size()-5)
	s, err = natsbus.OpenSpool(dir, "TPE", "span0", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Stats().Pending; got != 2 {
		t.Fatalf("pending %d after a torn frame, want 2", got)
	}
	env := &natsbus.Envelope{Group: "g", Kind: natsbus.KindLog, Time: time.Now().UTC(), Log: &natsbus.LogRecord{Received: time.Now().UTC(), Raw: []byte("after")}}
	if err := s.Append(env); err != nil {
		t.Fatal(err)
	}
	items, err := s.Read(10)
	if err != nil || len(items) != 3 || string(items[2].Env.Log.Raw) != "after" || items[2].Env.Seq != 3 {
		t.Fatalf("read %d items, %v", len(items), err)
	}
}

func jetstreamOrdered() jetstream.OrderedConsumerConfig { return jetstream.OrderedConsumerConfig{} }

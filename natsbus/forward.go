package natsbus

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"medsec"
	"medsec/logs"
)

// Forwarder sends a sensor's spool to the broker in order: it reads a batch, publishes it,
// and removes from the spool what the stream acknowledged; when the broker is unreachable
// the spool grows (up to its bound) and the forwarder retries every second, then drains it
// in order when the link returns.
type Forwarder struct {
	Spool *Spool
	Conn  *Conn
	// Batch is the most envelopes published at once (0: DefaultBatch).
	Batch int
	// Version is the sensor's medsec version, for its health reports.
	Version string
	// Logger gets link changes; nil means slog.Default().
	Logger *slog.Logger

	sent, dropped, received atomic.Int64
	lastSent                atomic.Int64 // Unix nanoseconds of the last acknowledged publish
	up                      atomic.Bool
}

// Run forwards until ctx ends (nil then).
func (f *Forwarder) Run(ctx context.Context) error {
	log := f.Logger
	if log == nil {
		log = slog.Default()
	}
	batch := f.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	for ctx.Err() == nil {
		items, err := f.Spool.Read(batch)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			select {
			case <-f.Spool.Notify():
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
			continue
		}
		envs := make([]*Envelope, len(items))
		for i := range items {
			envs[i] = items[i].Env
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		n, err := f.Conn.Publish(pctx, envs...)
		cancel()
		if n > 0 {
			if aerr := f.Spool.Ack(items[:n]); aerr != nil {
				return aerr
			}
			f.sent.Add(int64(n))
			f.lastSent.Store(time.Now().UnixNano())
		}
		if err != nil {
			if f.up.Swap(false) {
				log.Warn("broker unreachable; spooling on disk", "err", err, "spool", f.Spool.Stats())
			}
			sleep(ctx, time.Second)
			continue
		}
		if !f.up.Swap(true) {
			log.Info("broker reachable; draining the spool", "pending", f.Spool.Stats().Pending)
		}
	}
	return nil
}

// Health returns the sensor's health now.
func (f *Forwarder) Health() medsec.SensorHealth {
	st := f.Spool.Stats()
	return medsec.SensorHealth{Connected: f.up.Load() && f.Conn.NC.IsConnected(), SpoolBytes: st.Bytes, SpoolLimit: st.Limit,
		Pending: st.Pending, OldestPending: st.Oldest, Sent: f.sent.Load(), Dropped: f.dropped.Load(), Received: f.received.Load(), Version: f.Version}
}

// ReportHealth publishes the sensor's health to central every every until ctx ends. A
// report that cannot be published is skipped: the next one says the same, newer.
func (f *Forwarder) ReportHealth(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		h := f.Health()
		now := time.Now().UTC()
		e := &Envelope{ID: fmt.Sprintf("%s/%s/health/%d", f.Spool.site, f.Spool.sensor, now.UnixNano()), Site: f.Spool.site, Sensor: f.Spool.sensor,
			Kind: KindHealth, Time: now, Health: &h}
		pctx, cancel := context.WithTimeout(ctx, every)
		f.Conn.Publish(pctx, e)
		cancel()
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// Append implements logs.Sink for the sensor's listeners: the records are spooled (durable
// when Append returns nil). When the spool is full the records are counted as dropped and
// ErrSpoolFull returned: a UDP listener drops them, a TCP one stops reading (push back).
func (f *Forwarder) Append(ctx context.Context, recs []logs.Record) error {
	envs := make([]*Envelope, len(recs))
	for i, r := range recs {
		envs[i] = &Envelope{Kind: KindLog, Time: r.Received.UTC(), Group: f.Conn.cfg.Group, Log: &LogRecord{Received: r.Received.UTC(), Raw: r.Raw, Peer: r.Peer}}
	}
	f.received.Add(int64(len(recs)))
	if err := f.Spool.Append(envs...); err != nil {
		f.dropped.Add(int64(len(recs)))
		return err
	}
	return nil
}

// Publish spools events (a discovery summary, host identities) for central; it is what a
// sensor's discovery hands its results to.
func (f *Forwarder) Publish(ctx context.Context, events ...medsec.Event) error {
	envs := make([]*Envelope, len(events))
	for i := range events {
		ev := events[i]
		envs[i] = &Envelope{Kind: KindEvent, Time: ev.Time.UTC(), Group: f.Conn.cfg.Group, Event: &ev}
	}
	f.received.Add(int64(len(events)))
	if err := f.Spool.Append(envs...); err != nil {
		f.dropped.Add(int64(len(events)))
		return err
	}
	return nil
}

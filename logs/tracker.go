package logs

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"medsec"
)

// Tracker is a Sink that passes records on to Next and, once Next has stored them,
// counts them per source: records, receive times, format, host name, clock skew (record
// time minus receive time) and missing items of the minimum content. Flush hands the
// window to Sources, which registers unknown senders and links them to assets.
type Tracker struct {
	// Next stores the records.
	Next Sink
	// Sources keeps the sources' health.
	Sources medsec.LogSourceService
	// SiteID is where unknown senders that match no asset are registered (0: first site).
	SiteID int64
	// Transport names how the records arrive ("udp", "tcp", "tls", "https", "file"),
	// unless TransportOf gives it per record.
	Transport string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger gets flush failures; nil discards them.
	Logger *slog.Logger

	mu     sync.Mutex
	start  time.Time // the window's start: the previous flush (or the first record)
	window map[string]*trackerWindow
}

// MaxSkew bounds a record's time against its receive time: a record stamped further off
// (a device that writes 2099, a year-less RFC 3164 time read in the wrong year) says
// nothing about the source's clock. It is left out of the skew median, so one such record
// does not poison the window, and counted as lacking a usable time ("time" in Missing).
const MaxSkew = 7 * 24 * time.Hour

// trackerWindow is what the tracker saw of one source since the last flush.
type trackerWindow struct {
	act   medsec.LogSourceActivity
	skews []time.Duration
}

// SourceIDContext tells a Tracker which registered source records come from (the JSON
// over HTTPS handler knows it by the token); without it the peer's address identifies it.
func SourceIDContext(ctx context.Context, id int64, transport string) context.Context {
	return context.WithValue(ctx, sourceKey{}, sourceVal{id, transport})
}

type sourceKey struct{}
type sourceVal struct {
	id        int64
	transport string
}

func (t *Tracker) now() time.Time {
	if t.Now != nil {
		return t.Now().UTC()
	}
	return time.Now().UTC()
}

// Append stores recs through Next and, when that succeeded, counts them.
func (t *Tracker) Append(ctx context.Context, recs []Record) error {
	if err := t.Next.Append(ctx, recs); err != nil {
		return err
	}
	sv, _ := ctx.Value(sourceKey{}).(sourceVal)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.window == nil {
		t.window = map[string]*trackerWindow{}
	}
	if t.start.IsZero() {
		t.start = t.now()
	}
	for _, r := range recs {
		key, addr := "", ""
		transport := t.Transport
		if sv.transport != "" {
			transport = sv.transport
		}
		if sv.id != 0 {
			key = "id:" + strconv.FormatInt(sv.id, 10)
		} else {
			addr = r.Peer
			if h, _, err := net.SplitHostPort(r.Peer); err == nil {
				addr = h
			}
			key = "addr:" + addr
		}
		w := t.window[key]
		if w == nil {
			w = &trackerWindow{act: medsec.LogSourceActivity{SourceID: sv.id, Address: addr, Transport: transport,
				First: r.Received, Missing: map[string]int64{}}}
			t.window[key] = w
		}
		a := &w.act
		a.Records++
		if r.Received.After(a.Last) {
			a.Last = r.Received
		}
		if r.Format != "" {
			a.Format = r.Format
		}
		if h, ok := r.Fields["host.name"].(string); ok && h != "" {
			a.Hostname = h
		}
		if ts, ok := r.Fields["@timestamp"].(time.Time); ok {
			if d := ts.Sub(r.Received); d > MaxSkew || d < -MaxSkew {
				a.Missing["time"]++
			} else if len(w.skews) < 10000 {
				w.skews = append(w.skews, d)
			}
		}
		for _, m := range Missing(r.Fields) {
			a.Missing[m]++
		}
	}
	return nil
}

// Flush hands the current window to Sources as SystemUser and starts a new one. The
// window runs from the previous flush, so a rate is records over the recent interval,
// not over the time since the window's first record.
func (t *Tracker) Flush(ctx context.Context) error {
	now := t.now()
	t.mu.Lock()
	win, start := t.window, t.start
	t.window, t.start = nil, now
	t.mu.Unlock()
	if len(win) == 0 {
		return nil
	}
	length := now.Sub(start)
	if length < time.Second {
		length = time.Second
	}
	acts := make([]medsec.LogSourceActivity, 0, len(win))
	for _, w := range win {
		w.act.Window = length
		if n := len(w.skews); n > 0 {
			slices.Sort(w.skews)
			w.act.Skew, w.act.SkewSamples = w.skews[n/2], int64(n)
		}
		acts = append(acts, w.act)
	}
	return t.Sources.RecordLogSourceActivity(medsec.NewContextWithUser(ctx, medsec.SystemUser), t.SiteID, acts)
}

// Run flushes every interval until ctx ends, then once more.
func (t *Tracker) Run(ctx context.Context, interval time.Duration) {
	t.mu.Lock()
	if t.start.IsZero() {
		t.start = t.now()
	}
	t.mu.Unlock()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := t.Flush(context.WithoutCancel(ctx)); err != nil && t.Logger != nil {
				t.Logger.Error("log sources: flush failed", "err", err)
			}
			return
		case <-tick.C:
			if err := t.Flush(ctx); err != nil && t.Logger != nil {
				t.Logger.Error("log sources: flush failed", "err", err)
			}
		}
	}
}

package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"medsec"
)

// Publisher is a Sink that stores records through Next and then publishes each stored
// record on the event stream as a medsec.Event, so detection (package detect) sees every
// collected log. Publishing comes after storing: the records are durable whatever
// happens to the stream, and a failed publication is logged and counted, not returned
// (the sender must not resend what is stored). Event IDs are "log:SITE:INDEX", so a
// consumer deduplicates redeliveries.
type Publisher struct {
	// Next stores the records and sets their SiteID and Index.
	Next Sink
	// Bus takes the events.
	Bus medsec.EventPublisher
	// Logger gets publication failures; nil discards them.
	Logger *slog.Logger
	// Shutdown, when set, ends with the server (the context of serve). A publication still
	// waiting for the stream is then abandoned, so an ingest request held by a busy
	// detection handler does not hold the server's shutdown; nil waits for the stream.
	Shutdown context.Context
}

// Append stores recs through Next, then publishes them. Once stored, the records are
// published whatever becomes of ctx: a sender that goes away (an HTTPS client that
// disconnects while the stream pushes back) does not take its stored records off the
// stream, so detection sees every record the store holds [issue 13]. Publish may then
// wait for the stream as long as a subscriber holds it, and Append with it, until
// Shutdown ends: the records are then stored and not published, as the stream's own
// queued batches are dropped when the server stops. After the restart, detection's Resume
// replays the stored records of the span its correlations need.
func (p *Publisher) Append(ctx context.Context, recs []Record) error {
	if err := p.Next.Append(ctx, recs); err != nil {
		return err
	}
	events := make([]medsec.Event, 0, len(recs))
	for i := range recs {
		e := RecordEvent(recs[i])
		// One event the stream refuses would keep its whole batch off it (Publish takes
		// all or nothing): it is left out and logged, its batch-mates published
		// [bt13h H1].
		if err := e.Validate(); err != nil {
			if p.Logger != nil {
				p.Logger.Error("log record stored but not published to detection", "site", recs[i].SiteID, "index", recs[i].Index, "err", err)
			}
			continue
		}
		events = append(events, e)
	}
	if len(events) == 0 {
		return nil
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	if p.Shutdown != nil {
		defer context.AfterFunc(p.Shutdown, cancel)()
	}
	if err := p.Bus.Publish(pctx, events...); err != nil && p.Logger != nil {
		p.Logger.Error("log records stored but not published to detection", "records", len(recs), "err", err)
	}
	return nil
}

// RecordEvent returns the event of a stored record: ID "log:SITE:INDEX", Ref to the
// record in the log store, time the record's @timestamp (else its receive time), and the
// record's fields as event fields: ints become int64, times RFC 3339 strings, nested
// maps (structured data) dotted names, lists of scalars lists of texts, other values
// their text. "event.ingested" is
// the receive time and "log.source.address" the peer.
func RecordEvent(r Record) medsec.Event {
	e := medsec.Event{
		ID:     fmt.Sprintf("%s:%d:%d", medsec.EventRefLog, r.SiteID, r.Index),
		Time:   r.Received.UTC(),
		SiteID: r.SiteID,
		Ref:    medsec.EventRef{Type: medsec.EventRefLog, ID: r.Index},
		Fields: make(map[string]any, len(r.Fields)+3),
	}
	if ts, ok := r.Fields["@timestamp"].(time.Time); ok && !ts.IsZero() {
		e.Time = ts.UTC()
	}
	eventFields(e.Fields, "", r.Fields)
	delete(e.Fields, "@timestamp")
	e.Fields["event.ingested"] = r.Received.UTC().Format(time.RFC3339Nano)
	if r.Peer != "" {
		e.Fields["log.source.address"] = r.Peer
	}
	if r.Format != "" {
		e.Fields["log.format"] = r.Format
	}
	return e
}

// eventFields copies fields into out with the value types events allow.
func eventFields(out map[string]any, prefix string, fields map[string]any) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := prefix + k
		switch v := fields[k].(type) {
		case string, int64, float64, bool, []string:
			out[name] = v
		case int:
			out[name] = int64(v)
		case time.Time:
			out[name] = v.UTC().Format(time.RFC3339Nano)
		case map[string]any:
			eventFields(out, name+".", v)
		case map[string]string:
			for kk, vv := range v {
				out[name+"."+kk] = vv
			}
		case []any:
			// A JSON list of scalars (ECS types event.category, event.type, related.ip
			// as lists: Winlogbeat, Elastic Agent) is a list of texts, so that a rule
			// matches an element; a list holding objects or lists stays text.
			if l, ok := scalarTexts(v); ok {
				out[name] = l
			} else {
				out[name] = fmt.Sprint(v)
			}
		case nil:
		default:
			out[name] = fmt.Sprint(v)
		}
	}
}

// scalarTexts returns the elements of a JSON list as texts when all are strings, numbers
// or booleans (nulls left out).
func scalarTexts(l []any) ([]string, bool) {
	out := make([]string, 0, len(l))
	for _, x := range l {
		switch y := x.(type) {
		case string:
			out = append(out, y)
		case json.Number:
			out = append(out, y.String())
		case bool, int, int64, float64:
			out = append(out, fmt.Sprint(y))
		case nil:
		default:
			return nil, false
		}
	}
	return out, true
}

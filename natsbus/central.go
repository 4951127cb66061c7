package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"medsec"
	"medsec/logs"
	"medsec/logstore"
)

// Central takes the sensors' envelopes into the central server's stores: log records into
// the site's sealed log (through Logs, which also publishes them to detection), events into
// the event store, health reports onto the sensors' rows, and every message's ID into
// PostgreSQL, so that a redelivery or a resend is recognised and skipped. Its Handle is a
// Consumer's Handler: it returns nil only once everything of the batch is committed.
type Central struct {
	// Sensors records message IDs and health.
	Sensors medsec.SensorService
	// Logs stores and seals log records (the server's log sink); Parser reads them.
	Logs   logs.Sink
	Parser *logs.Parser
	// Events stores events; nil drops event envelopes (they are still acknowledged).
	Events medsec.EventStore
	// Site returns the ID of the site with a code, or ENOTFOUND.
	Site func(ctx context.Context, code string) (int64, error)
	// Logger gets warnings of sensors whose clock is off; nil means slog.Default().
	Logger *slog.Logger
	// Now is central's clock; nil means time.Now.
	Now func() time.Time
	// Metrics counts messages and commit times for /metrics; nil counts nothing.
	Metrics *CentralMetrics
}

func (c *Central) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

// receivedAt is the time a sensor's record is stored as received, and whether the
// sensor's own stamp was replaced. A log record keeps the time its sensor received it,
// unless the sensor's clock is off by more than the log store accepts
// (logstore.ReceiveTime, with the shortest retention, medsec.MinLogRetentionDays): the
// search storage would leave such a record out while the seal holds it, so the store
// replaces the time with its own.
// Central replaces it first, the same way, and keeps the sensor's stamp as event.created
// (ECS: when an agent first read the event), so a sensor whose clock lost its battery
// (1970) or runs ahead still shows when it received each record. A spool drained after an
// outage brings older stamps, which are kept.
func (c *Central) receivedAt(sensor time.Time) (time.Time, bool) {
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	at, replaced := logstore.ReceiveTime(sensor, now, medsec.MinLogRetentionDays*24*time.Hour)
	return at.UTC(), replaced
}

// ErrUnknownSite is returned (wrapped) by Handle when an envelope names a site code that
// central does not have; the batch's other messages are committed, and the server
// redelivers the batch until the site is created.
var ErrUnknownSite = errors.New("unknown site")

// Handle commits a batch of envelopes, acting as the system user. Order: skip the IDs
// already recorded; store log records (durable and sealed when Append returns); store
// events; record health; record the IDs. A crash between storing and recording the IDs
// redelivers the batch: its events are skipped by their IDs in the event store, and its
// log records are stored again (docs/GROUPS.md, "Guarantees").
func (c *Central) Handle(ctx context.Context, envs []*Envelope) error {
	start := time.Now()
	c.Metrics.received(envs)
	fresh, dup, err := c.handle(ctx, envs)
	if fresh != nil { // committed, maybe but for an unknown site's messages
		c.Metrics.committed(fresh, dup, start)
	}
	if err != nil {
		c.Metrics.failedBatch()
	}
	return err
}

// handle is Handle without the metrics; it returns how many new messages and how many
// duplicates it committed per site code.
func (c *Central) handle(ctx context.Context, envs []*Envelope) (fresh, dup map[string]int, err error) {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	sites := map[string]int64{}
	var unknown []string
	ids := make([]string, 0, len(envs))
	for _, e := range envs {
		if _, ok := sites[e.Site]; !ok {
			id, err := c.Site(ctx, e.Site)
			if medsec.ErrorCode(err) == medsec.ENOTFOUND {
				unknown = append(unknown, e.Site)
			} else if err != nil {
				return nil, nil, fmt.Errorf("site %s: %w", e.Site, err)
			}
			sites[e.Site] = id
		}
		if e.Kind != KindHealth {
			ids = append(ids, e.ID)
		}
	}
	seen, err := c.Sensors.SeenMessages(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	fresh, dup = map[string]int{}, map[string]int{}
	var recs []logs.Record
	var events []medsec.Event
	var msgs []medsec.SensorMessage
	health := map[[2]string]*Envelope{}
	offClock := map[[2]string]time.Time{} // a stamp of each sensor whose clock is off
	for _, e := range envs {
		site := sites[e.Site]
		if site == 0 {
			continue
		}
		if e.Kind == KindHealth {
			health[[2]string{e.Site, e.Sensor}] = e
			continue
		}
		// Every message is recorded, so that CommitMessages counts the duplicates.
		msgs = append(msgs, medsec.SensorMessage{ID: e.ID, SiteID: site, Sensor: e.Sensor, Kind: e.Kind, Time: e.Time})
		if seen[e.ID] {
			dup[e.Site]++
			continue
		}
		seen[e.ID] = true // a resend inside the same batch
		fresh[e.Site]++
		switch e.Kind {
		case KindLog:
			// Times without a zone are the sensor's site's wall clock.
			received, replaced := c.receivedAt(e.Log.Received)
			r := c.Parser.RecordAtSite(e.Log.Raw, received, e.Log.Peer, site)
			r.SiteID = site
			if replaced {
				r.Fields["event.created"] = e.Log.Received.UTC().Format(time.RFC3339Nano)
				offClock[[2]string{e.Site, e.Sensor}] = e.Log.Received
			}
			recs = append(recs, r)
		case KindEvent:
			ev := *e.Event
			ev.SiteID = site
			events = append(events, ev)
		}
	}
	for k, at := range offClock {
		c.logger().Warn("sensor clock is off; its records are stored at central's time, its own stamp kept as event.created",
			"site", k[0], "sensor", k[1], "sensor_time", at.UTC())
	}
	if len(recs) > 0 {
		if err := c.Logs.Append(ctx, recs); err != nil {
			return nil, nil, fmt.Errorf("store %d log records: %w", len(recs), err)
		}
	}
	if len(events) > 0 && c.Events != nil {
		if err := c.Events.AppendEvents(ctx, events...); err != nil {
			return nil, nil, fmt.Errorf("store %d events: %w", len(events), err)
		}
	}
	for _, e := range health {
		if err := c.Sensors.RecordSensorHealth(ctx, sites[e.Site], e.Sensor, *e.Health); err != nil {
			return nil, nil, fmt.Errorf("sensor %s/%s health: %w", e.Site, e.Sensor, err)
		}
	}
	if _, err := c.Sensors.CommitMessages(ctx, msgs); err != nil {
		return nil, nil, err
	}
	if len(unknown) > 0 {
		return fresh, dup, fmt.Errorf("%w: %v (create the site, or correct the sensor's --site)", ErrUnknownSite, unknown)
	}
	return fresh, dup, nil
}

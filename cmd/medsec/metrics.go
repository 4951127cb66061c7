package main

import (
	"context"
	"io"
	"math"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medsec"
	"medsec/logs"
	"medsec/notify"
)

// Metrics of both roles (issue 17; docs/GROUPS.md, "Metrics"): each process keeps its own
// metrics.Set and serves it, with the Go runtime's and the process's, at /metrics in the
// Prometheus text format. The central server's route needs metrics:read
// (http.Server.apiMetrics); the sensor's health listener serves it as it serves /health.

// writeMetrics returns a function that writes set and the Go runtime and process metrics
// (go_*, process_*).
func writeMetrics(set *metrics.Set) func(w io.Writer) {
	return func(w io.Writer) {
		set.WritePrometheus(w)
		metrics.WriteProcessMetrics(w)
	}
}

// promLabel escapes a label value for the text format: backslash, double quote and line
// feed.
func promLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

// registerListenerMetrics registers a syslog listener's counters, labelled
// role="sensor" or "central":
//
//	medsec_syslog_records_received_total   records read off the sockets
//	medsec_syslog_records_stored_total     records the sink took (spool or log store)
//	medsec_syslog_udp_dropped_total        datagrams lost (queue full)
//	medsec_syslog_sink_failures_total      batches the sink refused
//	medsec_syslog_connections_open         TCP and TLS connections open now
func registerListenerMetrics(set *metrics.Set, role string, st *logs.ListenerStats) {
	l := `{role="` + promLabel(role) + `"}`
	set.NewGauge("medsec_syslog_records_received_total"+l, func() float64 { return float64(st.Received.Load()) })
	set.NewGauge("medsec_syslog_records_stored_total"+l, func() float64 { return float64(st.Stored.Load()) })
	set.NewGauge("medsec_syslog_udp_dropped_total"+l, func() float64 { return float64(st.UDPDropped.Load()) })
	set.NewGauge("medsec_syslog_sink_failures_total"+l, func() float64 { return float64(st.SinkFailures.Load()) })
	set.NewGauge("medsec_syslog_connections_open"+l, func() float64 { return float64(st.Connections.Load()) })
}

// meteredSink counts what goes into the central server's log store, from every path
// (syslog listeners, the HTTPS ingest route, the sensors' stream):
//
//	medsec_log_records_appended_total   records stored and sealed
//	medsec_log_append_failures_total    batches the store refused
//	medsec_log_append_seconds           histogram of a batch's store-and-seal time
type meteredSink struct {
	next     logs.Sink
	appended *metrics.Counter
	failures *metrics.Counter
	took     *metrics.PrometheusHistogram
}

// newMeteredSink registers the log ingest metrics in set and returns next, counted.
func newMeteredSink(set *metrics.Set, next logs.Sink) *meteredSink {
	return &meteredSink{next: next, appended: set.NewCounter("medsec_log_records_appended_total"),
		failures: set.NewCounter("medsec_log_append_failures_total"),
		took:     set.NewPrometheusHistogramExt("medsec_log_append_seconds", []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30})}
}

// Append implements logs.Sink.
func (m *meteredSink) Append(ctx context.Context, recs []logs.Record) error {
	start := time.Now()
	if err := m.next.Append(ctx, recs); err != nil {
		m.failures.Inc()
		return err
	}
	m.appended.Add(len(recs))
	m.took.UpdateDuration(start)
	return nil
}

// meteredNotify counts the dispatcher's deliveries as they are recorded, by result
// (sent, failed, queued for a digest) and channel:
//
//	medsec_notify_deliveries_total{channel,result}
//	medsec_notify_digest_queue   notifications waiting in users' daily digests
type meteredNotify struct {
	notify.Store
	set *metrics.Set
}

// newMeteredNotify registers the notification metrics in set and returns store, counted.
func newMeteredNotify(set *metrics.Set, store notify.Store) *meteredNotify {
	m := &meteredNotify{Store: store, set: set}
	set.NewGauge("medsec_notify_digest_queue", m.digestQueue)
	return m
}

// digestQueue counts the notifications queued for digests (every day up to tomorrow's);
// NaN when the store cannot say within two seconds.
func (m *meteredNotify) digestQueue() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	batches, err := m.Store.DueDigests(ctx, medsec.DateOf(time.Now().UTC().AddDate(0, 0, 2)))
	if err != nil {
		return math.NaN()
	}
	n := 0
	for _, b := range batches {
		n += len(b.Items)
	}
	return float64(n)
}

func (m *meteredNotify) count(d *medsec.Delivery) {
	if d == nil {
		return
	}
	m.set.GetOrCreateCounter(`medsec_notify_deliveries_total{channel="` + promLabel(d.Channel) + `",result="` + promLabel(d.Result) + `"}`).Inc()
}

// RecordDelivery implements notify.Store, counting d once it is recorded.
func (m *meteredNotify) RecordDelivery(ctx context.Context, d *medsec.Delivery, queued *medsec.Notification) error {
	if err := m.Store.RecordDelivery(ctx, d, queued); err != nil {
		return err
	}
	m.count(d)
	return nil
}

// DigestSent implements notify.Store, counting the digest's delivery once it is recorded.
func (m *meteredNotify) DigestSent(ctx context.Context, userID int64, day medsec.Date, d *medsec.Delivery) error {
	if err := m.Store.DigestSent(ctx, userID, day, d); err != nil {
		return err
	}
	m.count(d)
	return nil
}

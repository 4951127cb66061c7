package main

import (
	"bufio"
	"bytes"
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

func init() {
	// The library writes "# HELP name" and "# TYPE name type" before each family's first
	// sample; writeMetrics fills in the HELP text and corrects the type of counters read
	// through callbacks (issue 17: every metric with its HELP and TYPE).
	metrics.ExposeMetadata(true)
}

// writeMetrics returns a function that writes set and the Go runtime and process metrics
// (go_*, process_*) in the Prometheus text exposition format 0.0.4, each family with its
// "# HELP" text and "# TYPE" (Prometheus, "Exposition formats", text format details).
func writeMetrics(set *metrics.Set) func(w io.Writer) {
	return func(w io.Writer) {
		var buf bytes.Buffer
		set.WritePrometheus(&buf)
		metrics.WriteProcessMetrics(&buf)
		writeMetadata(w, buf.Bytes())
	}
}

// metricFamily is the HELP text and the TYPE of a metric family medsec registers.
type metricFamily struct{ typ, help string }

// metricFamilies describes every family medsec registers (docs/GROUPS.md, "Metrics").
// The library types a callback gauge as a gauge; those whose value only grows are
// counters here, named _total. A medsec_ family missing here fails TestMetricsHelpAndType.
var metricFamilies = map[string]metricFamily{
	// Syslog listeners (registerListenerMetrics).
	"medsec_syslog_records_received_total": {"counter", "Syslog records read off the listener's sockets."},
	"medsec_syslog_records_stored_total":   {"counter", "Syslog records the sink took (the sensor's spool or the central log store)."},
	"medsec_syslog_udp_dropped_total":      {"counter", "Syslog datagrams lost because the listener's queue was full."},
	"medsec_syslog_sink_failures_total":    {"counter", "Batches of syslog records the sink refused."},
	"medsec_syslog_connections_open":       {"gauge", "Syslog TCP and TLS connections open now."},
	// The central log store (newMeteredSink).
	"medsec_log_records_appended_total": {"counter", "Log records stored and sealed, from every ingest path."},
	"medsec_log_append_failures_total":  {"counter", "Batches of log records the store refused."},
	"medsec_log_append_seconds":         {"histogram", "Time to store and seal a batch of log records, in seconds."},
	// Notifications (newMeteredNotify).
	"medsec_notify_deliveries_total": {"counter", "Notification deliveries recorded, by channel and result (sent, failed, queued for a digest)."},
	"medsec_notify_digest_queue":     {"gauge", "Notifications waiting in users' daily digests (NaN when the store does not answer within two seconds)."},
	// Central's stream from the sensors (natsbus.NewCentralMetrics).
	"medsec_central_messages_received_total":  {"counter", "Messages from sensors handed to the central consumer, by site."},
	"medsec_central_messages_committed_total": {"counter", "New messages from sensors committed to the database and acknowledged, by site."},
	"medsec_central_messages_duplicate_total": {"counter", "Redelivered or resent messages from sensors skipped as already stored, by site."},
	"medsec_central_batches_failed_total":     {"counter", "Batches of sensor messages not committed (redelivered by the broker)."},
	"medsec_central_commit_seconds":           {"histogram", "Time to commit a batch of sensor messages, in seconds."},
	// The sensor's forwarder (natsbus.Forwarder.RegisterMetrics).
	"medsec_sensor_connected":                   {"gauge", "1 while the broker acknowledges the sensor's publishes, else 0."},
	"medsec_sensor_records_received_total":      {"counter", "Records and events the sensor took for forwarding."},
	"medsec_sensor_records_sent_total":          {"counter", "Records the broker acknowledged."},
	"medsec_sensor_records_dropped_total":       {"counter", "Records refused because the spool was full."},
	"medsec_sensor_spool_pending":               {"gauge", "Records in the sensor's spool not yet acknowledged."},
	"medsec_sensor_spool_bytes":                 {"gauge", "Bytes of the records in the sensor's spool."},
	"medsec_sensor_spool_limit_bytes":           {"gauge", "The bound of the sensor's spool, in bytes."},
	"medsec_sensor_spool_oldest_age_seconds":    {"gauge", "Age of the oldest record in the spool, in seconds (0 when none)."},
	"medsec_sensor_last_send_timestamp_seconds": {"gauge", "Unix time of the last acknowledged publish (0 before the first)."},
	// Live capture (registerCaptureMetrics).
	"medsec_sensor_capture_packets_total": {"counter", "Frames read off the capture socket, by interface."},
	"medsec_sensor_capture_bytes_total":   {"counter", "Bytes of the frames read off the capture socket, by interface."},
	"medsec_sensor_capture_dropped_total": {"counter", "Frames the kernel dropped because the capture buffer was full, by interface."},
}

// writeMetadata copies the library's exposition in to w, giving each "# HELP" line its
// text and each "# TYPE" line the type metricFamilies states (a family of the library's
// named _total that it types a gauge is a counter). Families of the Go runtime and
// the process (go_*, process_*), which the library names after runtime.MemStats,
// runtime/metrics and /proc, get a HELP text naming that source.
func writeMetadata(w io.Writer, in []byte) {
	bw := bufio.NewWriter(w)
	for len(in) > 0 {
		line := in
		if i := bytes.IndexByte(in, '\n'); i >= 0 {
			line, in = in[:i], in[i+1:]
		} else {
			in = nil
		}
		switch {
		case bytes.HasPrefix(line, []byte("# HELP ")):
			name, _, _ := strings.Cut(string(line[len("# HELP "):]), " ")
			bw.WriteString("# HELP " + name + " " + metricHelp(name))
		case bytes.HasPrefix(line, []byte("# TYPE ")):
			name, typ, _ := strings.Cut(string(line[len("# TYPE "):]), " ")
			if f, ok := metricFamilies[name]; ok {
				typ = f.typ
			} else if strings.HasSuffix(name, "_total") && typ == "gauge" {
				typ = "counter" // the library's process_io_*_total: counts since start
			}
			bw.WriteString("# TYPE " + name + " " + typ)
		default:
			bw.Write(line)
		}
		bw.WriteByte('\n')
	}
	bw.Flush()
}

// metricHelp is the HELP text of a family: metricFamilies', or for a family the library
// adds, where its value comes from.
func metricHelp(name string) string {
	if f, ok := metricFamilies[name]; ok {
		return f.help
	}
	switch {
	case strings.HasPrefix(name, "go_memstats_"):
		return "Go runtime.MemStats value " + name + "."
	case strings.HasPrefix(name, "go_"):
		return "Go runtime metric " + name + " (runtime, runtime/metrics)."
	case strings.HasPrefix(name, "process_"):
		return "Process metric " + name + " (/proc/self)."
	}
	return "medsec metric " + name + "."
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
	// queued counts the digest queue (sqlstore.NotifyService.DigestQueueLength).
	queued func(context.Context) (int, error)
}

// newMeteredNotify registers the notification metrics in set and returns store, counted;
// queued counts the digest queue for the gauge.
func newMeteredNotify(set *metrics.Set, store notify.Store, queued func(context.Context) (int, error)) *meteredNotify {
	m := &meteredNotify{Store: store, set: set, queued: queued}
	set.NewGauge("medsec_notify_digest_queue", m.digestQueue)
	return m
}

// digestQueue counts the notifications queued for digests, with one COUNT query; NaN when
// the store cannot say within two seconds.
func (m *meteredNotify) digestQueue() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := m.queued(ctx)
	if err != nil {
		return math.NaN()
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

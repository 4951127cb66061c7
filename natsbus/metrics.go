package natsbus

import (
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// Metrics of the group's stream in the Prometheus text format (docs/GROUPS.md,
// "Metrics"). Both roles register theirs in a metrics.Set that the process serves at
// /metrics; counters end in _total, times are seconds.

// CentralMetrics counts what a central server takes from its sensors: messages received
// and committed per site (by the site code the sensor sends), duplicates skipped, batches
// that failed (and are redelivered), and how long each batch took to commit. Safe for
// concurrent use; a nil *CentralMetrics counts nothing.
type CentralMetrics struct {
	set    *metrics.Set
	commit *metrics.PrometheusHistogram
	failed *metrics.Counter
}

// commitBuckets are the upper bounds, in seconds, of the commit latency histogram: a batch
// commits in milliseconds to a few seconds (the seal and PostgreSQL each sync).
var commitBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// NewCentralMetrics registers the central metrics in set:
//
//	medsec_central_messages_received_total{site}   envelopes handed to Central.Handle
//	medsec_central_messages_committed_total{site}  new messages stored (acknowledged)
//	medsec_central_messages_duplicate_total{site}  redeliveries and resends skipped
//	medsec_central_batches_failed_total            batches not committed (redelivered)
//	medsec_central_commit_seconds                  histogram of a committed batch's time
func NewCentralMetrics(set *metrics.Set) *CentralMetrics {
	return &CentralMetrics{set: set,
		commit: set.NewPrometheusHistogramExt("medsec_central_commit_seconds", commitBuckets),
		failed: set.NewCounter("medsec_central_batches_failed_total")}
}

// siteCounter returns the counter name{site="code"}; a code that is not a subject token
// (Decode refuses those, so never in practice) is counted as site "invalid".
func (m *CentralMetrics) siteCounter(name, site string) *metrics.Counter {
	if CheckToken("site", site) != nil {
		site = "invalid"
	}
	return m.set.GetOrCreateCounter(name + `{site="` + site + `"}`)
}

// received counts a batch's envelopes per site as they arrive.
func (m *CentralMetrics) received(envs []*Envelope) {
	if m == nil {
		return
	}
	for _, e := range envs {
		m.siteCounter("medsec_central_messages_received_total", e.Site).Inc()
	}
}

// committed counts a committed batch: per site, its new messages and its duplicates, and
// the time it took since start.
func (m *CentralMetrics) committed(fresh, dup map[string]int, start time.Time) {
	if m == nil {
		return
	}
	for site, n := range fresh {
		m.siteCounter("medsec_central_messages_committed_total", site).Add(n)
	}
	for site, n := range dup {
		m.siteCounter("medsec_central_messages_duplicate_total", site).Add(n)
	}
	m.commit.UpdateDuration(start)
}

// failedBatch counts a batch that was not committed.
func (m *CentralMetrics) failedBatch() {
	if m != nil {
		m.failed.Inc()
	}
}

// RegisterMetrics registers the sensor's forwarding metrics in set, read from the
// forwarder and its spool at each scrape:
//
//	medsec_sensor_connected                   1 while the broker acknowledges, else 0
//	medsec_sensor_records_received_total      records and events taken for forwarding
//	medsec_sensor_records_sent_total          records the broker acknowledged
//	medsec_sensor_records_dropped_total       records refused (spool full)
//	medsec_sensor_spool_pending               records in the spool not yet acknowledged
//	medsec_sensor_spool_bytes                 their size; medsec_sensor_spool_limit_bytes its bound
//	medsec_sensor_spool_oldest_age_seconds    age of the oldest pending record (0 when none)
//	medsec_sensor_last_send_timestamp_seconds Unix time of the last acknowledged publish (0 before)
func (f *Forwarder) RegisterMetrics(set *metrics.Set) {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	set.NewGauge("medsec_sensor_connected", func() float64 { return b(f.up.Load() && f.Conn.NC.IsConnected()) })
	set.NewGauge("medsec_sensor_records_received_total", func() float64 { return float64(f.received.Load()) })
	set.NewGauge("medsec_sensor_records_sent_total", func() float64 { return float64(f.sent.Load()) })
	set.NewGauge("medsec_sensor_records_dropped_total", func() float64 { return float64(f.dropped.Load()) })
	set.NewGauge("medsec_sensor_spool_pending", func() float64 { return float64(f.Spool.Stats().Pending) })
	set.NewGauge("medsec_sensor_spool_bytes", func() float64 { return float64(f.Spool.Stats().Bytes) })
	set.NewGauge("medsec_sensor_spool_limit_bytes", func() float64 { return float64(f.Spool.Stats().Limit) })
	set.NewGauge("medsec_sensor_spool_oldest_age_seconds", func() float64 {
		if st := f.Spool.Stats(); st.Pending > 0 && !st.Oldest.IsZero() {
			return max(0, time.Since(st.Oldest).Seconds())
		}
		return 0
	})
	set.NewGauge("medsec_sensor_last_send_timestamp_seconds", func() float64 {
		if ns := f.lastSent.Load(); ns > 0 {
			return float64(ns) / 1e9
		}
		return 0
	})
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"medsec/logs"
	"medsec/natsbus"
)

// checkExposition parses a /metrics body with Prometheus' own text parser (expfmt) and
// requires of every family a HELP text and a TYPE (issue 17: the exposition had neither):
// a medsec_ family as metricFamilies states it, every name ending in _total a counter. It
// returns the families by name.
func checkExposition(t *testing.T, body string) map[string]bool {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the Prometheus text parser refuses /metrics: %v\n%s", err, body)
	}
	seen := map[string]bool{}
	for name, f := range fams {
		seen[name] = true
		if f.GetHelp() == "" {
			t.Errorf("%s has no HELP text", name)
		}
		if !strings.Contains(body, "# TYPE "+name+" ") {
			t.Errorf("%s has no TYPE line", name)
		}
		typ := strings.ToLower(f.GetType().String())
		if strings.HasSuffix(name, "_total") && typ != "counter" {
			t.Errorf("%s is typed %s, want counter", name, typ)
		}
		if strings.HasPrefix(name, "medsec_") {
			want, ok := metricFamilies[name]
			switch {
			case !ok:
				t.Errorf("%s is not described in metricFamilies", name)
			case want.typ != typ:
				t.Errorf("%s is typed %s, want %s", name, typ, want.typ)
			case f.GetHelp() != want.help:
				t.Errorf("%s HELP %q, want %q", name, f.GetHelp(), want.help)
			}
		}
	}
	return seen
}

// TestMetricsHelpAndType registers the metrics of both roles' listeners, log store,
// notifications, central consumer and live capture, and writes them with the Go and
// process metrics as /metrics does: Prometheus' parser reads every family with its HELP
// and TYPE. The digest gauge counts through the store's COUNT query.
func TestMetricsHelpAndType(t *testing.T) {
	set := metrics.NewSet()
	registerListenerMetrics(set, "central", &logs.ListenerStats{})
	newMeteredSink(set, nil)
	counted := 0
	newMeteredNotify(set, nil, func(context.Context) (int, error) { counted++; return 7, nil })
	natsbus.NewCentralMetrics(set)
	registerCaptureMetrics(set, "eth1")
	// The families central creates on first use, per site and per delivery result.
	for _, name := range []string{`medsec_central_messages_received_total{site="TPE"}`, `medsec_central_messages_committed_total{site="TPE"}`,
		`medsec_central_messages_duplicate_total{site="TPE"}`, `medsec_notify_deliveries_total{channel="email",result="sent"}`} {
		set.GetOrCreateCounter(name).Inc()
	}
	var buf bytes.Buffer
	writeMetrics(set)(&buf)
	seen := checkExposition(t, buf.String())
	for name := range metricFamilies {
		if !seen[name] && !strings.HasPrefix(name, "medsec_sensor_") || strings.HasPrefix(name, "medsec_sensor_capture_") && !seen[name] {
			t.Errorf("%s is described but not written", name)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total"} {
		if !seen[name] {
			t.Errorf("no %s", name)
		}
	}
	if counted != 1 || !strings.Contains(buf.String(), "\nmedsec_notify_digest_queue 7\n") {
		t.Errorf("digest gauge: counted %d times\n%s", counted, buf.String())
	}
}

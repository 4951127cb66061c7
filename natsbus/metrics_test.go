package natsbus_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"

	"medsec/natsbus"
)

// scrape returns a set's metrics in the Prometheus text format, by series.
func scrape(set *metrics.Set) map[string]string {
	var buf bytes.Buffer
	set.WritePrometheus(&buf)
	out := map[string]string{}
	for line := range strings.SplitSeq(buf.String(), "\n") {
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			out[line[:i]] = line[i+1:]
		}
	}
	return out
}

// TestCentralMetrics hands central a batch of three new records and a resend from TPE, then
// a batch naming an unknown site: /metrics counts what was received and committed per
// site, the duplicate, the failed batch, and two commit times.
func TestCentralMetrics(t *testing.T) {
	c := newCentral(t)
	set := metrics.NewSet()
	c.handler.Metrics = natsbus.NewCentralMetrics(set)
	ctx := context.Background()
	batch := []*natsbus.Envelope{logEnvelope("TPE", "s1", 1), logEnvelope("TPE", "s1", 2), logEnvelope("TPE", "s1", 3)}
	if err := c.handler.Handle(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := c.handler.Handle(ctx, []*natsbus.Envelope{logEnvelope("TPE", "s1", 3), logEnvelope("TNN", "s1", 1)}); err == nil {
		t.Fatal("a batch naming an unknown site was acknowledged")
	}
	got := scrape(set)
	for series, want := range map[string]string{
		`medsec_central_messages_received_total{site="TPE"}`:  "4",
		`medsec_central_messages_received_total{site="TNN"}`:  "1",
		`medsec_central_messages_committed_total{site="TPE"}`: "3",
		`medsec_central_messages_duplicate_total{site="TPE"}`: "1",
		`medsec_central_batches_failed_total`:                 "1",
		`medsec_central_commit_seconds_count`:                 "2",
		`medsec_central_commit_seconds_bucket{le="+Inf"}`:     "2",
	} {
		if got[series] != want {
			t.Errorf("%s = %q, want %s", series, got[series], want)
		}
	}
	if _, ok := got[`medsec_central_messages_committed_total{site="TNN"}`]; ok {
		t.Error("the unknown site's message was counted as committed")
	}
}

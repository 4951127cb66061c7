package zone_test

import (
	"testing"

	"medsec/zone"
	"medsec/zone/synth"
)

// BenchmarkCheckFlows checks generated flows (≈50 nested zones, 500 conduits) with the
// indexed Checker and with the naive LinearChecker; compare their flows/s. The full
// 1,000,000-flow run with the ratio is `go run ./bench/zone`.
func BenchmarkCheckFlows(b *testing.B) {
	cfg := synth.Default
	cfg.Flows = 100_000
	h, err := synth.Generate(cfg)
	if err != nil {
		b.Fatal(err)
	}
	fast, err := zone.NewChecker(h.Model)
	if err != nil {
		b.Fatal(err)
	}
	slow, err := zone.NewLinearChecker(h.Model)
	if err != nil {
		b.Fatal(err)
	}
	want := slow.CountViolations(h.Flows)
	for _, bc := range []struct {
		name  string
		count func([]zone.Flow) int
	}{{"indexed", fast.CountViolations}, {"linear", slow.CountViolations}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if got := bc.count(h.Flows); got != want {
					b.Fatalf("violations = %d, want %d", got, want)
				}
			}
			b.ReportMetric(float64(len(h.Flows)*b.N)/b.Elapsed().Seconds(), "flows/s")
		})
	}
}

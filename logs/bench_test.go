package logs

import (
	"testing"
	"time"
)

// BenchmarkParse measures the parser per format on a typical hospital line.
func BenchmarkParse(b *testing.B) {
	lines := map[string]string{
		"rfc5424": `<86>1 2026-11-30T08:00:00.123Z his-ap1 sshd 4242 - [meta@32473 user="dr.lin"] Accepted publickey for dr.lin from 10.1.2.3 port 50000 ssh2`,
		"rfc3164": `<38>Nov 30 08:00:00 his-ap1 emr[123]: user=dr.lin action=chart-open patient=P0001234 outcome=success`,
		"cef":     `<134>Nov 30 08:00:00 ngf-edge CEF:0|Acme|NGF|7.0|4000|Connection denied|5|src=10.1.2.3 spt=50000 dst=203.0.113.9 dpt=443 proto=TCP act=deny suser=dr.lin`,
		"json":    `{"@timestamp":"2026-11-30T08:00:00Z","user":{"name":"dr.lin"},"event":{"action":"chart-open","outcome":"success"},"host":{"name":"emr01"}}`,
	}
	p := &Parser{}
	now := time.Date(2026, 11, 30, 8, 0, 1, 0, time.UTC)
	for name, line := range lines {
		raw := []byte(line)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Parse(raw, now, "10.0.0.1:514"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

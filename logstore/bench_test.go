package logstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"medsec/logs"
)

// benchLines returns n syslog lines shaped as bench/logs sends them: RFC 5424 sshd with
// structured data, RFC 3164 EMR audit lines and CEF firewall denies, a third each.
func benchLines(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	hosts := []string{"his-ap1", "emr-ap1", "pacs01", "ngf-edge", "10.10.20.31"}
	users := []string{"dr.lin", "nurse.chen", "ce.hsu", "root", "admin"}
	base := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	out := make([][]byte, n)
	for i := range out {
		t := base.Add(time.Duration(i) * time.Millisecond)
		h, u := hosts[r.IntN(len(hosts))], users[r.IntN(len(users))]
		switch i % 3 {
		case 0:
			out[i] = fmt.Appendf(nil, `<86>1 %s %s sshd %d - [meta@32473 user="%s"] Accepted publickey for %s from 10.1.%d.%d port %d ssh2`,
				t.Format(time.RFC3339Nano), h, 1000+r.IntN(9000), u, u, r.IntN(255), r.IntN(255), 1024+r.IntN(60000))
		case 1:
			out[i] = fmt.Appendf(nil, `<38>%s %s emr[%d]: user=%s action=chart-open patient=P%07d outcome=success`,
				t.Format(time.Stamp), h, 100+r.IntN(900), u, r.IntN(9999999))
		default:
			out[i] = fmt.Appendf(nil, `<134>%s %s CEF:0|Acme|NGF|7.0|4000|Connection denied|5|src=10.1.%d.%d spt=%d dst=203.0.113.%d dpt=443 proto=TCP act=deny suser=%s`,
				t.Format(time.Stamp), h, r.IntN(255), r.IntN(255), 1024+r.IntN(60000), r.IntN(255), u)
		}
	}
	return out
}

// cpuTime returns the user + system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process's CPU time per op since start (cpu-ns/op): on a shared
// machine it varies less than the wall time.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkIngest measures the store's write path per record (ns/op is per record) on
// parsed bench/logs lines, in Appends of 2,000: "prepare" is flattening the fields and
// hashing the leaf, "append" the whole durable Append (prepare, group commit with the
// journal fsync, and indexing until searchable).
func BenchmarkIngest(b *testing.B) {
	const batch = 2000
	lines := benchLines(batch * 10)
	p := &logs.Parser{}
	now := time.Now().UTC().Add(-time.Hour)
	recs := make([]logs.Record, len(lines))
	for i, l := range lines {
		recs[i], _ = p.Parse(l, now.Add(time.Duration(i)*time.Microsecond), "10.0.0.1:514")
	}
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		i := 0
		for b.Loop() {
			p.Parse(lines[i%len(lines)], now, "10.0.0.1:514")
			i++
		}
	})
	b.Run("prepare", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		i := 0
		var e entry
		var slab fieldSlab
		for b.Loop() {
			rec := &recs[i%len(recs)]
			e = entry{Source: CanonicalSource(rec.Peer), Format: rec.Format, Parser: ParserVersion, Raw: rec.Raw, Received: rec.Received.UnixNano(), Fields: slab.flatten(rec.Fields)}
			e.leaf = e.leafHash()
			i++
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		s, err := Open(Config{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		in := make([]logs.Record, len(recs))
		for i := range recs {
			in[i] = recs[i]
			in[i].Received = time.Time{} // the store's clock: each Append later than the one before
		}
		n := 0
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if n%batch == 0 {
				off := n % len(recs)
				if err := s.Append(context.Background(), in[off:off+batch]); err != nil {
					b.Fatal(err)
				}
			}
			n++
		}
		s.Refresh()
	})
}

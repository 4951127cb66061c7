// Command logsearch measures the sealed log store (logstore) on a day of hospital syslog:
// it stores N parsed records whose receive times spread over one day (N = 86,400,000 is a
// day at 1,000 events/s), then reports the bytes on disk per event against the raw size
// (search storage and seal apart), the store's ingest rate per second of CPU and of wall
// time, and the latency of searches over the whole day.
//
//	go run ./bench/logsearch [-n 500000]
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"medsec/logs"
	"medsec/logstore"
)

func main() {
	n := flag.Int("n", 500000, "records in the day")
	dir := flag.String("dir", "", "store directory (default: a new temporary one, removed after)")
	flag.Parse()
	if err := run(*n, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench logsearch:", err)
		os.Exit(1)
	}
}

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func size(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func line(r *rand.Rand, i int, t time.Time) string {
	users := []string{"dr.chen", "dr.lin", "nurse.wu", "nurse.huang", "pharm.lee", "clerk.tsai", "dr.kao", "itops.chen"}
	hosts := []string{"his-ap1", "emr-ap1", "pacs01", "lis01", "ris01", "ngf-edge", "otf-600"}
	switch i % 3 {
	case 0:
		return fmt.Sprintf(`<110>1 %s %s emr %d ACCESS [audit@32473 user="%s" patient="P%07d" action="view"] patient record view`,
			t.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), hosts[r.IntN(2)], 4000+r.IntN(900), users[r.IntN(8)], r.IntN(200000))
	case 1:
		return fmt.Sprintf("<38>%s %s sshd[%d]: Accepted publickey for %s from 10.10.%d.%d port %d ssh2",
			t.Format(time.Stamp), hosts[r.IntN(7)], 1000+r.IntN(30000), users[r.IntN(8)], r.IntN(4), r.IntN(256), 1024+r.IntN(60000))
	default:
		return fmt.Sprintf("<134>%s ngf-edge CEF:0|Fortinet|FortiGate|7.2.8|0000000013|traffic|3|src=10.%d.%d.%d dst=172.16.%d.%d spt=%d dpt=%d proto=6 act=%s",
			t.Format(time.Stamp), r.IntN(4), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), 1024+r.IntN(60000), []int{104, 443, 2575, 22}[r.IntN(4)],
			[]string{"accept", "accept", "accept", "deny"}[r.IntN(4)])
	}
}

func run(n int, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "logsearch-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	ctx := context.Background()
	st, err := logstore.Open(logstore.Config{Dir: dir})
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(7, 8))
	p := &logs.Parser{}
	day := time.Now().UTC().Add(-25 * time.Hour).Truncate(time.Second)
	step := 24 * time.Hour / time.Duration(n)
	var raw int64
	var parseCPU time.Duration
	c0, w0 := cpu(), time.Now()
	batch := make([]logs.Record, 0, 10000)
	for i := 0; i < n; i++ {
		t := day.Add(time.Duration(i) * step)
		l := line(r, i, t)
		raw += int64(len(l))
		pc := cpu()
		rec, err := p.Parse([]byte(l), t, "10.20.0.1:514")
		parseCPU += cpu() - pc
		if err != nil {
			return err
		}
		batch = append(batch, rec)
		if len(batch) == cap(batch) || i == n-1 {
			if err := st.Append(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	wall, cpuUsed := time.Since(w0), cpu()-c0
	if err := st.Close(); err != nil {
		return err
	}
	fmt.Printf("records %d over one day; raw %.1f bytes/event\n", n, float64(raw)/float64(n))
	fmt.Printf("ingest (parse + seal + index, durable): %.0f events/s wall, %.0f events per CPU-second (parse alone: %.1f µs/event of CPU)\n",
		float64(n)/wall.Seconds(), float64(n)/(cpuUsed.Seconds()), float64(parseCPU.Microseconds())/float64(n))

	st, err = logstore.Open(logstore.Config{Dir: dir, ReadOnly: true})
	if err != nil {
		return err
	}
	defer st.Close()
	data, seal := size(filepath.Join(dir, "data")), size(filepath.Join(dir, "seal"))
	fmt.Printf("on disk: search storage %.1f bytes/event, seal %.1f bytes/event, total %.1f (raw %.1f)\n",
		float64(data)/float64(n), float64(seal)/float64(n), float64(data+seal)/float64(n), float64(raw)/float64(n))
	for _, q := range []string{`"nurse.huang"`, `process.name:sshd "dr.kao"`, `cef.act:deny 172.16.7.9`, `patient "P0123456"`, `*`} {
		var best time.Duration
		var total int64
		for k := 0; k < 3; k++ {
			t0 := time.Now()
			res, err := st.Search(ctx, logstore.Query{From: day, To: day.Add(24 * time.Hour), Filter: q, Limit: 100})
			if err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
			if d := time.Since(t0); best == 0 || d < best {
				best = d
			}
			total = res.Total
		}
		fmt.Printf("search over the day %-28s %9d matches, %6d ms (best of 3; newest 100 and a 15-minute histogram)\n", q, total, best.Milliseconds())
	}
	return nil
}

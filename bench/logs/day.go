package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"medsec/logs"
	"medsec/logstore"
)

// corpus returns the real syslog and CEF lines of ../shared/data/logs: the rsyslog
// parser cases' messages and the Graylog CEF fixtures' test strings.
func corpus(dir string) ([]string, error) {
	var out []string
	files, _ := filepath.Glob(filepath.Join(dir, "syslog", "rsyslog-parse1", "*.parse1"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for l := range strings.SplitSeq(string(b), "\n") {
			if strings.HasPrefix(l, "<") {
				out = append(out, l)
			}
		}
	}
	files, _ = filepath.Glob(filepath.Join(dir, "cef", "graylog-cef-fixtures", "*.json"))
	for _, f := range files {
		var fx struct {
			TestString string `json:"testString"`
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if json.Unmarshal(b, &fx) == nil && fx.TestString != "" && !strings.Contains(fx.TestString, "\n") {
			out = append(out, fx.TestString)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no log lines under %s", dir)
	}
	return out, nil
}

// dayLine returns event i of the synthetic day: three in four follow the hospital's
// shapes (EMR access audit in RFC 5424, sshd logins in RFC 3164, FortiGate traffic in CEF,
// with users, hosts, patients and addresses varied), one in four is a real line of the
// shared corpus as it is.
func dayLine(r *rand.Rand, real []string, i int, t time.Time) string {
	users := []string{"dr.chen", "dr.lin", "nurse.wu", "nurse.huang", "pharm.lee", "clerk.tsai", "dr.kao", "itops.chen"}
	hosts := []string{"his-ap1", "emr-ap1", "pacs01", "lis01", "ris01", "ngf-edge", "otf-600"}
	switch i % 4 {
	case 0:
		return fmt.Sprintf(`<110>1 %s %s emr %d ACCESS [audit@32473 user="%s" patient="P%07d" action="view"] patient record view`,
			t.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), hosts[r.IntN(2)], 4000+r.IntN(900), users[r.IntN(8)], r.IntN(200000))
	case 1:
		return fmt.Sprintf("<38>%s %s sshd[%d]: Accepted publickey for %s from 10.10.%d.%d port %d ssh2",
			t.Format(time.Stamp), hosts[r.IntN(7)], 1000+r.IntN(30000), users[r.IntN(8)], r.IntN(4), r.IntN(256), 1024+r.IntN(60000))
	case 2:
		return fmt.Sprintf("<134>%s ngf-edge CEF:0|Fortinet|FortiGate|7.2.8|0000000013|traffic|3|src=10.%d.%d.%d dst=172.16.%d.%d spt=%d dpt=%d proto=6 act=%s",
			t.Format(time.Stamp), r.IntN(4), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), 1024+r.IntN(60000), []int{104, 443, 2575, 22}[r.IntN(4)],
			[]string{"accept", "accept", "accept", "deny"}[r.IntN(4)])
	}
	return real[r.IntN(len(real))]
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// runDay stores n events received at 1,000 a second from midnight UTC of yesterday (n =
// 86,400,000 is the whole day) straight into a log store — parsed, sealed and indexed, in
// appends of 10,000, without the network — then reports bytes on disk per event and the
// latency of searches over the whole day: a time range alone, a field, a word, both, and a
// value no record has.
func runDay(n int, dir, shared string) error {
	logstore.TuneGC() // as medsec serve does
	real, err := corpus(filepath.Join(shared, "data", "logs"))
	if err != nil {
		return err
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "bench-logs-day-")
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
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	var raw int64
	c0, w0 := cpuTime(), time.Now()
	batch := make([]logs.Record, 0, 10000)
	for i := range n {
		t := day.Add(time.Duration(i) * time.Millisecond)
		l := dayLine(r, real, i, t)
		raw += int64(len(l))
		rec, err := p.Parse([]byte(l), t, fmt.Sprintf("10.20.0.%d:514", 1+i%20))
		if err != nil {
			rec.Fields = map[string]any{"message": l, "error.message": err.Error()}
		}
		batch = append(batch, rec)
		if len(batch) == cap(batch) || i == n-1 {
			if err := st.Append(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
		if i > 0 && i%1_000_000 == 0 {
			fmt.Fprintf(os.Stderr, "%d events stored, %.0f/s\n", i, float64(i)/time.Since(w0).Seconds())
		}
	}
	wall, cpuUsed := time.Since(w0), cpuTime()-c0
	if err := st.Close(); err != nil {
		return err
	}
	covered := time.Duration(n) * time.Millisecond
	fmt.Printf("day mode: %d events at 1,000/s from %s (%.1f h of the day), %d real corpus lines mixed in; raw %.1f bytes/event\n",
		n, day.Format(time.RFC3339), covered.Hours(), len(real), float64(raw)/float64(n))
	fmt.Printf("stored (parse + seal + index, durable appends of 10,000): %.0f events/s wall, %.0f per CPU-second\n",
		float64(n)/wall.Seconds(), float64(n)/cpuUsed.Seconds())

	st, err = logstore.Open(logstore.Config{Dir: dir, ReadOnly: true})
	if err != nil {
		return err
	}
	defer st.Close()
	data, seal := dirSize(filepath.Join(dir, "data")), dirSize(filepath.Join(dir, "seal"))
	fmt.Printf("on disk: search storage %.1f bytes/event, seal %.1f bytes/event, total %.1f (%.2f x raw)\n",
		float64(data)/float64(n), float64(seal)/float64(n), float64(data+seal)/float64(n), float64(data+seal)/float64(raw))
	queries := []struct{ what, q string }{
		{"time range only", `*`},
		{"field", `process.name:sshd`},
		{"word", `"nurse.huang"`},
		{"field + word", `process.name:sshd "dr.kao"`},
		{"field value no record has", `cef.act:deny 172.16.7.9 "nobody.here"`},
	}
	for _, q := range queries {
		var best time.Duration
		var total int64
		for range 3 {
			t0 := time.Now()
			res, err := st.Search(ctx, logstore.Query{From: day, To: day.Add(24 * time.Hour), Filter: q.q, Limit: 100})
			if err != nil {
				return fmt.Errorf("%s: %w", q.q, err)
			}
			if d := time.Since(t0); best == 0 || d < best {
				best = d
			}
			total = res.Total
		}
		fmt.Printf("search over the day, %-26s %-36s %10d matches %7d ms (best of 3: newest 100 and the histogram)\n", q.what+":", q.q, total, best.Milliseconds())
	}
	return nil
}

// Command logs measures medsec's syslog ingest over TCP against Debian's rsyslogd in the
// same run: both receive the same stream of generated hospital syslog lines (RFC 5424,
// RFC 3164 and CEF mixed) over one octet-counted TCP connection. rsyslogd (imtcp)
// writes them to a file; medsec (logs.Listener) parses each line, and the log store
// (logstore) seals and indexes it, acknowledging only once durable. It prints both
// rates, their ratio, medsec's parse-only rate, and the store's bytes on disk per event
// against the raw size. With -day N it instead stores N events received at 1,000 a second
// (a whole day is 86,400,000) straight into a store and measures searches over the day
// (day.go).
//
//	go run ./bench/logs [-n 300000]
//	go run ./bench/logs -day 86400000 [-dir DIR]
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"

	"medsec/logs"
	"medsec/logstore"
)

// profile is the file -cpuprofile names: the CPU profile of the store run only (day mode:
// of the whole run).
var profile string

func startProfile() (stop func(), err error) {
	if profile == "" {
		return func() {}, nil
	}
	f, err := os.Create(profile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func main() {
	n := flag.Int("n", 300000, "number of syslog lines")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the medsec store run to this file")
	traceFile := flag.String("trace", "", "write an execution trace of the run to this file (go tool trace; -pprof=sync shows where the write path waits)")
	day := flag.Int("day", 0, "day mode instead: store this many events received at 1,000/s (86400000 = a whole day) and search them")
	dir := flag.String("dir", "", "day mode: store directory (default: a temporary one, removed after)")
	shared := flag.String("shared", "../shared", "day mode: the shared directory with data/logs")
	flag.Parse()
	profile = *cpuProfile
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench logs:", err)
			os.Exit(1)
		}
		defer f.Close()
		trace.Start(f)
		defer trace.Stop()
	}
	run := func() error { return run(*n) }
	if *day > 0 {
		run = func() error { return runDay(*day, *dir, *shared) }
	}
	if *day > 0 {
		stop, err := startProfile()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench logs:", err)
			os.Exit(1)
		}
		defer stop()
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench logs:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// stream returns n octet-counted syslog frames and their total raw size.
func stream(n int) ([]byte, int) {
	r := rand.New(rand.NewPCG(1, 2))
	hosts := []string{"his-ap1", "emr-ap1", "pacs01", "ngf-edge", "10.10.20.31"}
	users := []string{"dr.lin", "nurse.chen", "ce.hsu", "root", "admin"}
	base := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	raw := 0
	for i := range n {
		t := base.Add(time.Duration(i) * time.Millisecond)
		h, u := hosts[r.IntN(len(hosts))], users[r.IntN(len(users))]
		var l string
		switch i % 3 {
		case 0:
			l = fmt.Sprintf(`<86>1 %s %s sshd %d - [meta@32473 user="%s"] Accepted publickey for %s from 10.1.%d.%d port %d ssh2`,
				t.Format(time.RFC3339Nano), h, 1000+r.IntN(9000), u, u, r.IntN(255), r.IntN(255), 1024+r.IntN(60000))
		case 1:
			l = fmt.Sprintf(`<38>%s %s emr[%d]: user=%s action=chart-open patient=P%07d outcome=success`,
				t.Format(time.Stamp), h, 100+r.IntN(900), u, r.IntN(9999999))
		default:
			l = fmt.Sprintf(`<134>%s %s CEF:0|Acme|NGF|7.0|4000|Connection denied|5|src=10.1.%d.%d spt=%d dst=203.0.113.%d dpt=443 proto=TCP act=deny suser=%s`,
				t.Format(time.Stamp), h, r.IntN(255), r.IntN(255), 1024+r.IntN(60000), r.IntN(255), u)
		}
		raw += len(l)
		out.WriteString(strconv.Itoa(len(l)))
		out.WriteByte(' ')
		out.WriteString(l)
	}
	return out.Bytes(), raw
}

func send(addr string, data []byte) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	if _, err := c.Write(data); err != nil {
		return err
	}
	return c.Close()
}

func run(n int) error {
	logstore.TuneGC() // as medsec serve does
	data, raw := stream(n)
	fmt.Printf("go %s %s/%s, %d CPUs; %d lines, %.1f MB raw (%d bytes/line)\n", runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), n, float64(raw)/1e6, raw/n)
	rs, err := runRsyslog(data, n)
	if err != nil {
		return fmt.Errorf("rsyslog: %w", err)
	}
	parseOnly, err := runMedsec(data, n, false)
	if err != nil {
		return err
	}
	full, err := runMedsec(data, n, true)
	if err != nil {
		return err
	}
	fmt.Printf("rsyslogd 8 (imtcp -> omfile):                     %9.0f lines/s  %5.1f µs CPU/line\n", rs.rate, rs.cpuPerLine(n))
	fmt.Printf("medsec parse only (listener -> discard):          %9.0f lines/s  %5.1f µs CPU/line\n", parseOnly.rate, parseOnly.cpuPerLine(n))
	fmt.Printf("medsec parse + seal + index, durable acks:        %9.0f lines/s  %5.1f µs CPU/line  (%.2f x rsyslog)\n", full.rate, full.cpuPerLine(n), full.rate/rs.rate)
	fmt.Printf("log store on disk: %.1f MB, %.0f bytes/event (raw %d bytes/event, %.2f x raw)\n",
		float64(full.disk)/1e6, float64(full.disk)/float64(n), raw/n, float64(full.disk)/float64(raw))
	return nil
}

type result struct {
	rate float64
	disk int64
	cpu  time.Duration // CPU time (user + system) of the receiving process over the run
}

func (r result) cpuPerLine(n int) float64 { return float64(r.cpu.Microseconds()) / float64(n) }

// procCPU returns the user + system CPU time process pid has used so far (/proc/PID/stat,
// in clock ticks of 10 ms).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

func runRsyslog(data []byte, n int) (result, error) {
	dir, err := os.MkdirTemp("", "bench-rsyslog-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	out, portFile := filepath.Join(dir, "out.log"), filepath.Join(dir, "port")
	conf := fmt.Sprintf(`global(workDirectory=%q)
module(load="imtcp")
ruleset(name="r") { action(type="omfile" file=%q) }
input(type="imtcp" port="0" listenPortFileName=%q ruleset="r")
`, dir, out, portFile)
	os.WriteFile(filepath.Join(dir, "rsyslog.conf"), []byte(conf), 0o600)
	cmd := exec.Command("rsyslogd", "-f", filepath.Join(dir, "rsyslog.conf"), "-i", filepath.Join(dir, "pid"), "-n")
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var port int
	for i := 0; port == 0 && i < 400; i++ {
		b, _ := os.ReadFile(portFile)
		port, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		time.Sleep(25 * time.Millisecond)
	}
	if port == 0 {
		return result{}, fmt.Errorf("rsyslogd did not listen")
	}
	cpu0 := procCPU(cmd.Process.Pid)
	start := time.Now()
	if err := send(fmt.Sprintf("127.0.0.1:%d", port), data); err != nil {
		return result{}, err
	}
	lines := 0
	var off int64
	for lines < n {
		if time.Since(start) > 10*time.Minute {
			return result{}, fmt.Errorf("rsyslogd wrote %d of %d lines", lines, n)
		}
		f, err := os.Open(out)
		if err == nil {
			f.Seek(off, io.SeekStart)
			b, _ := io.ReadAll(bufio.NewReader(f))
			f.Close()
			if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
				lines += bytes.Count(b[:i+1], []byte{'\n'})
				off += int64(i + 1)
			}
		}
		if lines < n {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return result{rate: float64(n) / time.Since(start).Seconds(), cpu: procCPU(cmd.Process.Pid) - cpu0}, nil
}

// discard is a sink that keeps nothing.
type discard struct{}

func (discard) Append(context.Context, []logs.Record) error { return nil }

func runMedsec(data []byte, n int, store bool) (result, error) {
	dir, err := os.MkdirTemp("", "bench-medsec-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	var sink logs.Sink = discard{}
	var st *logstore.Store
	if store {
		if st, err = logstore.Open(logstore.Config{Dir: dir}); err != nil {
			return result{}, err
		}
		sink = st
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := &logs.Listener{Parser: &logs.Parser{}, Sink: sink, Batch: 2000}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	go l.ServeStream(ctx, ln)
	stopProfile := func() {}
	if store {
		if stopProfile, err = startProfile(); err != nil {
			return result{}, err
		}
	}
	cpu0 := procCPU(os.Getpid())
	start := time.Now()
	if err := send(ln.Addr().String(), data); err != nil {
		return result{}, err
	}
	for l.Stats.Stored.Load() < int64(n) {
		if time.Since(start) > 10*time.Minute {
			return result{}, fmt.Errorf("medsec stored %d of %d", l.Stats.Stored.Load(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if st != nil {
		st.Refresh() // the run ends once every record is indexed and searchable, too
	}
	res := result{rate: float64(n) / time.Since(start).Seconds(), cpu: procCPU(os.Getpid()) - cpu0}
	stopProfile()
	if st != nil {
		if err := st.Close(); err != nil {
			return res, err
		}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if fi, err := d.Info(); err == nil {
					res.disk += fi.Size()
				}
			}
			return nil
		})
	}
	return res, nil
}

// Command detect measures medsec's Sigma engine (package detect): it loads 1,000 compiled
// SigmaHQ rules (the rules of ../shared/data/sigma/rules, loaded again under new IDs until
// there are 1,000, since the shared data holds fewer distinct ones) and a few correlation
// rules over them, builds a stream of realistic events (Sysmon events of SigmaHQ's
// regression data and benign variants of them, Linux auth and medsec login events, as JSON
// lines), and runs the same pipeline (JSON decoding with detect.Decoder.DecodeEvent,
// NormalizeEvent included, rule evaluation and correlation) with the rules and with none,
// in one run, on one goroutine (Engine.Process) and on every processor
// (Engine.ProcessBatch, which must give the same matches and alerts), printing events per
// second by the clock and per CPU-second and their ratio. It then measures the memory held
// per open correlation window.
//
//	go run ./bench/detect [-events 100000] [-rules 1000] [-sigma ../shared/data/sigma] [-cpuprofile FILE]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"medsec/detect"
)

func main() {
	nEvents := flag.Int("events", 100000, "events in the stream")
	nRules := flag.Int("rules", 1000, "detection rules to load")
	sigma := flag.String("sigma", filepath.Join("..", "shared", "data", "sigma"), "SigmaHQ rules and regression data")
	windows := flag.Int("windows", 100000, "open correlation windows for the memory measure")
	runs := flag.Int("runs", 3, "timed runs of each pipeline (the best is reported)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measured runs to this file")
	flag.Parse()
	if err := run(*sigma, *nRules, *nEvents, *windows, *runs, *cpuprofile); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench detect:", err)
		os.Exit(1)
	}
}

func run(sigma string, nRules, nEvents, nWindows, runs int, cpuprofile string) error {
	fmt.Printf("go %s %s/%s, %d CPUs\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	base, err := loadRules(filepath.Join(sigma, "rules"))
	if err != nil {
		return err
	}
	rules := make([]*detect.Rule, 0, nRules)
	for i := 0; len(rules) < nRules; i++ {
		r := *base[i%len(base)]
		if i >= len(base) {
			r.ID = fmt.Sprintf("%s-copy%d", r.ID, i/len(base))
			r.Name = ""
		}
		rules = append(rules, &r)
	}
	// Correlations over common rules, grouped by host, so that the correlation path runs.
	corrs, err := detect.ParseRules("bench-correlations.yml", []byte(correlations(base)))
	if err != nil {
		return err
	}
	withCorr := append(append([]*detect.Rule(nil), rules...), corrs...)
	stream, err := buildStream(sigma, nEvents)
	if err != nil {
		return err
	}
	fmt.Printf("rules: %d detection (%d distinct SigmaHQ rules) + %d correlations; stream: %d events, %.1f MB of JSON lines\n",
		len(rules), len(base), len(corrs), nEvents, float64(len(stream))/1e6)

	if cpuprofile != "" {
		// The profile covers the measured runs only, not loading rules and building the stream.
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	pipe := detect.DefaultPipeline()
	workers := runtime.GOMAXPROCS(0)
	measure := func(rs []*detect.Rule, workers int) (time.Duration, time.Duration, detect.Stats, error) {
		best, bestCPU := time.Duration(1<<63-1), time.Duration(1<<63-1)
		var stats detect.Stats
		for r := 0; r < runs; r++ {
			eng, err := detect.NewEngine(rs, detect.Options{Pipeline: pipe, Lateness: 5 * time.Second})
			if err != nil {
				return 0, 0, stats, err
			}
			runtime.GC()
			t0, c0 := time.Now(), cpuTime()
			if err := feed(eng, stream, workers); err != nil {
				return 0, 0, stats, err
			}
			eng.Flush()
			best = min(best, time.Since(t0))
			bestCPU = min(bestCPU, cpuTime()-c0)
			stats = eng.Stats()
		}
		return best, bestCPU, stats, nil
	}
	t0 := time.Now()
	if _, err := detect.NewEngine(withCorr, detect.Options{Pipeline: pipe}); err != nil {
		return err
	}
	fmt.Printf("compile %d rules: %v\n", len(withCorr), time.Since(t0).Round(time.Millisecond))
	rate := func(d time.Duration) float64 { return float64(nEvents) / d.Seconds() }
	fmt.Printf("(events/s by the clock, and per CPU-second of this process: the machine is shared)\n")
	var stats detect.Stats
	for _, w := range []int{1, workers} {
		dNone, cNone, _, err := measure(nil, w)
		if err != nil {
			return err
		}
		dRules, cRules, st, err := measure(withCorr, w)
		if err != nil {
			return err
		}
		if w > 1 && st != stats {
			return fmt.Errorf("%d goroutines: %+v, one goroutine: %+v", w, st, stats)
		}
		stats = st
		fmt.Printf("on %d goroutine(s):\n", w)
		fmt.Printf("  pipeline with no rules:     %8.0f events/s, %8.0f per CPU-s\n", rate(dNone), rate(cNone))
		fmt.Printf("  pipeline with %4d rules:   %8.0f events/s, %8.0f per CPU-s; %d matches, %d correlation alerts\n",
			len(withCorr), rate(dRules), rate(cRules), stats.Matches, stats.Alerts)
		fmt.Printf("  ratio (with rules / none):  %.2f by the clock, %.2f by CPU\n", rate(dRules)/rate(dNone), rate(cRules)/rate(cNone))
		if workers == 1 {
			break
		}
	}

	// Engine alone on decoded events: flat (DecodeEvent), and as maps (Fields), the form
	// the detection service hands the engine (medsec.Event's fields).
	for _, asMaps := range []bool{false, true} {
		evs, err := decodeAll(stream, asMaps)
		if err != nil {
			return err
		}
		dEng, cEng := time.Duration(1<<63-1), time.Duration(1<<63-1)
		for r := 0; r < runs; r++ {
			eng, err := detect.NewEngine(withCorr, detect.Options{Pipeline: pipe, Lateness: 5 * time.Second})
			if err != nil {
				return err
			}
			runtime.GC()
			t1, c1 := time.Now(), cpuTime()
			for i := range evs {
				eng.Process(&evs[i])
			}
			eng.Flush()
			dEng, cEng = min(dEng, time.Since(t1)), min(cEng, cpuTime()-c1)
		}
		form := "flat events"
		if asMaps {
			form = "events as maps"
		}
		fmt.Printf("rule evaluation alone (decoded %s, %d rules): %.0f events/s, %.0f per CPU-s\n", form, len(withCorr), rate(dEng), rate(cEng))
	}

	return windowMemory(nWindows)
}

// feed runs the measured pipeline: decode each JSON line, normalise, process. With more
// than one worker, batches of lines are decoded on that many goroutines (a Decoder each)
// and evaluated with Engine.ProcessBatch, which correlates in the stream's order.
func feed(eng *detect.Engine, stream []byte, workers int) error {
	const batch = 1024
	lines := make([][]byte, 0, batch)
	evs := make([]detect.Event, batch)
	ptrs := make([]*detect.Event, batch)
	decs := make([]detect.Decoder, workers)
	errs := make([]error, workers)
	flush := func() error {
		n := len(lines)
		if workers == 1 {
			for i, l := range lines {
				ev, err := decode(&decs[0], l)
				if err != nil {
					return err
				}
				evs[i] = ev
				eng.Process(&evs[i])
			}
			evs = make([]detect.Event, batch)
			lines = lines[:0]
			return nil
		}
		var wg sync.WaitGroup
		per := (n + workers - 1) / workers
		for w := 0; w < workers; w++ {
			lo, hi := w*per, min((w+1)*per, n)
			if lo >= hi {
				break
			}
			wg.Add(1)
			go func(w, lo, hi int) {
				defer wg.Done()
				for i := lo; i < hi; i++ {
					ev, err := decode(&decs[w], lines[i])
					if err != nil {
						errs[w] = err
						return
					}
					evs[i] = ev
					ptrs[i] = &evs[i]
				}
			}(w, lo, hi)
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		eng.ProcessBatch(ptrs[:n], workers)
		// The engine keeps events that correlation windows hold: give the next batch
		// new ones.
		evs = make([]detect.Event, batch)
		lines = lines[:0]
		return nil
	}
	for rest := stream; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			i = len(rest)
		}
		if line := rest[:i]; len(line) > 0 {
			lines = append(lines, line)
		}
		rest = rest[min(i+1, len(rest)):]
		if len(lines) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

func decode(d *detect.Decoder, line []byte) (detect.Event, error) {
	return d.DecodeEvent(line)
}

func decodeAll(stream []byte, asMaps bool) ([]detect.Event, error) {
	var out []detect.Event
	var d detect.Decoder
	for _, line := range bytes.Split(bytes.TrimSpace(stream), []byte("\n")) {
		ev, err := decode(&d, line)
		if err != nil {
			return nil, err
		}
		if asMaps {
			ev.Materialize()
		}
		out = append(out, ev)
	}
	return out, nil
}

// windowMemory opens n correlation windows (one group each) holding one event, then
// holding ten, and reports the heap the engine holds per window; the events themselves
// are allocated beforehand and not counted.
func windowMemory(n int) error {
	for _, per := range []int{1, 10} {
		b, err := windowBytes(n, per)
		if err != nil {
			return err
		}
		fmt.Printf("open correlation windows: %d with %d event(s) each: %.0f bytes per window\n", n, per, b)
	}
	return nil
}

func windowBytes(n, per int) (float64, error) {
	rules, err := detect.ParseRules("mem.yml", []byte(`title: any login
name: any_login
logsource: {product: medsec, service: auth}
detection:
  s: {event.action: login.failed}
  condition: s
---
title: many failed logins per user
name: brute
correlation:
  type: event_count
  rules: [any_login]
  group-by: [user.name]
  timespan: 1h
  condition: {gte: 1000000}
`))
	if err != nil {
		return 0, err
	}
	eng, err := detect.NewEngine(rules, detect.Options{MaxGroups: n + 1, MaxEventsPerCorrelation: n*per + 1})
	if err != nil {
		return 0, err
	}
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	evs := make([]detect.Event, n*per)
	for i := range evs {
		evs[i] = detect.Event{Time: t0.Add(time.Duration(i) * time.Millisecond), Fields: map[string]any{
			"event.dataset": "medsec.auth", "event.action": "login.failed", "user.name": fmt.Sprintf("user%07d", i%n)}}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range evs {
		eng.Process(&evs[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if s := eng.Stats(); s.OpenGroups != n || s.OpenEvents != n*per {
		return 0, fmt.Errorf("memory measure: %d groups with %d events open, want %d and %d", s.OpenGroups, s.OpenEvents, n, n*per)
	}
	runtime.KeepAlive(evs)
	runtime.KeepAlive(eng)
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n), nil
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadRules(dir string) ([]*detect.Rule, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []*detect.Rule
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rs, err := detect.ParseRules(f, data)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if _, err := detect.Compile(r, detect.DefaultPipeline()); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no rules in %s", dir)
	}
	return out, nil
}

func correlations(base []*detect.Rule) string {
	var proc []string
	for _, r := range base {
		if r.Logsource.Category == "process_creation" && r.Logsource.Product == "windows" && len(proc) < 20 {
			proc = append(proc, r.ID)
		}
	}
	return fmt.Sprintf(`title: Many suspicious processes on one host
name: busy_host
correlation:
  type: event_count
  rules: [%s]
  group-by: [Computer]
  timespan: 10m
  condition: {gte: 5}
---
title: Several distinct suspicious rules on one host
name: diverse_host
correlation:
  type: value_count
  rules: [%s]
  group-by: [Computer]
  timespan: 10m
  condition: {field: Image, gte: 3}
`, strings.Join(proc, ", "), strings.Join(proc, ", "))
}

// buildStream makes n JSON lines: 2 %% the regression events as they are (malicious),
// the rest benign variants of them (a common Windows binary and command line in place of
// the original), Linux sshd lines and medsec login events; times one millisecond apart on
// 50 hosts.
func buildStream(sigma string, n int) ([]byte, error) {
	var sysmon []map[string]any
	err := filepath.WalkDir(filepath.Join(sigma, "regression_data"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		evs, err := detect.ReadEvents(p, f, time.Time{})
		if err != nil {
			return err
		}
		for _, e := range evs {
			sysmon = append(sysmon, e.Fields)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(sysmon) == 0 {
		return nil, fmt.Errorf("no regression events under %s", sigma)
	}
	// Benign variants start from Sysmon events that name an image (process, file, registry,
	// image load, network): their distinguishing fields are replaced by everyday values.
	var withImage []map[string]any
	for _, e := range sysmon {
		if _, ok := e["Image"]; ok && e["Channel"] == "Microsoft-Windows-Sysmon/Operational" {
			withImage = append(withImage, e)
		}
	}
	benign := []struct{ img, cmd string }{
		{`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`},
		{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=ja`},
		{`C:\Windows\explorer.exe`, `C:\Windows\Explorer.EXE`},
		{`C:\Program Files\PACS Viewer\viewer.exe`, `"C:\Program Files\PACS Viewer\viewer.exe" /study 1.2.840.113619.2.55`},
		{`C:\Windows\System32\conhost.exe`, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := 0; i < n; i++ {
		t := t0.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano)
		host := fmt.Sprintf("ws-%02d.hospital.local", rng.IntN(50))
		var ev map[string]any
		switch k := rng.IntN(100); {
		case k < 80:
			src := sysmon[rng.IntN(len(sysmon))]
			if k >= 2 {
				src = withImage[rng.IntN(len(withImage))]
			}
			ev = make(map[string]any, len(src)+1)
			for key, v := range src {
				ev[key] = v
			}
			if k >= 2 {
				b := benign[rng.IntN(len(benign))]
				for _, f := range []string{"Image", "SourceImage"} {
					if _, ok := ev[f]; ok {
						ev[f] = b.img
					}
				}
				for _, f := range []string{"CommandLine", "ParentCommandLine"} {
					if _, ok := ev[f]; ok {
						ev[f] = b.cmd
					}
				}
				for _, f := range []string{"TargetFilename", "ImageLoaded", "TargetObject", "TargetImage", "Details"} {
					if _, ok := ev[f]; ok {
						ev[f] = fmt.Sprintf(`C:\Users\nurse%d\AppData\Local\Temp\report-%d.pdf`, rng.IntN(40), i)
					}
				}
				if _, ok := ev["Hashes"]; ok {
					ev["Hashes"] = fmt.Sprintf("MD5=%032X,SHA256=%064X,IMPHASH=%032X", rng.Uint64(), rng.Uint64(), rng.Uint64())
				}
				if _, ok := ev["OriginalFileName"]; ok {
					ev["OriginalFileName"] = filepath.Base(strings.ReplaceAll(b.img, `\`, "/"))
				}
				for f, v := range map[string]string{"ParentImage": `C:\Windows\explorer.exe`, "Description": "Host Process for Windows Services",
					"Product": "Microsoft Windows Operating System", "Company": "Microsoft Corporation", "PipeName": `\srvsvc`,
					"QueryName": "update.hospital.local", "DestinationHostname": "pacs.hospital.local", "User": `HOSPITAL\nurse`} {
					if _, ok := ev[f]; ok {
						ev[f] = v
					}
				}
			}
			ev["Computer"] = host
			ev["@timestamp"] = t
		case k < 90:
			ev = map[string]any{"@timestamp": t, "host.name": host, "process.name": "sshd", "log.syslog.appname": "sshd",
				"message": fmt.Sprintf("Failed password for nurse%d from 10.20.%d.%d port 52%03d ssh2", rng.IntN(40), rng.IntN(255), rng.IntN(255), rng.IntN(1000))}
		default:
			ev = map[string]any{"@timestamp": t, "event.dataset": "medsec.auth", "event.category": "authentication",
				"event.action": []string{"login", "login.failed"}[rng.IntN(2)], "user.name": fmt.Sprintf("nurse%d", rng.IntN(40)), "source.ip": fmt.Sprintf("10.30.0.%d", rng.IntN(255))}
		}
		if err := enc.Encode(ev); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medsec/capture"
	"medsec/logs"
	"medsec/natsbus"
)

// Sensor runs "medsec sensor" (issue 17): at a site, it receives syslog and discovers
// devices passively from live interfaces (AF_PACKET, in windows) and capture files, and
// forwards each record and each capture's discovery to the group's NATS JetStream stream
// through a disk spool, so that nothing it has taken is lost while the broker is
// unreachable; central stores each capture as a discovery run of the sensor's site
// (capture.SensorRuns). Listening, when set, is told each listener's kind ("syslog-udp",
// "syslog-tcp", "health") and address once it listens.
type Sensor struct {
	Stdout, Stderr io.Writer
	Listening      func(kind, addr string)
}

// sensorConfig holds the flags of "medsec sensor".
type sensorConfig struct {
	site, name, spool string
	spoolMax          int64
	udp, tcp, health  string
	healthEvery       time.Duration
	nats              natsFlags
	pcaps, ifaces     listFlag
	window            time.Duration
	maxFlows          int
	once              bool
}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func (s *Sensor) parse(args []string) (*sensorConfig, error) {
	fs := flag.NewFlagSet("sensor", flag.ContinueOnError)
	fs.SetOutput(s.Stderr)
	c := &sensorConfig{}
	host, _ := os.Hostname()
	fs.StringVar(&c.site, "site", "", "code of the site this sensor serves (as in medsec's sites); required")
	fs.StringVar(&c.name, "name", sensorName(host), "the sensor's name at its site (letters, digits, '-', '_')")
	fs.StringVar(&c.spool, "spool", "./medsec-spool", "directory of the disk spool that holds records while the broker is unreachable")
	fs.Int64Var(&c.spoolMax, "spool-max", 1<<30, "most bytes the spool may hold; past it records are refused and counted as dropped")
	fs.StringVar(&c.udp, "syslog-udp", "", "receive syslog over UDP on this address (RFC 5426), e.g. 0.0.0.0:514")
	fs.StringVar(&c.tcp, "syslog-tcp", "", "receive syslog over TCP on this address (RFC 6587), e.g. 0.0.0.0:514")
	fs.StringVar(&c.health, "health-listen", "", "serve the sensor's health as JSON at http://ADDR/health and its metrics for Prometheus at http://ADDR/metrics (e.g. 127.0.0.1:9514; no credential asked: keep it on the loopback or a management network); off when empty")
	fs.DurationVar(&c.healthEvery, "health-every", 10*time.Second, "how often the sensor reports its health to central")
	fs.Var(&c.pcaps, "pcap", "discover from this pcap or pcapng file and send the result to central as a discovery run (may be given several times)")
	fs.Var(&c.ifaces, "interface", "discover live on this Linux interface (AF_PACKET, needs CAP_NET_RAW), sending a discovery run every --window (may be given several times)")
	fs.DurationVar(&c.window, "window", 5*time.Minute, "how long each live discovery window lasts (with --interface)")
	fs.IntVar(&c.maxFlows, "max-flows", 1<<20, "most conversations one capture or window tracks; packets of further ones are counted only")
	fs.BoolVar(&c.once, "once", false, "exit once the --pcap files are analysed and everything is sent (not with --syslog-* or --interface)")
	addNATSFlags(fs, &c.nats)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("sensor: unexpected argument %q (capture files are given with --pcap)", fs.Arg(0))
	}
	if err := natsbus.CheckToken("--site", c.site); err != nil {
		return nil, fmt.Errorf("sensor: %w", err)
	}
	if err := natsbus.CheckToken("--name", c.name); err != nil {
		return nil, fmt.Errorf("sensor: %w", err)
	}
	if err := c.nats.cfg.Check(); err != nil {
		return nil, fmt.Errorf("sensor: %w", err)
	}
	if c.spoolMax < 1<<20 {
		return nil, fmt.Errorf("sensor: --spool-max %d: at least 1048576 bytes (1 MiB)", c.spoolMax)
	}
	if c.healthEvery < time.Second {
		return nil, fmt.Errorf("sensor: --health-every %s: at least 1s", c.healthEvery)
	}
	if c.window < time.Second {
		return nil, fmt.Errorf("sensor: --window %s: at least 1s", c.window)
	}
	if c.maxFlows < 1 {
		return nil, fmt.Errorf("sensor: --max-flows %d: at least 1", c.maxFlows)
	}
	if c.udp == "" && c.tcp == "" && len(c.pcaps) == 0 && len(c.ifaces) == 0 {
		return nil, errors.New("sensor: nothing to forward: give --syslog-udp, --syslog-tcp, --interface or --pcap")
	}
	if c.once && (len(c.pcaps) == 0 || c.udp != "" || c.tcp != "" || len(c.ifaces) > 0) {
		return nil, errors.New("sensor: --once needs --pcap, and no --syslog-udp, --syslog-tcp or --interface (those never end)")
	}
	return c, nil
}

// sensorName makes a sensor name of a host name: its first label, characters a subject
// token may not hold replaced by '-'.
func sensorName(host string) string {
	host, _, _ = strings.Cut(host, ".")
	b := []byte(host)
	for i, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return "sensor"
	}
	return string(b[:min(len(b), 64)])
}

// Run runs the sensor until ctx ends.
func (s *Sensor) Run(ctx context.Context, args []string) error {
	c, err := s.parse(args)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(s.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	spool, err := natsbus.OpenSpool(c.spool, c.site, c.name, c.spoolMax)
	if err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	defer spool.Close()
	c.nats.cfg.Name = "medsec sensor " + c.site + "/" + c.name
	conn, err := natsbus.Connect(c.nats.cfg)
	if err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	defer conn.Close()
	fwd := &natsbus.Forwarder{Spool: spool, Conn: conn, Logger: logger}
	// The sensor keeps the raw bytes; central parses them again into the sealed log.
	l := &logs.Listener{Parser: &logs.Parser{}, Sink: fwd, Logger: logger}
	// Metrics, served with the health at --health-listen: forwarding and spool, syslog
	// listeners, and each interface's capture.
	set := metrics.NewSet()
	fwd.RegisterMetrics(set)
	registerListenerMetrics(set, "sensor", &l.Stats)
	disc := &sensorDiscovery{cfg: c, fwd: fwd, logger: logger, counts: map[string]*capture.LiveStats{}}
	for _, iface := range c.ifaces {
		disc.counts[iface] = registerCaptureMetrics(set, iface)
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	listening := func(kind, addr string) {
		logger.Info("sensor listening", "kind", kind, "addr", addr)
		if s.Listening != nil {
			s.Listening(kind, addr)
		}
	}
	if c.udp != "" {
		pc, err := net.ListenPacket("udp", c.udp)
		if err != nil {
			return fmt.Errorf("sensor: --syslog-udp: %w", err)
		}
		wg.Go(func() { l.ServeUDP(lctx, pc) })
		listening("syslog-udp", pc.LocalAddr().String())
	}
	if c.tcp != "" {
		ln, err := net.Listen("tcp", c.tcp)
		if err != nil {
			return fmt.Errorf("sensor: --syslog-tcp: %w", err)
		}
		wg.Go(func() { l.ServeStream(lctx, ln) })
		listening("syslog-tcp", ln.Addr().String())
	}
	if c.health != "" {
		ln, err := net.Listen("tcp", c.health)
		if err != nil {
			return fmt.Errorf("sensor: --health-listen: %w", err)
		}
		hs := &http.Server{Handler: sensorHealthHandler(fwd, l, writeMetrics(set)), ReadHeaderTimeout: 5 * time.Second}
		wg.Go(func() { hs.Serve(ln) })
		wg.Go(func() { <-lctx.Done(); hs.Close() })
		listening("health", ln.Addr().String())
	}
	wg.Go(func() { fwd.ReportHealth(lctx, c.healthEvery) })
	// Discovery: capture files, then live windows; a failure ends the sensor.
	failed := make(chan error, 1+len(c.ifaces))
	if len(c.pcaps) > 0 {
		wg.Go(func() {
			err := disc.files(lctx)
			if err == nil && c.once {
				err = disc.drained(lctx)
				if err == nil {
					err = errSensorDone
				}
			}
			if err != nil {
				failed <- err
				cancel()
			}
		})
	}
	for _, iface := range c.ifaces {
		wg.Go(func() {
			if err := disc.live(lctx, iface); err != nil {
				failed <- err
				cancel()
			}
		})
	}
	logger.Info("sensor forwarding", "site", c.site, "sensor", c.name, "nats", c.nats.cfg.URL, "subject", natsbus.Subject(c.nats.cfg.Group, c.site, "*"))
	if err := fwd.Run(lctx); err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	cancel()
	wg.Wait()
	select {
	case err := <-failed:
		if errors.Is(err, errSensorDone) {
			return nil
		}
		return fmt.Errorf("sensor: %w", err)
	default:
	}
	return nil
}

// errSensorDone ends a sensor run with --once once everything is sent.
var errSensorDone = errors.New("done")

// sensorDiscovery runs a sensor's passive discovery and spools each capture's result.
type sensorDiscovery struct {
	cfg    *sensorConfig
	fwd    *natsbus.Forwarder
	logger *slog.Logger
	// live counts each interface's capture across its windows, for /metrics.
	counts map[string]*capture.LiveStats
}

// registerCaptureMetrics registers the live capture counters of an interface in set and
// returns them:
//
//	medsec_sensor_capture_packets_total{interface}  frames read off the socket
//	medsec_sensor_capture_bytes_total{interface}    their bytes
//	medsec_sensor_capture_dropped_total{interface}  frames the kernel dropped (buffer full)
func registerCaptureMetrics(set *metrics.Set, iface string) *capture.LiveStats {
	st := &capture.LiveStats{}
	l := `{interface="` + promLabel(iface) + `"}`
	set.NewGauge("medsec_sensor_capture_packets_total"+l, func() float64 { return float64(st.Packets.Load()) })
	set.NewGauge("medsec_sensor_capture_bytes_total"+l, func() float64 { return float64(st.Bytes.Load()) })
	set.NewGauge("medsec_sensor_capture_dropped_total"+l, func() float64 { return float64(st.Dropped.Load()) })
	return st
}

// files analyses each --pcap file as one capture and spools its discovery. A file that
// cannot be read as a capture is an error; one that breaks off part-way is sent with what
// was read and where it stopped.
func (d *sensorDiscovery) files(ctx context.Context) error {
	for _, path := range d.cfg.pcaps {
		if ctx.Err() != nil {
			return nil
		}
		a := capture.NewAnalyzer(capture.Options{MaxFlows: d.cfg.maxFlows})
		fi, err := a.AnalyzeFile(path)
		if err != nil {
			return err
		}
		// The file's hash names the capture: sending the same file again, from a restarted
		// sensor, makes no second run.
		id := d.cfg.site + "/" + d.cfg.name + "/sha256-" + fi.SHA256
		if err := d.send(ctx, id, filepath.Base(path), a.Result()); err != nil {
			return err
		}
	}
	return nil
}

// live discovers on an interface in windows of --window until ctx ends, spooling each
// window that saw packets as one capture. The capture stays open across windows: the
// frames that arrive while a window is summarised and spooled wait in its ring for the
// next window (frames the full ring could not take are counted as dropped).
func (d *sensorDiscovery) live(ctx context.Context, iface string) error {
	c, err := capture.OpenLive(iface)
	if err != nil {
		return err
	}
	defer func() { c.Close() }()
	for ctx.Err() == nil {
		a := capture.NewAnalyzer(capture.Options{MaxFlows: d.cfg.maxFlows, Live: d.counts[iface]})
		start := time.Now().UTC()
		fi, err := a.CaptureFrom(ctx, c, d.cfg.window, time.Now)
		if err != nil {
			return err
		}
		if fi.Packets > 0 {
			id := fmt.Sprintf("%s/%s/live-%s-%d", d.cfg.site, d.cfg.name, iface, start.UnixNano())
			if err := d.send(context.WithoutCancel(ctx), id, "live:"+iface, a.Result()); err != nil {
				return err
			}
		}
		if fi.Error != "" {
			// The capture failed mid-window: what it read is sent; open it again.
			d.logger.Warn("live capture stopped early", "interface", iface, "err", fi.Error)
			c.Close()
			if c, err = capture.OpenLive(iface); err != nil {
				return err
			}
		}
	}
	return nil
}

// send spools a capture's discovery as parts (capture.SensorEvents). A full spool drops
// the capture (counted in the sensor's health) and is logged; the sensor goes on.
func (d *sensorDiscovery) send(ctx context.Context, id, source string, res *capture.Result) error {
	events, err := capture.SensorEvents(id, d.cfg.name, source, res, time.Now(), 0)
	if err != nil {
		d.logger.Error("discovery not sent", "capture", id, "err", err)
		return nil
	}
	if err := d.fwd.Publish(ctx, events...); err != nil {
		d.logger.Error("discovery not spooled", "capture", id, "err", err)
		if errors.Is(err, natsbus.ErrSpoolFull) {
			return nil
		}
		return err
	}
	d.logger.Info("discovery spooled", "capture", id, "source", source, "packets", res.Summary.Packets, "hosts", res.Summary.Hosts,
		"flows", res.Summary.Flows, "parts", len(events))
	return nil
}

// drained waits until the broker has acknowledged everything spooled.
func (d *sensorDiscovery) drained(ctx context.Context) error {
	for {
		if h := d.fwd.Health(); h.Pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// sensorHealthHandler serves GET /health: the sensor's health (medsec.SensorHealth) and
// its listeners' counters, as JSON. The status is 503 while the broker is unreachable, so
// that a service monitor notices. GET /metrics serves the sensor's metrics in the
// Prometheus text format (writeMetrics); like /health it asks for no credential, so the
// listener belongs on the loopback or a management network (docs/GROUPS.md).
func sensorHealthHandler(fwd *natsbus.Forwarder, l *logs.Listener, writeMetrics func(io.Writer)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		writeMetrics(w)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		h := fwd.Health()
		w.Header().Set("Content-Type", "application/json")
		if !h.Connected {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(struct {
			Sensor    any                 `json:"sensor"`
			Listeners logs.ListenerCounts `json:"listeners"`
		}{h, l.Stats.Counts()})
	})
	return mux
}

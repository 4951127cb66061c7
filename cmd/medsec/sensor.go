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
	"strings"
	"sync"
	"time"

	"medsec/logs"
	"medsec/natsbus"
)

// Sensor runs "medsec sensor" (issue 17): at a site, it receives syslog and forwards each
// record to the group's NATS JetStream stream through a disk spool, so that nothing it
// has taken is lost while the broker is unreachable. Listening, when set, is told each
// listener's kind ("syslog-udp", "syslog-tcp", "health") and address once it listens.
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
}

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
	fs.StringVar(&c.health, "health-listen", "", "serve the sensor's health as JSON at http://ADDR/health (e.g. 127.0.0.1:9514); off when empty")
	fs.DurationVar(&c.healthEvery, "health-every", 10*time.Second, "how often the sensor reports its health to central")
	addNATSFlags(fs, &c.nats)
	if err := fs.Parse(args); err != nil {
		return nil, err
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
	if c.udp == "" && c.tcp == "" {
		return nil, errors.New("sensor: nothing to forward: give --syslog-udp or --syslog-tcp")
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
		hs := &http.Server{Handler: sensorHealthHandler(fwd, l), ReadHeaderTimeout: 5 * time.Second}
		wg.Go(func() { hs.Serve(ln) })
		wg.Go(func() { <-lctx.Done(); hs.Close() })
		listening("health", ln.Addr().String())
	}
	wg.Go(func() { fwd.ReportHealth(lctx, c.healthEvery) })
	logger.Info("sensor forwarding", "site", c.site, "sensor", c.name, "nats", c.nats.cfg.URL, "subject", natsbus.Subject(c.nats.cfg.Group, c.site, natsbus.KindLog))
	if err := fwd.Run(lctx); err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	return nil
}

// sensorHealthHandler serves GET /health: the sensor's health (medsec.SensorHealth) and
// its listeners' counters, as JSON. The status is 503 while the broker is unreachable, so
// that a service monitor notices.
func sensorHealthHandler(fwd *natsbus.Forwarder, l *logs.Listener) http.Handler {
	mux := http.NewServeMux()
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

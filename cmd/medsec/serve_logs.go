package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medsec"
	mhttp "medsec/http"
	"medsec/logs"
	"medsec/sqlstore"
)

// logFlags are the log collection flags of "medsec serve" (issue 12). Everything is off
// by default: a syslog port accepts anything from anyone who can reach it, so an
// operator opens each one on purpose, on the address the devices can reach.
type logFlags struct {
	udp, tcp, tlsAddr       string
	tlsCert, tlsKey, tlsMin string
	zone                    string
}

// addLogFlags registers the log collection flags on fs.
func addLogFlags(fs *flag.FlagSet, c *logFlags) {
	fs.StringVar(&c.udp, "syslog-udp", "", "receive syslog over UDP on this address (RFC 5426), e.g. 0.0.0.0:514; off when empty")
	fs.StringVar(&c.tcp, "syslog-tcp", "", "receive syslog over TCP on this address (RFC 6587: octet counting or LF), e.g. 0.0.0.0:514; off when empty")
	fs.StringVar(&c.tlsAddr, "syslog-tls", "", "receive syslog over TLS on this address (RFC 5425), e.g. 0.0.0.0:6514; needs a certificate; off when empty")
	fs.StringVar(&c.tlsCert, "syslog-tls-cert", "", "certificate for --syslog-tls (PEM; default --tls-cert)")
	fs.StringVar(&c.tlsKey, "syslog-tls-key", "", "private key for --syslog-tls (PEM; default --tls-key)")
	fs.StringVar(&c.zone, "logs-zone", "UTC", "IANA time zone of RFC 3164 and CEF times that carry none from a sender of no known site (a registered source's or asset's site reads them in its own zone)")
}

// check validates the flags after parsing; webCert and webKey are --tls-cert and --tls-key.
func (c *logFlags) check(webCert, webKey string) error {
	if c.tlsCert == "" && c.tlsKey == "" {
		c.tlsCert, c.tlsKey = webCert, webKey
	}
	if c.tlsAddr != "" && (c.tlsCert == "" || c.tlsKey == "") {
		return errors.New("serve: --syslog-tls needs --syslog-tls-cert and --syslog-tls-key (or --tls-cert and --tls-key)")
	}
	if _, err := time.LoadLocation(c.zone); err != nil {
		return fmt.Errorf("serve: --logs-zone %q: %w", c.zone, err)
	}
	return nil
}

// logCollection is the running log collection of a server.
type logCollection struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	tracker *logs.Tracker
	zones   *logs.SenderZones
	logger  *slog.Logger
}

// zonesRefreshEvery is how often the senders' sites and zones are read again: a source
// or asset changed by another process (the CLI) is known from then on; those changed
// through the server's services are read at once (logs.SenderZones.WatchSources,
// WatchAssets).
const zonesRefreshEvery = 30 * time.Second

// startLogCollection starts log collection on the server's open log store: records from
// the syslog listeners the flags ask for and the JSON lines of the API (services.LogSink)
// go through a logs.Tracker, which keeps the sources' health every flushEvery, and a
// logs.Publisher, which puts each stored record on the event stream for detection. stop
// closes the listeners and writes the last window; the caller closes the store after it.
func startLogCollection(ctx context.Context, c *logFlags, sl *serveLogs, db *sqlstore.DB, services *mhttp.Services, flushEvery time.Duration,
	set *metrics.Set, logger *slog.Logger, listening func(kind, addr string)) (stop func() error, err error) {
	loc, _ := time.LoadLocation(c.zone)
	lc := &logCollection{logger: logger}
	// Stored records are published on the event stream, so that detection reads them.
	var next logs.Sink = sl.store
	if db.Events != nil {
		next = &logs.Publisher{Next: sl.store, Bus: db.Events, Logger: logger, Shutdown: ctx}
	}
	lc.tracker = &logs.Tracker{Next: next, Sources: services.LogSources, Logger: logger}
	if d, ok := services.Detection.(interface{ SetLogs(medsec.LogService) }); ok && services.Logs != nil {
		d.SetLogs(services.Logs)
	}
	// Every path into the store is counted for /metrics (meteredSink).
	sink := newMeteredSink(set, lc.tracker)
	services.LogSink = sink
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	lc.cancel = cancel
	// Times without a zone are read in the zone of the sender's site, else --logs-zone;
	// the store files the record in the same site (openServeLogs).
	lc.zones = sl.senders
	lc.wg.Add(1)
	go func() {
		defer lc.wg.Done()
		lc.zones.Run(lctx, zonesRefreshEvery, func(err error) { logger.Warn("log collection: senders' time zones", "err", err) })
	}()
	l := &logs.Listener{Parser: &logs.Parser{Location: loc, Zone: lc.zones.Zone}, Sink: sink, Logger: logger}
	if c.udp != "" || c.tcp != "" || c.tlsAddr != "" {
		services.LogListeners = l.Stats.Counts
		registerListenerMetrics(set, "central", &l.Stats)
	}
	fail := func(err error) (func() error, error) {
		lc.stop()
		return nil, fmt.Errorf("log collection: %w", err)
	}
	if c.udp != "" {
		pc, err := net.ListenPacket("udp", c.udp)
		if err != nil {
			return fail(err)
		}
		lc.run(func() error { return l.ServeUDP(lctx, pc) })
		listening("syslog-udp", pc.LocalAddr().String())
	}
	if c.tcp != "" {
		ln, err := net.Listen("tcp", c.tcp)
		if err != nil {
			return fail(err)
		}
		lc.run(func() error { return l.ServeStream(lctx, ln) })
		listening("syslog-tcp", ln.Addr().String())
	}
	if c.tlsAddr != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return fail(fmt.Errorf("--syslog-tls: %w", err))
		}
		// RFC 5425 §4.2 asks for TLS 1.2 at least; devices rarely speak 1.3 yet.
		ln, err := tls.Listen("tcp", c.tlsAddr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
			CipherSuites: tls12CipherSuites})
		if err != nil {
			return fail(err)
		}
		lc.run(func() error { return l.ServeStream(lctx, ln) })
		listening("syslog-tls", ln.Addr().String())
	}
	lc.wg.Add(1)
	go func() { defer lc.wg.Done(); lc.tracker.Run(lctx, flushEvery) }()
	return lc.stop, nil
}

// run runs a listener until the collection stops.
func (lc *logCollection) run(serve func() error) {
	lc.wg.Add(1)
	go func() {
		defer lc.wg.Done()
		if err := serve(); err != nil {
			lc.logger.Error("log listener stopped", "err", err)
		}
	}()
}

// stop closes the listeners and flushes the sources' last window.
func (lc *logCollection) stop() error {
	lc.cancel()
	lc.wg.Wait()
	return nil
}

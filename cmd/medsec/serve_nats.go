package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medsec"
	"medsec/capture"
	mhttp "medsec/http"
	"medsec/logs"
	"medsec/natsbus"
	"medsec/sqlstore"
)

// natsFlags are the flags that join medsec to a hospital group's NATS JetStream broker
// (issue 17): "medsec serve" consumes the sensors' stream, "medsec sensor" publishes to it.
type natsFlags struct {
	cfg natsbus.Config
}

// addNATSFlags registers the broker flags on fs.
func addNATSFlags(fs *flag.FlagSet, c *natsFlags) {
	fs.StringVar(&c.cfg.URL, "nats", "", "NATS JetStream broker URL(s), comma-separated (nats://host:4222, tls://host:4222); off when empty")
	fs.StringVar(&c.cfg.Group, "group", "medsec", "hospital group name: the stream is MEDSEC_<GROUP>, subjects medsec.<group>.<site>.<kind>")
	fs.StringVar(&c.cfg.Creds, "creds", "", "NATS JWT user credentials file (.creds)")
	fs.StringVar(&c.cfg.NKey, "nkey", "", "file holding a NATS NKEY user seed (SU...)")
	fs.StringVar(&c.cfg.CA, "nats-ca", "", "CA certificates (PEM) the broker's TLS certificate must chain to")
	fs.StringVar(&c.cfg.Cert, "nats-cert", "", "client TLS certificate (PEM) for the broker")
	fs.StringVar(&c.cfg.Key, "nats-key", "", "client TLS private key (PEM) for the broker")
	fs.IntVar(&c.cfg.Replicas, "nats-replicas", 1, "replicas of the group's stream (3 on a three-node cluster)")
}

// siteByCode returns a function that finds a site's ID by its code, reading the sites
// again when a code is not known yet (a site created after the start).
func siteByCode(org medsec.OrgService) func(ctx context.Context, code string) (int64, error) {
	var mu sync.Mutex
	codes := map[string]int64{}
	return func(ctx context.Context, code string) (int64, error) {
		mu.Lock()
		defer mu.Unlock()
		if id, ok := codes[code]; ok {
			return id, nil
		}
		sites, err := org.FindSites(asSystem(ctx))
		if err != nil {
			return 0, err
		}
		for _, s := range sites {
			codes[s.Code] = s.ID
		}
		if id, ok := codes[code]; ok {
			return id, nil
		}
		return 0, medsec.Errorf(medsec.ENOTFOUND, "no site has the code %q", code)
	}
}

// startCentral consumes the group's stream into the server's stores: the durable consumer
// "central", shared by every central server of the group, hands batches to a
// natsbus.Central that stores log records through sink (the sealed log, detection, log
// source health), the sensors' discoveries as discovery runs, and records message IDs and
// sensor health in db. stop ends it.
func startCentral(ctx context.Context, c *natsFlags, db *sqlstore.DB, services *mhttp.Services, sink logs.Sink, zones *logs.SenderZones, zone string, set *metrics.Set, logger *slog.Logger) (stop func(), err error) {
	c.cfg.Name = "medsec serve"
	conn, err := natsbus.Connect(c.cfg)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	loc, _ := time.LoadLocation(zone)
	// A sensor's records are read in the zone of the site the store files them in (the
	// sender's log source's or asset's, else the sensor's): zones is the store's resolver,
	// refreshed by the log collection.
	// Events pass through capture.SensorRuns, which makes the sensors' discovery parts
	// into discovery runs of their sites.
	var events medsec.EventStore
	if services.Events != nil {
		events = &capture.SensorRuns{EventStore: services.Events, Discovery: services.Discovery, Assets: services.Assets, Logger: logger}
	}
	handler := &natsbus.Central{Sensors: services.Sensors, Logs: sink, Parser: &logs.Parser{Location: loc, Zone: zones.Zone}, Events: events,
		Site: siteByCode(services.Org), Logger: logger, Metrics: natsbus.NewCentralMetrics(set)}
	cons := &natsbus.Consumer{Conn: conn, Durable: "central", Handler: handler.Handle, Logger: logger}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); cons.Run(cctx) }()
	logger.Info("consuming the group's sensors", "nats", c.cfg.URL, "stream", natsbus.StreamName(c.cfg.Group))
	return func() { cancel(); <-done; conn.Close() }, nil
}

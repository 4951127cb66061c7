package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"medsec"
	"medsec/internal/natstest"
	"medsec/internal/pgtest"
	"medsec/natsbus"
	"medsec/sqlstore"
)

// syncBuffer is a bytes.Buffer safe for the server's logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestSensorToCentral runs the real "medsec sensor" at site TPE and the real "medsec serve"
// on PostgreSQL, both on the shared JetStream broker (the sensor through a proxy the test
// cuts): records sent over TCP while the link is up and while it is down all reach the
// site's sealed log at central once; the sensor's health endpoint says when it is cut off
// and how much it holds; central shows the sensor with its messages and health; and
// "medsec logs verify" checks the seal offline.
func TestSensorToCentral(t *testing.T) {
	t.Setenv("MEDSEC_ADMIN_PASSWORD", adminPassword)
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	site := &medsec.Site{Code: "TPE", Name: "台北總院"}
	if err := sqlstore.NewOrgService(db).CreateSite(asSystem(ctx), site); err != nil {
		t.Fatal(err)
	}
	group := natstest.Group(t, natstest.URL(), natsbus.StreamName)
	u, _ := url.Parse(natstest.URL())
	proxy := natstest.NewProxy(t, u.Host)
	data := t.TempDir()

	sctx, stopServe := context.WithCancel(ctx)
	var serveErr syncBuffer
	ready := make(chan string, 1)
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &serveErr, Ready: func(a string) { ready <- a }, logFlushEvery: time.Hour}
	served := make(chan error, 1)
	go func() {
		served <- m.Serve(sctx, []string{"--data", data, "--db", dsn, "--listen", "127.0.0.1:0", "--nats", natstest.URL(), "--group", group})
	}()
	select {
	case <-ready:
	case err := <-served:
		t.Fatalf("serve: %v\n%s", err, serveErr.String())
	case <-time.After(time.Minute):
		t.Fatal("serve did not start")
	}

	nctx, stopSensor := context.WithCancel(ctx)
	var sensorErr syncBuffer
	addrs := make(chan [2]string, 2)
	sensor := &Sensor{Stdout: &bytes.Buffer{}, Stderr: &sensorErr, Listening: func(kind, addr string) { addrs <- [2]string{kind, addr} }}
	sensed := make(chan error, 1)
	go func() {
		sensed <- sensor.Run(nctx, []string{"--site", "TPE", "--name", "span0", "--spool", t.TempDir(), "--nats", proxy.URL, "--group", group,
			"--syslog-tcp", "127.0.0.1:0", "--health-listen", "127.0.0.1:0", "--health-every", "1s"})
	}()
	got := map[string]string{}
	for len(got) < 2 {
		select {
		case a := <-addrs:
			got[a[0]] = a[1]
		case err := <-sensed:
			t.Fatalf("sensor: %v\n%s", err, sensorErr.String())
		case <-time.After(30 * time.Second):
			t.Fatal("sensor did not start")
		}
	}
	send := func(first, n int) {
		c, err := net.Dial("tcp", got["syslog-tcp"])
		if err != nil {
			t.Fatal(err)
		}
		for i := first; i < first+n; i++ {
			fmt.Fprintf(c, "<86>1 2026-12-01T03:00:00Z pacs01 dicomd 7 - - sensor-e2e %d user=tech01\n", i)
		}
		c.Close()
	}
	health := func() (int, medsec.SensorHealth) {
		resp, err := http.Get("http://" + got["health"] + "/health")
		if err != nil {
			return 0, medsec.SensorHealth{}
		}
		defer resp.Body.Close()
		var body struct{ Sensor medsec.SensorHealth }
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Sensor
	}
	sensors := sqlstore.NewSensorService(db)
	central := func() *medsec.Sensor {
		list, err := sensors.FindSensors(asSystem(ctx), medsec.SensorFilter{})
		if err != nil || len(list) != 1 {
			return &medsec.Sensor{}
		}
		return list[0]
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("%s: not reached\nsensor:\n%s\nserve:\n%s", what, sensorErr.String(), serveErr.String())
	}

	send(0, 60)
	wait("60 records at central", func() bool { return central().Messages == 60 })
	proxy.Down()
	send(60, 40)
	wait("the sensor reports the outage", func() bool {
		code, h := health()
		return code == http.StatusServiceUnavailable && h.Pending == 40 && h.SpoolBytes > 0
	})
	if s := central(); s.Messages != 60 {
		t.Fatalf("central took %d during the outage", s.Messages)
	}
	proxy.Up()
	wait("100 records at central", func() bool { return central().Messages == 100 })
	wait("the sensor's health at central", func() bool {
		s := central()
		return s.Health.Connected && s.Health.Sent == 100 && s.Health.Pending == 0 && s.SiteID == site.ID && s.Name == "span0"
	})
	if code, h := health(); code != http.StatusOK || h.Received != 100 || h.Dropped != 0 {
		t.Errorf("sensor health %d %+v", code, h)
	}
	stopSensor()
	if err := <-sensed; err != nil {
		t.Fatalf("sensor: %v", err)
	}
	stopServe()
	if err := <-served; err != nil {
		t.Fatalf("serve: %v\n%s", err, serveErr.String())
	}
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"logs", "verify", "--data", data, "--db", dsn}, &out, &errb); err != nil || !strings.Contains(out.String(), "OK: 100 records") {
		t.Fatalf("logs verify: %v\n%s%s", err, out.String(), errb.String())
	}
	out.Reset()
	if err := run(ctx, []string{"logs", "search", "--data", data, "--db", dsn, "--from", "-1h", "sensor-e2e", "--json"}, &out, &errb); err != nil {
		t.Fatalf("logs search: %v %s", err, errb.String())
	}
	if n := strings.Count(out.String(), "sensor-e2e"); n < 100 {
		t.Errorf("logs search finds %d records", n)
	}
}

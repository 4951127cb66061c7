package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"medsec"
	"medsec/capture"
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

// sensorCentral is a central server for the sensor tests: "medsec serve" on a fresh
// PostgreSQL schema holding one site, consuming a group of its own on the shared broker.
type sensorCentral struct {
	db               *sqlstore.DB
	dsn, group, data string
	// addr is the web listener's host:port.
	addr   string
	site   *medsec.Site
	log    *syncBuffer
	stop   context.CancelFunc
	served chan error
}

// startSensorCentral starts a central server with the site code/name; it is stopped and
// its database closed when the test ends (stopped stops it earlier).
func startSensorCentral(t *testing.T, code, name string) *sensorCentral {
	t.Helper()
	t.Setenv("MEDSEC_ADMIN_PASSWORD", adminPassword)
	ctx := context.Background()
	c := &sensorCentral{dsn: pgtest.DSN(t), data: t.TempDir(), log: &syncBuffer{}, served: make(chan error, 1)}
	db, err := sqlstore.Open(ctx, c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c.db = db
	c.site = &medsec.Site{Code: code, Name: name}
	if err := sqlstore.NewOrgService(db).CreateSite(asSystem(ctx), c.site); err != nil {
		t.Fatal(err)
	}
	c.group = natstest.Group(t, natstest.URL(), natsbus.StreamName)
	sctx, stop := context.WithCancel(ctx)
	c.stop = stop
	// Stop the server and wait for it before t.TempDir's cleanup removes its data: a log
	// store closing on a removed directory panics (VictoriaLogs' free-space check; seen in
	// CI as "cannot determine free disk space").
	t.Cleanup(func() {
		stop()
		select {
		case err := <-c.served:
			c.served <- err
		case <-time.After(2 * time.Minute):
			t.Errorf("serve did not stop\n%s", c.log.String())
		}
	})
	ready := make(chan string, 1)
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: c.log, Ready: func(a string) { ready <- a }, logFlushEvery: time.Hour}
	go func() {
		c.served <- m.Serve(sctx, []string{"--data", c.data, "--db", c.dsn, "--listen", "127.0.0.1:0", "--nats", natstest.URL(), "--group", c.group})
	}()
	select {
	case c.addr = <-ready:
	case err := <-c.served:
		c.served <- err
		t.Fatalf("serve: %v\n%s", err, c.log.String())
	case <-time.After(3 * time.Minute): // migrations on PostgreSQL take long on a loaded machine
		t.Fatalf("serve did not start\n%s", c.log.String())
	}
	return c
}

// stopped stops the server and fails the test if it ended with an error.
func (c *sensorCentral) stopped(t *testing.T) {
	t.Helper()
	c.stop()
	err := <-c.served
	c.served <- err // for the cleanup, which waits on it too
	if err != nil {
		t.Fatalf("serve: %v\n%s", err, c.log.String())
	}
}

// TestSensorToCentral runs the real "medsec sensor" at site TPE and the real "medsec serve"
// on PostgreSQL, both on the shared JetStream broker (the sensor through a proxy the test
// cuts): records sent over TCP while the link is up and while it is down all reach the
// site's sealed log at central once; the sensor's health endpoint says when it is cut off
// and how much it holds; central shows the sensor with its messages and health; and
// "medsec logs verify" checks the seal offline.
func TestSensorToCentral(t *testing.T) {
	ctx := context.Background()
	c := startSensorCentral(t, "TPE", "台北總院")
	db, site, group, data, dsn, serveErr := c.db, c.site, c.group, c.data, c.dsn, c.log
	u, _ := url.Parse(natstest.URL())
	proxy := natstest.NewProxy(t, u.Host)

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
	c.stopped(t)
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

// TestSensorDiscoveryFromCaptureFiles runs the real "medsec sensor --pcap" at site TPE on
// real captures (the shared nDPI HL7 sample and gnutella sample, and a dcmtk DICOM store)
// while its link to the broker is cut, then restores the link: central ("medsec serve" on
// PostgreSQL) stores one discovery run per capture at TPE, matched against TPE's inventory
// (the DICOM modality by its address), with the modality's identity; running the sensor
// again on the same files stores no second run.
func TestSensorDiscoveryFromCaptureFiles(t *testing.T) {
	ctx := context.Background()
	files := []string{filepath.Join("..", "..", "..", "shared", "data", "pcap", "hl7.pcap"), filepath.Join("..", "..", "..", "shared", "data", "pcap", "gnutella.pcap"),
		filepath.Join("..", "..", "capture", "testdata", "dicom-store-implicit.pcap")}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("capture %s: %v", f, err)
		}
	}
	want := map[string]*capture.Result{}
	for _, f := range files {
		a := capture.NewAnalyzer(capture.Options{})
		if _, err := a.AnalyzeFile(f); err != nil {
			t.Fatal(err)
		}
		want["sensor span0: "+filepath.Base(f)] = a.Result()
	}
	var modality capture.Host
	for _, h := range want["sensor span0: dicom-store-implicit.pcap"].Hosts {
		if slices.Contains(h.Roles, "dicom-scu") {
			modality = h
		}
	}
	if !modality.Address.IsValid() {
		t.Fatal("no DICOM SCU in the DICOM capture")
	}
	c := startSensorCentral(t, "TPE", "台北總院")
	db, site, group, serveErr := c.db, c.site, c.group, c.log
	asset := &medsec.Asset{SiteID: site.ID, Name: "CT-1", IPs: []string{modality.Address.String()}, Status: medsec.StatusActive}
	if err := sqlstore.NewAssetService(db).CreateAsset(asSystem(ctx), asset); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(natstest.URL())
	proxy := natstest.NewProxy(t, u.Host)
	proxy.Down()
	spool := t.TempDir()
	args := []string{"--site", "TPE", "--name", "span0", "--spool", spool, "--nats", proxy.URL, "--group", group, "--once"}
	for _, f := range files {
		args = append(args, "--pcap", f)
	}
	runSensor := func() (chan error, *syncBuffer) {
		var sensorErr syncBuffer
		done := make(chan error, 1)
		go func() { done <- (&Sensor{Stdout: &bytes.Buffer{}, Stderr: &sensorErr}).Run(ctx, args) }()
		return done, &sensorErr
	}
	disc := sqlstore.NewDiscoveryService(db)
	runs := func() []*medsec.DiscoveryRun {
		list, err := disc.FindDiscoveryRuns(asSystem(ctx))
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	done, sensorErr := runSensor()
	// The link is down: the captures wait in the spool.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(sensorErr.String(), "dicom-store-implicit.pcap"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("sensor did not spool the captures:\n%s", sensorErr.String())
		}
	}
	time.Sleep(time.Second)
	if n := len(runs()); n != 0 {
		t.Fatalf("%d runs while the link is down", n)
	}
	proxy.Up()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sensor: %v\n%s", err, sensorErr.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("sensor --once did not end:\n%s", sensorErr.String())
	}
	for deadline := time.Now().Add(30 * time.Second); len(runs()) < len(files); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d runs at central\nserve:\n%s", len(runs()), serveErr.String())
		}
	}
	for _, r := range runs() {
		res := want[r.Source]
		if res == nil || r.SiteID != site.ID || r.Hosts != res.Summary.Hosts || r.Flows != res.Summary.Flows || r.Packets != res.Summary.Packets || r.SHA256 != res.Files[0].SHA256 {
			t.Errorf("run %d %q: %d hosts, %d flows, %d packets", r.ID, r.Source, r.Hosts, r.Flows, r.Packets)
		}
		if r.Source != "sensor span0: dicom-store-implicit.pcap" {
			continue
		}
		full, err := disc.FindDiscoveryRunByID(asSystem(ctx), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var st capture.StoredResult
		if err := json.Unmarshal(full.Result, &st); err != nil {
			t.Fatal(err)
		}
		if r.Matched != 1 || len(st.Stocktake.Matched) != 1 || st.Stocktake.Matched[0].Item.Name != "CT-1" {
			t.Errorf("stocktake: %d matched %+v", r.Matched, st.Stocktake.Matched)
		}
		ids := map[string]bool{}
		for _, h := range st.Result.Hosts {
			if h.Address == modality.Address {
				for _, f := range h.Identity {
					ids[f.Kind] = true
				}
			}
		}
		if !ids[capture.FactAETitle] || !ids[capture.FactModality] {
			t.Errorf("the modality's identity at central: %v", ids)
		}
	}
	// The same files again: no second run.
	done, sensorErr = runSensor()
	if err := <-done; err != nil {
		t.Fatalf("sensor again: %v\n%s", err, sensorErr.String())
	}
	// Central has taken the second sending when the sensor's messages are counted twice.
	sensors := sqlstore.NewSensorService(db)
	messages := func() int64 {
		list, _ := sensors.FindSensors(asSystem(ctx), medsec.SensorFilter{})
		if len(list) != 1 {
			return 0
		}
		return list[0].Messages
	}
	first := messages()
	if first < int64(len(files)) {
		t.Fatalf("central counts %d messages of the sensor", first)
	}
	for deadline := time.Now().Add(30 * time.Second); messages() < 2*first; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("central took %d of the second sending's %d messages", messages()-first, first)
		}
	}
	if n := len(runs()); n != len(files) {
		t.Errorf("%d runs after sending the same captures again, want %d", n, len(files))
	}
	c.stopped(t)
}

// TestSensorLiveDiscovery runs the real "medsec sensor --interface lo --window 2s" (needs
// CAP_NET_RAW) while an HTTP client with a distinct User-Agent talks on loopback: central
// on PostgreSQL stores the window as a discovery run "sensor span0: live:lo" of the
// sensor's site, with the client's User-Agent among 127.0.0.1's identity.
func TestSensorLiveDiscovery(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, 0x0300)
	if err != nil {
		t.Skipf("AF_PACKET not permitted here (needs CAP_NET_RAW): %v", err)
	}
	syscall.Close(fd)
	ctx := context.Background()
	c := startSensorCentral(t, "KHH", "高雄分院")
	db, site, group, serveErr := c.db, c.site, c.group, c.log
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	go srv.Serve(ln)
	defer srv.Close()
	nctx, stopSensor := context.WithCancel(ctx)
	defer stopSensor()
	var sensorErr syncBuffer
	sensed := make(chan error, 1)
	go func() {
		sensed <- (&Sensor{Stdout: &bytes.Buffer{}, Stderr: &sensorErr}).Run(nctx, []string{"--site", "KHH", "--name", "span0", "--spool", t.TempDir(),
			"--nats", natstest.URL(), "--group", group, "--interface", "lo", "--window", "2s"})
	}()
	disc := sqlstore.NewDiscoveryService(db)
	const agent = "MedsecSensorLive/1.0 (infusion-pump-gw)"
	for deadline := time.Now().Add(60 * time.Second); ; {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/", nil)
		req.Header.Set("User-Agent", agent)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		runs, err := disc.FindDiscoveryRuns(asSystem(ctx))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if r.Source != "sensor span0: live:lo" || r.SiteID != site.ID {
				t.Fatalf("run %d %q at site %d", r.ID, r.Source, r.SiteID)
			}
			full, err := disc.FindDiscoveryRunByID(asSystem(ctx), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(full.Result), agent) {
				stopSensor()
				if err := <-sensed; err != nil {
					t.Fatalf("sensor: %v", err)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no run with the client's User-Agent (%d runs)\nsensor:\n%s\nserve:\n%s", len(runs), sensorErr.String(), serveErr.String())
		}
		select {
		case err := <-sensed:
			t.Fatalf("sensor ended: %v\n%s", err, sensorErr.String())
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// TestSensorMetrics runs the real "medsec sensor" and "medsec serve" and scrapes both
// /metrics: the sensor's counts its records sent, then, with the link cut, its spool depth
// and the lost connection; central's, read with an administrator's API token, counts the
// site's committed messages and refuses a request without a token. Every scrape reads
// with Prometheus' text parser, each family with its HELP text and TYPE.
func TestSensorMetrics(t *testing.T) {
	ctx := context.Background()
	c := startSensorCentral(t, "TPE", "台北總院")
	u, _ := url.Parse(natstest.URL())
	proxy := natstest.NewProxy(t, u.Host)
	nctx, stopSensor := context.WithCancel(ctx)
	defer stopSensor()
	var sensorErr syncBuffer
	addrs := make(chan [2]string, 2)
	sensed := make(chan error, 1)
	go func() {
		sensed <- (&Sensor{Stdout: &bytes.Buffer{}, Stderr: &sensorErr, Listening: func(kind, addr string) { addrs <- [2]string{kind, addr} }}).Run(nctx,
			[]string{"--site", "TPE", "--name", "span0", "--spool", t.TempDir(), "--nats", proxy.URL, "--group", c.group,
				"--syslog-tcp", "127.0.0.1:0", "--health-listen", "127.0.0.1:0"})
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
	send := func(n int) {
		conn, err := net.Dial("tcp", got["syslog-tcp"])
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			fmt.Fprintf(conn, "<86>1 2026-12-01T03:00:00Z pacs01 dicomd 7 - - metrics %d\n", i)
		}
		conn.Close()
	}
	scrape := func(url, token string) (int, map[string]string) {
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		if resp.StatusCode == http.StatusOK {
			checkExposition(t, body.String()) // every family with HELP and TYPE
		}
		series := map[string]string{}
		for line := range strings.SplitSeq(body.String(), "\n") {
			if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
				series[line[:i]] = line[i+1:]
			}
		}
		return resp.StatusCode, series
	}
	sensorMetrics := "http://" + got["health"] + "/metrics"
	wait := func(what string, cond func(map[string]string) bool) map[string]string {
		t.Helper()
		var m map[string]string
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if _, m = scrape(sensorMetrics, ""); cond(m) {
				return m
			}
		}
		t.Fatalf("%s: not reached; metrics %v\nsensor:\n%s", what, m, sensorErr.String())
		return nil
	}
	send(10)
	m := wait("10 records sent", func(m map[string]string) bool { return m["medsec_sensor_records_sent_total"] == "10" })
	if m["medsec_sensor_connected"] != "1" || m["medsec_sensor_spool_pending"] != "0" || m["medsec_sensor_last_send_timestamp_seconds"] == "0" ||
		m[`medsec_syslog_records_received_total{role="sensor"}`] != "10" || m["go_goroutines"] == "" {
		t.Errorf("sensor metrics after sending: %v", m)
	}
	proxy.Down()
	send(5)
	m = wait("5 records spooled", func(m map[string]string) bool {
		return m["medsec_sensor_spool_pending"] == "5" && m["medsec_sensor_connected"] == "0"
	})
	if m["medsec_sensor_spool_bytes"] == "0" || m["medsec_sensor_records_sent_total"] != "10" {
		t.Errorf("sensor metrics while cut off: %v", m)
	}
	proxy.Up()
	wait("15 records sent", func(m map[string]string) bool { return m["medsec_sensor_records_sent_total"] == "15" })

	// Central's /metrics, with an administrator's token.
	var out bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--data", c.data, "--db", c.dsn, "--user", "admin"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	centralMetrics := "http://" + c.addr + "/metrics"
	if status, _ := scrape(centralMetrics, ""); status != http.StatusUnauthorized {
		t.Errorf("central /metrics without a token: %d, want 401", status)
	}
	var status int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if status, m = scrape(centralMetrics, token); m[`medsec_central_messages_committed_total{site="TPE"}`] == "15" {
			break
		}
	}
	if status != 200 || m[`medsec_central_messages_committed_total{site="TPE"}`] != "15" || m["medsec_log_records_appended_total"] != "15" ||
		m["medsec_central_commit_seconds_count"] == "" || m["medsec_notify_digest_queue"] != "0" {
		t.Errorf("central metrics: %d %v\nserve:\n%s", status, m, c.log.String())
	}
	stopSensor()
	if err := <-sensed; err != nil {
		t.Fatalf("sensor: %v", err)
	}
	c.stopped(t)
}

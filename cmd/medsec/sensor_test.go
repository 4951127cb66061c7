package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// TestSensorDiscoveryFromCaptureFiles runs the real "medsec sensor --pcap" at site TPE on
// real captures (the shared nDPI HL7 sample and gnutella sample, and a dcmtk DICOM store)
// while its link to the broker is cut, then restores the link: central ("medsec serve" on
// PostgreSQL) stores one discovery run per capture at TPE, matched against TPE's inventory
// (the DICOM modality by its address), with the modality's identity; running the sensor
// again on the same files stores no second run.
func TestSensorDiscoveryFromCaptureFiles(t *testing.T) {
	t.Setenv("MEDSEC_ADMIN_PASSWORD", adminPassword)
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
	asset := &medsec.Asset{SiteID: site.ID, Name: "CT-1", IPs: []string{modality.Address.String()}, Status: medsec.StatusActive}
	if err := sqlstore.NewAssetService(db).CreateAsset(asSystem(ctx), asset); err != nil {
		t.Fatal(err)
	}
	group := natstest.Group(t, natstest.URL(), natsbus.StreamName)
	u, _ := url.Parse(natstest.URL())
	proxy := natstest.NewProxy(t, u.Host)
	proxy.Down()

	sctx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	var serveErr syncBuffer
	ready := make(chan string, 1)
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &serveErr, Ready: func(a string) { ready <- a }, logFlushEvery: time.Hour}
	served := make(chan error, 1)
	go func() {
		served <- m.Serve(sctx, []string{"--data", t.TempDir(), "--db", dsn, "--listen", "127.0.0.1:0", "--nats", natstest.URL(), "--group", group})
	}()
	select {
	case <-ready:
	case err := <-served:
		t.Fatalf("serve: %v\n%s", err, serveErr.String())
	case <-time.After(time.Minute):
		t.Fatal("serve did not start")
	}
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
	stopServe()
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
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
	t.Setenv("MEDSEC_ADMIN_PASSWORD", adminPassword)
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	site := &medsec.Site{Code: "KHH", Name: "高雄分院"}
	if err := sqlstore.NewOrgService(db).CreateSite(asSystem(ctx), site); err != nil {
		t.Fatal(err)
	}
	group := natstest.Group(t, natstest.URL(), natsbus.StreamName)
	sctx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	var serveErr syncBuffer
	ready := make(chan string, 1)
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &serveErr, Ready: func(a string) { ready <- a }, logFlushEvery: time.Hour}
	served := make(chan error, 1)
	go func() {
		served <- m.Serve(sctx, []string{"--data", t.TempDir(), "--db", dsn, "--listen", "127.0.0.1:0", "--nats", natstest.URL(), "--group", group})
	}()
	select {
	case <-ready:
	case err := <-served:
		t.Fatalf("serve: %v\n%s", err, serveErr.String())
	case <-time.After(time.Minute):
		t.Fatal("serve did not start")
	}
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

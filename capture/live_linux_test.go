//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCaptureLiveLoopback(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, int(htons(syscall.ETH_P_ALL)))
	if err != nil {
		t.Skipf("AF_PACKET socket not permitted here (needs CAP_NET_RAW): %v", err)
	}
	syscall.Close(fd)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "FictLiveServer/1.0")
	})}
	go srv.Serve(ln)
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		time.Sleep(300 * time.Millisecond)
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/", port), nil)
		req.Header.Set("User-Agent", "FictLiveClient/2.0")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	live := &LiveStats{}
	a := NewAnalyzer(Options{Live: live})
	fi, err := a.CaptureLive(context.Background(), "lo", 1500*time.Millisecond, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	// The sensor's /metrics reads these counters while it captures.
	if live.Packets.Load() != fi.Packets || live.Bytes.Load() != fi.Size || fi.Packets == 0 {
		t.Errorf("live stats: %d packets, %d bytes; the capture read %d, %d", live.Packets.Load(), live.Bytes.Load(), fi.Packets, fi.Size)
	}
	if live.Dropped.Load() != 0 {
		t.Errorf("kernel drops on a quiet loopback: %d", live.Dropped.Load())
	}
	r := a.Result()
	var flow *Flow
	for i, f := range r.Flows {
		if f.Server.Port == uint16(port) {
			flow = &r.Flows[i]
		}
	}
	if flow == nil {
		t.Fatalf("no flow to port %d among %d flows (%d packets)", port, len(r.Flows), fi.Packets)
	}
	if flow.App != "http" || flow.DirectionBy != "syn" || flow.ClientPackets == 0 || flow.ServerPackets == 0 {
		t.Errorf("flow %+v", flow)
	}
	got := strings.Join(keys(facts(r)), "\n")
	for _, w := range []string{"127.0.0.1 http-user-agent=FictLiveClient/2.0", "127.0.0.1 http-server=FictLiveServer/1.0"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
}

// TestLiveCaptureKeepsFramesBetweenWindows: a sensor summarises and sends each window
// while the capture stays open, so datagrams that arrive between two windows are in the
// next window, none lost. Before, each window opened its own socket and every frame
// between two windows was missed without a count.
func TestLiveCaptureKeepsFramesBetweenWindows(t *testing.T) {
	c, err := OpenLive("lo")
	if err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("AF_PACKET socket not permitted here (needs CAP_NET_RAW): %v", err)
		}
		t.Fatal(err)
	}
	defer c.Close()
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	port := rx.LocalAddr().(*net.UDPAddr).Port
	first := NewAnalyzer(Options{})
	if _, err := first.CaptureFrom(context.Background(), c, 200*time.Millisecond, time.Now); err != nil {
		t.Fatal(err)
	}
	// Between the windows: 300 datagrams, while no capture call is running.
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	const sent = 300
	for i := range sent {
		if _, err := fmt.Fprintf(tx, "between windows %d", i); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	live := &LiveStats{}
	second := NewAnalyzer(Options{Live: live})
	if _, err := second.CaptureFrom(context.Background(), c, 300*time.Millisecond, time.Now); err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, f := range second.Result().Flows {
		if f.Server.Port == uint16(port) || f.Client.Port == uint16(port) {
			got += int(f.ClientPackets + f.ServerPackets)
		}
	}
	if got != sent || live.Dropped.Load() != 0 {
		t.Errorf("the second window saw %d of the %d datagrams sent between windows (kernel drops %d)", got, sent, live.Dropped.Load())
	}
}

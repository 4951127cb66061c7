//go:build linux

package capture

import (
	"context"
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

// Package natstest gives tests NATS JetStream: the shared server of this machine and CI
// (a group of their own on it, its stream deleted after), a private nats-server with a
// configuration of the test's (for credentials), and a TCP proxy the test can cut and
// restore to take a sensor's link down without stopping the shared server.
package natstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ServerBin is the nats-server of this machine and CI.
const ServerBin = "/usr/sbin/nats-server"

// URL is the shared JetStream server: MEDSEC_TEST_NATS_URL, else nats://127.0.0.1:4222.
func URL() string {
	if u := os.Getenv("MEDSEC_TEST_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// Group returns a group name of the test's own ("t" and 8 hex digits) and deletes the
// group's stream (name streamName) on url when the test ends.
func Group(tb testing.TB, url string, streamName func(string) string) string {
	tb.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	g := "t" + hex.EncodeToString(b)
	tb.Cleanup(func() {
		nc, err := nats.Connect(url)
		if err != nil {
			return
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = js.DeleteStream(ctx, streamName(g))
	})
	return g
}

// FreePort returns a TCP port nothing listens on now.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// StartServer runs a private nats-server with JetStream and the extra configuration conf
// and returns its URL; it is stopped when the test ends.
func StartServer(tb testing.TB, conf string) string {
	tb.Helper()
	dir := tb.TempDir()
	port := FreePort(tb)
	file := filepath.Join(dir, "nats.conf")
	full := fmt.Sprintf("listen: 127.0.0.1:%d\njetstream { store_dir: %q }\n%s\n", port, filepath.Join(dir, "js"), conf)
	if err := os.WriteFile(file, []byte(full), 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(ServerBin, "-c", file)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("nats-server: %v", err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "nats://" + addr
		}
	}
	tb.Fatal("nats-server did not start")
	return ""
}

// Proxy forwards TCP connections from its own address to a target while it is up. Down
// closes every connection and refuses new ones; Up accepts again.
type Proxy struct {
	// URL is "nats://" and the proxy's address.
	URL    string
	target string
	ln     net.Listener
	mu     sync.Mutex
	up     bool
	conns  map[net.Conn]bool
}

// NewProxy starts a proxy to target ("host:port"), up, stopped when the test ends.
func NewProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{URL: "nats://" + ln.Addr().String(), target: target, ln: ln, up: true, conns: map[net.Conn]bool{}}
	go p.accept()
	tb.Cleanup(func() { ln.Close(); p.Down() })
	return p
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		up := p.up
		p.mu.Unlock()
		if !up {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = true, true
		p.mu.Unlock()
		go func() { io.Copy(s, c); s.Close(); c.Close() }()
		go func() { io.Copy(c, s); s.Close(); c.Close() }()
	}
}

// Down cuts the link: open connections are closed and new ones refused.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = false
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// Up restores the link.
func (p *Proxy) Up() {
	p.mu.Lock()
	p.up = true
	p.mu.Unlock()
}

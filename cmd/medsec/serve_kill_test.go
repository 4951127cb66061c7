package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"medsec"
	"medsec/logstore"
	"medsec/sqlstore"
)

// TestServeSurvivesSIGKILL runs the built medsec binary ("medsec serve" with a TCP and a
// TLS syslog listener and the HTTP JSON ingest), streams records to all three while it
// kills the server with SIGKILL 22 times and starts it again, and then proves, from the
// store itself, that every acknowledged record is stored exactly once and that the seal
// verifies [issue 12: durability].
//
// Acknowledged means: for HTTP, a 2xx answer; for TCP and TLS, which have no answer, a
// record inside a signed checkpoint the sender fetched (GET /api/v1/logs/seal) before the
// kill, as docs/LOGS.md defines it. Each stream goes to a site of its own (the TCP sender
// is the asset 127.0.0.1, the TLS sender 127.0.0.2, the HTTP source belongs to a third
// site), so a site log holds one stream in sending order: after a restart the TCP and
// TLS senders resume from the size of their site log, as a sender that reads checkpoints
// would.
func TestServeSurvivesSIGKILL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(t.TempDir(), "medsec")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db, err := sqlstore.Open(ctx, dsnFor(dir, ""))
	if err != nil {
		t.Fatal(err)
	}
	sys := asSystem(ctx)
	var sites [3]*medsec.Site
	for i, code := range []string{"TCP", "TLS", "HTTP"} {
		sites[i] = &medsec.Site{Code: code, Name: code + " site"}
		if err := sqlstore.NewOrgService(db).CreateSite(sys, sites[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i, ip := range []string{"127.0.0.1", "127.0.0.2"} {
		a := &medsec.Asset{SiteID: sites[i].ID, Name: "sender-" + ip, Kind: medsec.KindOther, IPs: []string{ip}}
		if err := sqlstore.NewAssetService(db).CreateAsset(sys, a); err != nil {
			t.Fatal(err)
		}
	}
	sourceToken, err := sqlstore.NewLogSourceService(db).CreateLogSource(sys, &medsec.LogSource{SiteID: sites[2].ID, Name: "emr-json", Transport: "https"}, true)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	certFile, keyFile := writeSelfSigned(t, t.TempDir())
	pem, _ := os.ReadFile(certFile)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)

	httpAddr, tcpAddr, tlsAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	base := "http://" + httpAddr
	serverLog, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer serverLog.Close()
	var apiToken string
	start := func() *exec.Cmd {
		t.Helper()
		cmd := exec.Command(bin, "serve", "--data", dir, "--listen", httpAddr, "--syslog-tcp", tcpAddr, "--syslog-tls", tlsAddr,
			"--syslog-tls-cert", certFile, "--syslog-tls-key", keyFile)
		cmd.Env = append(os.Environ(), "MEDSEC_ADMIN_PASSWORD="+adminPassword)
		cmd.Stdout, cmd.Stderr = serverLog, serverLog
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				log, _ := os.ReadFile(serverLog.Name())
				t.Fatalf("server did not start:\n%s", log)
			}
			c, err := net.Dial("tcp", tlsAddr)
			if err != nil {
				continue
			}
			c.Close()
			if resp, err := http.Get(base + "/api/v1/logs/seal"); err == nil {
				resp.Body.Close()
				return cmd
			}
		}
	}
	// seal returns the signed checkpoint size of each site log, each note checked against
	// the store's public key.
	seal := func() map[int64]int64 {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/v1/logs/seal", nil)
		req.Header.Set("Authorization", "Bearer "+apiToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("seal: %v", err)
		}
		defer resp.Body.Close()
		var st medsec.LogSealStatus
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
			t.Fatalf("seal: %d %v", resp.StatusCode, err)
		}
		out := map[int64]int64{}
		for _, s := range st.Sites {
			if s.Checkpoint == "" {
				continue
			}
			cp, err := logstore.OpenCheckpoint([]byte(s.Checkpoint), st.PublicKey)
			if err != nil {
				t.Fatalf("site %d checkpoint: %v", s.SiteID, err)
			}
			out[s.SiteID] = cp.Size
		}
		return out
	}

	cmd := start()
	var out bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--data", dir, "--user", "admin"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	apiToken = strings.TrimSpace(out.String())

	stop := make(chan struct{})
	var wg sync.WaitGroup
	// The stream senders: one connection at a time, 500 records a second, each record
	// "<stream> seq N"; after a failed write they wait to be told where to resume.
	type streamSender struct {
		name   string
		resume chan int
		dial   func() (net.Conn, error)
	}
	senders := []*streamSender{
		{"tcp", make(chan int, 1), func() (net.Conn, error) { return net.Dial("tcp", tcpAddr) }},
		{"tls", make(chan int, 1), func() (net.Conn, error) {
			d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second}
			return tls.DialWithDialer(d, "tcp", tlsAddr, &tls.Config{RootCAs: roots})
		}},
	}
	for _, s := range senders {
		s.resume <- 0
		wg.Go(func() {
			for {
				var seq int
				select {
				case seq = <-s.resume:
				case <-stop:
					return
				}
				c, err := s.dial()
				if err != nil {
					continue // killed again before the dial: wait for the next restart
				}
				for err == nil {
					var frames bytes.Buffer
					for range 50 {
						msg := fmt.Sprintf("<13>1 - sender app - - - %s seq %d", s.name, seq)
						fmt.Fprintf(&frames, "%d %s", len(msg), msg)
						seq++
					}
					c.SetWriteDeadline(time.Now().Add(10 * time.Second))
					_, err = c.Write(frames.Bytes())
					select {
					case <-stop:
						c.Close()
						return
					case <-time.After(100 * time.Millisecond):
					}
				}
				c.Close()
			}
		})
	}
	// The HTTP sender: batches of 20 JSON lines; a 2xx acknowledges the batch, anything
	// else (the server is down) leaves it unacknowledged and the next batch has new
	// numbers, so an acknowledged record must be there exactly once and any other at
	// most once.
	var ackMu sync.Mutex
	acked := map[int]bool{}
	sent := 0
	wg.Go(func() {
		client := &http.Client{Timeout: 10 * time.Second}
		for n := 0; ; n += 20 {
			select {
			case <-stop:
				ackMu.Lock()
				sent = n
				ackMu.Unlock()
				return
			case <-time.After(50 * time.Millisecond):
			}
			var body bytes.Buffer
			for i := n; i < n+20; i++ {
				fmt.Fprintf(&body, `{"message":"http seq %d","event":{"action":"chart-open"}}`+"\n", i)
			}
			req, _ := http.NewRequest("POST", base+"/api/v1/logs/ingest", &body)
			req.Header.Set("Authorization", "Bearer "+sourceToken)
			req.Header.Set("Content-Type", "application/x-ndjson")
			resp, err := client.Do(req)
			if err != nil {
				continue
			}
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				ackMu.Lock()
				for i := n; i < n+20; i++ {
					acked[i] = true
				}
				ackMu.Unlock()
			}
		}
	})

	const kills = 22
	for k := range kills {
		time.Sleep(time.Duration(400+rand.IntN(1200)) * time.Millisecond)
		before := seal() // what the senders were acknowledged
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		cmd = start()
		after := seal()
		for site, n := range before {
			if after[site] < n {
				t.Fatalf("kill %d: site %d had a signed checkpoint of %d records before the kill, %d after the restart", k+1, site, n, after[site])
			}
		}
		for i, s := range senders {
			select { // a sender that has not yet seen its write fail has an older value waiting
			case <-s.resume:
			default:
			}
			s.resume <- int(after[sites[i].ID])
		}
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		log, _ := os.ReadFile(serverLog.Name())
		t.Fatalf("serve after SIGTERM: %v\n%s", err, log)
	}

	var verOut, verErr bytes.Buffer
	if err := run(ctx, []string{"logs", "verify", "--data", dir}, &verOut, &verErr); err != nil || !strings.Contains(verOut.String(), "OK") {
		t.Fatalf("logs verify after %d kills: %v\n%s%s", kills, err, verOut.String(), verErr.String())
	}
	st, err := openLogStore(dir, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var bundle bytes.Buffer
	if err := st.Export(ctx, &bundle, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	var b logstore.Bundle
	if err := json.Unmarshal(bundle.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	bySite := map[int64][]logstore.BundleRecord{}
	for _, s := range b.Sites {
		bySite[s.Site] = s.Records
	}
	// TCP and TLS: the site log is the stream, record i is "seq i", nothing missing and
	// nothing twice.
	for i, s := range senders {
		recs := bySite[sites[i].ID]
		if len(recs) < 1000 {
			t.Errorf("%s: only %d records stored", s.name, len(recs))
		}
		for j, r := range recs {
			if want := fmt.Sprintf("%s seq %d", s.name, j); r.Index != int64(j) || !strings.HasSuffix(string(r.Raw), want) {
				t.Fatalf("%s: record %d is %q (index %d), want %q", s.name, j, r.Raw, r.Index, want)
			}
		}
		t.Logf("%s: %d records, in order, each once", s.name, len(recs))
	}
	// HTTP: every acknowledged record exactly once, any other at most once.
	count := map[int]int{}
	for _, r := range bySite[sites[2].ID] {
		n, err := strconv.Atoi(strings.TrimPrefix(r.Fields["message"], "http seq "))
		if err != nil {
			t.Fatalf("http record %d: %q", r.Index, r.Fields["message"])
		}
		count[n]++
	}
	for n, c := range count {
		if c > 1 {
			t.Errorf("http record %d stored %d times", n, c)
		}
	}
	lost := 0
	for n := range acked {
		if count[n] != 1 {
			lost++
		}
	}
	if lost > 0 || len(acked) < 500 {
		t.Errorf("http: %d of %d acknowledged records missing (%d sent)", lost, len(acked), sent)
	}
	t.Logf("http: %d sent, %d acknowledged, %d stored, none acknowledged missing, none twice", sent, len(acked), len(count))
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

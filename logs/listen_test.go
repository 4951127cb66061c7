package logs

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startListener starts UDP, TCP and TLS listeners on loopback ports into
// sink and returns their addresses and the TLS certificate's PEM.
func startListener(t *testing.T, sink Sink) (l *Listener, udp, tcp, tlsAddr string, certPEM []byte) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	l = &Listener{Parser: &Parser{}, Sink: sink, Batch: 50}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, certPEM := selfSigned(t)
	tln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	go l.ServeUDP(ctx, pc)
	go l.ServeStream(ctx, ln)
	go l.ServeStream(ctx, tln)
	return l, pc.LocalAddr().String(), ln.Addr().String(), tln.Addr().String(), certPEM
}

// selfSigned makes a certificate for localhost and 127.0.0.1.
func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// findMessage returns the stored record whose message contains s.
func findMessage(recs []Record, s string) (Record, bool) {
	for _, r := range recs {
		if m, _ := r.Fields["message"].(string); strings.Contains(m, s) {
			return r, true
		}
	}
	return Record{}, false
}

// TestLoggerPeers sends with util-linux logger in RFC 3164 and RFC 5424
// over UDP and TCP (LF and octet-counted framing).
func TestLoggerPeers(t *testing.T) {
	logger, err := exec.LookPath("logger")
	if err != nil {
		t.Fatal("logger (util-linux) is needed: ", err)
	}
	sink := &memSink{}
	_, udp, tcp, _, _ := startListener(t, sink)
	port := func(a string) string { _, p, _ := net.SplitHostPort(a); return p }
	runs := []struct {
		name string
		args []string
		want string
	}{
		{"rfc3164 udp", []string{"--rfc3164", "-d", "-P", port(udp)}, FormatRFC3164},
		{"rfc5424 udp", []string{"--rfc5424", "-d", "-P", port(udp)}, FormatRFC5424},
		{"rfc3164 tcp lf", []string{"--rfc3164", "-T", "-P", port(tcp)}, FormatRFC3164},
		{"rfc5424 tcp octet", []string{"--rfc5424", "-T", "--octet-count", "-P", port(tcp)}, FormatRFC5424},
		{"rfc5424 tcp sd", []string{"--rfc5424", "-T", "--octet-count", "--sd-id", "medsec@32473", "--sd-param", `user="dr \"lin\" [x\]"`, "-P", port(tcp)}, FormatRFC5424},
	}
	for i, r := range runs {
		msg := fmt.Sprintf("medsec test %d %s", i, r.name)
		args := append([]string{"-n", "127.0.0.1", "-t", "medsec-test", "-i", "-p", "auth.warning"}, r.args...)
		if out, err := exec.Command(logger, append(args, msg)...).CombinedOutput(); err != nil {
			t.Fatalf("%s: logger: %v: %s", r.name, err, out)
		}
		var rec Record
		deadline := time.Now().Add(5 * time.Second)
		for {
			var ok bool
			if rec, ok = findMessage(sink.snapshot(), msg); ok || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if rec.Fields == nil {
			t.Fatalf("%s: not received", r.name)
		}
		f := rec.Fields
		if rec.Format != r.want || f["process.name"] != "medsec-test" || f["log.syslog.priority"] != 4*8+4 || f["message"] != msg {
			t.Errorf("%s: %s %v", r.name, rec.Format, f)
		}
		if _, ok := f["process.pid"].(int); !ok {
			t.Errorf("%s: process.pid %v, want logger's pid", r.name, f["process.pid"])
		}
		ts, _ := f["@timestamp"].(time.Time)
		if d := ts.Sub(rec.Received); d > time.Minute || d < -time.Minute {
			t.Errorf("%s: @timestamp %v far from receive time %v", r.name, ts, rec.Received)
		}
		if strings.Contains(r.name, "sd") {
			sd, _ := f["log.syslog.structured_data"].(map[string]any)
			p, _ := sd["medsec@32473"].(map[string]any)
			if p["user"] != `dr "lin" [x]` {
				t.Errorf("%s: structured data %v", r.name, sd)
			}
		}
	}
}

// TestRsyslogForwards runs Debian's rsyslogd with its own configuration in a
// temporary directory: it reads messages on a Unix socket (fed by logger)
// and forwards them with omfwd to medsec over UDP, TCP (octet-counted) and
// TLS (gtls, the peer's certificate checked by name).
func TestRsyslogForwards(t *testing.T) {
	rsyslogd, err := exec.LookPath("rsyslogd")
	if err != nil {
		t.Fatal("rsyslogd (Debian rsyslog, rsyslog-gnutls) is needed: ", err)
	}
	sink := &memSink{}
	_, udp, tcp, tlsAddr, certPEM := startListener(t, sink)
	port := func(a string) string { _, p, _ := net.SplitHostPort(a); return p }
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "in.sock")
	conf := fmt.Sprintf(`global(workDirectory=%[1]q defaultNetstreamDriverCAFile=%[2]q)
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket=%[3]q RateLimit.Interval="0" UseSpecialParser="off")
if $msg contains "via-udp" then action(type="omfwd" target="127.0.0.1" port=%[4]q protocol="udp")
if $msg contains "via-tcp" then action(type="omfwd" target="127.0.0.1" port=%[5]q protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
if $msg contains "via-tls" then action(type="omfwd" target="127.0.0.1" port=%[6]q protocol="tcp" StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost" template="RSYSLOG_SyslogProtocol23Format")
`, dir, ca, sock, port(udp), port(tcp), port(tlsAddr))
	confFile := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(rsyslogd, "-f", confFile, "-i", filepath.Join(dir, "rsyslogd.pid"), "-n")
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i > 100 {
			t.Fatalf("rsyslogd did not create its socket: %s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	const perWay = 200
	for _, way := range []string{"via-udp", "via-tcp", "via-tls"} {
		for i := range perWay {
			msg := fmt.Sprintf("%s %d login user=nurse%02d", way, i, i%7)
			if out, err := exec.Command("logger", "-u", sock, "-t", "emr", "-p", "authpriv.notice", msg).CombinedOutput(); err != nil {
				t.Fatalf("logger -u: %v: %s", err, out)
			}
		}
	}
	recs := sink.waitFor(3*perWay, 20*time.Second)
	count := map[string]int{}
	for _, r := range recs {
		m, _ := r.Fields["message"].(string)
		// rsyslog's RFC 5424 template sends its msg property, which keeps
		// the space after "emr:": medsec keeps MSG as sent.
		way, _, _ := strings.Cut(strings.TrimPrefix(m, " "), " ")
		count[way]++
		if r.Fields["process.name"] != "emr" || r.Fields["log.syslog.facility.name"] != "authpriv" {
			t.Errorf("%s: %v", r.Format, r.Fields)
		}
		wantFormat := FormatRFC5424
		if way == "via-udp" {
			wantFormat = FormatRFC3164 // omfwd's default template is RFC 3164
		}
		if r.Format != wantFormat {
			t.Errorf("%s: format %s, want %s", way, r.Format, wantFormat)
		}
	}
	for _, way := range []string{"via-udp", "via-tcp", "via-tls"} {
		if count[way] != perWay {
			t.Errorf("%s: received %d of %d (rsyslogd: %s)", way, count[way], perWay, stderr.String())
		}
	}
}

// TestStreamPushBack checks that a failing sink stops the TCP reader (no
// record is dropped) and that what UDP cannot store is counted.
func TestStreamPushBack(t *testing.T) {
	sink := &memSink{}
	sink.setFail(true)
	l, udp, tcp, _, _ := startListener(t, sink)
	c, err := net.Dial("tcp", tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 20 {
		fmt.Fprintf(c, "<13>Nov 30 11:00:00 h app: tcp %d\n", i)
	}
	u, err := net.Dial("udp", udp)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(u, "<13>Nov 30 11:00:00 h app: udp lost")
	deadline := time.Now().Add(5 * time.Second)
	for l.Stats.UDPDropped.Load() < 1 || l.Stats.SinkFailures.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("dropped %d, failures %d", l.Stats.UDPDropped.Load(), l.Stats.SinkFailures.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(sink.snapshot()); n != 0 {
		t.Fatalf("%d stored while failing", n)
	}
	sink.setFail(false)
	recs := sink.waitFor(20, 10*time.Second)
	if len(recs) != 20 {
		t.Fatalf("after recovery %d of 20 TCP records stored", len(recs))
	}
	for i, r := range recs {
		if want := fmt.Sprintf("tcp %d", i); r.Fields["message"] != want {
			t.Errorf("record %d: %v, want %q (order kept)", i, r.Fields["message"], want)
		}
	}
}

// TestFrameReader checks RFC 6587 framing: octet counting and LF mixed per
// frame, a counted frame holding LF, CRLF, and bad lengths.
func TestFrameReader(t *testing.T) {
	in := "26 <13>Nov 30 11:00:00 h a: x" + "<13>Nov 30 11:00:00 h a: y\r\n" + "\n" + "15 <13>1 - - - -\nz" + "<13>last"
	fr := NewFrameReader(strings.NewReader(in))
	var got []string
	for {
		m, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(m))
	}
	want := []string{"<13>Nov 30 11:00:00 h a: x", "<13>Nov 30 11:00:00 h a: y", "<13>1 - - - -\nz", "<13>last"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	for _, bad := range []string{"99999999 x", "12x <13>", "30 short"} {
		fr := NewFrameReader(strings.NewReader(bad))
		if _, err := fr.Next(); err == nil || err == io.EOF {
			t.Errorf("%q: error %v", bad, err)
		}
	}
}

// TestStreamKeepsOrderAcrossChunks sends many frames over one connection at once: the
// listener parses chunks of them on several goroutines (CEF lines take longer than
// plain ones, so chunks finish out of order) and must still store them in the order
// sent, each with a receive time not before the previous one's.
func TestStreamKeepsOrderAcrossChunks(t *testing.T) {
	sink := &memSink{}
	_, _, tcp, _, _ := startListener(t, sink)
	c, err := net.Dial("tcp", tcp)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	var buf bytes.Buffer
	for i := range n {
		var line string
		if (i/50)%2 == 0 {
			line = fmt.Sprintf("<134>Nov 30 11:00:00 fw CEF:0|Acme|NGF|7.0|4000|Denied|5|src=10.1.2.3 spt=%d dst=10.9.9.9 dpt=443 act=deny suser=u%d msg=seq %d", 1000+i, i, i)
		} else {
			line = fmt.Sprintf("<13>Nov 30 11:00:00 h app: seq %d", i)
		}
		fmt.Fprintf(&buf, "%d %s", len(line), line)
	}
	if _, err := c.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	c.Close()
	recs := sink.waitFor(n, 30*time.Second)
	if len(recs) != n {
		t.Fatalf("%d of %d records stored", len(recs), n)
	}
	for i, r := range recs {
		if want := fmt.Sprintf("seq %d", i); r.Fields["message"] != want {
			t.Fatalf("record %d: message %v, want %q (order kept)", i, r.Fields["message"], want)
		}
		if i > 0 && r.Received.Before(recs[i-1].Received) {
			t.Fatalf("record %d received %v, before record %d's %v", i, r.Received, i-1, recs[i-1].Received)
		}
	}
	if sink.calls >= n/50 {
		t.Errorf("%d appends for %d records in chunks of 50: ready chunks were not merged", sink.calls, n)
	}
}

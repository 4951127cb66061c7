// Package notifytest runs a real SMTP server for tests: Debian's python3-aiosmtpd, started
// on a free port of 127.0.0.1 with STARTTLS under a self-signed certificate made for the
// test, writing what it receives to a directory the test reads.
package notifytest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Python is the interpreter with aiosmtpd (Debian's python3-aiosmtpd).
const Python = "/usr/bin/python3"

// Options choose how the server behaves.
type Options struct {
	// NoTLS makes a server that does not offer STARTTLS.
	NoTLS bool
	// Username and Password, when set, make the server require AUTH after STARTTLS.
	Username, Password string
}

// Server is a running SMTP server.
type Server struct {
	Host string // "localhost", the name in the certificate
	Port int
	// CAFile is the PEM file of the server's self-signed certificate, to trust it.
	CAFile string
	dir    string
}

// Received is one message the server got.
type Received struct {
	MailFrom string   `json:"mail_from"`
	RcptTos  []string `json:"rcpt_tos"`
	// TLS reports whether the message came under STARTTLS.
	TLS   bool   `json:"tls"`
	Login string `json:"login"`
	// Subject is the decoded Subject header (RFC 2047); Body the decoded text body.
	Subject string      `json:"-"`
	Body    string      `json:"-"`
	Header  mail.Header `json:"-"`
}

// StartSMTP starts the server and stops it when the test ends. It skips the test when
// python3-aiosmtpd is not installed (CI installs it and fails on any skip).
func StartSMTP(tb testing.TB, o Options) *Server {
	tb.Helper()
	if err := exec.Command(Python, "-c", "import aiosmtpd").Run(); err != nil {
		tb.Skip("SMTP tests skipped: Debian's python3-aiosmtpd is not installed")
	}
	dir := tb.TempDir()
	s := &Server{Host: "localhost", dir: filepath.Join(dir, "mail")}
	if err := os.Mkdir(s.dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	args := []string{script(), "--dir", s.dir}
	if !o.NoTLS {
		cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		if err := selfSigned(cert, key); err != nil {
			tb.Fatal(err)
		}
		s.CAFile = cert
		args = append(args, "--cert", cert, "--key", key)
	}
	if o.Username != "" {
		args = append(args, "--user", o.Username, "--password", o.Password)
	}
	cmd := exec.Command(Python, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "smtp.log"))
	if err != nil {
		tb.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		tb.Fatalf("SMTP server did not start: %v", err)
	}
	if s.Port, err = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "PORT "))); err != nil {
		tb.Fatalf("SMTP server said %q", line)
	}
	return s
}

// script is the server's Python file, beside this package.
func script() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "smtp_server.py")
}

// Messages returns what the server has received so far, in order.
func (s *Server) Messages(tb testing.TB) []Received {
	tb.Helper()
	names, _ := filepath.Glob(filepath.Join(s.dir, "*.eml"))
	sort.Slice(names, func(i, j int) bool { return num(names[i]) < num(names[j]) })
	var out []Received
	for _, name := range names {
		var r Received
		meta, err := os.ReadFile(strings.TrimSuffix(name, ".eml") + ".json")
		if err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(meta, &r); err != nil {
			tb.Fatal(err)
		}
		f, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		m, err := mail.ReadMessage(f)
		if err != nil {
			f.Close()
			tb.Fatalf("%s: %v", name, err)
		}
		r.Header = m.Header
		if r.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
			tb.Fatalf("%s: subject: %v", name, err)
		}
		body := m.Body
		if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		var b strings.Builder
		if _, err := bufio.NewReader(body).WriteTo(&b); err != nil {
			tb.Fatalf("%s: body: %v", name, err)
		}
		f.Close()
		r.Body = strings.ReplaceAll(b.String(), "\r\n", "\n")
		out = append(out, r)
	}
	return out
}

// WaitMessages waits up to a few seconds for n messages and returns what came.
func (s *Server) WaitMessages(tb testing.TB, n int) []Received {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := s.Messages(tb)
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitIdle waits until at least min messages came and no new one for quiet (at most a
// minute in all), and returns them: for a burst whose size the test does not know.
func (s *Server) WaitIdle(tb testing.TB, min int, quiet time.Duration) []Received {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	last, lastChange := -1, time.Now()
	for {
		names, _ := filepath.Glob(filepath.Join(s.dir, "*.eml"))
		if len(names) != last {
			last, lastChange = len(names), time.Now()
		}
		if (len(names) >= min && time.Since(lastChange) >= quiet) || time.Now().After(deadline) {
			return s.Messages(tb)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func num(name string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(name), ".eml"))
	return n
}

// selfSigned writes a self-signed CA certificate for localhost and 127.0.0.1 and its key.
func selfSigned(certFile, keyFile string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "medsec test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
}

// String describes the server for test messages.
func (s *Server) String() string { return fmt.Sprintf("smtp://%s:%d", s.Host, s.Port) }

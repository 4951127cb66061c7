package appproto

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordConn records what is written to it.
type recordConn struct {
	net.Conn
	mu  sync.Mutex
	out []byte
}

func (c *recordConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.out = append(c.out, b...)
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// handshake runs a real crypto/tls handshake over a pipe and returns the
// bytes each side sent.
func handshake(t testing.TB, maxVersion uint16) (client, server []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "pacs.fict.example", Organization: []string{"Fictional Hospital"}},
		Issuer:       pkix.Name{CommonName: "pacs.fict.example"},
		NotBefore:    time.Unix(1700000000, 0),
		NotAfter:     time.Unix(1900000000, 0),
		DNSNames:     []string{"pacs.fict.example"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	a, b := net.Pipe()
	ca, cb := &recordConn{Conn: a}, &recordConn{Conn: b}
	srv := tls.Server(cb, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: maxVersion})
	cli := tls.Client(ca, &tls.Config{ServerName: "pacs.fict.example", InsecureSkipVerify: true, MaxVersion: maxVersion, NextProtos: []string{"h2", "http/1.1"}})
	done := make(chan error, 1)
	go func() { done <- srv.Handshake() }()
	if err := cli.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Close the pipe, not the TLS connections: close_notify would block on
	// the synchronous pipe.
	a.Close()
	b.Close()
	ca.mu.Lock()
	defer ca.mu.Unlock()
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return append([]byte(nil), ca.out...), append([]byte(nil), cb.out...)
}

func collect(t *testing.T, b []byte, chunk int) []TLSInfo {
	t.Helper()
	var s TLSStream
	var out []TLSInfo
	for i := 0; i < len(b); i += chunk {
		if !s.Write(b[i:min(i+chunk, len(b))], func(i TLSInfo) { out = append(out, i) }) {
			break
		}
	}
	return out
}

func TestTLSHandshake(t *testing.T) {
	for _, tc := range []struct {
		name        string
		max         uint16
		wantVersion string
		wantCert    bool
	}{
		{"tls1.2", tls.VersionTLS12, "TLS1.2", true},
		{"tls1.3", tls.VersionTLS13, "TLS1.3", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, srv := handshake(t, tc.max)
			if id, _ := IdentifyStream(cli); id != TLS {
				t.Errorf("client stream identified as %q", id)
			}
			for _, chunk := range []int{1, 3, 100, 1 << 16} {
				c := collect(t, cli, chunk)
				if len(c) != 1 || c[0].Kind != "client_hello" || c[0].SNI != "pacs.fict.example" {
					t.Fatalf("chunk %d: client infos %+v", chunk, c)
				}
				if !strings.Contains(strings.Join(c[0].Versions, ","), tc.wantVersion) || strings.Join(c[0].ALPN, ",") != "h2,http/1.1" {
					t.Errorf("chunk %d: client hello %+v", chunk, c[0])
				}
				s := collect(t, srv, chunk)
				if len(s) == 0 || s[0].Kind != "server_hello" || s[0].Versions[0] != tc.wantVersion {
					t.Fatalf("chunk %d: server infos %+v", chunk, s)
				}
				gotCert := false
				for _, i := range s {
					if i.Kind == "certificate" {
						gotCert = true
						if i.Subject != "CN=pacs.fict.example,O=Fictional Hospital" || i.Issuer != "CN=pacs.fict.example,O=Fictional Hospital" {
							t.Errorf("certificate subject %q issuer %q", i.Subject, i.Issuer)
						}
					}
				}
				if gotCert != tc.wantCert {
					t.Errorf("chunk %d: certificate seen %v, want %v", chunk, gotCert, tc.wantCert)
				}
			}
		})
	}
}

// dnsResponse builds a response for name with one A record using a
// compression pointer.
func dnsResponse(name string, addr [4]byte) []byte {
	b := []byte{0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0}
	for _, l := range strings.Split(name, ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	b = append(b, 0, 0, 1, 0, 1)
	b = append(b, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
	return append(b, addr[:]...)
}

func TestParseDNS(t *testing.T) {
	m, err := ParseDNS(dnsResponse("pacs.radiology.fict", [4]byte{10, 1, 2, 3}))
	if err != nil {
		t.Fatal(err)
	}
	if !m.Response || len(m.Questions) != 1 || m.Questions[0] != "pacs.radiology.fict" || len(m.Answers) != 1 ||
		m.Answers[0].Addr != netip.MustParseAddr("10.1.2.3") || m.Answers[0].Name != "pacs.radiology.fict" {
		t.Errorf("got %+v", m)
	}
	loop := []byte{0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1}
	if _, err := ParseDNS(loop); err == nil {
		t.Error("compression loop accepted")
	}
	if got := IdentifyDatagram(dnsResponse("a.b", [4]byte{1, 2, 3, 4}), 53, 40000); got != DNS {
		t.Errorf("identified %q", got)
	}
}

func dhcpMessage(op byte, yiaddr [4]byte, opts ...[]byte) []byte {
	b := make([]byte, 240)
	b[0], b[1], b[2] = op, 1, 6
	copy(b[16:], yiaddr[:])
	copy(b[28:], []byte{0x00, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f})
	binary.BigEndian.PutUint32(b[236:], 0x63825363)
	for _, o := range opts {
		b = append(b, o...)
	}
	return append(b, 255)
}

func TestParseDHCP(t *testing.T) {
	req := dhcpMessage(1, [4]byte{}, []byte{53, 1, 3}, []byte{12, 7, 'I', 'N', 'F', 'P', 'U', 'M', 'P'}, []byte{60, 9, 'F', 'i', 'c', 't', 'M', 'e', 'd', ' ', '1'}, []byte{50, 4, 10, 0, 0, 9})
	m, err := ParseDHCP(req)
	if err != nil {
		t.Fatal(err)
	}
	want := DHCPMessage{Op: 1, Type: 3, ClientMAC: "00:1b:2c:3d:4e:5f", ClientIP: netip.MustParseAddr("10.0.0.9"), Hostname: "INFPUMP", VendorClass: "FictMed 1"}
	if m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	if IdentifyDatagram(req, 68, 67) != DHCP {
		t.Error("not identified as DHCP")
	}
	if _, err := ParseDHCP(dhcpMessage(1, [4]byte{}, []byte{12, 200, 'x'})); err == nil {
		t.Error("overrunning option accepted")
	}
}

func TestHTTP(t *testing.T) {
	req := "GET /status HTTP/1.1\r\nHost: infusion-7.fict\r\nUser-Agent: FictPump/2.1\r\n\r\n"
	resp := "HTTP/1.1 200 OK\r\nServer: FictWeb/1.0\r\nContent-Length: 0\r\n\r\n"
	for chunk := 1; chunk < len(req); chunk += 7 {
		var s HTTPStream
		var got []HTTPHead
		for i := 0; i < len(req); i += chunk {
			s.Write([]byte(req[i:min(i+chunk, len(req))]), func(h HTTPHead) { got = append(got, h) })
		}
		if len(got) != 1 || got[0] != (HTTPHead{Request: true, Method: "GET", Host: "infusion-7.fict", UserAgent: "FictPump/2.1"}) {
			t.Fatalf("chunk %d: got %+v", chunk, got)
		}
	}
	h, err := ParseHTTPHead([]byte(resp))
	if err != nil || h != (HTTPHead{Status: "200", Server: "FictWeb/1.0"}) {
		t.Errorf("response %+v %v", h, err)
	}
}

func TestIdentifyStream(t *testing.T) {
	enip := make([]byte, 28)
	binary.LittleEndian.PutUint16(enip, 0x65)
	binary.LittleEndian.PutUint16(enip[2:], 4)
	tests := []struct {
		name string
		b    []byte
		want string
		more bool
	}{
		{"http", []byte("GET / HTTP/1.1\r\n"), HTTP, false},
		{"http partial", []byte("GE"), Unknown, true},
		{"hl7", []byte("\x0bMSH|^~\\&|"), HL7, false},
		{"modbus read holding registers", []byte{0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10}, Modbus, false},
		{"s7comm", []byte{3, 0, 0, 25, 2, 0xf0, 0x80, 0x32, 1, 0, 0, 0, 0, 0, 8, 0, 0, 0xf0, 0, 0, 1, 0, 1, 3, 0xc0}, S7comm, false},
		{"dnp3", []byte{0x05, 0x64, 0x05, 0xc9, 0x03, 0x00, 0x04, 0x00, 0xbd, 0x71}, DNP3, false},
		{"ethernet/ip register session", enip, EtherNetIP, false},
		{"ssh", []byte("SSH-2.0-OpenSSH_9.2\r\n"), SSH, false},
		{"random text", []byte("hello there, this is not a protocol\r\nsecond line"), Unknown, false},
		{"hl7 after a log line", []byte("[2026-01-01 12:00:00 sender-7]\n\x0bMSH|^~\\&|"), HL7, false},
		{"a log line so far", []byte("[2026-01-01 12:00:00 sender-7]\n"), Unknown, true},
		{"binary, not a log line", []byte("ab\x00\x01\n\x0bMSH|"), Unknown, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, more := IdentifyStream(tc.b)
			if got != tc.want || more != tc.more {
				t.Errorf("got %q more=%v, want %q more=%v", got, more, tc.want, tc.more)
			}
		})
	}
}

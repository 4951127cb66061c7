package appproto

import (
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
)

// TLSInfo is what one direction of a TLS connection revealed. Each field is
// set at most once per stream; Write reports the info after each handshake
// message that added something.
type TLSInfo struct {
	// Kind is the handshake message this info came from: "client_hello",
	// "server_hello" or "certificate".
	Kind string
	// SNI is the server name from a ClientHello.
	SNI string
	// Versions lists the protocol versions offered (ClientHello: legacy
	// version and supported_versions) or selected (ServerHello), as names
	// like "TLS1.2".
	Versions []string
	// ALPN lists the application protocols offered or selected.
	ALPN []string
	// Subject and Issuer are the distinguished names of the server's leaf
	// certificate (visible only up to TLS 1.2).
	Subject, Issuer string
}

// TLSVersionName names a TLS protocol version number.
func TLSVersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL3.0"
	case 0x0301:
		return "TLS1.0"
	case 0x0302:
		return "TLS1.1"
	case 0x0303:
		return "TLS1.2"
	case 0x0304:
		return "TLS1.3"
	}
	if v&0x0f0f == 0x0a0a {
		return "" // GREASE
	}
	return fmt.Sprintf("0x%04x", v)
}

// TLSStream decodes the plaintext handshake in one direction of a TLS
// connection. It stops at the first ChangeCipherSpec or application data
// record, or after maxHandshake bytes.
type TLSStream struct {
	rec  []byte // partial record
	hs   []byte // handshake bytes not yet decoded
	seen int
	done bool
}

const maxHandshake = 64 << 10

var errTLSShort = errors.New("tls: message truncated")

// Write adds stream bytes and passes each decoded handshake message to emit.
// It returns false once no more bytes are needed.
func (s *TLSStream) Write(b []byte, emit func(TLSInfo)) bool {
	for !s.done && len(b) > 0 {
		need := 5
		if len(s.rec) >= 5 {
			need = 5 + int(binary.BigEndian.Uint16(s.rec[3:]))
		}
		take := min(need-len(s.rec), len(b))
		s.rec = append(s.rec, b[:take]...)
		b = b[take:]
		if len(s.rec) < 5 {
			continue
		}
		if s.rec[1] != 3 || binary.BigEndian.Uint16(s.rec[3:]) > 18432 {
			s.stop()
			break
		}
		if len(s.rec) < 5+int(binary.BigEndian.Uint16(s.rec[3:])) {
			continue
		}
		typ := s.rec[0]
		body := s.rec[5:]
		switch typ {
		case 22:
			s.hs = append(s.hs, body...)
			s.seen += len(body)
			s.drain(emit)
			if s.seen > maxHandshake {
				s.stop()
			}
		case 21: // alert: keep going
		default: // change_cipher_spec, application_data, other
			s.stop()
		}
		s.rec = s.rec[:0]
	}
	return !s.done
}

// Stop ends decoding: after a gap the record framing is lost.
func (s *TLSStream) Stop() { s.stop() }

func (s *TLSStream) stop() {
	s.done = true
	s.rec, s.hs = nil, nil
}

func (s *TLSStream) drain(emit func(TLSInfo)) {
	for len(s.hs) >= 4 {
		n := int(s.hs[1])<<16 | int(s.hs[2])<<8 | int(s.hs[3])
		if n > maxHandshake {
			s.stop()
			return
		}
		if len(s.hs) < 4+n {
			return
		}
		typ, body := s.hs[0], s.hs[4:4+n]
		var info TLSInfo
		var err error
		switch typ {
		case 1:
			info, err = ParseClientHello(body)
		case 2:
			info, err = ParseServerHello(body)
		case 11:
			info, err = ParseCertificate(body)
		default:
			err = errors.New("skip")
		}
		if err == nil {
			emit(info)
		}
		s.hs = s.hs[4+n:]
		if typ == 14 { // server_hello_done: nothing more of interest
			s.stop()
			return
		}
	}
}

// ParseClientHello decodes a ClientHello handshake body.
func ParseClientHello(b []byte) (TLSInfo, error) {
	info := TLSInfo{Kind: "client_hello"}
	if len(b) < 38 {
		return info, errTLSShort
	}
	legacy := binary.BigEndian.Uint16(b)
	p := 34
	sid := int(b[p])
	p += 1 + sid
	if p+2 > len(b) {
		return info, errTLSShort
	}
	cs := int(binary.BigEndian.Uint16(b[p:]))
	p += 2 + cs
	if p+1 > len(b) {
		return info, errTLSShort
	}
	p += 1 + int(b[p])
	var versions []uint16
	if p+2 <= len(b) {
		ext, err := tlsExtensions(b[p:])
		if err != nil {
			return info, err
		}
		for _, e := range ext {
			switch e.typ {
			case 0: // server_name
				info.SNI = parseSNI(e.data)
			case 43: // supported_versions
				if len(e.data) >= 1 {
					l := int(e.data[0])
					for i := 1; i+1 < len(e.data) && i < 1+l; i += 2 {
						versions = append(versions, binary.BigEndian.Uint16(e.data[i:]))
					}
				}
			case 16:
				info.ALPN = parseALPN(e.data)
			}
		}
	}
	if len(versions) == 0 {
		versions = []uint16{legacy}
	}
	for _, v := range versions {
		if n := TLSVersionName(v); n != "" {
			info.Versions = append(info.Versions, n)
		}
	}
	return info, nil
}

// ParseServerHello decodes a ServerHello handshake body.
func ParseServerHello(b []byte) (TLSInfo, error) {
	info := TLSInfo{Kind: "server_hello"}
	if len(b) < 38 {
		return info, errTLSShort
	}
	v := binary.BigEndian.Uint16(b)
	p := 34
	p += 1 + int(b[p])
	p += 3 // cipher suite, compression
	if p+2 <= len(b) {
		ext, err := tlsExtensions(b[p:])
		if err != nil {
			return info, err
		}
		for _, e := range ext {
			switch e.typ {
			case 43:
				if len(e.data) == 2 {
					v = binary.BigEndian.Uint16(e.data)
				}
			case 16:
				info.ALPN = parseALPN(e.data)
			}
		}
	}
	info.Versions = []string{TLSVersionName(v)}
	return info, nil
}

// ParseCertificate decodes a TLS ≤1.2 Certificate handshake body and returns
// the subject and issuer of the first (leaf) certificate.
func ParseCertificate(b []byte) (TLSInfo, error) {
	info := TLSInfo{Kind: "certificate"}
	if len(b) < 6 {
		return info, errTLSShort
	}
	total := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
	if total+3 > len(b) || total < 3 {
		return info, errTLSShort
	}
	n := int(b[3])<<16 | int(b[4])<<8 | int(b[5])
	if 6+n > len(b) {
		return info, errTLSShort
	}
	cert, err := x509.ParseCertificate(b[6 : 6+n])
	if err != nil {
		return info, fmt.Errorf("tls: certificate: %w", err)
	}
	info.Subject = cert.Subject.String()
	info.Issuer = cert.Issuer.String()
	return info, nil
}

type tlsExt struct {
	typ  uint16
	data []byte
}

func tlsExtensions(b []byte) ([]tlsExt, error) {
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if n > len(b) {
		return nil, errTLSShort
	}
	b = b[:n]
	var out []tlsExt
	for len(b) >= 4 {
		t := binary.BigEndian.Uint16(b)
		l := int(binary.BigEndian.Uint16(b[2:]))
		if 4+l > len(b) {
			return out, errTLSShort
		}
		out = append(out, tlsExt{t, b[4 : 4+l]})
		b = b[4+l:]
	}
	return out, nil
}

func parseSNI(b []byte) string {
	if len(b) < 2 {
		return ""
	}
	b = b[2:]
	for len(b) >= 3 {
		t := b[0]
		l := int(binary.BigEndian.Uint16(b[1:]))
		if 3+l > len(b) {
			return ""
		}
		if t == 0 {
			return printable(b[3 : 3+l])
		}
		b = b[3+l:]
	}
	return ""
}

func parseALPN(b []byte) []string {
	if len(b) < 2 {
		return nil
	}
	b = b[2:]
	var out []string
	for len(b) > 0 {
		l := int(b[0])
		if 1+l > len(b) {
			break
		}
		out = append(out, printable(b[1:1+l]))
		b = b[1+l:]
	}
	return out
}

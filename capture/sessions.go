package capture

import (
	"net/netip"
	"strings"

	"medsec/capture/appproto"
)

// tlsSession follows both handshake directions of a TLS connection.
type tlsSession struct {
	a   *Analyzer
	f   *flow
	dir [2]appproto.TLSStream
}

func (s *tlsSession) feed(side int, b []byte) bool {
	return s.dir[side].Write(b, func(info appproto.TLSInfo) {
		a, f := s.a, s.f
		switch info.Kind {
		case "client_hello":
			srv := f.addr(1 - side)
			a.addFact(srv, FactTLSServerName, info.SNI)
			a.addFact(f.addr(side), FactTLSClientOffers, strings.Join(info.Versions, ","))
			f.addDetail("tls client versions: " + strings.Join(info.Versions, ","))
			if info.SNI != "" {
				f.addDetail("tls sni: " + info.SNI)
			}
		case "server_hello":
			for _, v := range info.Versions {
				a.addFact(f.addr(side), FactTLSVersion, v)
				f.addDetail("tls version: " + v)
			}
		case "certificate":
			a.addFact(f.addr(side), FactTLSCertSubject, info.Subject)
			a.addFact(f.addr(side), FactTLSCertIssuer, info.Issuer)
		}
	})
}

func (s *tlsSession) gap(side int) { s.dir[side].Stop() }

// httpSession reads the first request and response heads.
type httpSession struct {
	a   *Analyzer
	f   *flow
	dir [2]appproto.HTTPStream
}

func (s *httpSession) feed(side int, b []byte) bool {
	return s.dir[side].Write(b, func(h appproto.HTTPHead) {
		a, f := s.a, s.f
		if h.Request {
			a.addFact(f.addr(1-side), FactHTTPHost, h.Host)
			a.addFact(f.addr(side), FactHTTPUserAgent, h.UserAgent)
			if h.Host != "" {
				f.addDetail("http host: " + h.Host)
			}
		} else {
			a.addFact(f.addr(side), FactHTTPServer, h.Server)
		}
	})
}

func (s *httpSession) gap(side int) {}

// dnsSession reads every DNS message of a flow: answers name addresses.
type dnsSession struct {
	a *Analyzer
	f *flow
	n int
}

func (s *dnsSession) feed(side int, b []byte) bool {
	m, err := appproto.ParseDNS(b)
	if err != nil {
		return true
	}
	s.n++
	if !m.Response {
		s.a.addRole(s.f, side, "dns-client")
		return true
	}
	s.a.addRole(s.f, side, "dns-server")
	for _, ans := range m.Answers {
		if ans.Addr.IsValid() {
			s.a.addFact(ans.Addr, FactDNSName, strings.TrimSuffix(ans.Name, "."))
		}
		if ans.Type == 12 { // PTR: reverse lookup names the address
			if addr, ok := reverseName(ans.Name); ok {
				s.a.addFact(addr, FactDNSName, strings.TrimSuffix(ans.Target, "."))
			}
		}
	}
	return true
}

func (s *dnsSession) gap(side int) {}

// dhcpSession reads DHCP messages: hostname, vendor class and client MAC.
type dhcpSession struct {
	a *Analyzer
	f *flow
}

func (s *dhcpSession) feed(side int, b []byte) bool {
	m, err := appproto.ParseDHCP(b)
	if err != nil {
		return true
	}
	a := s.a
	ev := a.evidence()
	var facts []pendingFact
	if m.Hostname != "" {
		facts = append(facts, pendingFact{FactDHCPHostname, m.Hostname, ev})
	}
	if m.VendorClass != "" {
		facts = append(facts, pendingFact{FactDHCPVendorClass, m.VendorClass, ev})
	}
	if m.Op == 2 && isUnicast(s.f.addr(side)) {
		a.addRole(s.f, side, "dhcp-server")
	}
	if m.ClientMAC == "" {
		return true
	}
	if !m.ClientIP.IsValid() {
		// DISCOVER from 0.0.0.0: keep until an address is known.
		p, known := a.dhcpPending[m.ClientMAC]
		if !known && len(a.dhcpPending) >= 4096 {
			return true // bounded: a DHCP starvation flood must not grow memory
		}
		if len(p) < 16 {
			a.dhcpPending[m.ClientMAC] = append(p, facts...)
		}
		return true
	}
	facts = append(facts, a.dhcpPending[m.ClientMAC]...)
	delete(a.dhcpPending, m.ClientMAC)
	h := a.hostAddr(m.ClientIP)
	if mac, ok := parseMAC(m.ClientMAC); ok {
		addMAC(h, mac)
	}
	h.roles = addString(h.roles, "dhcp-client")
	for _, pf := range facts {
		a.addFactEv(m.ClientIP, pf.kind, pf.value, pf.ev)
	}
	return true
}

func (s *dhcpSession) gap(side int) {}

func parseMAC(s string) ([6]byte, bool) {
	var m [6]byte
	if len(s) != 17 {
		return m, false
	}
	for i := 0; i < 6; i++ {
		hi, ok1 := unhex(s[i*3])
		lo, ok2 := unhex(s[i*3+1])
		if !ok1 || !ok2 {
			return m, false
		}
		m[i] = hi<<4 | lo
	}
	return m, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// ssdpSession reads UPnP discovery messages (HTTP over UDP): the
// User-Agent and Server headers name the device's software.
type ssdpSession struct {
	a *Analyzer
	f *flow
	n int
}

func (s *ssdpSession) feed(side int, b []byte) bool {
	h, err := appproto.ParseHTTPHead(b)
	if err != nil {
		return true
	}
	s.a.addFact(s.f.addr(side), FactHTTPUserAgent, h.UserAgent)
	s.a.addFact(s.f.addr(side), FactHTTPServer, h.Server)
	s.n++
	return s.n < 64
}

func (s *ssdpSession) gap(side int) {}

// reverseName decodes an IPv4 in-addr.arpa or IPv6 ip6.arpa PTR owner name.
func reverseName(name string) (netip.Addr, bool) {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if rest, ok := strings.CutSuffix(name, ".in-addr.arpa"); ok {
		p := strings.Split(rest, ".")
		if len(p) != 4 {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(p[3] + "." + p[2] + "." + p[1] + "." + p[0])
		return a, err == nil
	}
	if rest, ok := strings.CutSuffix(name, ".ip6.arpa"); ok {
		p := strings.Split(rest, ".")
		if len(p) != 32 {
			return netip.Addr{}, false
		}
		var b strings.Builder
		for i := 31; i >= 0; i-- {
			b.WriteString(p[i])
			if i%4 == 0 && i > 0 {
				b.WriteByte(':')
			}
		}
		a, err := netip.ParseAddr(b.String())
		return a, err == nil
	}
	return netip.Addr{}, false
}

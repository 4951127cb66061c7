package appproto

import "testing"

func FuzzTLS(f *testing.F) {
	cli, srv := handshake(f, 0x0303)
	f.Add(cli)
	f.Add(srv)
	f.Fuzz(func(t *testing.T, b []byte) {
		var s TLSStream
		s.Write(b, func(TLSInfo) {})
		ParseClientHello(b)
		ParseServerHello(b)
		ParseCertificate(b)
	})
}

func FuzzDNS(f *testing.F) {
	f.Add(dnsResponse("pacs.radiology.fict", [4]byte{10, 1, 2, 3}))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseDNS(b)
	})
}

func FuzzDHCP(f *testing.F) {
	f.Add(dhcpMessage(1, [4]byte{}, []byte{53, 1, 3}, []byte{12, 3, 'a', 'b', 'c'}))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseDHCP(b)
		IdentifyDatagram(b, 67, 68)
	})
}

func FuzzHTTP(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: b\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 200 OK\r\nServer: x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseHTTPHead(b)
		var s HTTPStream
		s.Write(b, func(HTTPHead) {})
	})
}

func FuzzIdentify(f *testing.F) {
	f.Add([]byte{3, 0, 0, 25, 2, 0xf0, 0x80, 0x32})
	f.Add([]byte{0x05, 0x64, 0x05, 0xc9, 0x03, 0x00, 0x04, 0x00, 0xbd, 0x71})
	f.Fuzz(func(t *testing.T, b []byte) {
		IdentifyStream(b)
		IdentifyDatagram(b, 47808, 47808)
	})
}

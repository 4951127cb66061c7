package capture

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// FuzzAnalyzer feeds arbitrary frames through decoding, flow tracking,
// reassembly and every application decoder. The input is a sequence of
// records: link type byte, 2-byte length, frame.
func FuzzAnalyzer(f *testing.F) {
	cli := netip.MustParseAddrPort("10.0.0.1:40000")
	srv := netip.MustParseAddrPort("10.0.0.2:104")
	rec := func(link byte, fr []byte) []byte {
		b := []byte{link}
		b = binary.BigEndian.AppendUint16(b, uint16(len(fr)))
		return append(b, fr...)
	}
	var seed []byte
	seed = append(seed, rec(1, frame(6, cli, srv, 1, 0, tcpSYN, nil))...)
	seed = append(seed, rec(1, frame(6, cli, srv, 2, 0, tcpACK, []byte("\x01\x00\x00\x00\x00\x44\x00\x01")))...)
	seed = append(seed, rec(1, frame(6, cli, srv, 2, 0, tcpACK, []byte("\x0bMSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\r\x1c\r")))...)
	seed = append(seed, rec(1, frame(17, cli, netip.MustParseAddrPort("10.0.0.2:53"), 0, 0, 0, []byte{0, 1, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0}))...)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		a := NewAnalyzer(Options{MaxOutOfOrder: 4096})
		links := []int{0, 1, 101, 108, 113, 228, 229, 276}
		for len(b) >= 3 {
			link := links[int(b[0])%len(links)]
			n := int(binary.BigEndian.Uint16(b[1:]))
			b = b[3:]
			n = min(n, len(b))
			a.AddPacket(link, b[:n], n, int64(len(b)))
			b = b[n:]
		}
		a.Result()
	})
}

// FuzzDecodeFrame feeds arbitrary frames, tunnels (GRE, ERSPAN, VXLAN,
// MPLS) included, through the header decoder. The first byte picks the
// link type. Whatever it finds must lie inside the frame.
func FuzzDecodeFrame(f *testing.F) {
	cli := netip.MustParseAddrPort("10.0.0.1:40000")
	srv := netip.MustParseAddrPort("10.0.0.2:2575")
	f.Add(append([]byte{1}, frame(6, cli, srv, 1, 0, tcpACK, []byte("\x0bMSH|"))...))
	links := []int{0, 1, 101, 108, 113, 228, 229, 276}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		var l layers
		ok := decodeFrame(&l, links[int(b[0])%len(links)], b[1:])
		if ok && l.hasL4 && len(l.payload) > len(b) {
			t.Fatalf("payload of %d bytes from a %d-byte frame", len(l.payload), len(b))
		}
		if l.tunnel == "" && (l.tunSrc != [16]byte{} || l.tunID != 0) {
			t.Fatalf("tunnel addresses without a tunnel: %+v", l)
		}
	})
}

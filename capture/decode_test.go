package capture

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"medsec/capture/pcapfile"
)

func TestDecodeFrameLinkTypes(t *testing.T) {
	src := netip.MustParseAddrPort("192.168.7.10:40001")
	dst := netip.MustParseAddrPort("192.168.7.20:2575")
	eth := frame(6, src, dst, 100, 0, tcpSYN, []byte("hello"))
	ip := eth[14:]
	src6 := netip.MustParseAddrPort("[fd00::10]:40001")
	dst6 := netip.MustParseAddrPort("[fd00::20]:104")
	eth6 := frame(17, src6, dst6, 0, 0, 0, []byte("dgram"))
	ip6 := eth6[14:]

	vlan := append(append(append([]byte(nil), eth[:12]...), 0x81, 0x00, 0x00, 0x2a), eth[12:]...)
	sll := make([]byte, 16)
	binary.BigEndian.PutUint16(sll[2:], 1)
	binary.BigEndian.PutUint16(sll[4:], 6)
	copy(sll[6:], []byte{2, 0, 0, 0, 0, 10})
	binary.BigEndian.PutUint16(sll[14:], 0x0800)
	sll2 := make([]byte, 20)
	binary.BigEndian.PutUint16(sll2, 0x86dd)
	binary.BigEndian.PutUint16(sll2[8:], 1)
	sll2[11] = 6
	copy(sll2[12:], []byte{2, 0, 0, 0, 0, 10})
	null4 := binary.LittleEndian.AppendUint32(nil, 2)
	loop6 := binary.BigEndian.AppendUint32(nil, 24)
	// IPv6 with a hop-by-hop extension header before UDP.
	ext := append([]byte(nil), ip6[:40]...)
	ext[6] = 0
	binary.BigEndian.PutUint16(ext[4:], uint16(len(ip6)-40+8))
	ext = append(ext, 17, 0, 1, 4, 0, 0, 0, 0)
	ext = append(ext, ip6[40:]...)

	tests := []struct {
		name    string
		link    int
		b       []byte
		v6      bool
		proto   uint8
		payload string
		mac     bool
		vlan    uint16
	}{
		{"ethernet", pcapfile.LinkEthernet, eth, false, 6, "hello", true, 0},
		{"ethernet vlan", pcapfile.LinkEthernet, vlan, false, 6, "hello", true, 42},
		{"linux sll", pcapfile.LinkLinuxSLL, append(sll, ip...), false, 6, "hello", true, 0},
		{"linux sll2", pcapfile.LinkLinuxSLL2, append(sll2, ip6...), true, 17, "dgram", true, 0},
		{"raw ipv4", pcapfile.LinkRaw, ip, false, 6, "hello", false, 0},
		{"raw ipv6", pcapfile.LinkIPv6, ip6, true, 17, "dgram", false, 0},
		{"null", pcapfile.LinkNull, append(null4, ip...), false, 6, "hello", false, 0},
		{"loop ipv6", pcapfile.LinkLoop, append(loop6, ip6...), true, 17, "dgram", false, 0},
		{"ipv6 extension header", pcapfile.LinkRaw, ext, true, 17, "dgram", false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l layers
			if !decodeFrame(&l, tc.link, tc.b) || !l.hasIP || !l.hasL4 {
				t.Fatalf("not decoded: %+v", l)
			}
			if l.v6 != tc.v6 || l.proto != tc.proto || string(l.payload) != tc.payload || l.hasMAC != tc.mac || l.vlan != tc.vlan {
				t.Errorf("got v6=%v proto=%d payload=%q mac=%v vlan=%d", l.v6, l.proto, l.payload, l.hasMAC, l.vlan)
			}
			wantSrc, wantPort := src, uint16(40001)
			if tc.v6 {
				wantSrc = src6
			}
			if toAddr(l.srcIP, l.v6) != wantSrc.Addr() || l.srcPort != wantPort {
				t.Errorf("source %s:%d, want %s", toAddr(l.srcIP, l.v6), l.srcPort, wantSrc)
			}
		})
	}
	// Truncated frames must not panic and must not decode.
	for n := 0; n < len(eth); n++ {
		var l layers
		decodeFrame(&l, pcapfile.LinkEthernet, eth[:n])
		if n < 14+20 && l.hasIP {
			t.Errorf("%d-byte frame decoded an IP header", n)
		}
	}
}

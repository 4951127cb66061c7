package capture

import (
	"encoding/binary"
	"net/netip"
)

// frame builds an Ethernet/IPv4 (or IPv6) frame carrying a TCP segment or a
// UDP datagram.
func frame(proto uint8, src, dst netip.AddrPort, seq, ack uint32, flags uint8, payload []byte) []byte {
	var l4 []byte
	if proto == 6 {
		l4 = make([]byte, 20+len(payload))
		binary.BigEndian.PutUint16(l4, src.Port())
		binary.BigEndian.PutUint16(l4[2:], dst.Port())
		binary.BigEndian.PutUint32(l4[4:], seq)
		binary.BigEndian.PutUint32(l4[8:], ack)
		l4[12] = 5 << 4
		l4[13] = flags
		binary.BigEndian.PutUint16(l4[14:], 65535)
		copy(l4[20:], payload)
	} else {
		l4 = make([]byte, 8+len(payload))
		binary.BigEndian.PutUint16(l4, src.Port())
		binary.BigEndian.PutUint16(l4[2:], dst.Port())
		binary.BigEndian.PutUint16(l4[4:], uint16(8+len(payload)))
		copy(l4[8:], payload)
	}
	eth := make([]byte, 14)
	copy(eth[0:6], []byte{0x02, 0, 0, 0, 0, dst.Addr().AsSlice()[len(dst.Addr().AsSlice())-1]})
	copy(eth[6:12], []byte{0x02, 0, 0, 0, 0, src.Addr().AsSlice()[len(src.Addr().AsSlice())-1]})
	var ip []byte
	if src.Addr().Is4() {
		binary.BigEndian.PutUint16(eth[12:], 0x0800)
		ip = make([]byte, 20)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(l4)))
		ip[8] = 64
		ip[9] = proto
		s, d := src.Addr().As4(), dst.Addr().As4()
		copy(ip[12:], s[:])
		copy(ip[16:], d[:])
	} else {
		binary.BigEndian.PutUint16(eth[12:], 0x86dd)
		ip = make([]byte, 40)
		ip[0] = 0x60
		binary.BigEndian.PutUint16(ip[4:], uint16(len(l4)))
		ip[6] = proto
		ip[7] = 64
		s, d := src.Addr().As16(), dst.Addr().As16()
		copy(ip[8:], s[:])
		copy(ip[24:], d[:])
	}
	out := append(eth, ip...)
	return append(out, l4...)
}

// tcpConv drives a TCP conversation through an analyzer.
type tcpConv struct {
	a        *Analyzer
	cli, srv netip.AddrPort
	seq      [2]uint32 // next sequence number per side (0 client, 1 server)
	t        int64
}

func newConv(a *Analyzer, cli, srv string) *tcpConv {
	c := &tcpConv{a: a, cli: netip.MustParseAddrPort(cli), srv: netip.MustParseAddrPort(srv), seq: [2]uint32{1000, 5000}, t: 1700000000e9}
	return c
}

func (c *tcpConv) send(side int, seq uint32, flags uint8, payload []byte) {
	src, dst := c.cli, c.srv
	if side == 1 {
		src, dst = dst, src
	}
	fr := frame(6, src, dst, seq, c.seq[1-side], flags, payload)
	c.t += 1e6
	c.a.AddPacket(1, fr, len(fr), c.t)
}

func (c *tcpConv) handshake() {
	c.send(0, c.seq[0], tcpSYN, nil)
	c.seq[0]++
	c.send(1, c.seq[1], tcpSYN|tcpACK, nil)
	c.seq[1]++
	c.send(0, c.seq[0], tcpACK, nil)
}

// write sends data from side in segments of at most seg bytes, in order.
func (c *tcpConv) write(side int, data []byte, seg int) {
	for len(data) > 0 {
		n := min(seg, len(data))
		c.send(side, c.seq[side], tcpACK, data[:n])
		c.seq[side] += uint32(n)
		data = data[n:]
	}
}

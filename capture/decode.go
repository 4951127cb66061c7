package capture

import (
	"encoding/binary"

	"medsec/capture/pcapfile"
)

// layers holds what decodeFrame found in one frame. It is reused across
// packets to avoid allocation; slices alias the frame.
type layers struct {
	hasMAC         bool
	srcMAC, dstMAC [6]byte
	vlan           uint16
	// arp is set for an ARP packet; then srcIP holds the sender address and
	// srcMAC the sender hardware address.
	arp bool
	// v6 says whether the addresses are IPv6; IPv4 addresses use the first
	// four bytes.
	v6             bool
	hasIP          bool
	srcIP, dstIP   [16]byte
	proto          uint8
	hasL4          bool
	srcPort, dstPt uint16
	tcpFlags       uint8
	seq, ack       uint32
	payload        []byte
	// tunnel names the outermost encapsulation that delivered the frame
	// (one of the Encap* constants; "" if none). tunSrc and tunDst are the
	// tunnel's outer addresses (unset for MPLS on Ethernet), tunV6 says
	// whether they are IPv6, and tunID is its ERSPAN session, VXLAN VNI,
	// GRE key or bottom MPLS label.
	tunnel         string
	tunV6          bool
	tunSrc, tunDst [16]byte
	tunID          uint32
}

// maxTunnelDepth bounds nested encapsulations (MPLS in GRE in VXLAN...).
const maxTunnelDepth = 4

// Encapsulations that deliver mirrored traffic (Mirror.Encapsulation).
const (
	EncapERSPAN1 = "erspan-i"   // GRE 0x88be without sequence number: Ethernet directly
	EncapERSPAN2 = "erspan-ii"  // GRE 0x88be with an 8-byte ERSPAN type II header
	EncapERSPAN3 = "erspan-iii" // GRE 0x22eb with a 12-byte ERSPAN type III header
	EncapGRE     = "gre"        // GRE (RFC 2784/2890) carrying Ethernet (0x6558), IPv4, IPv6 or MPLS
	EncapVXLAN   = "vxlan"      // VXLAN (RFC 7348), UDP port 4789 or Linux's 8472
	EncapMPLS    = "mpls"       // MPLS label stack (RFC 3032) carrying IP or Ethernet (pseudowire, RFC 4448)
)

// TCP flag bits.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// decodeFrame decodes the link, network and transport headers of one frame.
// It returns false if the frame carries nothing medsec tracks (or is too
// short); partial information (MACs) may still be set.
func decodeFrame(l *layers, link int, b []byte) bool {
	l.hasMAC, l.arp, l.hasIP, l.hasL4, l.vlan = false, false, false, false, 0
	l.tunnel = ""
	var etype uint16
	switch link {
	case pcapfile.LinkEthernet:
		return decodeEthernet(l, b, 0)
	case pcapfile.LinkLinuxSLL:
		if len(b) < 16 {
			return false
		}
		if binary.BigEndian.Uint16(b[2:]) == 1 && binary.BigEndian.Uint16(b[4:]) == 6 { // ARPHRD_ETHER, 6-byte address
			// The address is the sender's for packets not sent by us
			// (packet type 0..3) and ours for outgoing (4); either way it
			// is the frame's source.
			copy(l.srcMAC[:], b[6:12])
			l.hasMAC = true
			l.dstMAC = [6]byte{}
		}
		etype = binary.BigEndian.Uint16(b[14:])
		b = b[16:]
	case pcapfile.LinkLinuxSLL2:
		if len(b) < 20 {
			return false
		}
		etype = binary.BigEndian.Uint16(b[0:])
		if binary.BigEndian.Uint16(b[8:]) == 1 && b[11] == 6 {
			copy(l.srcMAC[:], b[12:18])
			l.hasMAC = true
			l.dstMAC = [6]byte{}
		}
		b = b[20:]
	case pcapfile.LinkRaw, pcapfile.LinkIPv4, pcapfile.LinkIPv6:
		if len(b) < 1 {
			return false
		}
		switch b[0] >> 4 {
		case 4:
			etype = 0x0800
		case 6:
			etype = 0x86dd
		default:
			return false
		}
	case pcapfile.LinkNull, pcapfile.LinkLoop:
		if len(b) < 4 {
			return false
		}
		var af uint32
		if link == pcapfile.LinkLoop {
			af = binary.BigEndian.Uint32(b)
		} else {
			af = binary.LittleEndian.Uint32(b)
			if af > 0xffff { // written on a big-endian host
				af = binary.BigEndian.Uint32(b)
			}
		}
		switch af {
		case 2:
			etype = 0x0800
		case 10, 24, 28, 30:
			etype = 0x86dd
		default:
			return false
		}
		b = b[4:]
	default:
		return false
	}
	return decodeEtherType(l, etype, b, 0)
}

// decodeEthernet decodes an Ethernet II frame with any 802.1Q/802.1ad
// tags; depth counts the encapsulations around it.
func decodeEthernet(l *layers, b []byte, depth int) bool {
	if len(b) < 14 {
		return false
	}
	copy(l.dstMAC[:], b[0:6])
	copy(l.srcMAC[:], b[6:12])
	l.hasMAC = true
	etype := binary.BigEndian.Uint16(b[12:])
	b = b[14:]
	for etype == 0x8100 || etype == 0x88a8 || etype == 0x9100 {
		if len(b) < 4 {
			return false
		}
		if l.vlan == 0 {
			l.vlan = binary.BigEndian.Uint16(b) & 0x0fff
		}
		etype = binary.BigEndian.Uint16(b[2:])
		b = b[4:]
	}
	return decodeEtherType(l, etype, b, depth)
}

// decodeEtherType decodes the payload b of the given EtherType.
func decodeEtherType(l *layers, etype uint16, b []byte, depth int) bool {
	switch etype {
	case 0x0800:
		return decodeIPv4(l, b, depth)
	case 0x86dd:
		return decodeIPv6(l, b, depth)
	case 0x0806:
		return decodeARP(l, b)
	case 0x8847, 0x8848:
		return decodeMPLS(l, b, depth)
	}
	return false
}

// enterTunnel records the outermost encapsulation (outer addresses are in
// l.srcIP/l.dstIP when ip is true) and clears what the outer headers set, so
// that the inner frame's addresses are the ones kept.
func enterTunnel(l *layers, kind string, ip bool, id uint32) {
	if l.tunnel == "" {
		l.tunnel, l.tunID = kind, id
		l.tunV6 = ip && l.v6
		l.tunSrc, l.tunDst = [16]byte{}, [16]byte{}
		if ip {
			l.tunSrc, l.tunDst = l.srcIP, l.dstIP
		}
	}
	// The outer MACs are those of the mirroring switch or the routers on
	// the way, never the devices'.
	l.hasMAC, l.hasIP, l.hasL4, l.arp = false, false, false, false
}

// decodeGRE decapsulates a GRE packet (RFC 2784, key and sequence number of
// RFC 2890) carried in the IP packet whose addresses l holds. It returns
// handled=false for GRE it does not decapsulate (PPTP's enhanced GRE,
// source routing, unknown protocols), which is then counted as the outer
// hosts' own traffic.
func decodeGRE(l *layers, b []byte, depth int) (handled, ok bool) {
	if len(b) < 4 {
		return false, false
	}
	flags := binary.BigEndian.Uint16(b)
	proto := binary.BigEndian.Uint16(b[2:])
	if flags&0x0007 != 0 || flags&0x4000 != 0 { // version 0 only; no routing
		return false, false
	}
	n := 4
	var key uint32
	if flags&0x8000 != 0 { // checksum and reserved
		n += 4
	}
	if flags&0x2000 != 0 { // key
		if len(b) < n+4 {
			return false, false
		}
		key = binary.BigEndian.Uint32(b[n:])
		n += 4
	}
	seq := flags&0x1000 != 0
	if seq {
		n += 4
	}
	if len(b) < n {
		return false, false
	}
	b = b[n:]
	switch proto {
	case 0x88be: // ERSPAN type II, or type I without a sequence number
		if !seq {
			enterTunnel(l, EncapERSPAN1, true, key)
			return true, decodeEthernet(l, b, depth+1)
		}
		if len(b) < 8 || b[0]>>4 != 1 {
			return false, false
		}
		session := uint32(binary.BigEndian.Uint16(b[2:]) & 0x03ff)
		vlan := binary.BigEndian.Uint16(b) & 0x0fff
		enterTunnel(l, EncapERSPAN2, true, session)
		ok = decodeEthernet(l, b[8:], depth+1)
		if l.vlan == 0 {
			l.vlan = vlan // the mirrored frame's VLAN, when the tag was stripped
		}
		return true, ok
	case 0x22eb: // ERSPAN type III
		if len(b) < 12 || b[0]>>4 != 2 {
			return false, false
		}
		session := uint32(binary.BigEndian.Uint16(b[2:]) & 0x03ff)
		vlan := binary.BigEndian.Uint16(b) & 0x0fff
		// Word 3: security group tag (16 bits), P, frame type (5), hardware
		// id (6), D, granularity (2), O (a platform subheader follows).
		w3 := binary.BigEndian.Uint16(b[10:])
		frameType := w3 >> 10 & 0x1f
		hdr := 12
		if w3&0x0001 != 0 {
			hdr += 8
		}
		if len(b) < hdr {
			return false, false
		}
		enterTunnel(l, EncapERSPAN3, true, session)
		switch frameType {
		case 0: // Ethernet
			ok = decodeEthernet(l, b[hdr:], depth+1)
		case 2: // IP packet
			ok = decodeRawIP(l, b[hdr:], depth+1)
		default:
			return true, false
		}
		if l.vlan == 0 {
			l.vlan = vlan
		}
		return true, ok
	case 0x6558: // transparent Ethernet bridging
		enterTunnel(l, EncapGRE, true, key)
		return true, decodeEthernet(l, b, depth+1)
	case 0x0800, 0x86dd:
		enterTunnel(l, EncapGRE, true, key)
		return true, decodeEtherType(l, proto, b, depth+1)
	case 0x8847, 0x8848:
		enterTunnel(l, EncapGRE, true, key)
		return true, decodeMPLS(l, b, depth+1)
	}
	return false, false
}

// decodeVXLAN decapsulates a VXLAN payload (RFC 7348: 8-byte header with the
// I flag, then an Ethernet frame). It returns handled=false for a datagram
// that is not VXLAN.
func decodeVXLAN(l *layers, b []byte, depth int) (handled, ok bool) {
	if len(b) < 8+14 || b[0]&0x08 == 0 {
		return false, false
	}
	vni := binary.BigEndian.Uint32(b[4:]) >> 8
	enterTunnel(l, EncapVXLAN, true, vni)
	return true, decodeEthernet(l, b[8:], depth+1)
}

// decodeMPLS pops an MPLS label stack (RFC 3032) and decodes what follows
// the bottom label: IPv4 or IPv6 by their version nibble, else an Ethernet
// pseudowire (RFC 4448), with its control word when the first nibble is 0.
// Inside GRE the GRE tunnel is the one recorded.
func decodeMPLS(l *layers, b []byte, depth int) bool {
	if depth >= maxTunnelDepth {
		return false
	}
	var label uint32
	for i := 0; ; i++ {
		if len(b) < 4 || i >= 8 {
			return false
		}
		e := binary.BigEndian.Uint32(b)
		b = b[4:]
		if e&0x100 != 0 { // bottom of stack
			label = e >> 12
			break
		}
	}
	enterTunnel(l, EncapMPLS, false, label)
	if len(b) == 0 {
		return false
	}
	switch b[0] >> 4 {
	case 4, 6:
		return decodeRawIP(l, b, depth+1)
	case 0:
		// A control word, or an Ethernet frame whose destination MAC
		// starts with 0x0_: the one whose EtherType is known wins.
		if len(b) >= 18 && !knownEtherType(binary.BigEndian.Uint16(b[16:])) && len(b) >= 14 && knownEtherType(binary.BigEndian.Uint16(b[12:])) {
			return decodeEthernet(l, b, depth+1)
		}
		if len(b) < 4 {
			return false
		}
		return decodeEthernet(l, b[4:], depth+1)
	}
	return decodeEthernet(l, b, depth+1)
}

// knownEtherType reports whether t is an EtherType medsec decodes (or a
// VLAN tag before one).
func knownEtherType(t uint16) bool {
	switch t {
	case 0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x9100, 0x8847, 0x8848:
		return true
	}
	return false
}

// decodeRawIP decodes an IPv4 or IPv6 packet by its version nibble.
func decodeRawIP(l *layers, b []byte, depth int) bool {
	if len(b) == 0 {
		return false
	}
	switch b[0] >> 4 {
	case 4:
		return decodeIPv4(l, b, depth)
	case 6:
		return decodeIPv6(l, b, depth)
	}
	return false
}

func decodeARP(l *layers, b []byte) bool {
	// Ethernet/IPv4 ARP only.
	if len(b) < 28 || binary.BigEndian.Uint16(b) != 1 || binary.BigEndian.Uint16(b[2:]) != 0x0800 || b[4] != 6 || b[5] != 4 {
		return false
	}
	l.arp = true
	l.v6 = false
	copy(l.srcMAC[:], b[8:14])
	l.hasMAC = true
	l.srcIP = [16]byte{}
	copy(l.srcIP[:4], b[14:18])
	return true
}

func decodeIPv4(l *layers, b []byte, depth int) bool {
	if len(b) < 20 || b[0]>>4 != 4 {
		return false
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:]))
	if ihl < 20 || len(b) < ihl {
		return false
	}
	if total >= ihl && total < len(b) {
		b = b[:total] // strip Ethernet padding
	}
	l.v6 = false
	l.srcIP, l.dstIP = [16]byte{}, [16]byte{}
	copy(l.srcIP[:4], b[12:16])
	copy(l.dstIP[:4], b[16:20])
	l.hasIP = true
	l.proto = b[9]
	frag := binary.BigEndian.Uint16(b[6:])
	if frag&0x1fff != 0 {
		return true // non-first fragment: no transport header
	}
	return decodeL4(l, b[ihl:], depth)
}

func decodeIPv6(l *layers, b []byte, depth int) bool {
	if len(b) < 40 || b[0]>>4 != 6 {
		return false
	}
	plen := int(binary.BigEndian.Uint16(b[4:]))
	l.v6 = true
	copy(l.srcIP[:], b[8:24])
	copy(l.dstIP[:], b[24:40])
	l.hasIP = true
	next := b[6]
	b = b[40:]
	if plen > 0 && plen < len(b) {
		b = b[:plen]
	}
	for i := 0; i < 8; i++ {
		switch next {
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if len(b) < 8 {
				return true
			}
			n := (int(b[1]) + 1) * 8
			if len(b) < n {
				return true
			}
			next = b[0]
			b = b[n:]
			continue
		case 44: // fragment
			if len(b) < 8 {
				return true
			}
			if binary.BigEndian.Uint16(b[2:])&0xfff8 != 0 {
				l.proto = b[0]
				return true
			}
			next = b[0]
			b = b[8:]
			continue
		}
		break
	}
	l.proto = next
	return decodeL4(l, b, depth)
}

// decodeL4 decodes the transport header in b, or decapsulates the tunnel it
// carries (GRE, VXLAN) unless depth encapsulations are already open.
func decodeL4(l *layers, b []byte, depth int) bool {
	switch l.proto {
	case 47:
		if depth < maxTunnelDepth {
			if handled, ok := decodeGRE(l, b, depth); handled {
				return ok
			}
		}
	case 6:
		if len(b) < 20 {
			return true
		}
		off := int(b[12]>>4) * 4
		if off < 20 || off > len(b) {
			return true
		}
		l.srcPort = binary.BigEndian.Uint16(b)
		l.dstPt = binary.BigEndian.Uint16(b[2:])
		l.seq = binary.BigEndian.Uint32(b[4:])
		l.ack = binary.BigEndian.Uint32(b[8:])
		l.tcpFlags = b[13]
		l.payload = b[off:]
		l.hasL4 = true
	case 17:
		if len(b) < 8 {
			return true
		}
		l.srcPort = binary.BigEndian.Uint16(b)
		l.dstPt = binary.BigEndian.Uint16(b[2:])
		ulen := int(binary.BigEndian.Uint16(b[4:]))
		p := b[8:]
		if ulen >= 8 && ulen-8 < len(p) {
			p = p[:ulen-8]
		}
		if (l.dstPt == 4789 || l.dstPt == 8472) && depth < maxTunnelDepth {
			if handled, ok := decodeVXLAN(l, p, depth); handled {
				return ok
			}
		}
		l.payload = p
		l.tcpFlags = 0
		l.hasL4 = true
	}
	return true
}

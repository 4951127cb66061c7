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
}

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
	var etype uint16
	switch link {
	case pcapfile.LinkEthernet:
		if len(b) < 14 {
			return false
		}
		copy(l.dstMAC[:], b[0:6])
		copy(l.srcMAC[:], b[6:12])
		l.hasMAC = true
		etype = binary.BigEndian.Uint16(b[12:])
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
	switch etype {
	case 0x0800:
		return decodeIPv4(l, b)
	case 0x86dd:
		return decodeIPv6(l, b)
	case 0x0806:
		return decodeARP(l, b)
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

func decodeIPv4(l *layers, b []byte) bool {
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
	return decodeL4(l, b[ihl:])
}

func decodeIPv6(l *layers, b []byte) bool {
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
	return decodeL4(l, b)
}

func decodeL4(l *layers, b []byte) bool {
	switch l.proto {
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
		l.payload = p
		l.tcpFlags = 0
		l.hasL4 = true
	}
	return true
}

package appproto

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
)

// DHCPMessage is the part of a DHCP (BOOTP) message that identifies a
// client.
type DHCPMessage struct {
	// Op is 1 for a client request, 2 for a server reply.
	Op byte
	// Type is the DHCP message type (option 53): 1 DISCOVER, 3 REQUEST, 5 ACK...
	Type byte
	// ClientMAC is chaddr for Ethernet clients.
	ClientMAC string
	// ClientIP is ciaddr, else yiaddr, else the requested address (option 50).
	ClientIP netip.Addr
	// Hostname is option 12.
	Hostname string
	// VendorClass is option 60.
	VendorClass string
}

// ParseDHCP decodes a DHCP message.
func ParseDHCP(b []byte) (DHCPMessage, error) {
	var m DHCPMessage
	if len(b) < 240 {
		return m, errors.New("dhcp: message shorter than 240 bytes")
	}
	if binary.BigEndian.Uint32(b[236:]) != 0x63825363 {
		return m, errors.New("dhcp: no magic cookie")
	}
	m.Op = b[0]
	if b[1] == 1 && b[2] == 6 {
		m.ClientMAC = net.HardwareAddr(b[28:34]).String()
	}
	ciaddr := netip.AddrFrom4([4]byte(b[12:16]))
	yiaddr := netip.AddrFrom4([4]byte(b[16:20]))
	var requested netip.Addr
	opts := b[240:]
	for len(opts) > 0 {
		code := opts[0]
		if code == 255 {
			break
		}
		if code == 0 {
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			return m, errors.New("dhcp: option overruns message")
		}
		v := opts[2 : 2+int(opts[1])]
		switch code {
		case 12:
			m.Hostname = printable(v)
		case 60:
			m.VendorClass = printable(v)
		case 53:
			if len(v) == 1 {
				m.Type = v[0]
			}
		case 50:
			if len(v) == 4 {
				requested = netip.AddrFrom4([4]byte(v))
			}
		}
		opts = opts[2+len(v):]
	}
	switch {
	case !ciaddr.IsUnspecified():
		m.ClientIP = ciaddr
	case !yiaddr.IsUnspecified():
		m.ClientIP = yiaddr
	case requested.IsValid():
		m.ClientIP = requested
	}
	return m, nil
}

// printable returns b as a string with control and non-ASCII bytes
// replaced, trimmed of NULs and spaces.
func printable(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			continue
		}
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out = append(out, c)
	}
	for len(out) > 0 && out[len(out)-1] == ' ' {
		out = out[:len(out)-1]
	}
	return string(out)
}

package appproto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// DNSMessage is the part of a DNS message medsec keeps: the questions and
// the address and alias answers.
type DNSMessage struct {
	// ID is the transaction id.
	ID uint16
	// Response is set for a response.
	Response bool
	// Questions holds the queried names.
	Questions []string
	// Answers holds A, AAAA, CNAME and PTR answers.
	Answers []DNSAnswer
}

// DNSAnswer is one resource record from the answer section.
type DNSAnswer struct {
	// Name is the owner name.
	Name string
	// Type is the record type (1 A, 28 AAAA, 5 CNAME, 12 PTR).
	Type uint16
	// Addr is the address of an A or AAAA record.
	Addr netip.Addr
	// Target is the name a CNAME or PTR record points to.
	Target string
}

var errDNSShort = errors.New("dns: message truncated")

// ParseDNS decodes a DNS message (as carried in UDP, without a TCP length
// prefix).
func ParseDNS(b []byte) (DNSMessage, error) {
	var m DNSMessage
	if len(b) < 12 {
		return m, errDNSShort
	}
	m.ID = binary.BigEndian.Uint16(b)
	flags := binary.BigEndian.Uint16(b[2:])
	m.Response = flags&0x8000 != 0
	if op := flags >> 11 & 0xf; op > 5 {
		return m, fmt.Errorf("dns: bad opcode %d", op)
	}
	qd := int(binary.BigEndian.Uint16(b[4:]))
	an := int(binary.BigEndian.Uint16(b[6:]))
	if qd > 32 || an > 256 {
		return m, fmt.Errorf("dns: implausible counts (%d questions, %d answers)", qd, an)
	}
	if qd == 0 && !m.Response {
		return m, errors.New("dns: query without question")
	}
	off := 12
	for i := 0; i < qd; i++ {
		name, n, err := dnsName(b, off)
		if err != nil {
			return m, err
		}
		off = n + 4
		if off > len(b) {
			return m, errDNSShort
		}
		m.Questions = append(m.Questions, name)
	}
	for i := 0; i < an; i++ {
		name, n, err := dnsName(b, off)
		if err != nil {
			return m, err
		}
		if n+10 > len(b) {
			return m, errDNSShort
		}
		typ := binary.BigEndian.Uint16(b[n:])
		rdlen := int(binary.BigEndian.Uint16(b[n+8:]))
		rd := n + 10
		if rd+rdlen > len(b) {
			return m, errDNSShort
		}
		a := DNSAnswer{Name: name, Type: typ}
		switch typ {
		case 1:
			if rdlen == 4 {
				a.Addr = netip.AddrFrom4([4]byte(b[rd : rd+4]))
				m.Answers = append(m.Answers, a)
			}
		case 28:
			if rdlen == 16 {
				a.Addr = netip.AddrFrom16([16]byte(b[rd : rd+16]))
				m.Answers = append(m.Answers, a)
			}
		case 5, 12:
			t, _, err := dnsName(b, rd)
			if err == nil {
				a.Target = t
				m.Answers = append(m.Answers, a)
			}
		}
		off = rd + rdlen
	}
	return m, nil
}

// dnsName reads a possibly compressed name at off and returns it with the
// offset just after it.
func dnsName(b []byte, off int) (string, int, error) {
	var sb strings.Builder
	end := -1
	for jumps := 0; ; {
		if off >= len(b) {
			return "", 0, errDNSShort
		}
		l := int(b[off])
		switch {
		case l == 0:
			if end < 0 {
				end = off + 1
			}
			name := sb.String()
			if name == "" {
				name = "."
			}
			return name, end, nil
		case l&0xc0 == 0xc0:
			if off+1 >= len(b) {
				return "", 0, errDNSShort
			}
			if end < 0 {
				end = off + 2
			}
			jumps++
			if jumps > 32 {
				return "", 0, errors.New("dns: compression loop")
			}
			off = int(binary.BigEndian.Uint16(b[off:]) & 0x3fff)
		case l&0xc0 != 0:
			return "", 0, fmt.Errorf("dns: bad label type %#x", l)
		default:
			if off+1+l > len(b) {
				return "", 0, errDNSShort
			}
			if sb.Len()+l+1 > 255 {
				return "", 0, errors.New("dns: name too long")
			}
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			for _, c := range b[off+1 : off+1+l] {
				if c <= 0x20 || c >= 0x7f {
					sb.WriteString(fmt.Sprintf("\\%03d", c))
				} else {
					sb.WriteByte(c)
				}
			}
			off += 1 + l
		}
	}
}

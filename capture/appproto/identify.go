// Package appproto identifies application protocols by content and decodes
// the parts of TLS, HTTP/1.x, DNS and DHCP messages that reveal a device's
// identity. Every decoder takes untrusted bytes, returns an error rather than
// panicking, and copies out only the fields medsec keeps.
package appproto

import (
	"bytes"
	"encoding/binary"
)

// Protocol names as reported in results.
const (
	DICOM       = "dicom"
	HL7         = "hl7"
	TLS         = "tls"
	HTTP        = "http"
	DNS         = "dns"
	DHCP        = "dhcp"
	Modbus      = "modbus"
	BACnet      = "bacnet"
	DNP3        = "dnp3"
	EtherNetIP  = "ethernet-ip"
	S7comm      = "s7comm"
	S7commPlus  = "s7comm-plus"
	SSH         = "ssh"
	SSDP        = "ssdp"
	Unknown     = ""
	identWindow = 4096
)

// IdentifyStream looks at the first bytes sent in one direction of a TCP
// connection and names the protocol. If the bytes are a plausible but
// incomplete start of a protocol it returns needMore; callers then retry with
// more bytes, up to a few kilobytes.
func IdentifyStream(b []byte) (proto string, needMore bool) {
	if len(b) == 0 {
		return Unknown, true
	}
	more := false
	check := func(p string, m bool) bool {
		if p != Unknown {
			proto = p
			return true
		}
		more = more || m
		return false
	}
	if check(identDICOM(b)) || check(identHL7(b)) || check(identTLS(b)) || check(identHTTP(b)) ||
		check(identS7(b)) || check(identDNP3(b)) || check(identENIP(b)) || check(identModbus(b)) ||
		check(identSSH(b)) {
		return proto, false
	}
	return Unknown, more && len(b) < identWindow
}

func identDICOM(b []byte) (string, bool) {
	if b[0] != 0x01 {
		return Unknown, false
	}
	if len(b) < 74 {
		return Unknown, true
	}
	// A-ASSOCIATE-RQ: reserved 0, length, protocol version 1, reserved,
	// called and calling AE titles of printable characters.
	if b[1] != 0 || binary.BigEndian.Uint16(b[6:]) != 1 {
		return Unknown, false
	}
	n := binary.BigEndian.Uint32(b[2:])
	if n < 68 || n > 1<<20 {
		return Unknown, false
	}
	for _, c := range b[10:42] {
		if c < 0x20 || c > 0x7e {
			return Unknown, false
		}
	}
	return DICOM, false
}

// maxHL7Preamble bounds the line of text a sender may write before its
// first MLLP start block (a log line) and still be recognised as HL7.
const maxHL7Preamble = 512

func identHL7(b []byte) (string, bool) {
	if b[0] != 0x0b {
		// One line of text, then the start block.
		for i, c := range b[:min(len(b), maxHL7Preamble)] {
			if c == '\n' {
				if i+1 == len(b) {
					return Unknown, true
				}
				if b[i+1] != 0x0b {
					return Unknown, false
				}
				return identHL7(b[i+1:])
			}
			if c < 0x20 && c != '\t' && c != '\r' {
				return Unknown, false
			}
		}
		return Unknown, len(b) < maxHL7Preamble
	}
	if len(b) < 4 {
		return Unknown, true
	}
	switch string(b[1:4]) {
	case "MSH", "FHS", "BHS":
		return HL7, false
	}
	return Unknown, false
}

func identTLS(b []byte) (string, bool) {
	if b[0] != 0x16 {
		return Unknown, false
	}
	if len(b) < 6 {
		return Unknown, true
	}
	if b[1] != 3 || b[2] > 4 || (b[5] != 1 && b[5] != 2) {
		return Unknown, false
	}
	return TLS, false
}

var httpMethods = [][]byte{[]byte("GET "), []byte("POST "), []byte("HEAD "), []byte("PUT "), []byte("DELETE "),
	[]byte("OPTIONS "), []byte("PATCH "), []byte("CONNECT "), []byte("HTTP/1.")}

func identHTTP(b []byte) (string, bool) {
	for _, m := range httpMethods {
		n := min(len(m), len(b))
		if !bytes.Equal(b[:n], m[:n]) {
			continue
		}
		if n < len(m) {
			return Unknown, true
		}
		if m[0] == 'H' && m[1] == 'T' {
			return HTTP, false
		}
		eol := bytes.IndexByte(b, '\n')
		if eol < 0 {
			return Unknown, len(b) < 2048
		}
		if bytes.Contains(b[:eol], []byte(" HTTP/1.")) {
			return HTTP, false
		}
		return Unknown, false
	}
	return Unknown, false
}

func identSSH(b []byte) (string, bool) {
	const p = "SSH-"
	n := min(len(p), len(b))
	if string(b[:n]) != p[:n] {
		return Unknown, false
	}
	if n < len(p) {
		return Unknown, true
	}
	return SSH, false
}

// identS7 walks TPKT/COTP frames: S7comm rides in COTP data (DT) TPDUs and
// starts with protocol id 0x32 (0x72 for S7comm-plus). A COTP connection
// request alone is not enough (IEC 61850 MMS uses it too).
func identS7(b []byte) (string, bool) {
	for len(b) > 0 {
		if b[0] != 3 {
			return Unknown, false
		}
		if len(b) < 4 {
			return Unknown, true
		}
		if b[1] != 0 {
			return Unknown, false
		}
		n := int(binary.BigEndian.Uint16(b[2:]))
		if n < 7 {
			return Unknown, false
		}
		if len(b) < n {
			// Enough to see a DT header and the protocol id?
			if len(b) >= 8 && b[5] == 0xf0 && 5+int(b[4]) < len(b) {
				return s7ID(b[5+int(b[4]):])
			}
			return Unknown, true
		}
		li := int(b[4])
		if 5+li > n {
			return Unknown, false
		}
		switch b[5] & 0xf0 {
		case 0xe0, 0xd0: // CR, CC
		case 0xf0: // DT
			return s7ID(b[5+li : n])
		default:
			return Unknown, false
		}
		b = b[n:]
	}
	return Unknown, true
}

func s7ID(b []byte) (string, bool) {
	if len(b) == 0 {
		return Unknown, true
	}
	switch b[0] {
	case 0x32:
		return S7comm, false
	case 0x72:
		return S7commPlus, false
	}
	return Unknown, false
}

func identDNP3(b []byte) (string, bool) {
	if b[0] != 0x05 {
		return Unknown, false
	}
	if len(b) < 10 {
		return Unknown, true
	}
	if b[1] != 0x64 || b[2] < 5 {
		return Unknown, false
	}
	if crcDNP(b[:8]) != binary.LittleEndian.Uint16(b[8:]) {
		return Unknown, false
	}
	return DNP3, false
}

// crcDNP computes the DNP3 link-layer CRC (polynomial 0x3D65, reflected,
// inverted).
func crcDNP(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c)
		for i := 0; i < 8; i++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xa6bc
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

var enipCommands = map[uint16]bool{0x0004: true, 0x0063: true, 0x0064: true, 0x0065: true, 0x0066: true, 0x006f: true, 0x0070: true, 0x0072: true, 0x0073: true}

func identENIP(b []byte) (string, bool) {
	if len(b) < 24 {
		if len(b) >= 2 && !enipCommands[binary.LittleEndian.Uint16(b)] {
			return Unknown, false
		}
		return Unknown, true
	}
	cmd := binary.LittleEndian.Uint16(b)
	n := int(binary.LittleEndian.Uint16(b[2:]))
	if !enipCommands[cmd] || binary.LittleEndian.Uint32(b[20:]) != 0 {
		return Unknown, false
	}
	if 24+n > len(b) {
		return Unknown, true
	}
	if cmd == 0x0065 && n != 4 { // RegisterSession carries protocol version and options
		return Unknown, false
	}
	return EtherNetIP, false
}

var modbusFuncs = map[byte]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 11: true, 12: true,
	15: true, 16: true, 17: true, 20: true, 21: true, 22: true, 23: true, 24: true, 43: true}

func identModbus(b []byte) (string, bool) {
	if len(b) < 8 {
		if len(b) >= 4 && (b[2] != 0 || b[3] != 0) {
			return Unknown, false
		}
		return Unknown, true
	}
	if b[2] != 0 || b[3] != 0 {
		return Unknown, false
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if n < 2 || n > 254 || 6+n > len(b) {
		return Unknown, false
	}
	if !modbusFuncs[b[7]&0x7f] {
		return Unknown, false
	}
	return Modbus, false
}

// IdentifyDatagram names the protocol of one UDP payload from its content;
// the ports are hints only for DNS, whose header has no magic number.
func IdentifyDatagram(b []byte, srcPort, dstPort uint16) string {
	if len(b) >= 240 && binary.BigEndian.Uint32(b[236:]) == 0x63825363 && (b[0] == 1 || b[0] == 2) && b[1] == 1 && b[2] == 6 {
		return DHCP
	}
	if len(b) >= 4 && b[0] == 0x81 && b[1] <= 0x0c && int(binary.BigEndian.Uint16(b[2:])) == len(b) {
		return BACnet
	}
	if len(b) >= 24 && enipCommands[binary.LittleEndian.Uint16(b)] && 24+int(binary.LittleEndian.Uint16(b[2:])) == len(b) {
		return EtherNetIP
	}
	if bytes.HasPrefix(b, []byte("M-SEARCH * HTTP/1.")) || bytes.HasPrefix(b, []byte("NOTIFY * HTTP/1.")) ||
		(srcPort == 1900 || dstPort == 1900) && bytes.HasPrefix(b, []byte("HTTP/1.")) {
		return SSDP
	}
	if isDNSPort(srcPort) || isDNSPort(dstPort) {
		if _, err := ParseDNS(b); err == nil {
			return DNS
		}
	}
	return Unknown
}

func isDNSPort(p uint16) bool { return p == 53 || p == 5353 || p == 5355 }

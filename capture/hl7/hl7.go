// Package hl7 decodes HL7 v2 messages framed by the Minimal Lower Layer
// Protocol (MLLP: 0x0b, message, 0x1c 0x0d). Only the MSH (message header)
// and MSA (acknowledgment) segments are decoded; PID and every other segment
// is skipped and never copied out.
package hl7

import (
	"bytes"
	"errors"
	"strings"
)

// Message is the header information of one HL7 v2 message.
type Message struct {
	// SendingApplication and SendingFacility are MSH-3 and MSH-4.
	SendingApplication string `json:"sending_application,omitempty"`
	SendingFacility    string `json:"sending_facility,omitempty"`
	// ReceivingApplication and ReceivingFacility are MSH-5 and MSH-6.
	ReceivingApplication string `json:"receiving_application,omitempty"`
	ReceivingFacility    string `json:"receiving_facility,omitempty"`
	// Type, Trigger and Structure are the components of MSH-9 (e.g. ADT,
	// A01, ADT_A01).
	Type      string `json:"type"`
	Trigger   string `json:"trigger,omitempty"`
	Structure string `json:"structure,omitempty"`
	// ControlID is MSH-10.
	ControlID string `json:"control_id,omitempty"`
	// ProcessingID is MSH-11 (P production, T training, D debugging).
	ProcessingID string `json:"processing_id,omitempty"`
	// Version is the first component of MSH-12.
	Version string `json:"version,omitempty"`
	// AckCode and AckControlID are MSA-1 and MSA-2 of an acknowledgment.
	AckCode      string `json:"ack_code,omitempty"`
	AckControlID string `json:"ack_control_id,omitempty"`
}

// IsAck reports whether the message is an acknowledgment.
func (m Message) IsAck() bool { return m.Type == "ACK" || m.AckCode != "" }

// ParseMessage decodes the MSH and MSA segments of a message (without MLLP
// framing). Segments end with CR; LF is tolerated.
func ParseMessage(b []byte) (Message, error) {
	var m Message
	b = bytes.TrimLeft(b, "\x0b\r\n ")
	if len(b) < 8 || string(b[:3]) != "MSH" {
		return m, errors.New("hl7: message does not start with MSH")
	}
	fs := b[3]
	if fs == '\r' || fs == '\n' || fs == 0 {
		return m, errors.New("hl7: bad field separator")
	}
	seg, rest := nextSegment(b)
	f := bytes.Split(seg, []byte{fs})
	if len(f) < 2 || len(f[1]) == 0 {
		return m, errors.New("hl7: MSH without encoding characters")
	}
	cs := f[1][0] // component separator
	field := func(i int) string {
		if i < len(f) {
			return clean(f[i])
		}
		return ""
	}
	m.SendingApplication = field(2)
	m.SendingFacility = field(3)
	m.ReceivingApplication = field(4)
	m.ReceivingFacility = field(5)
	if len(f) > 8 {
		c := bytes.Split(f[8], []byte{cs})
		m.Type = clean(c[0])
		if len(c) > 1 {
			m.Trigger = clean(c[1])
		}
		if len(c) > 2 {
			m.Structure = clean(c[2])
		}
	}
	m.ControlID = field(9)
	m.ProcessingID = field(10)
	if len(f) > 11 {
		m.Version = clean(bytes.Split(f[11], []byte{cs})[0])
	}
	if m.Type == "" {
		return m, errors.New("hl7: MSH-9 message type missing")
	}
	// MSA follows MSH directly in acknowledgments; look at a few segments.
	for i := 0; i < 4 && len(rest) > 0; i++ {
		seg, rest = nextSegment(rest)
		if len(seg) >= 4 && string(seg[:3]) == "MSA" && seg[3] == fs {
			a := bytes.Split(seg, []byte{fs})
			m.AckCode = clean(a[1])
			if len(a) > 2 {
				m.AckControlID = clean(a[2])
			}
			break
		}
	}
	return m, nil
}

func nextSegment(b []byte) (seg, rest []byte) {
	i := bytes.IndexAny(b, "\r\n")
	if i < 0 {
		return b, nil
	}
	seg, rest = b[:i], b[i+1:]
	return seg, bytes.TrimLeft(rest, "\r\n")
}

// clean returns printable ASCII (other bytes become '?'), trimmed, at most
// 128 bytes.
func clean(b []byte) string {
	if len(b) > 128 {
		b = b[:128]
	}
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out = append(out, c)
	}
	return strings.TrimSpace(string(out))
}

// maxKeep bounds the bytes of one message kept for decoding: the MSH and
// MSA segments come first.
const maxKeep = 4096

// Stream removes MLLP framing from one direction of a connection and
// decodes each message's header. Memory is bounded by maxKeep.
type Stream struct {
	buf    []byte
	in     bool // inside a message (after 0x0b)
	sawFS  bool // last byte was 0x1c
	resync bool // after a gap: skip to the next start byte
	failed bool
}

// Write adds stream bytes and passes each complete message's header to
// emit. It returns false if the bytes are not MLLP-framed HL7.
func (s *Stream) Write(b []byte, emit func(Message)) bool {
	for len(b) > 0 && !s.failed {
		if !s.in {
			// Between messages only the start byte (and stray CR/LF) may
			// appear.
			c := b[0]
			b = b[1:]
			switch c {
			case 0x0b:
				s.in, s.sawFS, s.resync = true, false, false
				s.buf = s.buf[:0]
			case '\r', '\n':
			default:
				s.failed = !s.resync
			}
			continue
		}
		i := bytes.IndexByte(b, 0x1c)
		if s.sawFS {
			s.sawFS = false
			if b[0] == '\r' {
				s.finish(emit)
				b = b[1:]
				continue
			}
			s.keep([]byte{0x1c})
		}
		if i < 0 {
			s.keep(b)
			break
		}
		s.keep(b[:i])
		b = b[i+1:]
		s.sawFS = true
	}
	return !s.failed
}

func (s *Stream) keep(b []byte) {
	if room := maxKeep - len(s.buf); room > 0 {
		s.buf = append(s.buf, b[:min(room, len(b))]...)
	}
}

func (s *Stream) finish(emit func(Message)) {
	m, err := ParseMessage(s.buf)
	clear(s.buf) // the buffer held patient segments: do not leave them around
	s.buf = s.buf[:0]
	s.in = false
	if err == nil {
		emit(m)
	}
}

// Gap tells the stream that bytes were lost: it resynchronises on the next
// start byte.
func (s *Stream) Gap() {
	clear(s.buf)
	s.buf = s.buf[:0]
	s.in, s.sawFS = false, false
	s.failed = false
	s.resync = true
}

// Package hl7 decodes HL7 v2 messages framed by the Minimal Lower Layer
// Protocol (MLLP: 0x0b, message, 0x1c 0x0d), single or in batches. Only the
// MSH (message header) and MSA (acknowledgment) segments are decoded; PID
// and every other segment is skipped and never copied out.
package hl7

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"medsec/capture/charset"
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
	// Batch says the message came inside an HL7 batch (FHS/BHS ... BTS/FTS).
	Batch bool `json:"batch,omitempty"`
	// CharacterSet is MSH-18 as written; the text fields above are decoded
	// from it to Unicode (undeclared text is kept when it is UTF-8).
	CharacterSet string `json:"character_set,omitempty"`
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
	cs := f[1][0]   // component separator
	rs := byte('~') // repetition separator
	if len(f[1]) > 1 {
		rs = f[1][1]
	}
	// MSH-18 names the character set of the message's text, its first
	// repetition the default (HL7 v2.5.1 §2.15.9.18, table 0211). In Big5
	// and GB 18030 the second byte of a character may be '|', '^' or '~':
	// fields are then split character by character.
	msh18 := characterSet(f, rs)
	if slices.ContainsFunc(seg, func(c byte) bool { return c >= 0x80 }) {
		if wide := splitWide(seg, fs); doubleByteSet(characterSet(wide, rs)) {
			f, msh18 = wide, characterSet(wide, rs)
		}
	}
	if len(msh18) > 0 {
		m.CharacterSet = strings.Join(msh18, string(rs))
	}
	dec := charset.HL7(msh18)
	field := func(i int) string {
		if i < len(f) {
			return dec.String(f[i])
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
			m.AckCode, m.AckControlID = parseMSA(seg)
			break
		}
	}
	return m, nil
}

// characterSet returns the repetitions of MSH-18 of a split MSH segment.
func characterSet(f [][]byte, rs byte) []string {
	if len(f) <= 17 || len(f[17]) == 0 {
		return nil
	}
	var out []string
	for _, v := range bytes.Split(f[17], []byte{rs}) {
		out = append(out, clean(v))
	}
	return out
}

// doubleByteSet reports whether MSH-18 names a character set whose second
// bytes include the ASCII delimiters (HL7 table 0211: BIG-5, GB 18030-2000).
func doubleByteSet(msh18 []string) bool {
	if len(msh18) == 0 {
		return false
	}
	switch strings.ToUpper(msh18[0]) {
	case "BIG-5", "BIG5", "GB 18030-2000", "GB18030":
		return true
	}
	return false
}

// splitWide splits a segment at sep, taking every byte from 0x81 on as the
// first byte of a two-byte character whose second byte is never a
// delimiter (Big5, GBK; GB 18030's four-byte characters split in two such
// pairs).
func splitWide(seg []byte, sep byte) [][]byte {
	var out [][]byte
	start := 0
	for i := 0; i < len(seg); i++ {
		switch c := seg[i]; {
		case c >= 0x81:
			i++
		case c == sep:
			out = append(out, seg[start:i])
			start = i + 1
		}
	}
	return append(out, seg[start:])
}

// parseMSA returns MSA-1 (acknowledgment code) and MSA-2 (the control id
// acknowledged) of an MSA segment whose field separator is seg[3].
func parseMSA(seg []byte) (code, controlID string) {
	a := bytes.Split(seg, seg[3:4])
	code = clean(a[1])
	if len(a) > 2 {
		controlID = clean(a[2])
	}
	return code, controlID
}

func nextSegment(b []byte) (seg, rest []byte) {
	i := bytes.IndexAny(b, "\r\n")
	if i < 0 {
		return b, nil
	}
	seg, rest = b[:i], b[i+1:]
	return seg, bytes.TrimLeft(rest, "\r\n")
}

// clean returns the text of an ASCII field (codes, identifiers), or of one
// in an undeclared character set: UTF-8 is kept, other bytes become U+FFFD
// and control characters '?'; trimmed, at most 128 runes.
func clean(b []byte) string { return charset.Undeclared.String(b) }

// maxSegment bounds the bytes kept of one header segment (MSH, MSA): the
// fields medsec reads come first. Other segments are never kept at all.
const maxSegment = 2048

// maxPreamble bounds the bytes a sender may write before its first MLLP
// start block (a log line, a banner) before the stream is taken for
// something else than HL7.
const maxPreamble = 1024

// Stream removes MLLP framing from one direction of a connection and
// decodes each message's header, segment by segment: a frame may hold one
// message or a batch (FHS, BHS, MSH..., BTS, FTS; HL7 v2.5.1 §2.10.3).
// Only the header segments are kept, one at a time, so memory is bounded
// and patient segments never leave the packet buffers.
type Stream struct {
	seg      []byte // the current header segment
	skip     bool   // the current segment is not a header segment: drop it
	segStart bool   // at the start of a segment
	in       bool   // inside a frame (after 0x0b)
	sawFS    bool   // last byte was 0x1c
	resync   bool   // after a gap: skip to the next start byte
	failed   bool
	started  bool // a start block was seen on this stream
	preamble int  // bytes before the first start block
	cur      Message
	hasCur   bool
	fs       byte // field separator of the current message
	batch    bool // inside FHS/BHS
}

// Write adds stream bytes and passes each complete message's header to
// emit. It returns false if the bytes are not MLLP-framed HL7. Text before
// the first start block (up to maxPreamble bytes) is skipped.
func (s *Stream) Write(b []byte, emit func(Message)) bool {
	for len(b) > 0 && !s.failed {
		if !s.in {
			// Between frames only the start byte (and stray CR/LF) may
			// appear; before the first frame, a short preamble too.
			c := b[0]
			b = b[1:]
			switch {
			case c == 0x0b:
				s.in, s.sawFS, s.resync, s.started = true, false, false, true
				s.startFrame()
			case c == '\r' || c == '\n':
			case s.resync:
			case !s.started && s.preamble < maxPreamble && (c >= 0x20 || c == '\t'):
				s.preamble++ // text before the first start block
			default:
				s.failed = true
			}
			continue
		}
		if s.sawFS {
			s.sawFS = false
			if b[0] == '\r' {
				s.endFrame(emit)
				b = b[1:]
				continue
			}
			s.data([]byte{0x1c}, emit)
		}
		i := bytes.IndexByte(b, 0x1c)
		if i < 0 {
			s.data(b, emit)
			break
		}
		s.data(b[:i], emit)
		b = b[i+1:]
		s.sawFS = true
	}
	return !s.failed
}

func (s *Stream) startFrame() {
	s.clearSeg()
	s.segStart, s.skip = true, false
	s.hasCur, s.batch = false, false
}

// data handles frame content: segments end with CR (LF tolerated).
func (s *Stream) data(b []byte, emit func(Message)) {
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		part := b
		if i >= 0 {
			part = b[:i]
		}
		s.segBytes(part)
		if i < 0 {
			return
		}
		s.endSegment(emit)
		b = b[i+1:]
	}
}

// segBytes adds bytes of the current segment, keeping them only while the
// segment can be a header segment.
func (s *Stream) segBytes(b []byte) {
	if len(b) == 0 || s.skip {
		return
	}
	if len(s.seg) < 3 {
		n := min(3-len(s.seg), len(b))
		s.seg = append(s.seg, b[:n]...)
		b = b[n:]
		if len(s.seg) == 3 && !headerSegment(s.seg) {
			s.skip = true
			s.clearSeg()
			return
		}
	}
	if room := maxSegment - len(s.seg); room > 0 {
		s.seg = append(s.seg, b[:min(room, len(b))]...)
	}
}

// headerSegment reports whether a segment with this id is one medsec reads.
func headerSegment(id []byte) bool {
	switch string(id) {
	case "MSH", "MSA", "FHS", "BHS", "BTS", "FTS":
		return true
	}
	return false
}

func (s *Stream) endSegment(emit func(Message)) {
	seg := s.seg
	s.skip = false
	if len(seg) < 3 {
		s.clearSeg()
		return
	}
	switch string(seg[:3]) {
	case "MSH":
		s.flush(emit)
		if m, err := ParseMessage(seg); err == nil {
			m.Batch = s.batch
			s.cur, s.hasCur, s.fs = m, true, seg[3]
		}
	case "MSA":
		if s.hasCur && s.cur.AckCode == "" && len(seg) > 3 && seg[3] == s.fs {
			s.cur.AckCode, s.cur.AckControlID = parseMSA(seg)
		}
	case "FHS", "BHS":
		s.flush(emit)
		s.batch = true
	case "BTS", "FTS":
		s.flush(emit)
	}
	s.clearSeg()
}

// flush emits the message being read, if any.
func (s *Stream) flush(emit func(Message)) {
	if s.hasCur {
		s.hasCur = false
		emit(s.cur)
	}
}

func (s *Stream) endFrame(emit func(Message)) {
	s.endSegment(emit)
	s.flush(emit)
	s.in = false
	s.batch = false
}

// clearSeg empties the segment buffer, zeroing what it held.
func (s *Stream) clearSeg() {
	clear(s.seg)
	s.seg = s.seg[:0]
}

// Gap tells the stream that bytes were lost: it resynchronises on the next
// start byte.
func (s *Stream) Gap() {
	s.clearSeg()
	s.in, s.sawFS, s.hasCur, s.batch = false, false, false, false
	s.failed = false
	s.resync = true
}

// Package pcapfile reads packet captures in the classic libpcap format (both
// byte orders, microsecond and nanosecond timestamps) and in pcapng (section
// header, interface description, enhanced and simple packet blocks, several
// interfaces and sections of either byte order).
//
// The reader is written for speed: it hands out slices of its own buffer (or
// of the caller's memory, see NewBytesReader) and never allocates per packet.
// A malformed or truncated capture stops the reader with an *Error that names
// the byte offset where decoding stopped; packets read before it remain valid.
package pcapfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// Link types (LINKTYPE_* values from the tcpdump.org registry) that medsec
// decodes.
const (
	LinkNull      = 0   // BSD loopback: 4-byte address family in host order
	LinkEthernet  = 1   // IEEE 802.3 Ethernet
	LinkRaw       = 101 // raw IPv4 or IPv6
	LinkLoop      = 108 // OpenBSD loopback: 4-byte address family, big endian
	LinkLinuxSLL  = 113 // Linux cooked capture v1
	LinkIPv4      = 228 // raw IPv4
	LinkIPv6      = 229 // raw IPv6
	LinkLinuxSLL2 = 276 // Linux cooked capture v2
)

// Format names the container format of a capture file.
type Format string

// Capture container formats.
const (
	FormatPcap   Format = "pcap"
	FormatPcapNG Format = "pcapng"
)

// maxRecord bounds a single record or block so that a corrupt length field
// cannot make the reader allocate gigabytes.
const maxRecord = 64 << 20

// Packet is one captured frame. Data aliases the reader's memory and is valid
// only until the next call to Next.
type Packet struct {
	// Data holds the captured bytes (possibly fewer than OrigLen).
	Data []byte
	// OrigLen is the frame's length on the wire.
	OrigLen int
	// TimeNanos is the capture time in nanoseconds since the Unix epoch.
	TimeNanos int64
	// LinkType is the LINKTYPE_* of the interface the frame came from.
	LinkType int
	// Interface is the pcapng interface index (0 for classic pcap).
	Interface int
	// Offset is the byte offset of the packet's record in the file.
	Offset int64
}

// Error reports a malformed or truncated capture, naming the byte offset of
// the record where decoding stopped.
type Error struct {
	// Offset is the byte offset of the bad record or block.
	Offset int64
	// Msg says what was wrong.
	Msg string
	// Err is the underlying cause, if any (io.ErrUnexpectedEOF on truncation).
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("offset %d: %s: %v", e.Offset, e.Msg, e.Err)
	}
	return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// source provides bytes either from memory or from a buffered stream.
type source interface {
	// peek returns the next n bytes without consuming them; the slice is valid
	// until the next call. It returns io.EOF if no bytes remain and
	// io.ErrUnexpectedEOF if fewer than n remain.
	peek(n int) ([]byte, error)
	// discard consumes n bytes previously peeked.
	discard(n int)
	// offset is the number of bytes consumed so far.
	offset() int64
}

type memSource struct {
	b   []byte
	off int
}

func (m *memSource) peek(n int) ([]byte, error) {
	rest := len(m.b) - m.off
	if rest == 0 {
		return nil, io.EOF
	}
	if rest < n {
		return nil, io.ErrUnexpectedEOF
	}
	return m.b[m.off : m.off+n], nil
}
func (m *memSource) discard(n int) { m.off += n }
func (m *memSource) offset() int64 { return int64(m.off) }

type streamSource struct {
	r       *bufio.Reader
	scratch []byte
	big     bool // the last peek used scratch
	off     int64
}

func (s *streamSource) peek(n int) ([]byte, error) {
	if n <= s.r.Size() {
		s.big = false
		b, err := s.r.Peek(n)
		if err != nil {
			if len(b) == 0 && errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return b, nil
	}
	// Larger than the buffer: read into scratch, consuming the stream; the
	// following discard only advances the offset.
	if cap(s.scratch) < n {
		s.scratch = make([]byte, n)
	}
	s.scratch = s.scratch[:n]
	m, err := io.ReadFull(s.r, s.scratch)
	if err != nil {
		if m == 0 && errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, io.ErrUnexpectedEOF
	}
	s.big = true
	return s.scratch, nil
}

func (s *streamSource) discard(n int) {
	if s.big {
		s.big = false
	} else {
		s.r.Discard(n)
	}
	s.off += int64(n)
}
func (s *streamSource) offset() int64 { return s.off }

// Reader reads packets from a pcap or pcapng capture.
type Reader struct {
	src    source
	format Format
	// classic pcap
	order    binary.ByteOrder
	nano     bool
	linkType int
	snaplen  int
	// pcapng
	ifaces []ngIface
	pkt    Packet
}

type ngIface struct {
	linkType int
	// A timestamp of a decimal resolution (if_tsresol high bit clear) is
	// ts * tsMul / tsDiv nanoseconds; one of a power-of-two resolution
	// (high bit set, tsShift > 0) is ts / 2^tsShift seconds.
	tsMul, tsDiv uint64
	tsShift      uint
	// tsOffset is if_tsoffset in nanoseconds: timestamps are relative to it.
	tsOffset int64
}

// NewReader reads a capture from r, detecting its format from the first
// bytes. r is buffered internally.
func NewReader(r io.Reader) (*Reader, error) {
	return newReader(&streamSource{r: bufio.NewReaderSize(r, 1<<20)})
}

// NewBytesReader reads a capture held entirely in memory (for example a
// memory-mapped file). Packet data alias b.
func NewBytesReader(b []byte) (*Reader, error) {
	return newReader(&memSource{b: b})
}

func newReader(src source) (*Reader, error) {
	r := &Reader{src: src}
	hdr, err := src.peek(4)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Offset: 0, Msg: "empty file, no capture header"}
		}
		return nil, &Error{Offset: 0, Msg: "reading capture header", Err: err}
	}
	switch {
	case hdr[0] == 0x0a && hdr[1] == 0x0d && hdr[2] == 0x0d && hdr[3] == 0x0a:
		r.format = FormatPcapNG
		if err := r.readSHB(); err != nil {
			return nil, err
		}
	default:
		r.format = FormatPcap
		if err := r.readPcapHeader(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Format returns the capture's container format.
func (r *Reader) Format() Format { return r.format }

// Offset returns the number of bytes consumed so far.
func (r *Reader) Offset() int64 { return r.src.offset() }

// LinkType returns the link type of a classic pcap file, or of the first
// interface of a pcapng file seen so far (-1 if none yet).
func (r *Reader) LinkType() int {
	if r.format == FormatPcap {
		return r.linkType
	}
	if len(r.ifaces) > 0 {
		return r.ifaces[0].linkType
	}
	return -1
}

func (r *Reader) readPcapHeader() error {
	h, err := r.src.peek(24)
	if err != nil {
		return &Error{Offset: 0, Msg: "truncated pcap file header", Err: err}
	}
	switch binary.LittleEndian.Uint32(h) {
	case 0xa1b2c3d4:
		r.order = binary.LittleEndian
	case 0xa1b23c4d:
		r.order, r.nano = binary.LittleEndian, true
	case 0xd4c3b2a1:
		r.order = binary.BigEndian
	case 0x4d3cb2a1:
		r.order, r.nano = binary.BigEndian, true
	default:
		return &Error{Offset: 0, Msg: fmt.Sprintf("not a pcap or pcapng file (magic %x)", h[:4])}
	}
	if major := r.order.Uint16(h[4:]); major != 2 {
		return &Error{Offset: 4, Msg: fmt.Sprintf("unsupported pcap version %d", major)}
	}
	r.snaplen = int(r.order.Uint32(h[16:]))
	// The upper bits of the link-type field carry FCS information.
	r.linkType = int(r.order.Uint32(h[20:]) & 0x0fffffff)
	r.src.discard(24)
	return nil
}

// Next returns the next packet. It returns io.EOF at a clean end of file and
// an *Error for a malformed or truncated capture.
func (r *Reader) Next() (*Packet, error) {
	if r.format == FormatPcap {
		return r.nextPcap()
	}
	return r.nextNG()
}

func (r *Reader) nextPcap() (*Packet, error) {
	off := r.src.offset()
	h, err := r.src.peek(16)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, &Error{Offset: off, Msg: "truncated packet record header", Err: err}
	}
	sec := int64(r.order.Uint32(h))
	frac := int64(r.order.Uint32(h[4:]))
	incl := r.order.Uint32(h[8:])
	orig := r.order.Uint32(h[12:])
	if incl > maxRecord {
		return nil, &Error{Offset: off, Msg: fmt.Sprintf("packet record length %d too large", incl)}
	}
	n := 16 + int(incl)
	b, err := r.src.peek(n)
	if err != nil {
		return nil, &Error{Offset: off, Msg: fmt.Sprintf("truncated packet record (%d bytes announced)", incl), Err: err}
	}
	r.src.discard(n)
	if !r.nano {
		frac *= 1000
	}
	p := &r.pkt
	p.Data = b[16:n:n]
	p.OrigLen = int(orig)
	p.TimeNanos = sec*1e9 + frac
	p.LinkType = r.linkType
	p.Interface = 0
	p.Offset = off
	return p, nil
}

// pcapng block types.
const (
	blockSHB = 0x0a0d0d0a
	blockIDB = 0x00000001
	blockSPB = 0x00000003
	blockEPB = 0x00000006
	blockOPB = 0x00000002 // obsolete packet block
)

func (r *Reader) readSHB() error {
	off := r.src.offset()
	h, err := r.src.peek(12)
	if err != nil {
		return &Error{Offset: off, Msg: "truncated pcapng section header", Err: err}
	}
	switch binary.LittleEndian.Uint32(h[8:]) {
	case 0x1a2b3c4d:
		r.order = binary.LittleEndian
	case 0x4d3c2b1a:
		r.order = binary.BigEndian
	default:
		return &Error{Offset: off, Msg: "bad pcapng byte-order magic"}
	}
	blen := r.order.Uint32(h[4:])
	if blen < 28 || blen%4 != 0 || blen > maxRecord {
		return &Error{Offset: off, Msg: fmt.Sprintf("bad pcapng section header length %d", blen)}
	}
	if _, err := r.src.peek(int(blen)); err != nil {
		return &Error{Offset: off, Msg: "truncated pcapng section header", Err: err}
	}
	r.src.discard(int(blen))
	r.ifaces = r.ifaces[:0]
	return nil
}

func (r *Reader) nextNG() (*Packet, error) {
	for {
		off := r.src.offset()
		h, err := r.src.peek(8)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, &Error{Offset: off, Msg: "truncated pcapng block header", Err: err}
		}
		if binary.LittleEndian.Uint32(h) == blockSHB {
			if err := r.readSHB(); err != nil {
				return nil, err
			}
			continue
		}
		btype := r.order.Uint32(h)
		blen := r.order.Uint32(h[4:])
		if blen < 12 || blen%4 != 0 || blen > maxRecord {
			return nil, &Error{Offset: off, Msg: fmt.Sprintf("bad pcapng block length %d (type %#x)", blen, btype)}
		}
		b, err := r.src.peek(int(blen))
		if err != nil {
			return nil, &Error{Offset: off, Msg: fmt.Sprintf("truncated pcapng block (type %#x, %d bytes announced)", btype, blen), Err: err}
		}
		body := b[8 : blen-4]
		switch btype {
		case blockIDB:
			if err := r.addIface(body, off); err != nil {
				return nil, err
			}
			r.src.discard(int(blen))
			continue
		case blockEPB, blockOPB:
			if len(body) < 20 {
				return nil, &Error{Offset: off, Msg: "pcapng packet block too short"}
			}
			var ifid int
			if btype == blockEPB {
				ifid = int(r.order.Uint32(body))
			} else {
				ifid = int(r.order.Uint16(body))
			}
			if ifid >= len(r.ifaces) {
				return nil, &Error{Offset: off, Msg: fmt.Sprintf("packet block names interface %d, only %d described", ifid, len(r.ifaces))}
			}
			ifc := r.ifaces[ifid]
			ts := uint64(r.order.Uint32(body[4:]))<<32 | uint64(r.order.Uint32(body[8:]))
			capLen := r.order.Uint32(body[12:])
			orig := r.order.Uint32(body[16:])
			if uint64(capLen) > uint64(len(body)-20) {
				return nil, &Error{Offset: off, Msg: fmt.Sprintf("pcapng packet block captured length %d exceeds block", capLen)}
			}
			p := &r.pkt
			p.Data = body[20 : 20+capLen : 20+capLen]
			p.OrigLen = int(orig)
			p.TimeNanos = scaleTS(ts, ifc) + ifc.tsOffset
			p.LinkType = ifc.linkType
			p.Interface = ifid
			p.Offset = off
			r.src.discard(int(blen))
			return p, nil
		case blockSPB:
			if len(body) < 4 {
				return nil, &Error{Offset: off, Msg: "pcapng simple packet block too short"}
			}
			if len(r.ifaces) == 0 {
				return nil, &Error{Offset: off, Msg: "simple packet block before any interface description"}
			}
			orig := r.order.Uint32(body)
			capLen := uint32(len(body) - 4)
			if orig < capLen {
				capLen = orig
			}
			p := &r.pkt
			p.Data = body[4 : 4+capLen : 4+capLen]
			p.OrigLen = int(orig)
			p.TimeNanos = 0
			p.LinkType = r.ifaces[0].linkType
			p.Interface = 0
			p.Offset = off
			r.src.discard(int(blen))
			return p, nil
		default:
			// Name resolution, statistics, custom and other blocks: skip.
			r.src.discard(int(blen))
		}
	}
}

// scaleTS converts a pcapng timestamp in the interface's units to
// nanoseconds since the Unix epoch (pcapng, draft-ietf-opsawg-pcapng §4.2,
// option if_tsresol), rounding down.
func scaleTS(ts uint64, ifc ngIface) int64 {
	if ifc.tsShift > 0 {
		// Whole seconds, then the fraction: frac/2^shift s = frac*1e9/2^shift ns,
		// computed in 128 bits so that no precision is lost.
		sec := ts >> ifc.tsShift
		frac := ts & (1<<ifc.tsShift - 1)
		hi, lo := bits.Mul64(frac, 1e9)
		ns := hi<<(64-ifc.tsShift) | lo>>ifc.tsShift
		return int64(sec*1e9 + ns)
	}
	if ifc.tsDiv == 1 {
		return int64(ts * ifc.tsMul)
	}
	return int64(ts / ifc.tsDiv * ifc.tsMul)
}

func (r *Reader) addIface(body []byte, off int64) error {
	if len(body) < 8 {
		return &Error{Offset: off, Msg: "pcapng interface description too short"}
	}
	ifc := ngIface{linkType: int(r.order.Uint16(body)), tsMul: 1000, tsDiv: 1} // default: microseconds
	opts := body[8:]
	for len(opts) >= 4 {
		code := r.order.Uint16(opts)
		olen := int(r.order.Uint16(opts[2:]))
		if code == 0 {
			break
		}
		if 4+olen > len(opts) {
			return &Error{Offset: off, Msg: "pcapng interface option overruns block"}
		}
		if code == 14 && olen == 8 { // if_tsoffset: seconds added to every timestamp
			ifc.tsOffset = int64(r.order.Uint64(opts[4:])) * 1e9
		}
		if code == 9 && olen >= 1 { // if_tsresol
			v := opts[4]
			exp := int(v & 0x7f)
			if v&0x80 != 0 {
				// Power of two resolution: 2^-exp seconds, as capture
				// cards write (2^-32 s, 2^-30 s).
				switch {
				case exp == 0:
					ifc.tsMul, ifc.tsDiv = 1e9, 1
				case exp <= 63:
					ifc.tsShift = uint(exp)
				default:
					return &Error{Offset: off, Msg: fmt.Sprintf("unsupported timestamp resolution 2^-%d", exp)}
				}
			} else {
				switch {
				case exp <= 9:
					mul := uint64(1)
					for i := exp; i < 9; i++ {
						mul *= 10
					}
					ifc.tsMul, ifc.tsDiv = mul, 1
				case exp <= 18:
					div := uint64(1)
					for i := 9; i < exp; i++ {
						div *= 10
					}
					ifc.tsMul, ifc.tsDiv = 1, div
				default:
					return &Error{Offset: off, Msg: fmt.Sprintf("unsupported timestamp resolution 10^-%d", exp)}
				}
			}
		}
		opts = opts[4+(olen+3)&^3:]
	}
	r.ifaces = append(r.ifaces, ifc)
	return nil
}

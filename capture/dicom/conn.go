package dicom

import (
	"encoding/binary"
)

// EventKind says what an Event carries.
type EventKind int

// Event kinds.
const (
	EventAssociateRQ EventKind = iota + 1
	EventAssociateAC
	EventAssociateRJ
	EventCommand
	EventIdentity
	EventReleaseRQ
	EventReleaseRP
	EventAbort
)

// Event is one decoded protocol step of a DICOM connection.
type Event struct {
	// Kind says which of the fields is set.
	Kind EventKind
	// Dir is the direction (0 or 1, as passed to Write) that sent it.
	Dir int
	// Association is set for EventAssociateRQ and EventAssociateAC. For an
	// AC, its contexts carry the proposed abstract syntax copied from the RQ.
	Association *Association
	// Reject is set for EventAssociateRJ.
	Reject *Reject
	// Command is set for EventCommand.
	Command *Command
	// ContextID is the presentation context of a command or identity.
	ContextID byte
	// Identity is set for EventIdentity: device attributes from a C-STORE
	// data set.
	Identity *Identity
}

// Limits that bound a Conn's memory.
const (
	maxPDUBuffer     = 256 << 10 // PDU body bytes buffered; the rest is skipped
	maxCommandBuffer = 16 << 10
	maxDataSetBuffer = 64 << 10 // C-STORE data set prefix kept for identity
	maxOpenMessages  = 16       // presentation contexts with message state
)

// Conn decodes both directions of one DICOM association (TCP connection).
// Memory is bounded: per direction at most maxPDUBuffer for the current PDU
// plus, for up to maxOpenMessages presentation contexts, a command and a
// data-set prefix buffer (about 1.5 MiB in the worst case).
type Conn struct {
	dir      [2]pduReader
	proposed map[byte]string // context id -> abstract syntax (from RQ)
	accepted map[byte]string // context id -> transfer syntax (from AC)
}

type pduReader struct {
	hdr    [6]byte
	nhdr   int
	body   []byte
	keep   int // body bytes to buffer
	skip   int // body bytes to discard after keep
	failed bool
	msgs   map[byte]*message
}

type message struct {
	cmd        []byte
	data       []byte
	wantData   bool // collecting a C-STORE data set
	dataDone   bool
	sopClass   string
	cmdDropped bool
}

// NewConn returns a decoder for a new connection.
func NewConn() *Conn {
	return &Conn{proposed: map[byte]string{}, accepted: map[byte]string{}}
}

// Write adds bytes sent in direction dir (0 or 1) and passes each decoded
// event to emit. It returns false when the direction's stream is no longer
// DICOM (bad PDU header), after which further bytes are ignored.
func (c *Conn) Write(dir int, b []byte, emit func(Event)) bool {
	r := &c.dir[dir]
	for len(b) > 0 && !r.failed {
		if r.nhdr < 6 {
			n := copy(r.hdr[r.nhdr:], b)
			r.nhdr += n
			b = b[n:]
			if r.nhdr < 6 {
				break
			}
			typ := r.hdr[0]
			length := binary.BigEndian.Uint32(r.hdr[2:])
			if typ < PDUAssociateRQ || typ > PDUAbort || length > 1<<30 {
				r.failed = true
				break
			}
			r.keep = int(min(length, maxPDUBuffer))
			r.skip = int(length) - r.keep
			r.body = r.body[:0]
			if r.keep == 0 && r.skip == 0 {
				c.pdu(dir, typ, nil, false, emit)
				r.nhdr = 0
			}
			continue
		}
		if len(r.body) < r.keep {
			n := min(r.keep-len(r.body), len(b))
			r.body = append(r.body, b[:n]...)
			b = b[n:]
			if len(r.body) == r.keep {
				c.pdu(dir, r.hdr[0], r.body, r.skip > 0, emit)
				if r.skip == 0 {
					r.nhdr = 0
				}
			}
			continue
		}
		n := min(r.skip, len(b))
		r.skip -= n
		b = b[n:]
		if r.skip == 0 {
			r.nhdr = 0
		}
	}
	if cap(r.body) > 64<<10 && len(r.body) == 0 {
		r.body = nil
	}
	return !r.failed
}

// Gap tells the decoder that bytes of direction dir were lost; PDU framing
// cannot be recovered, so the direction stops.
func (c *Conn) Gap(dir int) { c.dir[dir].failed = true }

func (c *Conn) pdu(dir int, typ byte, body []byte, truncated bool, emit func(Event)) {
	switch typ {
	case PDUAssociateRQ, PDUAssociateAC:
		a, err := ParseAssociation(body, typ == PDUAssociateRQ)
		if err != nil && a.CalledAE == "" {
			return
		}
		if typ == PDUAssociateRQ {
			for _, pc := range a.Contexts {
				c.proposed[pc.ID] = pc.AbstractSyntax
			}
			emit(Event{Kind: EventAssociateRQ, Dir: dir, Association: &a})
			return
		}
		for i, pc := range a.Contexts {
			a.Contexts[i].AbstractSyntax = c.proposed[pc.ID]
			if pc.Result == 0 && len(pc.TransferSyntaxes) > 0 {
				c.accepted[pc.ID] = pc.TransferSyntaxes[0]
			}
		}
		emit(Event{Kind: EventAssociateAC, Dir: dir, Association: &a})
	case PDUAssociateRJ:
		if rj, err := ParseReject(body); err == nil {
			emit(Event{Kind: EventAssociateRJ, Dir: dir, Reject: &rj})
		}
	case PDUReleaseRQ:
		emit(Event{Kind: EventReleaseRQ, Dir: dir})
	case PDUReleaseRP:
		emit(Event{Kind: EventReleaseRP, Dir: dir})
	case PDUAbort:
		emit(Event{Kind: EventAbort, Dir: dir})
	case PDUPData:
		c.pdata(dir, body, emit)
	}
}

// pdata splits a P-DATA-TF body into PDVs and assembles messages.
func (c *Conn) pdata(dir int, body []byte, emit func(Event)) {
	r := &c.dir[dir]
	if r.msgs == nil {
		r.msgs = map[byte]*message{}
	}
	for len(body) >= 6 {
		n := binary.BigEndian.Uint32(body)
		if n < 2 {
			return
		}
		end := 4 + int(min(n, uint32(len(body)-4)))
		last := uint64(n)+4 <= uint64(len(body))
		pcid, mch := body[4], body[5]
		frag := body[6:end]
		body = body[end:]
		if len(r.msgs) > maxOpenMessages {
			clear(r.msgs)
		}
		m := r.msgs[pcid]
		if m == nil {
			m = &message{}
			r.msgs[pcid] = m
		}
		isLast := mch&0x02 != 0 && last
		if mch&0x01 != 0 { // command fragment
			if len(m.cmd)+len(frag) <= maxCommandBuffer {
				m.cmd = append(m.cmd, frag...)
			} else {
				m.cmdDropped = true
			}
			if !isLast {
				continue
			}
			cmd, err := ParseCommand(m.cmd)
			dropped := m.cmdDropped
			m.cmd, m.cmdDropped = m.cmd[:0], false
			if err != nil || dropped {
				continue
			}
			if cmd.SOPClass == "" {
				cmd.SOPClass = c.proposed[pcid]
			}
			emit(Event{Kind: EventCommand, Dir: dir, Command: &cmd, ContextID: pcid})
			// Only C-STORE-RQ data sets are read, for device identity;
			// query identifiers and responses are never decoded.
			m.wantData = cmd.Field == 0x0001 && cmd.HasDataSet
			m.dataDone = false
			m.data = m.data[:0]
			continue
		}
		// data set fragment
		if m.wantData && !m.dataDone {
			room := maxDataSetBuffer - len(m.data)
			m.data = append(m.data, frag[:min(room, len(frag))]...)
			if isLast || len(m.data) >= maxDataSetBuffer {
				m.dataDone = true
				id, _ := ParseIdentityTS(m.data, c.accepted[pcid])
				clear(m.data) // do not keep data-set bytes around
				m.data = m.data[:0]
				if !id.Empty() {
					emit(Event{Kind: EventIdentity, Dir: dir, Identity: &id, ContextID: pcid})
				}
			}
		}
		if isLast {
			m.wantData, m.dataDone = false, false
			m.data = nil
		}
	}
}

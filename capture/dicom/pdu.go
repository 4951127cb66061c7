// Package dicom decodes the DICOM upper-layer protocol (PS3.8) as seen on the
// wire: association PDUs with their AE titles and presentation contexts,
// P-DATA-TF with DIMSE command sets (PS3.7), and from C-STORE data sets only
// the attributes that identify the sending device (PS3.6 groups 0008 and
// 0018). Patient attributes are skipped over and never copied.
package dicom

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// PDU types (PS3.8 §9.3).
const (
	PDUAssociateRQ = 0x01
	PDUAssociateAC = 0x02
	PDUAssociateRJ = 0x03
	PDUPData       = 0x04
	PDUReleaseRQ   = 0x05
	PDUReleaseRP   = 0x06
	PDUAbort       = 0x07
)

// PresentationContext is one proposed (RQ) or answered (AC) presentation
// context.
type PresentationContext struct {
	// ID is the odd context id.
	ID byte `json:"id"`
	// AbstractSyntax is the SOP class UID proposed (RQ only).
	AbstractSyntax string `json:"abstract_syntax,omitempty"`
	// TransferSyntaxes lists the proposed transfer syntaxes (RQ) or the
	// accepted one (AC).
	TransferSyntaxes []string `json:"transfer_syntaxes,omitempty"`
	// Result is the AC result: 0 acceptance, 1 user rejection, 2 no reason,
	// 3 abstract syntax not supported, 4 transfer syntaxes not supported.
	Result byte `json:"result"`
}

// Association is an A-ASSOCIATE-RQ or -AC PDU.
type Association struct {
	// CalledAE and CallingAE are the AE titles, trimmed of spaces.
	CalledAE  string `json:"called_ae"`
	CallingAE string `json:"calling_ae"`
	// ApplicationContext is the application context name UID.
	ApplicationContext string `json:"application_context,omitempty"`
	// Contexts lists the presentation contexts.
	Contexts []PresentationContext `json:"contexts,omitempty"`
	// MaxPDU is the maximum PDU length the sender receives (0 unlimited).
	MaxPDU uint32 `json:"max_pdu,omitempty"`
	// ImplementationClass and ImplementationVersion identify the sender's
	// DICOM implementation (toolkit and version).
	ImplementationClass   string `json:"implementation_class,omitempty"`
	ImplementationVersion string `json:"implementation_version,omitempty"`
}

// Reject is an A-ASSOCIATE-RJ PDU.
type Reject struct {
	// Result is 1 (permanent) or 2 (transient).
	Result byte `json:"result"`
	// Source is 1 (service user), 2 (provider, ACSE) or 3 (provider,
	// presentation).
	Source byte `json:"source"`
	// Reason is the reason/diagnostic code.
	Reason byte `json:"reason"`
}

var errShort = errors.New("dicom: PDU truncated")

// ParseAssociation decodes the body (after the 6-byte PDU header) of an
// A-ASSOCIATE-RQ (rq true) or -AC PDU.
func ParseAssociation(body []byte, rq bool) (Association, error) {
	var a Association
	if len(body) < 68 {
		return a, errShort
	}
	if v := binary.BigEndian.Uint16(body); v&1 == 0 {
		return a, fmt.Errorf("dicom: unsupported protocol version %#x", v)
	}
	a.CalledAE = aeTitle(body[4:20])
	a.CallingAE = aeTitle(body[20:36])
	items := body[68:]
	for len(items) >= 4 {
		typ := items[0]
		n := int(binary.BigEndian.Uint16(items[2:]))
		if 4+n > len(items) {
			return a, errShort
		}
		v := items[4 : 4+n]
		items = items[4+n:]
		switch typ {
		case 0x10:
			a.ApplicationContext = uid(v)
		case 0x20, 0x21:
			if len(v) < 4 {
				return a, errShort
			}
			pc := PresentationContext{ID: v[0]}
			if !rq {
				pc.Result = v[2]
			}
			sub := v[4:]
			for len(sub) >= 4 {
				st := sub[0]
				sn := int(binary.BigEndian.Uint16(sub[2:]))
				if 4+sn > len(sub) {
					return a, errShort
				}
				sv := sub[4 : 4+sn]
				sub = sub[4+sn:]
				switch st {
				case 0x30:
					pc.AbstractSyntax = uid(sv)
				case 0x40:
					if len(pc.TransferSyntaxes) < 64 {
						pc.TransferSyntaxes = append(pc.TransferSyntaxes, uid(sv))
					}
				}
			}
			if len(a.Contexts) < 128 {
				a.Contexts = append(a.Contexts, pc)
			}
		case 0x50:
			sub := v
			for len(sub) >= 4 {
				st := sub[0]
				sn := int(binary.BigEndian.Uint16(sub[2:]))
				if 4+sn > len(sub) {
					return a, errShort
				}
				sv := sub[4 : 4+sn]
				sub = sub[4+sn:]
				switch st {
				case 0x51:
					if len(sv) == 4 {
						a.MaxPDU = binary.BigEndian.Uint32(sv)
					}
				case 0x52:
					a.ImplementationClass = uid(sv)
				case 0x55:
					a.ImplementationVersion = text(sv)
				}
			}
		}
	}
	return a, nil
}

// ParseReject decodes the body of an A-ASSOCIATE-RJ PDU.
func ParseReject(body []byte) (Reject, error) {
	if len(body) < 4 {
		return Reject{}, errShort
	}
	return Reject{Result: body[1], Source: body[2], Reason: body[3]}, nil
}

// aeTitle trims the space padding of a 16-byte AE title field and replaces
// non-printable bytes.
func aeTitle(b []byte) string { return text(b) }

func uid(b []byte) string {
	return text(b)
}

// text returns printable ASCII from b, trimmed of spaces and NULs.
func text(b []byte) string {
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
	return strings.TrimSpace(string(out))
}

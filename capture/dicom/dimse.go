package dicom

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"medsec/capture/charset"
)

// Command is a decoded DIMSE command set.
type Command struct {
	// Field is the Command Field (0000,0100).
	Field uint16 `json:"field"`
	// Name is the command's name, like "C-STORE-RQ".
	Name string `json:"name"`
	// SOPClass is the Affected (0000,0002) or Requested (0000,0003) SOP
	// Class UID.
	SOPClass string `json:"sop_class,omitempty"`
	// MessageID is (0000,0110), or (0000,0120) for a response.
	MessageID uint16 `json:"message_id"`
	// HasDataSet is false when (0000,0800) is 0x0101.
	HasDataSet bool `json:"has_data_set"`
	// Status is (0000,0900) of a response.
	Status uint16 `json:"status"`
	// MoveDestination is (0000,0600) of a C-MOVE-RQ.
	MoveDestination string `json:"move_destination,omitempty"`
	// MoveOriginator is (0000,1030): set on a C-STORE-RQ that is a
	// sub-operation of a C-MOVE, when the sender forwards another device's
	// images.
	MoveOriginator string `json:"move_originator,omitempty"`
	// IsResponse says whether this is a response.
	IsResponse bool `json:"is_response"`
}

var commandNames = map[uint16]string{
	0x0001: "C-STORE", 0x0010: "C-GET", 0x0020: "C-FIND", 0x0021: "C-MOVE", 0x0030: "C-ECHO",
	0x0100: "N-EVENT-REPORT", 0x0110: "N-GET", 0x0120: "N-SET", 0x0130: "N-ACTION",
	0x0140: "N-CREATE", 0x0150: "N-DELETE", 0x0fff: "C-CANCEL",
}

// CommandName names a Command Field value ("C-STORE-RQ", "C-ECHO-RSP").
func CommandName(field uint16) string {
	n, ok := commandNames[field&0x7fff]
	if !ok {
		return fmt.Sprintf("command-%#04x", field)
	}
	if field == 0x0fff {
		return n + "-RQ"
	}
	if field&0x8000 != 0 {
		return n + "-RSP"
	}
	return n + "-RQ"
}

// ParseCommand decodes a command set (always implicit VR little endian).
func ParseCommand(b []byte) (Command, error) {
	var c Command
	found := false
	c.HasDataSet = true
	for len(b) >= 8 {
		group := binary.LittleEndian.Uint16(b)
		elem := binary.LittleEndian.Uint16(b[2:])
		n := binary.LittleEndian.Uint32(b[4:])
		if group != 0 {
			return c, fmt.Errorf("dicom: command element (%04x,%04x) outside group 0000", group, elem)
		}
		if uint64(n) > uint64(len(b)-8) {
			return c, errShort
		}
		v := b[8 : 8+n]
		b = b[8+n:]
		switch elem {
		case 0x0002:
			c.SOPClass = uid(v)
		case 0x0003:
			if c.SOPClass == "" {
				c.SOPClass = uid(v)
			}
		case 0x0100:
			if len(v) >= 2 {
				c.Field = binary.LittleEndian.Uint16(v)
				found = true
			}
		case 0x0110:
			if len(v) >= 2 {
				c.MessageID = binary.LittleEndian.Uint16(v)
			}
		case 0x0120:
			if len(v) >= 2 {
				c.MessageID = binary.LittleEndian.Uint16(v)
			}
		case 0x0600:
			c.MoveDestination = text(v)
		case 0x1030:
			c.MoveOriginator = text(v)
		case 0x0800:
			if len(v) >= 2 {
				c.HasDataSet = binary.LittleEndian.Uint16(v) != 0x0101
			}
		case 0x0900:
			if len(v) >= 2 {
				c.Status = binary.LittleEndian.Uint16(v)
			}
		}
	}
	if !found {
		return c, errors.New("dicom: command set without Command Field")
	}
	c.Name = CommandName(c.Field)
	c.IsResponse = c.Field&0x8000 != 0
	return c, nil
}

// Identity holds the device attributes of a data set, decoded to Unicode
// from its Specific Character Set. Nothing else of the data set is kept.
type Identity struct {
	// CharacterSet is Specific Character Set (0008,0005) as written.
	CharacterSet string `json:"character_set,omitempty"`
	// Modality is (0008,0060).
	Modality string `json:"modality,omitempty"`
	// Manufacturer is (0008,0070).
	Manufacturer string `json:"manufacturer,omitempty"`
	// StationName is (0008,1010).
	StationName string `json:"station_name,omitempty"`
	// Model is Manufacturer's Model Name (0008,1090).
	Model string `json:"model,omitempty"`
	// SerialNumber is Device Serial Number (0018,1000).
	SerialNumber string `json:"serial_number,omitempty"`
	// SoftwareVersions is (0018,1020).
	SoftwareVersions string `json:"software_versions,omitempty"`
}

// Empty reports whether no device attribute was found.
func (id Identity) Empty() bool { return id == Identity{CharacterSet: id.CharacterSet} }

// Transfer syntax UIDs that change how a data set is encoded.
const (
	ImplicitVRLittleEndian = "1.2.840.10008.1.2"
	ExplicitVRLittleEndian = "1.2.840.10008.1.2.1"
	DeflatedExplicitVRLE   = "1.2.840.10008.1.2.1.99"
	ExplicitVRBigEndian    = "1.2.840.10008.1.2.2"
)

// ParseIdentityTS decodes a (possibly truncated) data set encoded with the
// given transfer syntax UID. An empty UID means unknown: the encoding is
// guessed from the first element. Compressed pixel transfer syntaxes encode
// the data set itself in explicit VR little endian.
func ParseIdentityTS(b []byte, ts string) (Identity, error) {
	switch ts {
	case ImplicitVRLittleEndian:
		return ParseIdentity(b, false, false)
	case ExplicitVRBigEndian:
		return ParseIdentity(b, true, true)
	case DeflatedExplicitVRLE:
		r := flate.NewReader(bytes.NewReader(b))
		out, err := io.ReadAll(io.LimitReader(r, 1<<20))
		if len(out) == 0 && err != nil {
			return Identity{}, fmt.Errorf("dicom: inflate data set: %w", err)
		}
		return ParseIdentity(out, true, false)
	case "":
		return ParseIdentity(b, looksExplicit(b), false)
	}
	return ParseIdentity(b, true, false)
}

// looksExplicit guesses explicit VR from the first element's VR bytes.
func looksExplicit(b []byte) bool {
	return len(b) >= 6 && b[4] >= 'A' && b[4] <= 'Z' && b[5] >= 'A' && b[5] <= 'Z'
}

// longVR lists the explicit VRs with a 4-byte length.
func longVR(a, b byte) bool {
	switch string([]byte{a, b}) {
	case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV":
		return true
	}
	return false
}

const undefinedLength = 0xffffffff

// ParseIdentity decodes the device attributes of a (possibly truncated)
// data set. It reads top-level elements in order and stops after
// (0018,1020), so it never reaches pixel data; sequences and other groups
// are skipped without being copied.
func ParseIdentity(b []byte, explicit, bigEndian bool) (Identity, error) {
	var id Identity
	dec := charset.Undeclared
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	off := 0
	for off+8 <= len(b) {
		group := order.Uint16(b[off:])
		elem := order.Uint16(b[off+2:])
		if group > 0x0018 || group == 0x0018 && elem > 0x1020 {
			return id, nil
		}
		hdr, n, err := elementHeader(b[off:], order, explicit, group)
		if err != nil {
			return id, err
		}
		if n == undefinedLength {
			skip, err := skipUndefined(b[off+hdr:], order, explicit, 0)
			if err != nil {
				return id, err
			}
			off += hdr + skip
			continue
		}
		if uint64(off+hdr)+uint64(n) > uint64(len(b)) {
			return id, errShort
		}
		v := b[off+hdr : off+hdr+int(n)]
		off += hdr + int(n)
		switch uint32(group)<<16 | uint32(elem) {
		case 0x00080005:
			// Specific Character Set: the text elements that follow are
			// decoded from it (PS3.3 C.12.1.1.2).
			id.CharacterSet = value(v)
			dec = charset.DICOM(id.CharacterSet)
		case 0x00080060:
			id.Modality = dec.String(v)
		case 0x00080070:
			id.Manufacturer = dec.String(v)
		case 0x00081010:
			id.StationName = dec.String(v)
		case 0x00081090:
			id.Model = dec.String(v)
		case 0x00181000:
			id.SerialNumber = dec.String(v)
		case 0x00181020:
			id.SoftwareVersions = dec.String(v)
		}
	}
	if off < len(b) {
		return id, errShort
	}
	return id, nil
}

// elementHeader returns the header length and value length of the element
// at b.
func elementHeader(b []byte, order binary.ByteOrder, explicit bool, group uint16) (int, uint32, error) {
	if len(b) < 8 {
		return 0, 0, errShort
	}
	// Items and delimiters are always encoded without VR.
	if !explicit || group == 0xfffe {
		return 8, order.Uint32(b[4:]), nil
	}
	if longVR(b[4], b[5]) {
		if len(b) < 12 {
			return 0, 0, errShort
		}
		return 12, order.Uint32(b[8:]), nil
	}
	if b[4] < 'A' || b[4] > 'Z' || b[5] < 'A' || b[5] > 'Z' {
		return 0, 0, fmt.Errorf("dicom: bad VR %q", b[4:6])
	}
	return 8, uint32(order.Uint16(b[6:])), nil
}

// skipUndefined skips the contents of an undefined-length sequence or item
// list up to and including its sequence delimitation item and returns the
// number of bytes skipped.
func skipUndefined(b []byte, order binary.ByteOrder, explicit bool, depth int) (int, error) {
	if depth > 16 {
		return 0, errors.New("dicom: sequences nested too deeply")
	}
	off := 0
	for off+8 <= len(b) {
		group := order.Uint16(b[off:])
		elem := order.Uint16(b[off+2:])
		n := order.Uint32(b[off+4:])
		if group != 0xfffe {
			return 0, fmt.Errorf("dicom: (%04x,%04x) where an item was expected", group, elem)
		}
		off += 8
		switch elem {
		case 0xe0dd: // sequence delimitation
			return off, nil
		case 0xe000: // item
			if n == undefinedLength {
				skip, err := skipItem(b[off:], order, explicit, depth+1)
				if err != nil {
					return 0, err
				}
				off += skip
			} else {
				if uint64(off)+uint64(n) > uint64(len(b)) {
					return 0, errShort
				}
				off += int(n)
			}
		default:
			return 0, fmt.Errorf("dicom: unexpected delimiter (fffe,%04x)", elem)
		}
	}
	return 0, errShort
}

// skipItem skips the elements of an undefined-length item up to and
// including its item delimitation.
func skipItem(b []byte, order binary.ByteOrder, explicit bool, depth int) (int, error) {
	off := 0
	for off+8 <= len(b) {
		group := order.Uint16(b[off:])
		elem := order.Uint16(b[off+2:])
		if group == 0xfffe && elem == 0xe00d {
			return off + 8, nil
		}
		hdr, n, err := elementHeader(b[off:], order, explicit, group)
		if err != nil {
			return 0, err
		}
		off += hdr
		if n == undefinedLength {
			skip, err := skipUndefined(b[off:], order, explicit, depth+1)
			if err != nil {
				return 0, err
			}
			off += skip
			continue
		}
		if uint64(off)+uint64(n) > uint64(len(b)) {
			return 0, errShort
		}
		off += int(n)
	}
	return 0, errShort
}

// value returns a string attribute trimmed of padding, capped at 128 bytes.
func value(v []byte) string {
	if len(v) > 128 {
		v = v[:128]
	}
	return text(v)
}

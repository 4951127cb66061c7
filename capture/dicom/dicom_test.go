package dicom

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// elem encodes one data element.
func elem(explicit bool, group, el uint16, vr string, v []byte) []byte {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint16(b, group)
	binary.LittleEndian.PutUint16(b[2:], el)
	switch {
	case !explicit || group == 0xfffe:
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	case longVR(vr[0], vr[1]):
		b = append(b, vr[0], vr[1], 0, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	default:
		b = append(b, vr[0], vr[1])
		b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
	}
	return append(b, v...)
}

// undefSeq encodes an undefined-length sequence with one undefined-length
// item holding items.
func undefSeq(explicit bool, group, el uint16, items ...[]byte) []byte {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint16(b, group)
	binary.LittleEndian.PutUint16(b[2:], el)
	if explicit {
		b = append(b, 'S', 'Q', 0, 0)
	}
	b = binary.LittleEndian.AppendUint32(b, undefinedLength)
	b = append(b, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff) // item, undefined
	for _, it := range items {
		b = append(b, it...)
	}
	b = append(b, 0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0) // item delimiter
	b = append(b, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0) // sequence delimiter
	return b
}

func dataSet(explicit bool) []byte {
	var b []byte
	add := func(x []byte) { b = append(b, x...) }
	add(elem(explicit, 0x0008, 0x0016, "UI", []byte("1.2.840.10008.5.1.4.1.1.2\x00")))
	add(elem(explicit, 0x0008, 0x0060, "CS", []byte("MR")))
	add(elem(explicit, 0x0008, 0x0070, "LO", []byte("Fictional Imaging Co ")))
	add(elem(explicit, 0x0008, 0x1010, "SH", []byte("MR-2 ")))
	add(elem(explicit, 0x0008, 0x1090, "LO", []byte("MagnoScan X")))
	add(elem(explicit, 0x0010, 0x0010, "PN", []byte("FICTIONAL^PATIENT")))
	add(undefSeq(explicit, 0x0010, 0x1002, elem(explicit, 0x0010, 0x0020, "LO", []byte("PID-SECRET"))))
	add(elem(explicit, 0x0018, 0x1000, "LO", []byte("SER-42")))
	add(elem(explicit, 0x0018, 0x1020, "LO", []byte("VE11\\SP2 ")))
	add(elem(explicit, 0x7fe0, 0x0010, "OW", make([]byte, 64)))
	return b
}

func TestParseIdentity(t *testing.T) {
	want := Identity{Modality: "MR", Manufacturer: "Fictional Imaging Co", StationName: "MR-2", Model: "MagnoScan X",
		SerialNumber: "SER-42", SoftwareVersions: "VE11\\SP2"}
	tests := []struct {
		name string
		b    []byte
		ts   string
		want Identity
	}{
		{"implicit", dataSet(false), ImplicitVRLittleEndian, want},
		{"explicit", dataSet(true), ExplicitVRLittleEndian, want},
		{"explicit guessed", dataSet(true), "", want},
		{"implicit guessed", dataSet(false), "", want},
		{"jpeg transfer syntax uses explicit LE", dataSet(true), "1.2.840.10008.1.2.4.50", want},
		{"truncated before serial", dataSet(true)[:bytes.Index(dataSet(true), []byte("FICTIONAL"))+3], ExplicitVRLittleEndian,
			Identity{Modality: "MR", Manufacturer: "Fictional Imaging Co", StationName: "MR-2", Model: "MagnoScan X"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := ParseIdentityTS(tc.b, tc.ts)
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if strings.Contains(got.Manufacturer+got.Model+got.StationName+got.SerialNumber+got.SoftwareVersions, "FICTIONAL") {
				t.Error("patient data in identity")
			}
		})
	}
}

func command(field uint16, sop string, extra ...[]byte) []byte {
	var b []byte
	if len(sop)%2 == 1 {
		sop += "\x00"
	}
	b = append(b, elem(false, 0, 0x0002, "UI", []byte(sop))...)
	b = append(b, elem(false, 0, 0x0100, "US", binary.LittleEndian.AppendUint16(nil, field))...)
	b = append(b, elem(false, 0, 0x0110, "US", []byte{7, 0})...)
	for _, e := range extra {
		b = append(b, e...)
	}
	return b
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want Command
	}{
		{"c-echo-rq", command(0x0030, "1.2.840.10008.1.1", elem(false, 0, 0x0800, "US", []byte{0x01, 0x01})),
			Command{Field: 0x30, Name: "C-ECHO-RQ", SOPClass: "1.2.840.10008.1.1", MessageID: 7}},
		{"c-store-rsp", command(0x8001, "1.2.840.10008.5.1.4.1.1.2", elem(false, 0, 0x0900, "US", []byte{0x00, 0xa7}), elem(false, 0, 0x0800, "US", []byte{0x01, 0x01})),
			Command{Field: 0x8001, Name: "C-STORE-RSP", SOPClass: "1.2.840.10008.5.1.4.1.1.2", MessageID: 7, Status: 0xa700, IsResponse: true}},
		{"c-move-rq", command(0x0021, "1.2.840.10008.5.1.4.1.2.2.2", elem(false, 0, 0x0600, "AE", []byte("WORKSTN1  "))),
			Command{Field: 0x21, Name: "C-MOVE-RQ", SOPClass: "1.2.840.10008.5.1.4.1.2.2.2", MessageID: 7, HasDataSet: true, MoveDestination: "WORKSTN1"}},
		{"c-store-rq sub-operation", command(0x0001, "1.2.840.10008.5.1.4.1.1.4", elem(false, 0, 0x1030, "AE", []byte("VIEWER"))),
			Command{Field: 1, Name: "C-STORE-RQ", SOPClass: "1.2.840.10008.5.1.4.1.1.4", MessageID: 7, HasDataSet: true, MoveOriginator: "VIEWER"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCommand(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := ParseCommand([]byte{8, 0, 0x10, 0, 2, 0, 0, 0, 'C', 'T'}); err == nil {
		t.Error("element outside group 0000 accepted")
	}
}

func pdu(typ byte, body []byte) []byte {
	b := []byte{typ, 0}
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

func item(typ byte, v []byte) []byte {
	b := []byte{typ, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

func assocRQ(calling, called string) []byte {
	body := []byte{0, 1, 0, 0}
	body = append(body, []byte((called + strings.Repeat(" ", 16))[:16])...)
	body = append(body, []byte((calling + strings.Repeat(" ", 16))[:16])...)
	body = append(body, make([]byte, 32)...)
	body = append(body, item(0x10, []byte("1.2.840.10008.3.1.1.1"))...)
	pc := []byte{1, 0, 0, 0}
	pc = append(pc, item(0x30, []byte("1.2.840.10008.5.1.4.1.1.4"))...)
	pc = append(pc, item(0x40, []byte(ImplicitVRLittleEndian))...)
	body = append(body, item(0x20, pc)...)
	ui := item(0x51, []byte{0, 0, 0x40, 0})
	ui = append(ui, item(0x52, []byte("1.2.3.4"))...)
	ui = append(ui, item(0x55, []byte("FICTKIT_1"))...)
	body = append(body, item(0x50, ui)...)
	return pdu(PDUAssociateRQ, body)
}

func assocAC() []byte {
	body := append([]byte{0, 1, 0, 0}, make([]byte, 64)...)
	pc := []byte{1, 0, 0, 0}
	pc = append(pc, item(0x40, []byte(ImplicitVRLittleEndian))...)
	body = append(body, item(0x21, pc)...)
	return pdu(PDUAssociateAC, body)
}

func pdv(pcid, mch byte, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)+2))
	b = append(b, pcid, mch)
	return append(b, data...)
}

// conversation returns the two byte streams of a C-STORE association.
func conversation() (req, acc []byte) {
	req = append(req, assocRQ("MRI2", "PACS")...)
	cmd := command(0x0001, "1.2.840.10008.5.1.4.1.1.4")
	ds := dataSet(false)
	req = append(req, pdu(PDUPData, pdv(1, 0x03, cmd))...)
	// data set in two fragments, the second in its own PDU
	req = append(req, pdu(PDUPData, pdv(1, 0x00, ds[:50]))...)
	req = append(req, pdu(PDUPData, pdv(1, 0x02, ds[50:]))...)
	req = append(req, pdu(PDUReleaseRQ, make([]byte, 4))...)
	acc = append(acc, assocAC()...)
	acc = append(acc, pdu(PDUPData, pdv(1, 0x03, command(0x8001, "1.2.840.10008.5.1.4.1.1.4", elem(false, 0, 0x0900, "US", []byte{0, 0}))))...)
	acc = append(acc, pdu(PDUReleaseRP, make([]byte, 4))...)
	return req, acc
}

func TestConnSplitAnywhere(t *testing.T) {
	req, acc := conversation()
	for _, chunk := range []int{1, 2, 3, 5, 7, 64, 1 << 20} {
		c := NewConn()
		var events []Event
		emit := func(e Event) { events = append(events, e) }
		// The acceptor's AC must arrive before the data set for the
		// transfer syntax to be known: interleave RQ, AC, rest.
		rq := len(assocRQ("MRI2", "PACS"))
		feed := func(dir int, b []byte) {
			for len(b) > 0 {
				n := min(chunk, len(b))
				if !c.Write(dir, b[:n], emit) {
					t.Fatalf("chunk %d: direction %d rejected", chunk, dir)
				}
				b = b[n:]
			}
		}
		feed(0, req[:rq])
		feed(1, acc)
		feed(0, req[rq:])
		var kinds []EventKind
		var id *Identity
		for _, e := range events {
			kinds = append(kinds, e.Kind)
			if e.Kind == EventIdentity {
				id = e.Identity
			}
			if e.Kind == EventAssociateRQ && (e.Association.CallingAE != "MRI2" || e.Association.CalledAE != "PACS" || e.Association.ImplementationVersion != "FICTKIT_1" || e.Association.MaxPDU != 0x4000) {
				t.Errorf("chunk %d: association %+v", chunk, e.Association)
			}
		}
		// The response and release response (direction 1) are fed before
		// the request's data.
		want := []EventKind{EventAssociateRQ, EventAssociateAC, EventCommand, EventReleaseRP, EventCommand, EventIdentity, EventReleaseRQ}
		if len(kinds) != len(want) {
			t.Fatalf("chunk %d: events %v, want %v", chunk, kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Errorf("chunk %d: event %d is %v, want %v", chunk, i, kinds[i], want[i])
			}
		}
		if id == nil || id.Model != "MagnoScan X" || id.SerialNumber != "SER-42" {
			t.Errorf("chunk %d: identity %+v", chunk, id)
		}
	}
}

func TestConnRejectsNonDICOM(t *testing.T) {
	c := NewConn()
	if c.Write(0, []byte("GET / HTTP/1.1\r\n\r\n"), func(Event) {}) {
		t.Error("HTTP accepted as DICOM")
	}
}

func TestServiceOf(t *testing.T) {
	tests := map[string]string{
		"1.2.840.10008.1.1":           ServiceVerification,
		"1.2.840.10008.5.1.4.1.1.2":   ServiceStorage,
		"1.2.840.10008.5.1.4.1.1.999": ServiceStorage,
		"1.2.840.10008.5.1.4.1.2.2.1": ServiceQueryFind,
		"1.2.840.10008.5.1.4.1.2.1.2": ServiceQueryMove,
		"1.2.840.10008.5.1.4.1.2.2.3": ServiceQueryGet,
		"1.2.840.10008.5.1.4.31":      ServiceWorklist,
		"1.2.3.4":                     ServiceOther,
	}
	for uid, want := range tests {
		if got := ServiceOf(uid); got != want {
			t.Errorf("ServiceOf(%s) = %s, want %s", uid, got, want)
		}
	}
}

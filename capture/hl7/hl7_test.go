package hl7

import (
	"bytes"
	"strings"
	"testing"
)

const adt = "MSH|^~\\&|ADTAPP|FICTHOSP|LABSYS|FICTLAB|20260101120000||ADT^A01^ADT_A01|MSG00001|P|2.5.1^^\rEVN|A01|20260101120000\rPID|1||PID-SECRET^^^FICT||FICTIONAL^PATIENT||19700101|F\r"
const ack = "MSH|^~\\&|LABSYS|FICTLAB|ADTAPP|FICTHOSP|20260101120001||ACK^A01|ACK1|P|2.5\rMSA|AA|MSG00001\r"

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{"adt", adt, Message{SendingApplication: "ADTAPP", SendingFacility: "FICTHOSP", ReceivingApplication: "LABSYS",
			ReceivingFacility: "FICTLAB", Type: "ADT", Trigger: "A01", Structure: "ADT_A01", ControlID: "MSG00001", ProcessingID: "P", Version: "2.5.1"}},
		{"ack", ack, Message{SendingApplication: "LABSYS", SendingFacility: "FICTLAB", ReceivingApplication: "ADTAPP",
			ReceivingFacility: "FICTHOSP", Type: "ACK", Trigger: "A01", ControlID: "ACK1", ProcessingID: "P", Version: "2.5", AckCode: "AA", AckControlID: "MSG00001"}},
		{"lf separated, other delimiters", "MSH#@~\\&#APP^1.2.3^ISO#FAC#R#RF#2026##ORU@R01#9#T#2.3\nOBX#1\n",
			Message{SendingApplication: "APP^1.2.3^ISO", SendingFacility: "FAC", ReceivingApplication: "R", ReceivingFacility: "RF", Type: "ORU", Trigger: "R01", ControlID: "9", ProcessingID: "T", Version: "2.3"}},
		{"MSH-18 BIG-5", "MSH|^~\\&|APP|\xbbO\xa5_\xa5\xdc\xbdd\xc2\xe5\xb0||R|RF|2026||ADT^A01|1|P|2.5||||||BIG-5\r",
			Message{SendingApplication: "APP", SendingFacility: "臺北示範醫院", ReceivingApplication: "R", ReceivingFacility: "RF", Type: "ADT", Trigger: "A01", ControlID: "1", ProcessingID: "P", Version: "2.5", CharacterSet: "BIG-5"}},
		{"MSH-18 GB 18030-2000, a second byte '|'", "MSH|^~\\&|APP|\xb8\xdf\xd0\xdb\x81||R|RF|2026||ADT^A01|1|P|2.5||||||GB 18030-2000\r",
			Message{SendingApplication: "APP", SendingFacility: "高雄亅", ReceivingApplication: "R", ReceivingFacility: "RF", Type: "ADT", Trigger: "A01", ControlID: "1", ProcessingID: "P", Version: "2.5", CharacterSet: "GB 18030-2000"}},
		{"MSH-18 JAHIS ISO IR87 alternate", "MSH|^~\\&|APP|\x1b$BEl5~\x1b(B|R|RF|2026||ADT^A01|1|P|2.5||||||~ISO IR87\r",
			Message{SendingApplication: "APP", SendingFacility: "東京", ReceivingApplication: "R", ReceivingFacility: "RF", Type: "ADT", Trigger: "A01", ControlID: "1", ProcessingID: "P", Version: "2.5", CharacterSet: "~ISO IR87"}},
		{"undeclared UTF-8", "MSH|^~\\&|APP|\xe9\xab\x98\xe9\x9b\x84|R|RF|2026||ADT^A01|1|P|2.5\r",
			Message{SendingApplication: "APP", SendingFacility: "高雄", ReceivingApplication: "R", ReceivingFacility: "RF", Type: "ADT", Trigger: "A01", ControlID: "1", ProcessingID: "P", Version: "2.5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMessage([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "PID|1", "MSH", "MSH|^~\\&|A|B"} {
		if _, err := ParseMessage([]byte(bad)); err == nil {
			t.Errorf("ParseMessage(%q) accepted", bad)
		}
	}
}

func TestStreamSplitAnywhere(t *testing.T) {
	wire := "\x0b" + adt + "\x1c\r" + "\x0b" + ack + "\x1c\r"
	for chunk := 1; chunk <= len(wire); chunk++ {
		var s Stream
		var got []Message
		for i := 0; i < len(wire); i += chunk {
			if !s.Write([]byte(wire[i:min(i+chunk, len(wire))]), func(m Message) { got = append(got, m) }) {
				t.Fatalf("chunk %d: rejected", chunk)
			}
		}
		if len(got) != 2 || got[0].ControlID != "MSG00001" || got[1].AckCode != "AA" {
			t.Fatalf("chunk %d: got %+v", chunk, got)
		}
		for _, m := range got {
			if strings.Contains(strings.Join([]string{m.SendingApplication, m.SendingFacility, m.ReceivingApplication, m.ReceivingFacility, m.ControlID}, ""), "FICTIONAL") {
				t.Fatal("patient data leaked")
			}
		}
	}
}

func TestStreamRejectsAndResyncs(t *testing.T) {
	for _, bad := range []string{
		"GET / HTTP/1.1\r\nUser-Agent: " + strings.Repeat("x", maxPreamble) + "\r\n", // text, but no start block
		"\x16\x03\x01\x02\x00",             // binary before any start block
		"\x0b" + ack + "\x1c\rnot a frame", // text after a frame
	} {
		var s Stream
		if s.Write([]byte(bad), func(Message) {}) {
			t.Errorf("%.20q accepted as MLLP", bad)
		}
	}
	var r Stream
	var got []Message
	r.Write([]byte("\x0bMSH|^~\\&|A|B|C|D|x||ADT^A0"), func(m Message) { got = append(got, m) })
	r.Gap()
	ok := r.Write([]byte("garbage after gap\x1c\r\x0b"+ack+"\x1c\r"), func(m Message) { got = append(got, m) })
	if !ok || len(got) != 1 || got[0].Type != "ACK" {
		t.Errorf("after gap: ok=%v got %+v", ok, got)
	}
}

// TestStreamBatchAndPreamble reads an HL7 batch (FHS/BHS ... BTS/FTS, HL7 v2.5.1
// §2.10.3) in one MLLP frame and a frame preceded by a sender's log line, split at
// every possible chunk size.
func TestStreamBatchAndPreamble(t *testing.T) {
	batch := "FHS|^~\\&|LABSYS|FICTLAB|HIS|FICTHOSP|20260101120000||||F0001\r" +
		"BHS|^~\\&|LABSYS|FICTLAB|HIS|FICTHOSP|20260101120000||||B0001\r" +
		"MSH|^~\\&|LABSYS|FICTLAB|HIS|FICTHOSP|20260101120000||ORU^R01^ORU_R01|C0201|P|2.5.1\rPID|1||FICTIONAL\rOBX|1|NM|GLU||5.4\r" +
		"MSH|^~\\&|LABSYS|FICTLAB|HIS|FICTHOSP|20260101120000||ORU^R01^ORU_R01|C0202|P|2.5.1\rPID|1||FICTIONAL\r" +
		"BTS|2\rFTS|1\r"
	tests := []struct {
		name string
		wire string
		want []string // control ids, with "+batch" for messages inside a batch
	}{
		{"batch", "\x0b" + batch + "\x1c\r", []string{"C0201+batch", "C0202+batch"}},
		{"batch then message", "\x0b" + batch + "\x1c\r\n\x0b" + adt + "\x1c\r", []string{"C0201+batch", "C0202+batch", "MSG00001"}},
		{"log line first", "[2026-01-01 12:00:00.000 sender-7 gw01.example.test]\n\x0b" + adt + "\x1c\r\x0b" + ack + "\x1c\r", []string{"MSG00001", "ACK1"}},
		{"batch without file header, LF segments", "\x0b" + strings.ReplaceAll(batch[strings.Index(batch, "BHS"):], "\r", "\n") + "\x1c\r", []string{"C0201+batch", "C0202+batch"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for chunk := 1; chunk <= len(tc.wire); chunk++ {
				var s Stream
				var got []string
				for i := 0; i < len(tc.wire); i += chunk {
					ok := s.Write([]byte(tc.wire[i:min(i+chunk, len(tc.wire))]), func(m Message) {
						id := m.ControlID
						if m.Batch {
							id += "+batch"
						}
						if m.Type == "" || m.SendingApplication == "" {
							t.Errorf("message without header fields: %+v", m)
						}
						got = append(got, id)
					})
					if !ok {
						t.Fatalf("chunk %d: rejected", chunk)
					}
				}
				if strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("chunk %d: got %v, want %v", chunk, got, tc.want)
				}
				if bytes.Contains(s.seg[:cap(s.seg)], []byte("FICTIONAL")) {
					t.Fatalf("chunk %d: a patient segment was kept", chunk)
				}
			}
		})
	}
}

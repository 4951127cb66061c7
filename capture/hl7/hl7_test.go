package hl7

import (
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
	var s Stream
	if s.Write([]byte("GET / HTTP/1.1\r\n"), func(Message) {}) {
		t.Error("HTTP accepted as MLLP")
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

package hl7

import "testing"

func FuzzHL7(f *testing.F) {
	f.Add([]byte("\x0b"+adt+"\x1c\r\x0b"+ack+"\x1c\r"), uint8(3))
	f.Add([]byte("\x0bMSH#@~\\&#A#B#C#D#1##ORU@R01#9#T#2.3\nMSA#AE#1\n\x1c\r"), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, chunk uint8) {
		ParseMessage(b)
		var s Stream
		n := int(chunk) + 1
		for i := 0; i < len(b); i += n {
			s.Write(b[i:min(i+n, len(b))], func(m Message) {
				if m.Type == "" {
					t.Fatal("message without type emitted")
				}
			})
		}
	})
}

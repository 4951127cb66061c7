package charset

import (
	"testing"
	"unicode/utf8"
)

// FuzzDecode decodes arbitrary bytes in every declared character set; the
// result must be valid UTF-8 of at most MaxRunes runes.
func FuzzDecode(f *testing.F) {
	f.Add(`\ISO 2022 IR 87`, []byte("Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B"))
	f.Add(`ISO 2022 IR 13\ISO 2022 IR 87`, []byte("\xd4\xcf\xc0\xde^\x1b$B;3ED\x1b(J"))
	f.Add(`\ISO 2022 IR 149`, []byte("Hong=\x1b$)C\xfb\xf3"))
	f.Add(`\ISO 2022 IR 58`, []byte("Zhang=\x1b$)A\xd5\xc5"))
	f.Add(`GB18030`, []byte("\xcd\xf5\x81\x30\x81\x30"))
	f.Add(`ISO_IR 192`, []byte("\xe8\x87\xba\xe5"))
	f.Add(`UNICODE UTF-8`, []byte("\xe8\x87\xba"))
	f.Add(`~ISO IR87`, []byte("\x1b$(D0!\x1b(B"))
	f.Fuzz(func(t *testing.T, declared string, b []byte) {
		for _, d := range []Decoder{DICOM(declared), HL7([]string{declared}), HL7([]string{"", declared})} {
			s := d.String(b)
			if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxRunes {
				t.Fatalf("%q decoded %q", declared, s)
			}
		}
	})
}

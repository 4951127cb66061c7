package charset

import (
	"testing"
	"unicode/utf8"
)

// TestDICOM decodes the examples of DICOM PS3.5 Annexes H (Japanese), I
// (Korean), J and K (Chinese) and single-byte sets, byte for byte as the
// standard prints them (cross-checked with Python's codecs).
func TestDICOM(t *testing.T) {
	tests := []struct {
		name, specific, in, want string
	}{
		{"H.3.1 ISO 2022 IR 87", `\ISO 2022 IR 87`,
			"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B",
			"Yamada^Tarou=山田^太郎=やまだ^たろう"},
		{"H.3.2 ISO 2022 IR 13 and IR 87", `ISO 2022 IR 13\ISO 2022 IR 87`,
			"\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J",
			"ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"},
		{"ISO 2022 IR 159 (JIS X 0212)", `\ISO 2022 IR 87\ISO 2022 IR 159`, "\x1b$(D0!\x1b(B", "丂"},
		{"ISO_IR 13 without extensions", `ISO_IR 13`, "\xd4\xcf\xc0\xde", "ﾔﾏﾀﾞ"},
		{"I.2 ISO 2022 IR 149", `\ISO 2022 IR 149`,
			"Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf",
			"Hong^Gildong=洪^吉洞=홍^길동"},
		{"J.3 GB18030", `GB18030`, "Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=", "Wang^XiaoDong=王^小东="},
		{"GBK", `GBK`, "\xb8\xdf\xd0\xdb\xca\xbe\xb9\xa0\xe1t\xd4\xba", "高雄示範醫院"},
		{"K ISO 2022 IR 58", `\ISO 2022 IR 58`, "Zhang^XiaoDong=\x1b$)A\xd5\xc5^\x1b$)A\xd0\xa1\xb6\xab=", "Zhang^XiaoDong=张^小东="},
		{"ISO_IR 192", `ISO_IR 192`, "\xe8\x87\xba\xe5\x8c\x97\xe7\xa4\xba\xe7\xaf\x84\xe9\x86\xab\xe9\x99\xa2", "臺北示範醫院"},
		{"ISO_IR 100", `ISO_IR 100`, "Buc^J\xe9r\xf4me", "Buc^Jérôme"},
		{"ISO_IR 126", `ISO_IR 126`, "\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2", "Διονυσιος"},
		{"ISO_IR 144", `ISO_IR 144`, "\xbb\xee\xda\xe1\xd5\xdc\xd1\xe3\xe0\xd3", "Люксембург"},
		{"ISO 2022 IR 100 by escape", `\ISO 2022 IR 100`, "Buc^J\x1b-A\xe9r\xf4me", "Buc^Jérôme"},
		{"designations reset at a value delimiter", `\ISO 2022 IR 100`, "\x1b-A\xe9\\\xe9", "é\\\ufffd"},
		{"undeclared UTF-8 kept", ``, "\xe8\x87\xba\xe5\x8c\x97", "臺北"},
		{"undeclared bytes are not UTF-8", ``, "\xbbO\xa5_", "\ufffdO\ufffd_"},
		{"unknown term", `ISO_IR 999`, "\xe8\x87\xba", "臺"},
		{"padding and NUL", `ISO_IR 192`, " CT-ROOM-7 \x00", "CT-ROOM-7"},
		{"control characters", ``, "a\x07b", "a?b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DICOM(tc.specific).String([]byte(tc.in)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHL7 decodes text in the character sets of HL7 table 0211 named by MSH-18.
func TestHL7(t *testing.T) {
	tests := []struct {
		name  string
		msh18 []string
		in    string
		want  string
	}{
		{"UNICODE UTF-8", []string{"UNICODE UTF-8"}, "\xe8\x87\xba\xe5\x8c\x97\xe7\xa4\xba\xe7\xaf\x84\xe9\x86\xab\xe9\x99\xa2", "臺北示範醫院"},
		{"BIG-5", []string{"BIG-5"}, "\xbbO\xa5_\xa5\xdc\xbdd\xc2\xe5\xb0|", "臺北示範醫院"},
		{"GB 18030-2000", []string{"GB 18030-2000"}, "\xb8\xdf\xd0\xdb\xca\xbe\xb9\xa0\xe1t\xd4\xba", "高雄示範醫院"},
		{"8859/1", []string{"8859/1"}, "M\xfcller", "Müller"},
		{"8859/5", []string{"8859/5"}, "\xbb\xee\xda\xe1\xd5\xdc\xd1\xe3\xe0\xd3", "Люксембург"},
		{"KS X 1001", []string{"KS X 1001"}, "\xc8\xab", "홍"},
		{"ISO IR87 as an alternate (JAHIS)", []string{"", "ISO IR87"}, "\x1b$BEl5~\x1b(B", "東京"},
		{"ISO IR87 alone", []string{"ISO IR87"}, "\x1b$B;3ED\x1b(B", "山田"},
		{"ISO IR13 and ISO IR87", []string{"ISO IR13", "ISO IR87"}, "\xd4\xcf\xc0\xde", "ﾔﾏﾀﾞ"},
		{"ASCII declared, UTF-8 sent", []string{"ASCII"}, "\xe8\x87\xba", "臺"},
		{"undeclared", nil, "EXAMPLE_HOSP", "EXAMPLE_HOSP"},
		{"unknown term", []string{"CNS 11643-1992"}, "\xbbO", "\ufffdO"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HL7(tc.msh18).String([]byte(tc.in)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLengthCap checks that a long value is cut to MaxRunes runes, not bytes.
func TestLengthCap(t *testing.T) {
	in := []byte{}
	for i := 0; i < 300; i++ {
		in = append(in, "臺"...)
	}
	got := Undeclared.String(in)
	if n := utf8.RuneCountInString(got); n != MaxRunes || !utf8.ValidString(got) {
		t.Errorf("got %d runes (valid %v), want %d", n, utf8.ValidString(got), MaxRunes)
	}
}

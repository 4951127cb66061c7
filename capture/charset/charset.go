// Package charset decodes identity text of medical protocols to Unicode in
// the character set the message declares: HL7 v2 MSH-18 (HL7 table 0211)
// and DICOM Specific Character Set (0008,0005) (PS3.3 C.12.1.1.2), with the
// ISO 2022 code extensions of PS3.5 §6.1.2.5 (escape sequences switching
// between ASCII, JIS X 0201, JIS X 0208, JIS X 0212, KS X 1001, GB 2312 and
// the ISO 8859 parts). Text whose character set is not declared, or
// declared with a term medsec does not know, is kept as UTF-8 when it is
// valid UTF-8; any other byte becomes U+FFFD, so that different names never
// decode to the same text silently.
package charset

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// MaxRunes bounds the text a Decoder returns.
const MaxRunes = 128

// maxInput bounds the bytes a Decoder reads of one value.
const maxInput = 4 * MaxRunes

// g0 and g1 name the code elements an ISO 2022 decoder has designated.
type g0 uint8

const (
	g0ASCII   g0 = iota // ISO-IR 6
	g0Romaji            // ISO-IR 14, JIS X 0201 Roman
	g0JIS0208           // ISO-IR 87, JIS X 0208 (two bytes)
	g0JIS0212           // ISO-IR 159, JIS X 0212 (two bytes)
)

type g1 uint8

const (
	g1None     g1 = iota
	g1Katakana    // ISO-IR 13, JIS X 0201 Katakana
	g1Charmap     // an ISO 8859 part (or TIS 620), in Decoder.g1Map
	g1KSX1001     // ISO-IR 149, KS X 1001 (two bytes)
	g1GB2312      // ISO-IR 58, GB 2312 (two bytes)
)

// Decoder decodes the text of one declared character set. The zero value
// decodes undeclared text.
type Decoder struct {
	// whole decodes a value at once (a character set without code
	// extensions); nil means ISO 2022 when iso2022 is set, else undeclared.
	whole   encoding.Encoding
	iso2022 bool
	// Initial code elements of an ISO 2022 decoder.
	g0    g0
	g1    g1
	g1Map *charmap.Charmap
	// Declared is the declaration as written; Known says whether it was
	// understood.
	Declared string
	Known    bool
}

// Undeclared decodes text without a declared character set.
var Undeclared = Decoder{Known: true}

// hl7Sets maps HL7 table 0211 terms to encodings without code extensions.
var hl7Sets = map[string]encoding.Encoding{
	"8859/1": charmap.ISO8859_1, "8859/2": charmap.ISO8859_2, "8859/3": charmap.ISO8859_3,
	"8859/4": charmap.ISO8859_4, "8859/5": charmap.ISO8859_5, "8859/6": charmap.ISO8859_6,
	"8859/7": charmap.ISO8859_7, "8859/8": charmap.ISO8859_8, "8859/9": charmap.ISO8859_9,
	"8859/15":       charmap.ISO8859_15,
	"GB 18030-2000": simplifiedchinese.GB18030,
	"GB18030":       simplifiedchinese.GB18030,
	"KS X 1001":     korean.EUCKR,
	"BIG-5":         traditionalchinese.Big5,
	"BIG5":          traditionalchinese.Big5,
}

// HL7 returns the decoder for an HL7 v2 message whose MSH-18 (character
// set) holds the given repetitions, the first being the message's default.
// "UNICODE UTF-8" (and "UNICODE"), the ISO 8859 parts, "GB 18030-2000",
// "KS X 1001" and "BIG-5" decode directly; "ISO IR87", "ISO IR159",
// "ISO IR14" and "ISO IR13" (the Japanese sets, used as ISO 2022-JP with
// escape sequences) switch by escape sequences from ASCII. "ASCII", an
// empty MSH-18 and terms without a decoder here ("CNS 11643-1992") decode
// as undeclared.
func HL7(msh18 []string) Decoder {
	d := Decoder{Declared: strings.Join(msh18, "~"), Known: true}
	first := ""
	if len(msh18) > 0 {
		first = strings.ToUpper(strings.TrimSpace(msh18[0]))
	}
	for _, v := range msh18 {
		switch strings.ToUpper(strings.TrimSpace(v)) {
		case "ISO IR87", "ISO IR159", "ISO IR14", "ISO IR13":
			d.iso2022 = true
		}
	}
	switch first {
	case "", "ASCII", "UNICODE UTF-8", "UNICODE", "UTF-8":
	case "ISO IR14":
		d.g0 = g0Romaji
	case "ISO IR13":
		d.g1 = g1Katakana
	case "ISO IR87", "ISO IR159":
	default:
		if e, ok := hl7Sets[first]; ok && !d.iso2022 {
			d.whole = e
		} else if !ok {
			d.Known = false
		}
	}
	return d
}

// dicomSingle maps DICOM Defined Terms for single-byte character sets
// without code extensions (PS3.3 Table C.12-2) and the multi-byte sets
// without code extensions (Table C.12-5).
var dicomSingle = map[string]encoding.Encoding{
	"ISO_IR 100": charmap.ISO8859_1, "ISO_IR 101": charmap.ISO8859_2, "ISO_IR 109": charmap.ISO8859_3,
	"ISO_IR 110": charmap.ISO8859_4, "ISO_IR 144": charmap.ISO8859_5, "ISO_IR 127": charmap.ISO8859_6,
	"ISO_IR 126": charmap.ISO8859_7, "ISO_IR 138": charmap.ISO8859_8, "ISO_IR 148": charmap.ISO8859_9,
	"ISO_IR 203": charmap.ISO8859_15, "ISO_IR 166": charmap.Windows874,
	"GB18030": simplifiedchinese.GB18030, "GBK": simplifiedchinese.GBK,
}

// dicomG1 maps the final byte of an ESC 2/13 F sequence (a 96-character
// set designated to G1) and the matching ISO 2022 Defined Term's number.
var dicomG1 = map[byte]*charmap.Charmap{
	'A': charmap.ISO8859_1, 'B': charmap.ISO8859_2, 'C': charmap.ISO8859_3, 'D': charmap.ISO8859_4,
	'L': charmap.ISO8859_5, 'G': charmap.ISO8859_6, 'F': charmap.ISO8859_7, 'H': charmap.ISO8859_8,
	'M': charmap.ISO8859_9, 'b': charmap.ISO8859_15, 'T': charmap.Windows874,
}

var dicomG1Term = map[string]*charmap.Charmap{
	"ISO 2022 IR 100": charmap.ISO8859_1, "ISO 2022 IR 101": charmap.ISO8859_2, "ISO 2022 IR 109": charmap.ISO8859_3,
	"ISO 2022 IR 110": charmap.ISO8859_4, "ISO 2022 IR 144": charmap.ISO8859_5, "ISO 2022 IR 127": charmap.ISO8859_6,
	"ISO 2022 IR 126": charmap.ISO8859_7, "ISO 2022 IR 138": charmap.ISO8859_8, "ISO 2022 IR 148": charmap.ISO8859_9,
	"ISO 2022 IR 203": charmap.ISO8859_15, "ISO 2022 IR 166": charmap.Windows874,
}

// DICOM returns the decoder for a data set whose Specific Character Set
// (0008,0005) has the given value (Defined Terms separated by '\'; the
// first one, possibly empty, is the default repertoire).
func DICOM(specific string) Decoder {
	d := Decoder{Declared: specific, Known: true}
	terms := strings.Split(specific, `\`)
	for i := range terms {
		terms[i] = strings.TrimSpace(terms[i])
	}
	first := terms[0]
	if len(terms) == 1 {
		switch first {
		case "", "ISO_IR 6":
			return d
		case "ISO_IR 192":
			return d
		case "ISO_IR 13":
			d.iso2022, d.g0, d.g1 = true, g0Romaji, g1Katakana
			return d
		}
		if e, ok := dicomSingle[first]; ok {
			d.whole = e
			return d
		}
	}
	// Code extensions: every term must be an ISO 2022 one (the first may
	// be empty for ISO 2022 IR 6).
	d.iso2022 = true
	for i, t := range terms {
		switch {
		case t == "" && i == 0, t == "ISO 2022 IR 6", t == "ISO 2022 IR 87", t == "ISO 2022 IR 159",
			t == "ISO 2022 IR 149", t == "ISO 2022 IR 58":
		case t == "ISO 2022 IR 13":
			if i == 0 {
				d.g0, d.g1 = g0Romaji, g1Katakana
			}
		case dicomG1Term[t] != nil:
			if i == 0 {
				d.g1, d.g1Map = g1Charmap, dicomG1Term[t]
			}
		default:
			d.Known = false
		}
	}
	switch first {
	case "ISO 2022 IR 149":
		d.g1 = g1KSX1001
	case "ISO 2022 IR 58":
		d.g1 = g1GB2312
	}
	if !d.Known {
		d.iso2022 = false
	}
	return d
}

// String decodes b: NUL bytes are dropped, other control characters
// become '?', surrounding space is trimmed, and at most MaxRunes runes are
// kept.
func (d Decoder) String(b []byte) string {
	if len(b) > maxInput {
		b = b[:maxInput]
	}
	var s string
	switch {
	case d.whole != nil:
		out, err := d.whole.NewDecoder().Bytes(b)
		if err != nil {
			s = undeclared(b)
		} else {
			s = string(out)
		}
	case d.iso2022:
		s = d.decode2022(b)
	default:
		s = undeclared(b)
	}
	return tidy(s)
}

// undeclared keeps valid UTF-8 and turns every other byte into U+FFFD.
func undeclared(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(r) // utf8.RuneError for a bad byte
		b = b[n:]
	}
	return sb.String()
}

// tidy drops NULs, replaces control characters with '?', trims space and
// caps the length.
func tidy(s string) string {
	var sb strings.Builder
	n := 0
	for _, r := range s {
		if r == 0 {
			continue
		}
		if n >= MaxRunes {
			break
		}
		if unicode.IsControl(r) {
			r = '?'
		}
		sb.WriteRune(r)
		n++
	}
	return strings.TrimSpace(sb.String())
}

// decode2022 decodes text with ISO 2022 escape sequences (PS3.5 §6.1.2.5,
// Tables 6.2-1 and 6.2-2); designations return to the initial ones at each
// value delimiter '\' and at CR, LF, FF and TAB.
func (d Decoder) decode2022(b []byte) string {
	var sb strings.Builder
	cur0, cur1, curMap := d.g0, d.g1, d.g1Map
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == 0x1b {
			n, ok := escape(b[i+1:], &cur0, &cur1, &curMap)
			if ok {
				i += n
				continue
			}
			sb.WriteRune(utf8.RuneError)
			continue
		}
		if c < 0x80 {
			switch {
			case c == '\r' || c == '\n' || c == '\f' || c == '\t' || c == '\\' && cur0 == g0ASCII:
				cur0, cur1, curMap = d.g0, d.g1, d.g1Map
				sb.WriteByte(c)
			case (cur0 == g0JIS0208 || cur0 == g0JIS0212) && c >= 0x21 && c <= 0x7e:
				if i+1 >= len(b) || b[i+1] < 0x21 || b[i+1] > 0x7e {
					sb.WriteRune(utf8.RuneError)
					continue
				}
				pair := []byte{c | 0x80, b[i+1] | 0x80}
				if cur0 == g0JIS0212 {
					pair = append([]byte{0x8f}, pair...)
				}
				sb.WriteString(decodeOne(japanese.EUCJP, pair))
				i++
			case cur0 == g0Romaji && c == 0x5c:
				sb.WriteRune('¥')
			case cur0 == g0Romaji && c == 0x7e:
				sb.WriteRune('‾')
			default:
				sb.WriteByte(c)
			}
			continue
		}
		switch cur1 {
		case g1Katakana:
			if c >= 0xa1 && c <= 0xdf {
				sb.WriteRune(rune(0xff61 + int(c) - 0xa1))
			} else {
				sb.WriteRune(utf8.RuneError)
			}
		case g1Charmap:
			sb.WriteRune(curMap.DecodeByte(c))
		case g1KSX1001, g1GB2312:
			if i+1 >= len(b) || b[i+1] < 0xa1 {
				sb.WriteRune(utf8.RuneError)
				continue
			}
			e := encoding.Encoding(korean.EUCKR)
			if cur1 == g1GB2312 {
				e = simplifiedchinese.GB18030
			}
			sb.WriteString(decodeOne(e, b[i:i+2]))
			i++
		default:
			sb.WriteRune(utf8.RuneError)
		}
	}
	return sb.String()
}

// escape applies the escape sequence that follows an ESC byte (b starts
// after it) and returns its length.
func escape(b []byte, cur0 *g0, cur1 *g1, curMap **charmap.Charmap) (int, bool) {
	switch {
	case len(b) >= 2 && b[0] == '(' && b[1] == 'B':
		*cur0 = g0ASCII
	case len(b) >= 2 && b[0] == '(' && b[1] == 'J':
		*cur0 = g0Romaji
	case len(b) >= 2 && b[0] == '$' && (b[1] == 'B' || b[1] == '@'):
		*cur0 = g0JIS0208
	case len(b) >= 3 && b[0] == '$' && b[1] == '(' && b[2] == 'D':
		*cur0 = g0JIS0212
		return 3, true
	case len(b) >= 2 && b[0] == ')' && b[1] == 'I':
		*cur1 = g1Katakana
	case len(b) >= 3 && b[0] == '$' && b[1] == ')' && b[2] == 'C':
		*cur1 = g1KSX1001
		return 3, true
	case len(b) >= 3 && b[0] == '$' && b[1] == ')' && b[2] == 'A':
		*cur1 = g1GB2312
		return 3, true
	case len(b) >= 2 && b[0] == '-' && dicomG1[b[1]] != nil:
		*cur1, *curMap = g1Charmap, dicomG1[b[1]]
	default:
		return 0, false
	}
	return 2, true
}

// decodeOne decodes one multi-byte character with e.
func decodeOne(e encoding.Encoding, b []byte) string {
	out, err := e.NewDecoder().Bytes(b)
	if err != nil || len(out) == 0 {
		return string(utf8.RuneError)
	}
	return string(out)
}

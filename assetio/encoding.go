package assetio

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"medsec"
)

// legacyEncoding is a pre-Unicode encoding a hospital's CSV may come in, with the test
// of how typical a multi-byte character is of text written in it.
type legacyEncoding struct {
	name string
	enc  encoding.Encoding
	// classify reads the character starting at b[0] and returns its length in bytes and
	// whether it is a common character (+1), an uncommon one (-1) or neither (0).
	classify func(b []byte) (size, common int)
}

// legacyEncodings are tried, in this order, on a CSV that is not UTF-8.
var legacyEncodings = []legacyEncoding{
	{"Big5", traditionalchinese.Big5, classifyBig5},
	{"GB18030", simplifiedchinese.GB18030, classifyGB18030},
	{"Shift_JIS", japanese.ShiftJIS, classifyShiftJIS},
}

// decodeText returns a CSV file's text as UTF-8, choosing the encoding by the rule in the
// package documentation.
func decodeText(data []byte) (string, *medsec.FieldError) {
	if rest, ok := bytes.CutPrefix(data, []byte("\xEF\xBB\xBF")); ok {
		if !utf8.Valid(rest) {
			return "", notText(rest, "the file starts with a UTF-8 byte-order mark but is not UTF-8 text")
		}
		return string(rest), nil
	}
	if bytes.HasPrefix(data, []byte("\xFF\xFE")) || bytes.HasPrefix(data, []byte("\xFE\xFF")) {
		s, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil || bytes.Contains(s, []byte("\uFFFD")) {
			return "", &medsec.FieldError{Field: "file", Key: "err.bad_encoding", Message: "the file starts with a UTF-16 byte-order mark but is not UTF-16 text"}
		}
		return string(s), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	best, bestScore := "", -2.0
	for _, le := range legacyEncodings {
		s, err := le.enc.NewDecoder().Bytes(data)
		if err != nil || bytes.Contains(s, []byte("\uFFFD")) {
			continue
		}
		if score := commonShare(data, le.classify); score > bestScore {
			best, bestScore = string(s), score
		}
	}
	if bestScore < -1 {
		return "", notText(data, "the file is not UTF-8, Big5, GB18030 or Shift_JIS text")
	}
	return best, nil
}

// notText is the error for a file that no encoding reads, located at the first byte that
// is not UTF-8.
func notText(data []byte, msg string) *medsec.FieldError {
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			break
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return &medsec.FieldError{Line: line, Field: "file", Key: "err.bad_encoding", Message: msg}
}

// commonShare returns (common − uncommon) / (common + uncommon) over the multi-byte
// characters of data, read in one encoding: 1 when all are common, -1 when none is.
func commonShare(data []byte, classify func([]byte) (int, int)) float64 {
	var common, uncommon int
	for i := 0; i < len(data); {
		if data[i] < 0x80 {
			i++
			continue
		}
		size, c := classify(data[i:])
		switch {
		case c > 0:
			common++
		case c < 0:
			uncommon++
		}
		i += size
	}
	if common+uncommon == 0 {
		return 0
	}
	return float64(common-uncommon) / float64(common+uncommon)
}

func classifyBig5(b []byte) (int, int) {
	switch lead := b[0]; {
	case lead >= 0xA4 && lead <= 0xC6:
		return 2, 1
	case lead >= 0xA1 && lead <= 0xA3:
		return 2, 0 // punctuation and symbols, common to all text
	default:
		return 2, -1
	}
}

func classifyGB18030(b []byte) (int, int) {
	if len(b) >= 2 && b[1] >= 0x30 && b[1] <= 0x39 {
		return 4, -1 // four-byte sequence: characters outside GBK
	}
	switch lead := b[0]; {
	case lead >= 0xB0 && lead <= 0xD7:
		return 2, 1
	case lead >= 0xA1 && lead <= 0xA3:
		return 2, 0
	default:
		return 2, -1
	}
}

func classifyShiftJIS(b []byte) (int, int) {
	switch lead := b[0]; {
	case lead >= 0xA1 && lead <= 0xDF:
		return 1, -1 // half-width katakana
	case lead == 0x82 || lead == 0x83 || (lead >= 0x88 && lead <= 0x98):
		return 2, 1
	case lead == 0x81:
		return 2, 0
	default:
		return 2, -1
	}
}

// sniffDelimiter returns the field separator of a CSV: ',' unless the first non-blank line
// (the header row) holds more tabs or semicolons than commas, as Excel's "Unicode text"
// and some locales' CSV exports do.
func sniffDelimiter(text string) rune {
	for line := range strings.Lines(text) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		commas, tabs, semis := strings.Count(line, ","), strings.Count(line, "\t"), strings.Count(line, ";")
		switch {
		case tabs > commas && tabs >= semis:
			return '\t'
		case semis > commas:
			return ';'
		}
		break
	}
	return ','
}

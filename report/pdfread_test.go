package report

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// textRun is one run of text a PDF shows (a Tj operator of medsec's PDFs), read back
// from the file's bytes: its page (from 1), where it starts (mm from the page's left
// and top edges), its font size (pt), its text, and the page's width (mm).
type textRun struct {
	page       int
	x, y, size float64
	text       string
	pageW      float64
}

const ptPerMM = 72 / 25.4

var (
	pdfObject  = regexp.MustCompile(`(?s)\n\d+ 0 obj\n(.*?)\nendobj`)
	pdfStream  = regexp.MustCompile(`(?s)stream\n(.*)\nendstream`)
	pdfMedia   = regexp.MustCompile(`/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]`)
	pdfTextOps = regexp.MustCompile(`/F\w+ ([\d.]+) Tf|BT ([-\d.]+) ([-\d.]+) Td \(((?:[^\\)]|\\.)*)\)Tj ET`)
)

// pdfRuns reads every text run of a PDF that WritePDF wrote: each page object, its
// content stream inflated, the Tj operators decoded from UTF-16 (fpdf writes UTF-8 fonts'
// text so). It is the PDF's own bytes read back, not the renderer's intentions.
func pdfRuns(t *testing.T, pdf []byte) []textRun {
	t.Helper()
	var runs []textRun
	page, pageW, pageH, size := 0, pageW, pageH, 0.0
	inPage := false
	for _, m := range pdfObject.FindAllSubmatch(pdf, -1) {
		obj := m[1]
		if bytes.Contains(obj, []byte("/Type /Page\n")) || bytes.Contains(obj, []byte("/Type /Page ")) || bytes.Contains(obj, []byte("/Type /Page/")) {
			page++
			inPage = true
			pageW, pageH = 210.0, 297.0
			if mb := pdfMedia.FindSubmatch(obj); mb != nil {
				w, _ := strconv.ParseFloat(string(mb[1]), 64)
				h, _ := strconv.ParseFloat(string(mb[2]), 64)
				pageW, pageH = w/ptPerMM, h/ptPerMM
			}
			continue
		}
		if !inPage {
			continue
		}
		inPage = false
		s := pdfStream.FindSubmatch(obj)
		if s == nil {
			t.Fatalf("page %d: no content stream after the page object", page)
		}
		content := s[1]
		if bytes.Contains(obj[:bytes.Index(obj, []byte("stream"))], []byte("FlateDecode")) {
			r, err := zlib.NewReader(bytes.NewReader(content))
			if err != nil {
				t.Fatalf("page %d: %v", page, err)
			}
			if content, err = io.ReadAll(r); err != nil {
				t.Fatalf("page %d: %v", page, err)
			}
		}
		for _, op := range pdfTextOps.FindAllSubmatch(content, -1) {
			if op[1] != nil {
				size, _ = strconv.ParseFloat(string(op[1]), 64)
				continue
			}
			x, _ := strconv.ParseFloat(string(op[2]), 64)
			y, _ := strconv.ParseFloat(string(op[3]), 64)
			runs = append(runs, textRun{page: page, x: x / ptPerMM, y: pageH - y/ptPerMM, size: size, text: utf16Text(unescapePDF(op[4])), pageW: pageW})
		}
	}
	if page == 0 {
		t.Fatal("no pages found in the PDF")
	}
	return runs
}

// unescapePDF undoes a PDF literal string's backslash escapes.
func unescapePDF(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch b[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n, j := 0, i
			for ; j < len(b) && j < i+3 && b[j] >= '0' && b[j] <= '7'; j++ {
				n = n*8 + int(b[j]-'0')
			}
			out = append(out, byte(n))
			i = j - 1
		default:
			out = append(out, b[i])
		}
	}
	return out
}

// utf16Text decodes big-endian UTF-16, with or without a byte-order mark.
func utf16Text(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		b = b[2:]
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}

// pageText is the text of the runs on a page, in drawing order, one run a line.
func pageText(runs []textRun, page int) string {
	var b strings.Builder
	for _, r := range runs {
		if r.page == page {
			b.WriteString(r.text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

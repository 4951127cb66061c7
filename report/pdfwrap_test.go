package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode"
)

// cjkParagraphs are Japanese and Traditional Chinese sentences with commas, brackets and
// parentheses, each shifted by a growing prefix so the lines break at every kind of
// character across the paragraphs.
func cjkParagraphs() []string {
	base := []string{
		"医療機器の脆弱性、設定不備およびネットワーク分離の状況を確認し、「重大」と判定された項目（CVSS 9.0 以上）は三十日以内に改善する。パッチ未適用の機器は、代替措置（ネットワーク隔離など）を講じること。",
		"醫療器材之弱點、設定缺失及網路區隔情形應定期檢視，經判定為「重大」者（CVSS 9.0 以上）應於三十日內改善；無法更新之設備，應採取補償措施（如網路隔離）。",
	}
	var out []string
	for k := range 12 {
		for _, b := range base {
			out = append(out, strings.Repeat("検", k)+b+b)
		}
	}
	return out
}

// squeeze drops white space: a line break at a space drops the space.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// TestPDFParagraphKeepsEveryCharacter renders long Japanese and Chinese paragraphs (a
// section's text, the cover's title and a cover fact) and reads the PDF back: every
// character of each source text is there, in order, and no line starts with closing
// punctuation or ends with an opening bracket (kinsoku). fpdf's MultiCell, which drew
// paragraphs before, dropped the character where it broke a CJK line ("脆弱性、" came out
// "脆弱、", "改善" came out "改").
func TestPDFParagraphKeepsEveryCharacter(t *testing.T) {
	paras := cjkParagraphs()
	d := sample("ja")
	d.Title = paras[0]
	d.Facts = append(d.Facts, Fact{"Scope", paras[1]})
	for i := 0; i < len(paras); i += 4 {
		d.Sections = append(d.Sections, Section{Heading: fmt.Sprint("段落 ", i), Text: paras[i:min(i+4, len(paras))]})
	}
	var buf bytes.Buffer
	if err := WritePDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	runs := pdfRuns(t, buf.Bytes())
	var all strings.Builder
	for _, r := range runs {
		all.WriteString(r.text)
	}
	got := squeeze(all.String())
	for _, p := range paras {
		if !strings.Contains(got, squeeze(p)) {
			t.Errorf("PDF lost characters of %q…", string([]rune(p)[:30]))
		}
	}
	checkKinsoku(t, runs)
}

// checkKinsoku fails on a text run (a line) of more than one character that starts with
// closing punctuation or ends with an opening bracket.
func checkKinsoku(t *testing.T, runs []textRun) {
	t.Helper()
	bad := 0
	for _, r := range runs {
		rs := []rune(strings.TrimSpace(r.text))
		if len(rs) < 2 {
			continue
		}
		if strings.ContainsRune(closers, rs[0]) || strings.ContainsRune(openers, rs[len(rs)-1]) {
			if bad++; bad <= 10 {
				t.Errorf("page %d: line %q breaks the line-breaking rules", r.page, r.text)
			}
		}
	}
}

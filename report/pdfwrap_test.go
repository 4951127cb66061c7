package report

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	// And as poppler reads it, where installed.
	if _, err := exec.LookPath("pdftotext"); err == nil {
		path := filepath.Join(t.TempDir(), "r.pdf")
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		text := squeeze(pdfText(t, path))
		for _, p := range paras[2:] { // the body's paragraphs (the cover's lines sit in columns)
			if !strings.Contains(text, squeeze(p)) {
				t.Errorf("pdftotext: PDF lost characters of %q…", string([]rune(p)[:30]))
			}
		}
	}
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

// TestPDFTextWithinMargins gives a report long headings, a long table title that is
// continued over pages, and a long title and hospital for the running head, and reads
// the PDF back: no text run reaches past the right margin (x + width ≤ page width −
// margin), in portrait or landscape. The table of contents and the "continued" caption
// drew such titles on one line past the page's edge.
func TestPDFTextWithinMargins(t *testing.T) {
	long := "医療機器のネットワーク分離、脆弱性の是正、バックアップからの復旧試験および利用者アクセスの定期見直しに関する年次報告（附表十に基づく管理策の実施状況を含む）"
	for _, landscape := range []bool{false, true} {
		d := sample("ja")
		d.Title = long
		d.Organization = "医療法人社団 示範会 示範大学医学部附属病院 医療情報部 医療機器セキュリティ管理室"
		d.Sections[0].Heading = long
		d.Sections[1].Heading = "Network segmentation, vulnerability remediation, restore tests and the yearly access review of every medical device"
		d.Sections[1].Tables[0].Title = long + " " + long
		d.Sections[1].Landscape = landscape
		var buf bytes.Buffer
		if err := WritePDF(&buf, d); err != nil {
			t.Fatal(err)
		}
		f := fpdfForTest()
		runs := pdfRuns(t, buf.Bytes())
		bad := 0
		for _, r := range runs {
			f.SetFontSize(r.size)
			right := r.x + f.GetStringWidth(r.text)
			if right > r.pageW-margin+0.01 || r.x < margin-0.01 {
				if bad++; bad <= 10 {
					t.Errorf("landscape %v: page %d: %q runs from %.1f to %.1f mm, the body from %v to %.1f", landscape, r.page, r.text, r.x, right, margin, r.pageW-margin)
				}
			}
		}
		// Runs on one line do not run into each other (the running head's title and
		// hospital, a contents entry and its page).
		for i, a := range runs {
			for _, b := range runs[i+1:] {
				if a.page != b.page || math.Abs(a.y-b.y) > 0.5 || b.x < a.x {
					continue
				}
				f.SetFontSize(a.size)
				if end := a.x + f.GetStringWidth(a.text); end > b.x+0.01 {
					t.Errorf("landscape %v: page %d: %q ends at %.1f mm, over %q from %.1f", landscape, a.page, a.text, end, b.text, b.x)
				}
			}
		}
		all := ""
		for _, r := range runs {
			all += r.text
		}
		for _, want := range []string{long, d.Sections[1].Heading, d.Sections[1].Tables[0].Title + d.Labels.Continued} {
			if !strings.Contains(squeeze(all), squeeze(want)) {
				t.Errorf("landscape %v: PDF lacks %q", landscape, want)
			}
		}
	}
}

// TestPDFLongCellContinues puts a signed reason of 60 lines, and one of 150, in table
// rows and reads the PDF back: every line is drawn, in order, none replaced by "…", the
// row continuing on the next pages under the repeated header. The PDF cut a cell
// taller than a page to its first lines and "…".
func TestPDFLongCellContinues(t *testing.T) {
	for _, n := range []int{60, 150} {
		var reason []string
		for i := range n {
			reason = append(reason, fmt.Sprintf("第%03d行 署名理由：輸液ポンプの更新を延期し、ネットワーク隔離で補う。", i+1))
		}
		d := sample("ja")
		d.Sections = append(d.Sections, Section{Heading: "署名", Tables: []Table{{Title: "署名の記録",
			Columns: []Column{{Header: "署名者", Width: 1}, {Header: "理由", Width: 5}},
			Rows:    [][]any{{"ciso", "短い理由"}, {"admin", strings.Join(reason, "\n")}, {"auditor", "後の行"}}}}})
		var buf bytes.Buffer
		if err := WritePDF(&buf, d); err != nil {
			t.Fatal(err)
		}
		runs := pdfRuns(t, buf.Bytes())
		next, pages := 0, map[int]bool{}
		for _, r := range runs {
			if strings.Contains(r.text, "…") {
				t.Errorf("%d lines: page %d: a cell cut short: %q", n, r.page, r.text)
			}
			if next < n && r.text == reason[next] {
				next++
				pages[r.page] = true
			}
		}
		if next < n {
			t.Errorf("%d lines: line %d %q missing or out of order", n, next+1, reason[next])
		}
		if want := n / 60; len(pages) <= want {
			t.Errorf("%d lines: drawn on %d pages, want more than %d", n, len(pages), want)
		}
		last := ""
		for _, r := range runs {
			if r.text == "後の行" {
				last = r.text
			}
		}
		if last == "" {
			t.Errorf("%d lines: the row after the long one is missing", n)
		}
		// Each page the row continues on repeats the table's header.
		for p := range pages {
			if text := pageText(runs, p); !strings.Contains(text, "理由\n") {
				t.Errorf("%d lines: page %d continues the row without the table header:\n%s", n, p, text)
			}
		}
	}
}

// TestPDFTableKeepsDatesIDsAndWordsWhole renders a table of many narrow columns holding
// end-of-support dates, control IDs, English headers and values, hyphenated words and
// Japanese text with closing marks, and reads the PDF back: every date, ID and English
// word is drawn whole on one line, a hyphenated word breaks only after its hyphen, no
// line starts with a closing mark, and no text passes the right margin. The asset list
// printed "2029-12-" over "31", "tw-na-1." over "h" and "Departme" over "nt".
func TestPDFTableKeepsDatesIDsAndWordsWhole(t *testing.T) {
	headers := []string{"Asset", "Department", "Security level", "Responsible person", "Connectivity", "End of support", "Control", "Vendor", "Model", "Location", "Note"}
	var cols []Column
	for _, h := range headers {
		cols = append(cols, Column{Header: h, Width: 1})
	}
	cols[10].Width = 3
	var rows [][]any
	for i := range 40 {
		rows = append(rows, []any{fmt.Sprintf("ECG-%03d", i), "Cardiology", "standalone", "Responsible", "standalone",
			time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC), "tw-na-1.h", "Philips", "PageWriter", "building-wide",
			"輸液ポンプの更新を延期し、ネットワーク隔離で補う。（附表十）"})
	}
	for _, lang := range []string{"en", "ja"} {
		d := sample(lang)
		d.Sections = append(d.Sections, Section{Heading: "Assets", Tables: []Table{{Title: "Asset list", Columns: cols, Rows: rows}}})
		var buf bytes.Buffer
		if err := WritePDF(&buf, d); err != nil {
			t.Fatal(err)
		}
		runs := pdfRuns(t, buf.Bytes())
		seen := map[string]int{}
		f := fpdfForTest()
		for _, r := range runs {
			seen[r.text]++
			f.SetFontSize(r.size)
			if right := r.x + f.GetStringWidth(r.text); right > r.pageW-margin+0.01 {
				t.Errorf("%s: page %d: %q runs to %.1f mm, past the margin", lang, r.page, r.text, right)
			}
			if rs := []rune(r.text); len(rs) > 0 && strings.ContainsRune(closers, rs[0]) && r.size == 8 {
				t.Errorf("%s: page %d: a line starts with a closing mark: %q", lang, r.page, r.text)
			}
		}
		words := strings.Fields(strings.Join(headers[:10], " "))
		for _, whole := range append(words, "2029-12-31", "tw-na-1.h", "standalone", "Cardiology", "ECG-039", "PageWriter") {
			drawn := false
			for s := range seen {
				if strings.Contains(" "+s+" ", " "+whole+" ") {
					drawn = true
				}
			}
			if !drawn {
				var near []string
				for s := range seen {
					if len(near) < 6 && strings.Contains(whole, s) && len(s) > 1 {
						near = append(near, s)
					}
				}
				t.Errorf("%s: %q is never drawn whole on one line; lines seen: %q", lang, whole, near)
			}
		}
		if seen["building-wide"] == 0 && (seen["building-"] == 0 || seen["wide"] == 0) {
			t.Errorf("%s: the hyphenated word broke elsewhere than after its hyphen", lang)
		}
	}
}

// TestPDFTableKeepsDateTimesWhole renders tables shaped as the backup record's — the
// plans (eighteen columns, landscape, the last success a date-time), the restore tests,
// the rules broken (a date-time in the detail's sentence) and the job results (portrait,
// two date-time columns) — in every language, and reads the PDF back, with pdftotext
// too where installed: every date-time is drawn on one line (bt16d #6: the record
// printed "2026-12-02" over "01:00").
func TestPDFTableKeepsDateTimesWhole(t *testing.T) {
	stamp := Stamp(time.Date(2026, 12, 2, 1, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	cols := func(weights ...float64) []Column {
		var out []Column
		for i, w := range weights {
			out = append(out, Column{Header: fmt.Sprintf("欄位 column %d", i+1), Width: w})
		}
		return out
	}
	var plans, tests, findings, runs [][]any
	for i := range 12 {
		plans = append(plans, []any{"示範醫學中心", fmt.Sprintf("PACS 影像主伺服器 %d", i), "PACS 資料庫與影像", "PACS-Daily", 24, 3, 2, 1, 1, 14, 3, 7, 8, 24,
			"紙本申請單與底片，影像傳輸中斷時以光碟交換", stamp, "2026-11-30 pass", Status{"2 rules broken", Bad}})
		tests = append(tests, []any{stamp, "PACS 影像主伺服器 · PACS 資料庫與影像", "full backup of 1 Dec", "standby VM", 95, Status{"Yes", Good}, Status{"pass", Good},
			"資訊室工單 IT-2026-1199，雜湊比對結果附件", "itops.chen"})
		findings = append(findings, []any{"示範醫學中心", "PACS 影像主伺服器", "PACS 資料庫與影像", Status{"Last backup job failed", Bad}, "004 §12 ④, §12.2", stamp,
			"the last backup job, started 2026-12-02 01:00 UTC, failed"})
		runs = append(runs, []any{stamp, stamp, "PACS 影像主伺服器 · PACS 資料庫與影像", Status{"failed", Bad}, "1.2 GiB", "veeam-sessions.csv"})
	}
	const drawn = 12 * 6 // the date-times of the tables' cells and sentences
	for _, lang := range []string{"en", "ja", "zh-TW", "zh-CN"} {
		d := sample(lang)
		d.Sections = append(d.Sections,
			Section{Heading: "Plans", Landscape: true, Tables: []Table{{Title: "Backup plans", Rows: plans,
				Columns: cols(1.0, 1.4, 1.4, 1.0, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.8, 0.7, 0.6, 0.6, 1.8, 1.1, 1.1, 0.9)}}},
			Section{Heading: "Tests", Landscape: true, Tables: []Table{{Title: "Restore tests", Rows: tests, Columns: cols(1.1, 1.6, 1.6, 1.1, 0.7, 0.8, 0.6, 2.2, 0.8)}}},
			Section{Heading: "Findings", Landscape: true, Tables: []Table{{Title: "Rules broken", Rows: findings, Columns: cols(0.9, 1.3, 1.3, 1.5, 1.1, 1.0, 2.6)}}},
			Section{Heading: "Runs", Tables: []Table{{Title: "Job results", Rows: runs, Columns: cols(1.1, 1.1, 2.0, 0.8, 1.0, 1.2)}}})
		var buf bytes.Buffer
		if err := WritePDF(&buf, d); err != nil {
			t.Fatal(err)
		}
		whole := 0
		for _, r := range pdfRuns(t, buf.Bytes()) {
			whole += strings.Count(r.text, "2026-12-02 01:00")
			if s := strings.TrimSpace(r.text); strings.HasSuffix(s, "2026-12-02") || strings.HasPrefix(s, "01:00") {
				t.Errorf("%s: page %d: a date-time is split at %q", lang, r.page, s)
			}
		}
		if whole != drawn {
			t.Errorf("%s: %d date-times drawn whole, want %d", lang, whole, drawn)
		}
		if _, err := exec.LookPath("pdftotext"); err == nil {
			path := filepath.Join(t.TempDir(), "r.pdf")
			if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(pdfText(t, path), "2026-12-02 01:00"); n != drawn {
				t.Errorf("%s: pdftotext reads %d date-times whole, want %d", lang, n, drawn)
			}
		}
	}
}

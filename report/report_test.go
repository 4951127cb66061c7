package report

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	xhtml "golang.org/x/net/html"

	"medsec"
)

// sample is a document of every kind of content, with a table long enough to break
// across pages, in the language given; the control text stays in Traditional Chinese.
func sample(lang string) *Document {
	words := map[string][]string{
		"zh-TW": {"年度自我檢查報告", "資產清冊", "設備名稱", "頁次 %v／%v", "目錄", "合規情形", "已實作", "未實作", "（續）"},
		"zh-CN": {"年度自查报告", "资产清单", "设备名称", "第 %v 页，共 %v 页", "目录", "合规情况", "已实施", "未实施", "（续）"},
		"ja":    {"年次自己点検報告書", "資産台帳", "機器名", "%v／%v ページ", "目次", "適合状況", "実装済み", "未実装", "（続き）"},
		"en":    {"Annual self-inspection report", "Asset list", "Device name", "Page %v of %v", "Contents", "Compliance", "Implemented", "Not implemented", "(continued)"},
	}[lang]
	at := time.Date(2026, 11, 30, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	var rows [][]any
	for i := range 300 {
		status := Status{words[6], Good}
		if i%7 == 0 {
			status = Status{words[7], Bad}
		}
		rows = append(rows, []any{fmt.Sprintf("ECG-%03d 導程心電圖機", i), i, 12.5, at.AddDate(0, 0, -i), Stamp(at), status})
	}
	return &Document{
		Name: "self-inspection", Lang: lang, Title: words[0], Subtitle: "2026",
		Organization: "示範醫院 Demo Hospital", Site: "總院 Main", Period: "2026",
		GeneratedBy: "ciso", GeneratedAt: at,
		Labels: Labels{Organization: "Hospital", Site: "Site", Period: "Period", GeneratedBy: "By",
			GeneratedAt: "At", Contents: words[4], Page: words[3], Summary: "Summary", Continued: words[8], Empty: "—"},
		Facts: []Fact{{"Catalog", "000 資通安全責任等級分級辦法"}},
		Sections: []Section{
			{Heading: words[5], Text: []string{"控制措施：應定期檢視帳號 (000 附表十)。"},
				Charts: []Chart{{Title: words[5], Categories: []string{"存取控制", "稽核與可歸責性", "營運持續計畫"}, Stacked: true,
					Series: []Series{{words[6], Good, []float64{10, 4, 7}}, {words[7], Bad, []float64{2, 5, 0}}}, Alt: "存取控制 10/2"}}},
			{Heading: words[1], Tables: []Table{{Title: words[1], Sheet: words[1],
				Columns: []Column{{Header: words[2], Width: 3}, {Header: "#", Width: 1}, {Header: "CVSS", Width: 1}, {Header: "Date", Width: 1.5}, {Header: "Stamp", Width: 2}, {Header: words[5], Width: 2}}, Rows: rows}}},
			{Heading: "Empty", Tables: []Table{{Title: "Nothing", Columns: []Column{{Header: "A"}}}}},
		},
	}
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed (Debian poppler-utils)", name)
	}
}

func TestPDFEveryLanguage(t *testing.T) {
	needTool(t, "pdftotext")
	needTool(t, "pdffonts")
	for _, lang := range []string{"zh-TW", "zh-CN", "ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			d := sample(lang)
			var buf bytes.Buffer
			if err := WritePDF(&buf, d); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "r.pdf")
			os.WriteFile(path, buf.Bytes(), 0o600)

			fonts, err := exec.Command("pdffonts", path).CombinedOutput()
			if err != nil {
				t.Fatalf("pdffonts: %v\n%s", err, fonts)
			}
			lines := strings.Split(strings.TrimSpace(string(fonts)), "\n")[2:]
			if len(lines) == 0 {
				t.Fatalf("no fonts:\n%s", fonts)
			}
			for _, l := range lines {
				if f := strings.Fields(l); f[len(f)-5] != "yes" {
					t.Errorf("font not embedded: %s", l)
				}
				// Embedded as a subset, and named as one (issue 16 break-test: sub=no,
				// fpdf's name "utf8cjk" without the subset tag).
				if f := strings.Fields(l); f[len(f)-4] != "yes" || !regexp.MustCompile(`^[A-Z]{6}\+WenQuanYiMicroHei$`).MatchString(f[0]) {
					t.Errorf("font not a subset: %s", l)
				}
			}
			// A subset: the whole face is 4.6 MB.
			if buf.Len() > 400_000 {
				t.Errorf("PDF is %d bytes: font not subset?", buf.Len())
			}

			text := pdfText(t, path)
			pages := strings.Split(text, "\f")
			n := len(pages) - 1 // pdftotext ends the last page with a form feed
			if n < 5 {
				t.Fatalf("%d pages, want the long table to break", n)
			}
			for _, want := range []string{d.Title, "示範醫院 Demo Hospital", "2026-11-30 09:30 +08:00", "000 資通安全責任等級分級辦法", "控制措施：應定期檢視帳號", "ECG-299 導程心電圖機", d.Sections[0].Charts[0].Series[1].Name} {
				if !strings.Contains(text, want) {
					t.Errorf("PDF text lacks %q", want)
				}
			}
			// Every page after the cover numbered "n of N", N the real count.
			for i := 2; i <= n; i++ {
				if want := fmt.Sprintf(d.Labels.Page, i, n); !strings.Contains(pages[i-1], want) {
					t.Errorf("page %d lacks %q", i, want)
				}
			}
			// The table's header repeats on each page it continues to.
			cont := 0
			for _, p := range pages {
				if strings.Contains(p, d.Labels.Continued) {
					cont++
					if !strings.Contains(p, d.Sections[1].Tables[0].Columns[0].Header) {
						t.Errorf("continued page without the header:\n%s", p)
					}
				}
			}
			if cont < 3 {
				t.Errorf("table continued on %d pages, want ≥3", cont)
			}
			// The contents give each section's real page.
			for i, s := range d.Sections {
				m := regexp.MustCompile(fmt.Sprintf(`%d\s+%s\s+(\d+)`, i+1, regexp.QuoteMeta(s.Heading))).FindStringSubmatch(pages[1])
				if m == nil {
					t.Fatalf("contents lack section %d %q:\n%s", i+1, s.Heading, pages[1])
				}
				var page int
				fmt.Sscan(m[1], &page)
				if !strings.Contains(pages[page-1], fmt.Sprintf("%d  %s", i+1, s.Heading)) && !strings.Contains(pages[page-1], fmt.Sprintf("%d %s", i+1, s.Heading)) {
					t.Errorf("section %d %q not on page %d", i+1, s.Heading, page)
				}
			}
		})
	}
}

func pdfText(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

func TestXLSXTypedCells(t *testing.T) {
	d := sample("ja")
	assets := d.Sections[1].Tables[0].Rows
	assets[1][4] = Stamp(time.Time(assets[1][4].(Stamp)).UTC())
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sheets := f.GetSheetList()
	want := []string{"Summary", "適合状況", "資産台帳", "Nothing"}
	if strings.Join(sheets, "|") != strings.Join(want, "|") {
		t.Fatalf("sheets %q, want %q", sheets, want)
	}
	if got, _ := f.GetCellType("資産台帳", "A2"); got != excelize.CellTypeInlineString {
		t.Errorf("A2 is of type %v, want text", got)
	}
	// Numbers are numbers (no type attribute), not text.
	for _, cell := range []string{"B2", "C2"} {
		if got, _ := f.GetCellType("資産台帳", cell); got != excelize.CellTypeUnset && got != excelize.CellTypeNumber {
			t.Errorf("%s is of type %v, want a number", cell, got)
		}
	}
	if v, _ := f.GetCellValue("資産台帳", "C2"); v != "12.5" {
		t.Errorf("C2 = %q", v)
	}
	// Dates are numbers with a date format, not text.
	for _, cell := range []string{"D2", "E2"} {
		v, _ := f.GetCellValue("資産台帳", cell, excelize.Options{RawCellValue: true})
		if _, err := fmt.Sscanf(v, "%f", new(float64)); err != nil {
			t.Errorf("%s = %q, want a date serial number", cell, v)
		}
	}
	// A date-time's number format shows its UTC offset, cell by cell: a report of several
	// sites may mix zones (row 3 is in UTC, above); the cell stays a typed date-time.
	for cell, want := range map[string]string{"E2": `yyyy-mm-dd hh:mm "+08:00"`, "E3": `yyyy-mm-dd hh:mm "+00:00"`} {
		var format string
		if id, err := f.GetCellStyle("資産台帳", cell); err == nil {
			if st, err := f.GetStyle(id); err == nil && st.CustomNumFmt != nil {
				format = *st.CustomNumFmt
			}
		}
		if format != want {
			t.Errorf("%s: number format %q, want %q", cell, format, want)
		}
	}
	if v, _ := f.GetCellValue("資産台帳", "E3"); !strings.HasPrefix(v, "2026-11-30 01:30") {
		t.Errorf("E3 shows %q", v)
	}
	rows, _ := f.GetRows("資産台帳")
	if len(rows) != 301 {
		t.Errorf("%d rows, want 300 and the header", len(rows))
	}
}

func TestHTMLStructure(t *testing.T) {
	d := sample("zh-CN")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, d); err != nil {
		t.Fatal(err)
	}
	doc, err := xhtml.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode {
			count[n.Data]++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if count["svg"] != 1 || count["caption"] != 2 || count["th"] != 7 || count["tr"] != 1+300+1+1 {
		t.Errorf("elements %v", count)
	}
	s := buf.String()
	for _, want := range []string{`<html lang="zh-CN">`, `role="img"`, `<desc id="chart-1-1-d">存取控制 10/2</desc>`, `href="#s2"`, `id="s2"`, `<td class="num">12.50</td>`} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML lacks %s", want)
		}
	}
}

func TestValidateNamesTheCell(t *testing.T) {
	d := sample("en")
	d.Sections[1].Tables[0].Rows[4][1] = struct{}{}
	err := WritePDF(new(bytes.Buffer), d)
	if err == nil || !strings.Contains(err.Error(), `table "Asset list": row 5, column "#": value of type struct {}`) {
		t.Errorf("error %v", err)
	}
	d = sample("en")
	d.Sections[1].Tables[0].Rows[0] = d.Sections[1].Tables[0].Rows[0][:2]
	if err := WriteXLSX(new(bytes.Buffer), d); err == nil || !strings.Contains(err.Error(), "row 1 has 2 cells, want 6") {
		t.Errorf("error %v", err)
	}
}

func TestContentHash(t *testing.T) {
	a, b := sample("en"), sample("en")
	b.GeneratedAt = b.GeneratedAt.Add(time.Hour)
	b.GeneratedBy = "auditor"
	if a.ContentHash() != b.ContentHash() {
		t.Error("who and when changed the content hash")
	}
	b.Sections[1].Tables[0].Rows[10][4] = Stamp(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if a.ContentHash() == b.ContentHash() {
		t.Error("a changed time stamp kept the content hash")
	}
}

func TestSheetNames(t *testing.T) {
	n := sheetNames{}
	for _, c := range []struct{ in, want string }{
		{"Assets", "Assets"}, {"assets", "assets (2)"}, {"a/b:c", "a_b_c"}, {"", "Sheet"},
		{strings.Repeat("長", 40), strings.Repeat("長", 31)}, {strings.Repeat("長", 40), strings.Repeat("長", 27) + " (2)"},
	} {
		if got := n.unique(c.in); got != c.want {
			t.Errorf("unique(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestScale(t *testing.T) {
	for _, c := range []struct {
		values []float64
		top    float64
	}{{[]float64{0}, 4}, {[]float64{3}, 4}, {[]float64{7}, 8}, {[]float64{97}, 100}, {[]float64{1234}, 2000}, {[]float64{41, 60}, 80}} {
		top, ticks := scale(Chart{Categories: make([]string, len(c.values)), Series: []Series{{Values: c.values}}})
		if top != c.top || len(ticks) != 5 {
			t.Errorf("scale(%v) = %v %v, want top %v and 5 ticks", c.values, top, ticks, c.top)
		}
	}
}

func TestWrapKeepsEveryCharacter(t *testing.T) {
	f := &pdfWriter{f: fpdfForTest()}
	texts := append([]string{"PACS 影像主伺服器遭勒索軟體加密", "示範醫學中心 竹北分院", "インシデント・訓練台帳、レベル別。", "a verylongwordthatcannotfitanywhere and more", "line one\nline two", "「（重大）」、。（注）"}, cjkParagraphs()[:2]...)
	for _, text := range texts {
		for _, w := range []float64{8, 12, 20, 35, 41, 47, 53, 80} {
			lines := f.wrap(text, w)
			if got := squeeze(strings.Join(lines, "")); got != squeeze(text) {
				t.Errorf("wrap(%q, %v) = %q: characters lost", text, w, lines)
			}
			for _, l := range lines {
				rs := []rune(l)
				if len(rs) == 0 && !strings.Contains(text, "\n") {
					t.Errorf("wrap(%q, %v) = %q: an empty line", text, w, lines)
				}
				if len(rs) > 1 && (strings.ContainsRune(closers, rs[0]) || strings.ContainsRune(openers, rs[len(rs)-1])) {
					t.Errorf("wrap(%q, %v): line %q starts with a closing mark or ends with an opening one", text, w, l)
				}
				// Closing marks may hang past the edge of a line too narrow to move a
				// character down with them.
				body := strings.TrimRightFunc(l, func(r rune) bool { return strings.ContainsRune(closers, r) })
				if lw := f.f.GetStringWidth(body); lw > w-2 && len([]rune(body)) > 1 && !strings.Contains(text, "verylong") {
					t.Errorf("wrap(%q, %v): line %q is %v mm wide", text, w, l, lw)
				}
			}
		}
	}
}

// TestPDFLandscapeSections lays the long table's section out landscape: every page of
// it, continuations included, is A4 landscape (pdfinfo), with the page footer and the
// repeated header; the sections before and after stay portrait, and the contents (on a
// portrait page) still give each section's page.
func TestPDFLandscapeSections(t *testing.T) {
	needTool(t, "pdfinfo")
	needTool(t, "pdftotext")
	d := sample("ja")
	d.Sections[1].Landscape = true
	var buf bytes.Buffer
	if err := WritePDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	os.WriteFile(path, buf.Bytes(), 0o600)
	pages := strings.Split(pdfText(t, path), "\f")
	n := len(pages) - 1
	info, err := exec.Command("pdfinfo", "-f", "1", "-l", fmt.Sprint(n), path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, info)
	}
	sizes := map[int]string{}
	for _, m := range regexp.MustCompile(`Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+)`).FindAllStringSubmatch(string(info), -1) {
		var p int
		fmt.Sscan(m[1], &p)
		w, h := 0.0, 0.0
		fmt.Sscan(m[2], &w)
		fmt.Sscan(m[3], &h)
		sizes[p] = "portrait"
		if w > h {
			sizes[p] = "landscape"
		}
	}
	landscape := 0
	for i := 1; i <= n; i++ {
		text := pages[i-1]
		want := "portrait"
		if strings.Contains(text, "ECG-") {
			want = "landscape"
			landscape++
			if !strings.Contains(text, d.Sections[1].Tables[0].Columns[0].Header) || !strings.Contains(text, fmt.Sprintf(d.Labels.Page, i, n)) {
				t.Errorf("landscape page %d lacks the table header or its footer", i)
			}
		}
		if sizes[i] != want {
			t.Errorf("page %d is %s, want %s", i, sizes[i], want)
		}
	}
	if landscape < 4 {
		t.Errorf("%d landscape pages, want the long table on at least 4", landscape)
	}
	for i, s := range d.Sections {
		m := regexp.MustCompile(fmt.Sprintf(`%d\s+%s\s+(\d+)`, i+1, regexp.QuoteMeta(s.Heading))).FindStringSubmatch(pages[1])
		if m == nil {
			t.Fatalf("contents lack section %d %q:\n%s", i+1, s.Heading, pages[1])
		}
	}
}

// TestZoneOfSites: a report of every site is dated in the first site's zone when the sites
// are in several (t16 break-test 2: a Taipei and a Suzhou campus gave UTC, so an incident
// at 04:00 Taipei on 1 December fell in November at 20:00), a site's report in its own.
func TestZoneOfSites(t *testing.T) {
	sites := []*medsec.Site{{ID: 1, Jurisdiction: medsec.JurisdictionTW}, {ID: 2, Jurisdiction: medsec.JurisdictionCN, TimeZone: "Asia/Shanghai"}}
	for _, tt := range []struct {
		site int64
		want string
	}{{0, "Asia/Taipei"}, {1, "Asia/Taipei"}, {2, "Asia/Shanghai"}, {3, "UTC"}} {
		if got := Zone(sites, tt.site); got != tt.want {
			t.Errorf("site %d: %s, want %s", tt.site, got, tt.want)
		}
	}
	if got := Zone(nil, 0); got != "UTC" {
		t.Errorf("no sites: %s", got)
	}
}

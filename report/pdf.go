package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
)

// cjkFont is WenQuanYi Micro Hei (font/README.md): Latin, both Chinese scripts, kana
// and kanji in one TrueType face, of which each PDF embeds the glyphs it uses.
//
//go:embed font/wqy-microhei.ttf
var cjkFont []byte

// The embedded face's name in the PDF. fpdf embeds only the glyphs a report uses
// (AddUTF8Font: GenerateCutFont) but names the font "utf8" and its family, so pdffonts and
// PDF/A checkers see a whole font (issue 16 break-test: sub=no). A subset's name is a tag
// of six capital letters, "+", and the font's name (ISO 32000-1 §9.6.4): WritePDF renames
// the font so in the written file, to a name of the same length, so that no offset of the
// cross-reference table moves. cjkFamily is fpdf's family, padded to that length.
const cjkSubsetName = "WenQuanYiMicroHei"

var cjkFamily = "cjk" + strings.Repeat("x", len("ABCDEF+"+cjkSubsetName)-len("utf8cjk"))

// subsetName renames fpdf's font name in pdf to a subset's: the tag is six capital
// letters from the SHA-256 of the file as fpdf wrote it, so a different subset (another
// report) gets another tag, and the same report the same.
func subsetName(pdf []byte) []byte {
	sum := sha256.Sum256(pdf)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return bytes.ReplaceAll(pdf, []byte("/utf8"+cjkFamily), []byte("/"+string(tag)+"+"+cjkSubsetName))
}

// Page geometry of A4 portrait, in millimetres.
const (
	pageW      = 210.0
	pageH      = 297.0
	margin     = 18.0
	bodyTop    = 24.0
	bottomGap  = 20.0 // below the body: the footer
	bodyBottom = pageH - bottomGap
	bodyW      = pageW - 2*margin
	textLine   = 5.0 // paragraph line height at 10 pt
	cellLine   = 4.0 // table line height at 8 pt
	tocLine    = 7.0
	tocNumW    = 10.0 // contents: the section number's column
	tocPageW   = 15.0 // contents: the page number's column
	tocTop     = bodyTop + 14.0
)

// pageW and pageH are the current page's size: A4 portrait, or landscape for a
// section that asks for it; bodyW and bodyBottom the body's width and lower edge.
func (p *pdfWriter) pageW() float64      { w, _ := p.f.GetPageSize(); return w }
func (p *pdfWriter) pageH() float64      { _, h := p.f.GetPageSize(); return h }
func (p *pdfWriter) bodyW() float64      { return p.pageW() - 2*margin }
func (p *pdfWriter) bodyBottom() float64 { return p.pageH() - bottomGap }

// pdfWriter renders one Document.
type pdfWriter struct {
	f *fpdf.Fpdf
	d *Document
	// links and pages are each section's link target and first page.
	links []int
	pages []int
	// landscape is the orientation of the section being drawn (Section.Landscape).
	landscape bool
	// toc is each section's heading wrapped for the table of contents; tocPages the
	// pages it fills (reserveContents).
	toc      [][]string
	tocPages int
}

// WritePDF renders d as a PDF (A4 portrait) to w: a cover, the table of contents (with
// links and bookmarks), then the sections; every page after the cover has a header with
// the title and hospital and a footer with the site, the period and "page n of N".
// Errors are d's structural errors (Validate) and write errors.
func WritePDF(w io.Writer, d *Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(margin, bodyTop, margin)
	f.SetAutoPageBreak(true, bottomGap)
	f.SetCellMargin(1)
	f.AddUTF8FontFromBytes(cjkFamily, "", cjkFont)
	f.SetTitle(d.Title, true)
	f.SetSubject(d.Subtitle, true)
	f.SetAuthor(d.GeneratedBy, true)
	f.SetCreator("medsec", true)
	f.SetLang(d.Lang)
	f.SetCreationDate(d.GeneratedAt)
	f.SetModificationDate(d.GeneratedAt)
	f.SetCatalogSort(true)
	f.AliasNbPages("")
	p := &pdfWriter{f: f, d: d}
	f.SetHeaderFunc(p.header)
	f.SetFooterFunc(p.footer)

	p.cover()
	first := p.reserveContents()
	for _, s := range d.Sections {
		p.section(s)
	}
	p.contents(first)
	if err := f.Error(); err != nil {
		return fmt.Errorf("report %s: pdf: %w", d.Name, err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return fmt.Errorf("report %s: pdf: %w", d.Name, err)
	}
	_, err := w.Write(subsetName(buf.Bytes()))
	return err
}

// paragraph draws text from the current position in lines of height h that fit w
// millimetres (wrap), turning the page where a line does not fit, and leaves the
// position at the left margin below the last line. It is fpdf's MultiCell without its
// loss of the CJK character at each line break.
func (p *pdfWriter) paragraph(w, h float64, text string) {
	f := p.f
	x := f.GetX()
	for _, line := range p.wrap(text, w) {
		f.SetX(x)
		f.CellFormat(w, h, line, "", 2, "L", false, 0, "")
	}
	f.SetX(margin)
}

func (p *pdfWriter) font(size float64, c rgb) {
	p.f.SetFont(cjkFamily, "", size)
	p.f.SetTextColor(c.r, c.g, c.b)
}

func (p *pdfWriter) header() {
	if p.f.PageNo() == 1 {
		return
	}
	f := p.f
	p.font(8, muted)
	f.SetXY(margin, 10)
	p.runningLine(p.d.Title, joinNonEmpty(" · ", p.d.Organization, p.d.Site))
	f.SetDrawColor(rule.r, rule.g, rule.b)
	f.Line(margin, 16, p.pageW()-margin, 16)
	f.SetXY(margin, bodyTop)
}

func (p *pdfWriter) footer() {
	if p.f.PageNo() == 1 {
		return
	}
	f := p.f
	f.SetDrawColor(rule.r, rule.g, rule.b)
	f.Line(margin, p.pageH()-15, p.pageW()-margin, p.pageH()-15)
	p.font(8, muted)
	f.SetXY(margin, p.pageH()-14)
	p.runningLine(joinNonEmpty(" · ", p.d.Site, p.d.Period), fmt.Sprintf(p.d.Labels.Page, f.PageNo(), "{nb}"))
}

// runningLine draws a header's or footer's line: left on the left, right on the right,
// right taking its width up to half the body's and left the rest; what does not fit is
// shortened with "…" (the cover says it in full).
func (p *pdfWriter) runningLine(left, right string) {
	f := p.f
	cm := f.GetCellMargin()
	rw := math.Min(f.GetStringWidth(right)+2*cm, p.bodyW()/2)
	lw := p.bodyW() - rw - 2
	f.CellFormat(lw, 5, p.fit(left, lw-2*cm), "", 0, "L", false, 0, "")
	f.SetX(p.pageW() - margin - rw)
	f.CellFormat(rw, 5, p.fit(right, rw-2*cm), "", 0, "R", false, 0, "")
}

// fit is s, shortened with "…" if need be, in at most w millimetres of the current font.
func (p *pdfWriter) fit(s string, w float64) string {
	if p.f.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && p.f.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return strings.TrimRightFunc(string(r), unicode.IsSpace) + "…"
}

func (p *pdfWriter) cover() {
	f, d := p.f, p.d
	p.addPage()
	f.SetFillColor(accent.r, accent.g, accent.b)
	f.Rect(0, 0, p.pageW(), 12, "F")
	f.SetY(70)
	p.font(24, ink)
	p.paragraph(p.bodyW(), 11, d.Title)
	if d.Subtitle != "" {
		f.Ln(2)
		p.font(14, muted)
		p.paragraph(p.bodyW(), 7, d.Subtitle)
	}
	f.Ln(12)
	l := d.Labels
	facts := []Fact{{l.Organization, d.Organization}, {l.Site, d.Site}, {l.Period, d.Period}}
	facts = append(facts, d.Facts...)
	facts = append(facts, Fact{l.GeneratedBy, d.GeneratedBy}, Fact{l.GeneratedAt, d.GeneratedAt.Format("2006-01-02 15:04 -07:00")})
	p.facts(facts, 11)
}

// facts draws labelled values, one per line, skipping empty ones.
func (p *pdfWriter) facts(facts []Fact, size float64) {
	f := p.f
	line := size * 0.5
	for _, fa := range facts {
		if fa.Value == "" {
			continue
		}
		y := f.GetY()
		p.font(size, muted)
		f.SetXY(margin, y)
		p.paragraph(50, line, fa.Label)
		below := f.GetY()
		p.font(size, ink)
		f.SetXY(margin+50, y)
		p.paragraph(p.bodyW()-50, line, fa.Value)
		f.SetY(math.Max(below, f.GetY()) + 1)
	}
}

// reserveContents wraps the headings for the table of contents, adds the pages it
// will fill and returns the first.
func (p *pdfWriter) reserveContents() int {
	p.font(11, ink)
	p.toc = make([][]string, len(p.d.Sections))
	for i, s := range p.d.Sections {
		p.toc[i] = p.wrap(s.Heading, bodyW-tocNumW-tocPageW)
	}
	p.tocPages = 1
	y := tocTop
	for _, lines := range p.toc {
		if h := float64(len(lines)) * tocLine; y+h > bodyBottom {
			p.tocPages++
			y = bodyTop
		}
		y += float64(len(lines)) * tocLine
	}
	first := p.f.PageNo() + 1
	for range p.tocPages {
		p.addPage()
	}
	return first
}

// contents fills the reserved pages (portrait, whatever the last page) with each
// section's number, heading (on as many lines as it takes), page and link; an entry
// is never split over two pages.
func (p *pdfWriter) contents(first int) {
	f := p.f
	last := f.PageNo()
	f.SetPage(first)
	f.SetY(bodyTop)
	p.font(16, accent)
	f.CellFormat(bodyW, 10, p.d.Labels.Contents, "", 1, "L", false, 0, "")
	f.Ln(4)
	p.font(11, ink)
	for i, lines := range p.toc {
		if f.GetY()+float64(len(lines))*tocLine > bodyBottom {
			f.SetPage(f.PageNo() + 1)
			f.SetY(bodyTop)
		}
		link := p.links[i]
		f.CellFormat(tocNumW, tocLine, fmt.Sprint(i+1), "", 0, "L", false, link, "")
		for k, line := range lines {
			f.SetX(margin + tocNumW)
			if k < len(lines)-1 {
				f.CellFormat(bodyW-tocNumW-tocPageW, tocLine, line, "", 1, "L", false, link, "")
				continue
			}
			f.CellFormat(bodyW-tocNumW-tocPageW, tocLine, line, "", 0, "L", false, link, "")
			f.CellFormat(tocPageW, tocLine, fmt.Sprint(p.pages[i]), "", 1, "R", false, link, "")
		}
	}
	f.SetPage(last)
}

// addPage starts a page in the orientation of the section being drawn.
func (p *pdfWriter) addPage() {
	if p.landscape {
		p.f.AddPageFormat("L", fpdf.SizeType{Wd: pageW, Ht: pageH})
		return
	}
	p.f.AddPageFormat("P", fpdf.SizeType{Wd: pageW, Ht: pageH})
}

// ensure starts a new page unless h millimetres fit on this one.
func (p *pdfWriter) ensure(h float64) {
	if p.f.GetY()+h > p.bodyBottom() {
		p.addPage()
	}
}

func (p *pdfWriter) section(s Section) {
	f := p.f
	// A section starts on a new page unless a good part of this one is free and of the
	// section's orientation.
	turn := s.Landscape != p.landscape
	p.landscape = s.Landscape
	if turn || f.PageNo() <= p.contentsEnd() || f.GetY() > p.bodyBottom()-70 {
		p.addPage()
	} else {
		f.Ln(6)
	}
	n := len(p.links) + 1
	link := f.AddLink()
	f.SetLink(link, f.GetY(), f.PageNo())
	p.links = append(p.links, link)
	p.pages = append(p.pages, f.PageNo())
	f.Bookmark(s.Heading, 0, -1)
	p.font(15, accent)
	p.paragraph(p.bodyW(), 8, fmt.Sprintf("%d  %s", n, s.Heading))
	f.SetDrawColor(accent.r, accent.g, accent.b)
	f.Line(margin, f.GetY()+1, p.pageW()-margin, f.GetY()+1)
	f.Ln(4)
	for _, t := range s.Text {
		p.font(10, ink)
		p.paragraph(p.bodyW(), textLine, t)
		f.Ln(2)
	}
	if len(s.Facts) > 0 {
		p.facts(s.Facts, 10)
		f.Ln(2)
	}
	for _, c := range s.Charts {
		if c.Line {
			p.lineChart(c)
		} else {
			p.chart(c)
		}
	}
	for _, t := range s.Tables {
		p.table(t)
	}
}

// contentsEnd is the last page of the table of contents (or the cover while it is
// being reserved): sections never start on it.
func (p *pdfWriter) contentsEnd() int { return 1 + p.tocPages }

// widths shares the page body's width among t's columns by their weights, but gives
// every column at least the width of its widest unbreakable run (measured in the 8 pt
// table font, header and cells alike; see breakable), so a date, a control ID or an
// English word is never split across lines. When those minimums do not all fit the
// body, only the runs holding a digit (dates, IDs, numbers) are kept whole; when even
// those do not fit, the weights alone decide and the widest runs break where the line
// is full. A date-time's UTC offset counts as a run of its own: it goes to a line of
// its own ("2026-03-04 09:15" over "+08:00") where the column is narrower than the
// whole date-time, before any word breaks (the 13-column incident ledger, bt16g M3). No
// column's minimum exceeds minCap of the body, so one long hash or URL cannot take the
// page.
func (p *pdfWriter) widths(t Table) []float64 {
	n := len(t.Columns)
	body := p.bodyW()
	p.font(8, ink)
	pad := 2*p.f.GetCellMargin() + 0.05
	word := make([]float64, n) // widest unbreakable run of the column
	hard := make([]float64, n) // widest run holding a digit, a date-time's offset let down
	measure := func(j int, s string) {
		for _, seg := range segments(s) {
			w := min(p.f.GetStringWidth(seg)+pad, body*minCap)
			if at, off, ok := cutOffset(seg); ok {
				// The offset may go to a line of its own before any word breaks.
				w = min(max(p.f.GetStringWidth(at), p.f.GetStringWidth(off))+pad, w)
			}
			word[j] = max(word[j], w)
			if strings.IndexFunc(seg, unicode.IsDigit) >= 0 {
				hard[j] = max(hard[j], w)
			}
		}
	}
	for j, c := range t.Columns {
		measure(j, c.Header)
	}
	for _, row := range t.Rows {
		for j, v := range row {
			if j < n {
				measure(j, cellText(v))
			}
		}
	}
	for _, least := range [][]float64{word, hard, make([]float64, n)} {
		if w, ok := share(body, t.Columns, least); ok {
			return w
		}
	}
	return nil // unreachable: zero minimums always fit
}

// minCap is the largest share of the body one column's minimum width may claim.
const minCap = 0.4

// share divides body among cols by weight with each column at least least[j]: columns
// whose share falls short get their minimum and the rest is shared again. ok is false
// when the minimums alone exceed body.
func share(body float64, cols []Column, least []float64) (w []float64, ok bool) {
	total := 0.0
	for _, l := range least {
		total += l
	}
	if total > body {
		return nil, false
	}
	w = make([]float64, len(cols))
	fixed := make([]bool, len(cols))
	for {
		free, weights := body, 0.0
		for j, c := range cols {
			if fixed[j] {
				free -= least[j]
			} else {
				weights += weight(c)
			}
		}
		changed := false
		for j, c := range cols {
			if fixed[j] {
				w[j] = least[j]
				continue
			}
			w[j] = free * weight(c) / weights
			if w[j] < least[j] {
				fixed[j], changed = true, true
			}
		}
		if !changed {
			return w, true
		}
	}
}

// segments splits s into the runs a line may not break inside (see breakable), spaces
// dropped.
func segments(s string) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		runes := []rune(para)
		start := 0
		for i := 0; i <= len(runes); i++ {
			if i == len(runes) || i > start && breakable(runes, i) || unicode.IsSpace(runes[i]) && !joinedSpace(runes, i) {
				if seg := strings.TrimSpace(string(runes[start:i])); seg != "" {
					out = append(out, seg)
				}
				start = i
			}
		}
	}
	return out
}

func weight(c Column) float64 {
	if c.Width <= 0 {
		return 1
	}
	return c.Width
}

func (p *pdfWriter) table(t Table) {
	f := p.f
	w := p.widths(t)
	p.ensure(7 + 2*headerHeight(p, t, w))
	p.font(10, accent)
	p.paragraph(p.bodyW(), 6, t.Title)
	f.Ln(1)
	p.tableHeader(t, w)
	if len(t.Rows) == 0 {
		p.font(8, muted)
		f.CellFormat(p.bodyW(), 6, p.d.Labels.Empty, "B", 1, "L", false, 0, "")
	}
	for i, row := range t.Rows {
		p.font(8, ink)
		lines := make([][]string, len(row))
		n := 1
		for j, v := range row {
			lines[j] = p.wrap(cellText(v), w[j])
			n = max(n, len(lines[j]))
		}
		// A row goes whole onto this page or, if it fits there, the next; a row taller
		// than a page is split between lines, its cells continuing on the next pages
		// under the repeated header, so no text is lost.
		fresh := int((p.bodyBottom()-bodyTop-headerHeight(p, t, w)-12-1.5)/cellLine) - 1
		for from, turned := 0, false; from < n; {
			room := int((p.bodyBottom() - f.GetY() - 1.5) / cellLine)
			if room < n-from && (n-from <= fresh || room < 3) && !turned {
				p.continueTable(t, w)
				turned = true
				continue
			}
			turned = false
			to := min(n, from+max(room, 1))
			part := make([][]string, len(lines))
			for j, l := range lines {
				part[j] = l[min(from, len(l)):min(to, len(l))]
			}
			p.row(row, part, w, float64(to-from)*cellLine+1.5, i%2 == 1)
			if from = to; from < n {
				p.continueTable(t, w)
				turned = true
			}
		}
	}
	f.Ln(5)
}

// continueTable turns the page and repeats t's caption, marked continued, and header.
func (p *pdfWriter) continueTable(t Table, w []float64) {
	p.addPage()
	p.font(9, muted)
	p.paragraph(p.bodyW(), 6, t.Title+" "+p.d.Labels.Continued)
	p.tableHeader(t, w)
	p.font(8, ink)
}

func headerHeight(p *pdfWriter, t Table, w []float64) float64 {
	p.font(8, ink)
	n := 1
	for j, c := range t.Columns {
		n = max(n, len(p.wrap(c.Header, w[j])))
	}
	return float64(n)*cellLine + 2
}

func (p *pdfWriter) tableHeader(t Table, w []float64) {
	f := p.f
	h := headerHeight(p, t, w)
	x, y := margin, f.GetY()
	f.SetFillColor(headBg.r, headBg.g, headBg.b)
	f.Rect(margin, y, p.bodyW(), h, "F")
	p.font(8, ink)
	for j, c := range t.Columns {
		for k, line := range p.wrap(c.Header, w[j]) {
			f.SetXY(x, y+1+float64(k)*cellLine)
			f.CellFormat(w[j], cellLine, line, "", 0, "L", false, 0, "")
		}
		x += w[j]
	}
	f.SetY(y + h)
}

// row draws one table row of height h: zebra ground, status grounds, then the lines of
// each cell, numbers right-aligned.
func (p *pdfWriter) row(row []any, lines [][]string, w []float64, h float64, zebra bool) {
	f := p.f
	x, y := margin, f.GetY()
	if zebra {
		f.SetFillColor(zebraBg.r, zebraBg.g, zebraBg.b)
		f.Rect(margin, y, p.bodyW(), h, "F")
	}
	for j, v := range row {
		align := "L"
		c := ink
		if numeric(v) {
			align = "R"
		}
		if s, ok := v.(Status); ok {
			t := tones[s.Tone]
			f.SetFillColor(t.bg.r, t.bg.g, t.bg.b)
			f.Rect(x+0.3, y+0.3, w[j]-0.6, h-0.6, "F")
			c = t.fg
		}
		f.SetTextColor(c.r, c.g, c.b)
		for k, line := range lines[j] {
			f.SetXY(x, y+0.75+float64(k)*cellLine)
			f.CellFormat(w[j], cellLine, line, "", 0, align, false, 0, "")
		}
		x += w[j]
	}
	f.SetDrawColor(rule.r, rule.g, rule.b)
	f.Line(margin, y+h, p.pageW()-margin, y+h)
	f.SetY(y + h)
}

// wrap breaks text into lines that fit a cell w millimetres wide (less the cell
// margins) in the current font: at a space (dropped), after a hyphen inside a word of
// letters (afterHyphen), before or after a CJK character or
// kana (CJK text breaks between characters), at a newline, or — in a word longer than
// the line — where the line is full. Wherever it breaks, it keeps the CJK line-breaking
// rules (Japanese kinsoku shori, Chinese 避頭尾): no line starts with a closing mark
// (closers) and none ends with an opening bracket (openers); the character that would
// break them moves to the next line with its neighbour (in a line too narrow for that,
// the closing marks hang past its edge). fpdf's MultiCell and SplitText
// lose the CJK character they break at, so this is ours, and every text of the PDF is
// drawn through it.
func (p *pdfWriter) wrap(text string, w float64) []string {
	limit := w - 2*p.f.GetCellMargin()
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		runes := []rune(para)
		start, lastBreak, lastJoined := 0, -1, -1 // the line may end before runes[lastBreak]; before runes[lastJoined] rather than be cut
		width := 0.0
		for i := 0; i < len(runes); i++ {
			if breakable(runes, i) {
				lastBreak = i
			} else if joinedSpace(runes, i) {
				lastJoined = i
			}
			width += p.f.GetStringWidth(string(runes[i]))
			if width <= limit || i == start {
				continue
			}
			end := i
			if lastBreak > start {
				end = lastBreak
			} else if lastJoined > start {
				end = lastJoined // a date-time longer than the line breaks at its space
			} else {
				// A forced break inside a run with no opportunity (a long word, or
				// marks against a character in a line of two) moves an opening
				// bracket down, or failing that lets the closing marks hang past
				// the edge (burasage) rather than start the next line.
				for end-1 > start && (strings.ContainsRune(closers, runes[end]) || strings.ContainsRune(openers, runes[end-1])) {
					end--
				}
				if strings.ContainsRune(closers, runes[end]) {
					for end = i; end < len(runes) && strings.ContainsRune(closers, runes[end]); end++ {
					}
				}
			}
			lines = append(lines, strings.TrimRightFunc(string(runes[start:end]), unicode.IsSpace))
			for end < len(runes) && runes[end] == ' ' {
				end++
			}
			start, lastBreak, lastJoined, width = end, -1, -1, 0
			i = end - 1
		}
		if start < len(runes) || start == 0 { // not after closing marks hung at the end
			lines = append(lines, string(runes[start:]))
		}
	}
	return lines
}

// breakable reports whether a line may break before runes[i]: at a space, or between
// characters where either is CJK, unless runes[i] is a closing mark or runes[i-1] an
// opening bracket.
func breakable(runes []rune, i int) bool {
	if i == 0 {
		return false
	}
	r, prev := runes[i], runes[i-1]
	if strings.ContainsRune(closers, r) || strings.ContainsRune(openers, prev) {
		return false
	}
	return unicode.IsSpace(r) && !joinedSpace(runes, i) || wide(r) || wide(prev) || afterHyphen(runes, i)
}

// joinedSpace reports whether the space runes[i] holds a date and time together — between
// a date and its time ("2026-12-02 01:00"), or a time and its zone ("01:00 UTC", "09:30
// +08:00") —, where a line breaks only when the date-time does not fit a line of its own
// (bt16d #6: the backup record printed "2026-12-02" over "01:00").
func joinedSpace(runes []rune, i int) bool {
	if i >= len(runes) || runes[i] != ' ' {
		return false
	}
	before, after := string(runes[max(0, i-10):i]), string(runes[i+1:min(len(runes), i+7)])
	if isDate(before) && len(after) >= 5 && isClock(after[:5]) {
		return true
	}
	if len(before) < 5 || !isClock(before[len(before)-5:]) {
		return false
	}
	return strings.HasPrefix(after, "UTC") || len(after) == 6 && (after[0] == '+' || after[0] == '-') && isClock(after[1:])
}

// cutOffset splits a date-time run "2026-03-04 09:15 +08:00" into the date-time and its
// UTC offset, the one place wrap breaks it first; ok is false for any other run.
func cutOffset(seg string) (at, off string, ok bool) {
	i := strings.LastIndexByte(seg, ' ')
	if i < 5 || len(seg)-i != 7 || !joinedSpace([]rune(seg), len([]rune(seg[:i]))) || seg[i+1] != '+' && seg[i+1] != '-' {
		return "", "", false
	}
	return seg[:i], seg[i+1:], true
}

// isDate reports whether s is a date written yyyy-mm-dd.
func isDate(s string) bool {
	return len(s) == 10 && digits(s[:4]) && s[4] == '-' && digits(s[5:7]) && s[7] == '-' && digits(s[8:])
}

// isClock reports whether s is a time of day written hh:mm.
func isClock(s string) bool { return len(s) == 5 && digits(s[:2]) && s[2] == ':' && digits(s[3:]) }

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// afterHyphen reports whether a line may break after the hyphen runes[i-1]: inside a
// word of letters ("end-of-support"), between two letters, never in a word holding a
// digit (a date "2029-12-31", a control ID "tw-na-1.h").
func afterHyphen(runes []rune, i int) bool {
	if i < 2 || runes[i-1] != '-' || !unicode.IsLetter(runes[i-2]) || !unicode.IsLetter(runes[i]) {
		return false
	}
	for j := i - 1; j >= 0 && !unicode.IsSpace(runes[j]) && !wide(runes[j]); j-- {
		if unicode.IsDigit(runes[j]) {
			return false
		}
	}
	for j := i; j < len(runes) && !unicode.IsSpace(runes[j]) && !wide(runes[j]); j++ {
		if unicode.IsDigit(runes[j]) {
			return false
		}
	}
	return true
}

// closers are the marks a line must not start with (Japanese kinsoku, Chinese 避頭):
// the set CSS's line-break: normal keeps off a line's start.
const closers = "、。，．・：；？！）」』】〕〉》〙〗］｝’”〟々ゝゞヽヾ,.:;?!)]}%％"

// openers are the brackets a line must not end with (Chinese 避尾).
const openers = "（「『【〔〈《〘〖［｛‘“〝([{"

// wide reports whether r is a CJK ideograph, kana, hangul or full-width form, between
// which a line may break.
func wide(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef
}

func joinNonEmpty(sep string, parts ...string) string {
	out := ""
	for _, s := range parts {
		if s == "" {
			continue
		}
		if out != "" {
			out += sep
		}
		out += s
	}
	return out
}

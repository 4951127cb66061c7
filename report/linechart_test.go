package report

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// trendDoc is a document whose only content is a line chart of three series over twelve
// months, the critical series rising 0..11.
func trendDoc() *Document {
	d := sample("ja")
	c := Chart{Title: "深刻度別未対応脆弱性の推移", Line: true, Alt: "推移", Series: []Series{
		{Name: "緊急", Tone: Severe}, {Name: "重要", Tone: Bad}, {Name: "警告", Tone: Warning}}}
	for m := range 12 {
		c.Categories = append(c.Categories, fmt.Sprintf("2026-%02d", m+1))
		c.Series[0].Values = append(c.Series[0].Values, float64(m))
		c.Series[1].Values = append(c.Series[1].Values, 3)
		c.Series[2].Values = append(c.Series[2].Values, float64(11-m))
	}
	d.Sections = []Section{{Heading: "推移", Charts: []Chart{c}}}
	return d
}

// TestLineChartPDF draws a line chart into a PDF: its month labels and legend are text,
// there is no image in the file (the chart is vectors), and the page rendered by pdftoppm
// has the critical series' colour rising from the lower left to the upper right.
func TestLineChartPDF(t *testing.T) {
	needTool(t, "pdftoppm")
	needTool(t, "pdfimages")
	var buf bytes.Buffer
	if err := WritePDF(&buf, trendDoc()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "r.pdf")
	os.WriteFile(path, buf.Bytes(), 0o600)
	text := pdfText(t, path)
	for _, want := range []string{"2026-01", "2026-06", "2026-12", "緊急", "重要", "警告", "深刻度別未対応脆弱性の推移"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	images, err := exec.Command("pdfimages", "-list", path).CombinedOutput()
	if err != nil || len(strings.Split(strings.TrimSpace(string(images)), "\n")) != 2 {
		t.Errorf("pdfimages lists images (the chart must be vectors): %v\n%s", err, images)
	}
	// The chart is on the first page after the cover and contents.
	page := "3"
	if out, err := exec.Command("pdftoppm", "-r", "50", "-png", "-f", page, "-l", page, "-singlefile", path, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "p.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Where the Severe colour is, below its legend marker (the topmost): its leftmost
	// pixels must lie lower than its rightmost.
	sev := tones[Severe].line
	is := func(x, y int) bool {
		r, g, bl, _ := img.At(x, y).RGBA()
		return near(int(r>>8), sev.r) && near(int(g>>8), sev.g) && near(int(bl>>8), sev.b)
	}
	var left, right image.Point
	found := 0
	b := img.Bounds()
	legend := -1
	for y := b.Min.Y; y < b.Max.Y && legend < 0; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if is(x, y) {
				legend = y
				break
			}
		}
	}
	for y := legend + 6; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if is(x, y) {
				if found == 0 || x < left.X {
					left = image.Pt(x, y)
				}
				if found == 0 || x > right.X {
					right = image.Pt(x, y)
				}
				found++
			}
		}
	}
	if found < 50 || left.Y <= right.Y || right.X-left.X < b.Dx()/2 {
		t.Errorf("critical line: %d pixels, leftmost %v, rightmost %v (want a rising line across the page)", found, left, right)
	}
}

func near(a, b int) bool { return a-b < 24 && b-a < 24 }

// TestLineChartSVG checks the HTML chart: one line per series through one marker per
// month, each marker with its value, the top value at the plot's top and zero at its
// bottom, the series told apart by marker shape (circle, square, triangle).
func TestLineChartSVG(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, trendDoc()); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	if n := strings.Count(s, "<polyline"); n != 3 {
		t.Errorf("%d polylines, want 3", n)
	}
	if c, p := strings.Count(s, "<circle"), strings.Count(s, "<polygon"); c != 12+1 || p != 24+2 {
		t.Errorf("%d circles and %d polygons, want 13 and 26 (markers and legend)", c, p)
	}
	for _, want := range []string{`role="img"`, "<title>緊急, 2026-12: 11</title>", "<title>警告, 2026-01: 11</title>", ">2026-07</text>"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	// Critical: 0 in January at the plot's bottom, 11 in December under the top (12).
	pts := regexp.MustCompile(`<polyline points="([^"]+)"`).FindStringSubmatch(s)
	ys := strings.Fields(pts[1])
	var y0, y11 float64
	fmt.Sscanf(strings.Split(ys[0], ",")[1], "%g", &y0)
	fmt.Sscanf(strings.Split(ys[11], ",")[1], "%g", &y11)
	const k = 4.0
	max, _ := scale(trendDoc().Sections[0].Charts[0])
	if top := (legendH + 2) * k; max != 20 || y0 != top+lineH*k || y11 != top+lineH*k*(1-11/max) {
		t.Errorf("critical line from y %g to %g on an axis to %g, want %g to %g on one to 20", y0, y11, max, top+lineH*k, top+lineH*k*(1-11/max))
	}
}

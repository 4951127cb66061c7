package report

import (
	"fmt"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// Line chart geometry (millimetres): the plot's height, the room for the value axis's
// labels on the left and for the category labels below.
const (
	lineH      = 55.0
	lineAxisW  = 10.0
	lineLabelH = 6.0
	markerR    = 1.1
)

// linePoint is where value v of category i falls in a plot of width w and height h whose
// axis tops at top, from the plot's top left corner.
func linePoint(i, n int, v, top, w, h float64) (x, y float64) {
	step := w / float64(max(n, 1))
	return step*float64(i) + step/2, h - h*v/top
}

// markerPath is the outline of series j's marker around (x, y), radius r: circle (nil),
// square, triangle, diamond, then again, so that series differ by shape as well as by
// colour.
func markerPath(j int, x, y, r float64) [][2]float64 {
	switch j % 4 {
	case 1:
		return [][2]float64{{x - r, y - r}, {x + r, y - r}, {x + r, y + r}, {x - r, y + r}}
	case 2:
		return [][2]float64{{x, y - 1.2*r}, {x + 1.2*r, y + r}, {x - 1.2*r, y + r}}
	case 3:
		return [][2]float64{{x, y - 1.3*r}, {x + 1.3*r, y}, {x, y + 1.3*r}, {x - 1.3*r, y}}
	}
	return nil
}

// marker draws series j's marker at (x, y) in the PDF.
func (p *pdfWriter) marker(j int, x, y, r float64) {
	pts := markerPath(j, x, y, r)
	if pts == nil {
		p.f.Circle(x, y, r, "F")
		return
	}
	poly := make([]fpdf.PointType, len(pts))
	for i, pt := range pts {
		poly[i] = fpdf.PointType{X: pt[0], Y: pt[1]}
	}
	p.f.Polygon(poly, "F")
}

// lineChart draws c as lines over its categories (a trend: the categories are times
// along the axis): title, legend with each series's marker, the value axis with its grid,
// one line with markers per series, the category labels and the text alternative.
func (p *pdfWriter) lineChart(c Chart) {
	f := p.f
	colours := seriesColours(c)
	top, ticks := scale(c)
	p.ensure(8 + legendH + lineH + lineLabelH + 10)
	p.font(10, accent)
	p.paragraph(p.bodyW(), 6, c.Title)
	p.lineLegend(c, colours)
	x0, y0 := margin+lineAxisW, f.GetY()+2
	w := p.bodyW() - lineAxisW
	f.SetLineWidth(0.2)
	for _, t := range ticks {
		y := y0 + lineH - lineH*t/top
		f.SetDrawColor(rule.r, rule.g, rule.b)
		f.Line(x0, y, x0+w, y)
		p.font(7, muted)
		f.SetXY(margin, y-2)
		f.CellFormat(lineAxisW-1, 4, formatNumber(t), "", 0, "R", false, 0, "")
	}
	n := len(c.Categories)
	for i, cat := range c.Categories {
		x, _ := linePoint(i, n, 0, top, w, lineH)
		p.font(7, ink)
		f.SetXY(x0+x-8, y0+lineH+0.5)
		f.CellFormat(16, 4, cat, "", 0, "C", false, 0, "")
	}
	for j, s := range c.Series {
		col := colours[j]
		f.SetDrawColor(col.r, col.g, col.b)
		f.SetFillColor(col.r, col.g, col.b)
		f.SetLineWidth(0.5)
		for i := 1; i < len(s.Values); i++ {
			xa, ya := linePoint(i-1, n, s.Values[i-1], top, w, lineH)
			xb, yb := linePoint(i, n, s.Values[i], top, w, lineH)
			f.Line(x0+xa, y0+ya, x0+xb, y0+yb)
		}
		for i, v := range s.Values {
			x, y := linePoint(i, n, v, top, w, lineH)
			p.marker(j, x0+x, y0+y, markerR)
		}
	}
	f.SetLineWidth(0.2)
	f.SetY(y0 + lineH + lineLabelH)
	if c.Alt != "" {
		p.font(8, muted)
		p.paragraph(p.bodyW(), cellLine, c.Alt)
	}
	f.Ln(4)
}

// lineLegend draws each series's marker and name.
func (p *pdfWriter) lineLegend(c Chart, colours []rgb) {
	f := p.f
	p.font(8, ink)
	x, y := margin, f.GetY()
	for i, s := range c.Series {
		w := f.GetStringWidth(s.Name) + 9
		if x+w > p.pageW()-margin {
			x, y = margin, y+5
		}
		f.SetFillColor(colours[i].r, colours[i].g, colours[i].b)
		p.marker(i, x+1.8, y+2.75, 1.5)
		f.SetXY(x+4, y)
		f.CellFormat(w-4, 5.5, s.Name, "", 0, "L", false, 0, "")
		x += w
	}
	f.SetY(y + legendH)
}

// svgMarker is series j's marker at (x, y) as SVG, with its value as tooltip.
func svgMarker(j int, x, y, r float64, fill, title string) string {
	pts := markerPath(j, x, y, r)
	if pts == nil {
		return fmt.Sprintf(`<circle cx="%g" cy="%g" r="%g" fill="%s">%s</circle>`, x, y, r, fill, title)
	}
	var b strings.Builder
	for _, pt := range pts {
		fmt.Fprintf(&b, "%g,%g ", pt[0], pt[1])
	}
	return fmt.Sprintf(`<polygon points="%s" fill="%s">%s</polygon>`, strings.TrimSpace(b.String()), fill, title)
}

// svgLineChart draws c as an SVG line chart for HTML reports, with the title and text
// alternative as its accessible name and description.
func svgLineChart(c Chart, id string) string {
	const k = 4.0 // SVG units per millimetre
	colours := seriesColours(c)
	top, ticks := scale(c)
	w := bodyW - lineAxisW
	height := legendH + 2 + lineH + lineLabelH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="%[1]s-t %[1]s-d" viewBox="0 0 %[2]g %[3]g" width="100%%" style="max-width:%[2]gpx" font-size="%[4]g">`+
		`<title id="%[1]s-t">%[5]s</title><desc id="%[1]s-d">%[6]s</desc>`,
		id, bodyW*k, height*k, 3*k, esc(c.Title), esc(c.Alt))
	x := 0.0
	for i, s := range c.Series {
		b.WriteString(svgMarker(i, (x+1.8)*k, 2.75*k, 1.5*k, colours[i].hex(), ""))
		fmt.Fprintf(&b, `<text x="%g" y="%g">%s</text>`, (x+4.5)*k, 4*k, esc(s.Name))
		x += float64(len([]rune(s.Name)))*3.2 + 10
	}
	x0, y0 := lineAxisW, legendH+2
	for _, t := range ticks {
		y := y0 + lineH - lineH*t/top
		fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="%s"/><text x="%g" y="%g" text-anchor="end" fill="%s">%s</text>`,
			x0*k, y*k, (x0+w)*k, y*k, rule.hex(), (x0-1)*k, (y+1)*k, muted.hex(), formatNumber(t))
	}
	n := len(c.Categories)
	for i, cat := range c.Categories {
		x, _ := linePoint(i, n, 0, top, w, lineH)
		fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">%s</text>`, (x0+x)*k, (y0+lineH+4)*k, esc(cat))
	}
	for j, s := range c.Series {
		var pts []string
		for i, v := range s.Values {
			x, y := linePoint(i, n, v, top, w, lineH)
			pts = append(pts, fmt.Sprintf("%g,%g", (x0+x)*k, (y0+y)*k))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="%g"/>`, strings.Join(pts, " "), colours[j].hex(), 0.5*k)
		for i, v := range s.Values {
			x, y := linePoint(i, n, v, top, w, lineH)
			b.WriteString(svgMarker(j, (x0+x)*k, (y0+y)*k, markerR*k, colours[j].hex(),
				fmt.Sprintf("<title>%s, %s: %s</title>", esc(s.Name), esc(c.Categories[i]), formatNumber(v))))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

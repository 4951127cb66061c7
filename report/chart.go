package report

import (
	"fmt"
	"math"
)

// Chart geometry shared by the PDF (millimetres) and SVG (same units, scaled) renderers.
const (
	chartLabelW = 48.0 // category labels
	chartValueW = 14.0 // the total after a bar
	chartBarH   = 5.0
	chartGap    = 2.5
	chartAxisH  = 6.0
	legendH     = 6.0
)

// scale is the axis of a chart: its maximum (a "nice" number at least every bar's
// length) and the tick values from 0 to it.
func scale(c Chart) (top float64, ticks []float64) {
	for i := range c.Categories {
		sum := 0.0
		for _, s := range c.Series {
			if c.Stacked {
				sum += s.Values[i]
			} else {
				sum = math.Max(sum, s.Values[i])
			}
		}
		top = math.Max(top, sum)
	}
	top = math.Max(top, 4) // counts: steps of at least one
	// 1, 2, 2.5 or 5 times a power of ten, in four steps.
	step := top / 4
	mag := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= step {
			step = m * mag
			break
		}
	}
	top = step * 4
	for v := 0.0; v <= top+step/2; v += step {
		ticks = append(ticks, v)
	}
	return top, ticks
}

// seriesColours gives each series its tone's line colour, or, where two series share a
// tone, a colour of a categorical palette so no two look alike.
func seriesColours(c Chart) []rgb {
	categorical := []rgb{accent, {0xc4, 0x32, 0x0a}, {0x1a, 0x7f, 0x37}, {0x9a, 0x67, 0x00}, {0x6b, 0x74, 0x80}, {0x6e, 0x3f, 0xa3}}
	seen := map[Tone]bool{}
	shared := false
	for _, s := range c.Series {
		shared = shared || seen[s.Tone]
		seen[s.Tone] = true
	}
	out := make([]rgb, len(c.Series))
	for i, s := range c.Series {
		if shared {
			out[i] = categorical[i%len(categorical)]
		} else {
			out[i] = tones[s.Tone].line
		}
	}
	return out
}

// groupHeight is the height of one category's bars.
func groupHeight(c Chart) float64 {
	if c.Stacked {
		return chartBarH
	}
	return chartBarH * float64(len(c.Series))
}

// total is what is written after a category's bars: the sum of a stacked bar, nothing
// for side-by-side bars (each carries its own value).
func total(c Chart, i int) float64 {
	sum := 0.0
	for _, s := range c.Series {
		sum += s.Values[i]
	}
	return sum
}

// chart draws c as vectors: title, legend, one bar group per category (a new page when
// the next does not fit), the axis with its ticks, and the text alternative below.
func (p *pdfWriter) chart(c Chart) {
	f := p.f
	colours := seriesColours(c)
	top, ticks := scale(c)
	barW := p.bodyW() - chartLabelW - chartValueW
	x0 := margin + chartLabelW
	rowH := groupHeight(c) + chartGap

	p.ensure(8 + legendH + rowH*math.Min(3, float64(len(c.Categories))) + chartAxisH)
	p.font(10, accent)
	p.paragraph(p.bodyW(), 6, c.Title)
	p.legend(c, colours)
	gridTop := f.GetY()
	axis := func(bottom float64) {
		f.SetDrawColor(rule.r, rule.g, rule.b)
		p.font(7, muted)
		for _, t := range ticks {
			x := x0 + barW*t/top
			f.Line(x, gridTop, x, bottom)
			f.SetXY(x-8, bottom+0.5)
			f.CellFormat(16, 4, formatNumber(t), "", 0, "C", false, 0, "")
		}
		f.SetY(bottom + chartAxisH)
	}
	y := gridTop
	for i, cat := range c.Categories {
		if y+rowH+chartAxisH > p.bodyBottom() {
			axis(y)
			p.addPage()
			p.legend(c, colours)
			gridTop = f.GetY()
			y = gridTop
		}
		p.font(8, ink)
		lines := p.wrap(cat, chartLabelW)
		if len(lines) > 1 && groupHeight(c) < 2*cellLine {
			lines = []string{lines[0] + "…"}
		}
		for k, l := range lines {
			f.SetXY(margin, y+0.5+float64(k)*cellLine)
			f.CellFormat(chartLabelW, cellLine, l, "", 0, "L", false, 0, "")
		}
		x := x0
		for j, s := range c.Series {
			v := s.Values[i]
			w := barW * v / top
			by := y
			if !c.Stacked {
				x = x0
				by = y + float64(j)*chartBarH
			}
			f.SetFillColor(colours[j].r, colours[j].g, colours[j].b)
			if w > 0 {
				f.Rect(x, by+0.4, w, chartBarH-0.8, "F")
			}
			if !c.Stacked {
				p.font(7, ink)
				f.SetXY(x+w+0.5, by)
				f.CellFormat(chartValueW, chartBarH, formatNumber(v), "", 0, "L", false, 0, "")
			}
			x += w
		}
		if c.Stacked {
			p.font(7, ink)
			f.SetXY(x+0.5, y)
			f.CellFormat(chartValueW, chartBarH, formatNumber(total(c, i)), "", 0, "L", false, 0, "")
		}
		y += rowH
	}
	axis(y)
	if c.Alt != "" {
		p.font(8, muted)
		p.paragraph(p.bodyW(), cellLine, c.Alt)
	}
	f.Ln(4)
}

// legend draws a swatch and name per series on one or more lines.
func (p *pdfWriter) legend(c Chart, colours []rgb) {
	f := p.f
	p.font(8, ink)
	x, y := margin, f.GetY()
	for i, s := range c.Series {
		w := f.GetStringWidth(s.Name) + 9
		if x+w > p.pageW()-margin {
			x, y = margin, y+5
		}
		f.SetFillColor(colours[i].r, colours[i].g, colours[i].b)
		f.Rect(x, y+1, 3.5, 3.5, "F")
		f.SetXY(x+4, y)
		f.CellFormat(w-4, 5.5, s.Name, "", 0, "L", false, 0, "")
		x += w
	}
	f.SetY(y + legendH)
}

// svgChart draws c as an SVG image for HTML reports, with the title and text
// alternative as its accessible name and description.
func svgChart(c Chart, id string) string {
	const k = 4.0 // SVG units per millimetre
	colours := seriesColours(c)
	top, ticks := scale(c)
	barW := bodyW - chartLabelW - chartValueW
	rowH := groupHeight(c) + chartGap
	height := float64(len(c.Categories))*rowH + chartAxisH + legendH
	out := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="%[1]s-t %[1]s-d" viewBox="0 0 %[2]g %[3]g" width="100%%" style="max-width:%[2]gpx" font-size="%[4]g">`+
		`<title id="%[1]s-t">%[5]s</title><desc id="%[1]s-d">%[6]s</desc>`,
		id, bodyW*k, height*k, 3*k, esc(c.Title), esc(c.Alt))
	x := 0.0
	for i, s := range c.Series {
		w := float64(len([]rune(s.Name)))*3.2 + 10
		out += fmt.Sprintf(`<rect x="%g" y="%g" width="%g" height="%g" fill="%s"/><text x="%g" y="%g">%s</text>`,
			x*k, 1*k, 3.5*k, 3.5*k, colours[i].hex(), (x+4.5)*k, 4*k, esc(s.Name))
		x += w
	}
	y0 := legendH
	bottom := y0 + float64(len(c.Categories))*rowH
	for _, t := range ticks {
		x := chartLabelW + barW*t/top
		out += fmt.Sprintf(`<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="%s"/><text x="%g" y="%g" text-anchor="middle" fill="%s">%s</text>`,
			x*k, y0*k, x*k, bottom*k, rule.hex(), x*k, (bottom+4)*k, muted.hex(), formatNumber(t))
	}
	for i, cat := range c.Categories {
		y := y0 + float64(i)*rowH
		out += fmt.Sprintf(`<text x="0" y="%g">%s</text>`, (y+3.8)*k, esc(cat))
		x := chartLabelW
		for j, s := range c.Series {
			v := s.Values[i]
			w := barW * v / top
			by := y
			if !c.Stacked {
				x = chartLabelW
				by = y + float64(j)*chartBarH
			}
			out += fmt.Sprintf(`<rect x="%g" y="%g" width="%g" height="%g" fill="%s"><title>%s: %s</title></rect>`,
				x*k, (by+0.4)*k, w*k, (chartBarH-0.8)*k, colours[j].hex(), esc(s.Name), formatNumber(v))
			if !c.Stacked {
				out += fmt.Sprintf(`<text x="%g" y="%g">%s</text>`, (x+w+0.5)*k, (by+3.8)*k, formatNumber(v))
			}
			x += w
		}
		if c.Stacked {
			out += fmt.Sprintf(`<text x="%g" y="%g">%s</text>`, (x+0.5)*k, (y+3.8)*k, formatNumber(total(c, i)))
		}
	}
	return out + `</svg>`
}

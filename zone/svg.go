package zone

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// DiagramLabels are the words of the diagram, already translated by the caller.
type DiagramLabels struct {
	Title string
	// Kinds names the zone kinds ("Internet", "院內系統網路", "工控區", ...); a missing kind
	// shows its code.
	Kinds map[Kind]string
	// Classes names the classes; Unclassified heads assets without a class.
	Classes      map[Class]string
	Unclassified string
	// More is written after the names shown when a group has more assets, with {n}
	// replaced by the count left out ("+{n} more").
	More string
	// Violations labels a red arrow of flows outside any conduit, {n} replaced by the count
	// ("{n} flows without conduit").
	Violations string
	// Legend entries.
	LegendConduit, LegendViolation string
	// Unplaced heads the box of the assets that no zone holds ("Not in any zone"): a
	// finding to fix, drawn apart from every zone, never inside the Internet zone.
	Unplaced string
}

// Diagram is the network template of [000 附圖二] drawn from a hospital's data: zones as
// nested boxes (Internet, intranet, OT zone, local LANs), the assets of each zone grouped by
// class, conduits as arrows between zones, and in red the conduits flagged by a review and
// the flows that no conduit allows.
type Diagram struct {
	Model *Model
	// Levels, when set, shows each zone's SL.
	Levels map[int64]ZoneLevel
	// Violations are drawn as red dashed arrows, one per zone pair.
	Violations []Violation
	// Flagged conduits are drawn in red (for example those a review found broader than
	// needed, or those breaking a rule).
	Flagged map[int64]bool
	Labels  DiagramLabels
}

// Colours of the diagram.
const (
	colorConduit   = "#37474f"
	colorViolation = "#d32f2f"
)

var kindFill = map[Kind]string{
	KindInternet: "#fff8e1", KindIntranet: "#e3f2fd", KindOT: "#e8f5e9",
}

const (
	pad      = 14.0
	headerH  = 38.0
	lineH    = 15.0
	groupW   = 170.0
	maxNames = 6
	minZoneW = 230.0
	charW    = 7.0
	legendH  = 60.0
	titleH   = 34.0
	// childGap leaves room for arrows between sibling zones.
	childGap = 56.0
)

type box struct {
	zone Zone
	// unplaced marks the box of assets in no zone.
	unplaced bool
	x, y     float64
	w, h     float64
	groups   []group
	children []*box
	parent   *box
}

type group struct {
	label string
	names []string
	more  int
}

func (g group) height() float64 {
	n := len(g.names) + 1
	if g.more > 0 {
		n++
	}
	return float64(n)*lineH + 10
}

// WriteSVG writes the diagram as an SVG document. Names and labels are escaped; the
// output is well-formed XML.
func (d Diagram) WriteSVG(w io.Writer) error {
	if d.Model == nil {
		return fmt.Errorf("write diagram: no model")
	}
	m := d.Model
	boxes := map[int64]*box{}
	for _, z := range m.Zones {
		boxes[z.ID] = &box{zone: z}
	}
	var roots []*box
	for _, z := range m.Zones {
		b := boxes[z.ID]
		if p, ok := boxes[z.Parent]; ok && z.Parent != z.ID {
			b.parent = p
			p.children = append(p.children, b)
		} else {
			roots = append(roots, b)
		}
	}
	order := func(a, b *box) int {
		return cmp.Or(cmp.Compare(slices.Index(Kinds, a.zone.Kind), slices.Index(Kinds, b.zone.Kind)), cmp.Compare(a.zone.ID, b.zone.ID))
	}
	slices.SortFunc(roots, order)
	for _, b := range boxes {
		slices.SortFunc(b.children, order)
	}
	// Asset groups by class, in model order. Assets in no zone get a box of their own.
	members := map[int64]map[Class][]string{}
	unplaced := map[Class][]string{}
	for _, a := range m.Assets {
		if _, ok := boxes[a.Zone]; !ok {
			if a.Zone == 0 {
				unplaced[a.Class] = append(unplaced[a.Class], a.Name)
			}
			continue
		}
		if members[a.Zone] == nil {
			members[a.Zone] = map[Class][]string{}
		}
		members[a.Zone][a.Class] = append(members[a.Zone][a.Class], a.Name)
	}
	for id, b := range boxes {
		b.groups = d.groups(members[id])
	}
	if len(unplaced) > 0 {
		roots = append(roots, &box{zone: Zone{Name: cmp.Or(d.Labels.Unplaced, "Not in any zone")}, unplaced: true, groups: d.groups(unplaced)})
	}
	for _, r := range roots {
		measure(r)
	}
	// Root zones stack from the Internet inwards, as in the template.
	width := 0.0
	for _, r := range roots {
		width = max(width, r.w)
	}
	y := titleH + pad
	for _, r := range roots {
		place(r, pad, y)
		y += r.h + 3*pad
	}
	width += 2 * pad
	height := y + legendH

	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="sans-serif" font-size="12" role="img">`+"\n",
		num(width), num(height), num(width), num(height))
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(d.Labels.Title))
	b.WriteString(`<defs>`)
	for _, mk := range []struct{ id, color string }{{"arrow", colorConduit}, {"arrow-red", colorViolation}} {
		fmt.Fprintf(&b, `<marker id="%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`, mk.id, mk.color)
	}
	b.WriteString("</defs>\n")
	fmt.Fprintf(&b, `<text x="%s" y="22" font-size="16" font-weight="bold">%s</text>`+"\n", num(pad), esc(d.Labels.Title))
	for _, r := range roots {
		d.drawZone(&b, r)
	}
	d.drawConduits(&b, boxes)
	d.drawViolations(&b, boxes)
	// Legend.
	ly := height - legendH + 20
	fmt.Fprintf(&b, `<g class="legend"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" marker-end="url(#arrow)"/><text x="%s" y="%s">%s</text>`,
		num(pad), num(ly), num(pad+40), num(ly), colorConduit, num(pad+48), num(ly+4), esc(d.Labels.LegendConduit))
	fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4" marker-end="url(#arrow-red)"/><text x="%s" y="%s" fill="%s">%s</text></g>`+"\n",
		num(pad), num(ly+22), num(pad+40), num(ly+22), colorViolation, num(pad+48), num(ly+26), colorViolation, esc(d.Labels.LegendViolation))
	b.WriteString("</svg>\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write diagram: %w", err)
	}
	return nil
}

// groups returns the class groups of a box's assets, in the order of Classes, the
// unclassified last.
func (d Diagram) groups(members map[Class][]string) []group {
	var out []group
	for _, c := range append(slices.Clone(Classes), "") {
		names := members[c]
		if len(names) == 0 {
			continue
		}
		label := d.Labels.Classes[c]
		if c == "" {
			label = d.Labels.Unclassified
		}
		if label == "" {
			label = string(c)
		}
		g := group{label: label}
		if len(names) > maxNames {
			g.names, g.more = names[:maxNames-1], len(names)-(maxNames-1)
		} else {
			g.names = names
		}
		out = append(out, g)
	}
	return out
}

// measure computes a box's size: a header, a row of asset groups, then a row of children.
func measure(b *box) {
	gw, gh := 0.0, 0.0
	for _, g := range b.groups {
		gw += groupW + pad
		gh = max(gh, g.height())
	}
	cw, ch := 0.0, 0.0
	for _, c := range b.children {
		measure(c)
		cw += c.w + childGap
		ch = max(ch, c.h)
	}
	title := float64(len([]rune(b.zone.Name)))*charW*1.4 + 2*pad
	b.w = max(minZoneW, title, gw+pad, cw+2*pad-childGap)
	b.h = headerH + pad
	if gh > 0 {
		b.h += gh + pad
	}
	if ch > 0 {
		b.h += ch + pad
	}
}

func place(b *box, x, y float64) {
	b.x, b.y = x, y
	cy := y + headerH
	gh := 0.0
	for _, g := range b.groups {
		gh = max(gh, g.height())
	}
	if gh > 0 {
		cy += gh + pad
	}
	cx := x + pad
	for _, c := range b.children {
		place(c, cx, cy)
		cx += c.w + childGap
	}
}

func (d Diagram) drawZone(b *strings.Builder, z *box) {
	fill := kindFill[z.zone.Kind]
	if fill == "" {
		fill = "#f3e5f5" // trusted connections
	}
	dash, stroke := "", "#546e7a"
	if z.zone.Kind.Trusted() {
		dash = ` stroke-dasharray="4 3"`
	}
	if z.unplaced {
		fill, stroke, dash = "#eceff1", colorViolation, ` stroke-dasharray="6 4"`
		b.WriteString(`<g class="zone unplaced" id="unplaced">`)
	} else {
		fmt.Fprintf(b, `<g class="zone" id="zone-%d" data-kind="%s">`, z.zone.ID, esc(string(z.zone.Kind)))
	}
	fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" rx="8" fill="%s" stroke="%s"%s/>`,
		num(z.x), num(z.y), num(z.w), num(z.h), fill, stroke, dash)
	fmt.Fprintf(b, `<text x="%s" y="%s" font-weight="bold" font-size="14">%s</text>`, num(z.x+pad), num(z.y+18), esc(z.zone.Name))
	sub := d.Labels.Kinds[z.zone.Kind]
	if sub == "" {
		sub = string(z.zone.Kind)
	}
	if lv, ok := d.Levels[z.zone.ID]; ok && lv.Known() {
		sub += " · " + lv.SL.String()
	}
	fmt.Fprintf(b, `<text x="%s" y="%s" fill="#546e7a">%s</text>`, num(z.x+pad), num(z.y+32), esc(sub))
	gx := z.x + pad
	for _, g := range z.groups {
		gy := z.y + headerH
		fmt.Fprintf(b, `<g class="class-group"><rect x="%s" y="%s" width="%s" height="%s" rx="4" fill="#ffffff" stroke="#b0bec5"/>`,
			num(gx), num(gy), num(groupW), num(g.height()))
		fmt.Fprintf(b, `<text x="%s" y="%s" font-weight="bold">%s</text>`, num(gx+6), num(gy+lineH), esc(g.label))
		for i, n := range g.names {
			fmt.Fprintf(b, `<text x="%s" y="%s">%s</text>`, num(gx+10), num(gy+lineH*float64(i+2)), esc(clip(n, 22)))
		}
		if g.more > 0 {
			more := strings.ReplaceAll(cmp.Or(d.Labels.More, "+{n}"), "{n}", strconv.Itoa(g.more))
			fmt.Fprintf(b, `<text x="%s" y="%s" fill="#546e7a">%s</text>`, num(gx+10), num(gy+lineH*float64(len(g.names)+2)), esc(more))
		}
		b.WriteString("</g>")
		gx += groupW + pad
	}
	b.WriteString("</g>\n")
	for _, c := range z.children {
		d.drawZone(b, c)
	}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// endpoints returns where an arrow between two zone boxes starts and ends, shifted
// sideways by off so that parallel arrows do not overlap.
func endpoints(a, b *box, off float64) (x1, y1, x2, y2 float64) {
	contains := func(o, i *box) bool {
		for p := i.parent; p != nil; p = p.parent {
			if p == o {
				return true
			}
		}
		return false
	}
	switch {
	case contains(b, a): // into the enclosing zone: up to its header
		return a.x + a.w/2 + off, a.y, a.x + a.w/2 + off, b.y + headerH - 4
	case contains(a, b):
		return b.x + b.w/2 + off, a.y + headerH - 4, b.x + b.w/2 + off, b.y
	}
	ax, ay := a.x+a.w/2, a.y+a.h/2
	bx, by := b.x+b.w/2, b.y+b.h/2
	x1, y1 = clipToBox(ax, ay, bx, by, a)
	x2, y2 = clipToBox(bx, by, ax, ay, b)
	// Shift perpendicular to the line.
	dx, dy := x2-x1, y2-y1
	l := math.Hypot(dx, dy)
	if l > 0 {
		x1, y1, x2, y2 = x1-dy/l*off, y1+dx/l*off, x2-dy/l*off, y2+dx/l*off
	}
	return
}

// clipToBox moves (x, y), the centre of b, along the line towards (tx, ty) to b's border.
func clipToBox(x, y, tx, ty float64, b *box) (float64, float64) {
	dx, dy := tx-x, ty-y
	if dx == 0 && dy == 0 {
		return x, y
	}
	t := math.Inf(1)
	if dx != 0 {
		t = min(t, (b.w/2)/math.Abs(dx))
	}
	if dy != 0 {
		t = min(t, (b.h/2)/math.Abs(dy))
	}
	t = min(t, 1)
	return x + dx*t, y + dy*t
}

func (d Diagram) drawConduits(b *strings.Builder, boxes map[int64]*box) {
	seen := map[[2]int64]int{}
	for _, c := range d.Model.Conduits {
		fb, tb := boxes[c.From], boxes[c.To]
		if fb == nil || tb == nil {
			continue
		}
		k := [2]int64{c.From, c.To}
		n := seen[k]
		off := float64(n) * 12
		seen[k]++
		x1, y1, x2, y2 := endpoints(fb, tb, off)
		color, marker, class := colorConduit, "arrow", "conduit"
		if d.Flagged[c.ID] {
			color, marker, class = colorViolation, "arrow-red", "conduit flagged"
		}
		label := conduitLabel(c)
		fmt.Fprintf(b, `<g class="%s" id="conduit-%d"><title>%s</title>`, class, c.ID, esc(c.Name+": "+label))
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" marker-end="url(#%s)"/>`,
			num(x1), num(y1), num(x2), num(y2), color, marker)
		// Labels of parallel arrows sit at different points along them.
		t := 0.3 + 0.2*float64(n%3)
		fmt.Fprintf(b, `<text x="%s" y="%s" fill="%s" font-size="11"%s>%s</text></g>`+"\n",
			num(x1+(x2-x1)*t+6), num(y1+(y2-y1)*t), color, halo, esc(label))
	}
}

// halo keeps labels readable where they cross lines and boxes.
const halo = ` stroke="#ffffff" stroke-width="3" paint-order="stroke"`

func conduitLabel(c Conduit) string {
	s := string(c.Protocol)
	if len(c.Ports) > 0 {
		ps := make([]string, len(c.Ports))
		for i, p := range c.Ports {
			ps[i] = p.String()
		}
		s += " " + strings.Join(ps, ",")
	}
	if c.App != "" {
		s += " (" + c.App + ")"
	}
	return s
}

func (d Diagram) drawViolations(b *strings.Builder, boxes map[int64]*box) {
	count := map[[2]int64]int{}
	var pairs [][2]int64
	for _, v := range d.Violations {
		if v.SrcZone == 0 || v.DstZone == 0 || v.SrcZone == v.DstZone {
			continue
		}
		k := [2]int64{v.SrcZone, v.DstZone}
		if count[k] == 0 {
			pairs = append(pairs, k)
		}
		count[k]++
	}
	for _, k := range pairs {
		fb, tb := boxes[k[0]], boxes[k[1]]
		if fb == nil || tb == nil {
			continue
		}
		x1, y1, x2, y2 := endpoints(fb, tb, -10)
		label := strings.ReplaceAll(cmp.Or(d.Labels.Violations, "{n}"), "{n}", strconv.Itoa(count[k]))
		fmt.Fprintf(b, `<g class="violation" id="violation-%d-%d"><title>%s</title>`, k[0], k[1], esc(label))
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4" marker-end="url(#arrow-red)"/>`,
			num(x1), num(y1), num(x2), num(y2), colorViolation)
		fmt.Fprintf(b, `<text x="%s" y="%s" fill="%s" font-size="11"%s>%s</text></g>`+"\n",
			num(x1+(x2-x1)*0.6+6), num(y1+(y2-y1)*0.6+12), colorViolation, halo, esc(label))
	}
}

func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

func esc(s string) string {
	var b strings.Builder
	// Drop characters XML 1.0 cannot carry at all; EscapeText replaces the rest.
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF) {
			return r
		}
		return -1
	}, s)
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

package zone

import (
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/width"
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
	// Conduits labels one arrow standing for several conduits between two zones, {n}
	// replaced by the count ("{n} conduits").
	Conduits string
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
//
// The drawing reads at any size: text widths are measured per character (East Asian wide
// characters a full em, by Unicode's East Asian Width) and each text is drawn at exactly
// that width (SVG textLength), so no label runs into another; arrow labels are placed
// where they touch no other text and cross no box border, or else listed under the
// diagram; sibling zones wrap into rows. A large drawing (more than CollapseZones zones or
// CollapseAssets assets) collapses to zone level: each class group shows its count
// instead of names, the conduits between two zones become one arrow, and each zone links
// to its own drawing (ZoneLink, Focus).
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
	// Focus, when not 0, draws only that zone and the zones inside it, with the conduits
	// and violations between them.
	Focus int64
	// ZoneLink, when set, makes each zone of a collapsed drawing a link: "{id}" is replaced
	// by the zone's ID (for example "/zones/diagram?site=1&zone={id}").
	ZoneLink string
}

// A drawing collapses to zone level above these sizes.
const (
	CollapseZones  = 24
	CollapseAssets = 400
)

// Colours of the diagram.
const (
	colorConduit   = "#37474f"
	colorViolation = "#d32f2f"
	colorMuted     = "#546e7a"
)

var kindFill = map[Kind]string{
	KindInternet: "#fff8e1", KindIntranet: "#e3f2fd", KindOT: "#e8f5e9",
}

// Sizes in SVG user units (pixels at 100 %).
const (
	pad       = 14.0
	headerH   = 46.0
	lineH     = 18.0
	groupW    = 180.0
	maxGroups = 5 // class groups side by side before they wrap
	maxNames  = 6
	minZoneW  = 230.0
	legendH   = 64.0
	titleH    = 34.0
	childGap  = 64.0   // between sibling zones in a row: room for arrows and their labels
	rowGap    = 56.0   // between rows of sibling zones
	maxRowW   = 1400.0 // sibling zones wrap into a new row past this width
	textSize  = 12.0
	titleSize = 14.0
	arrowSize = 11.0
)

// textWidth is the width of s drawn at size: a full em for East Asian wide and fullwidth
// characters (CJK, kana, fullwidth forms), less for Latin letters by their shape. Text is
// drawn with this width as its textLength, so the layout and the browser agree.
func textWidth(s string, size float64, bold bool) float64 {
	em := 0.0
	for _, r := range s {
		switch k := width.LookupRune(r).Kind(); {
		case k == width.EastAsianWide || k == width.EastAsianFullwidth:
			em += 1
		case strings.ContainsRune(" .,:;|!'()[]ijlItf", r):
			em += 0.34
		case strings.ContainsRune("mwMW@%", r):
			em += 0.9
		case unicode.IsUpper(r) || unicode.IsDigit(r):
			em += 0.68
		default:
			em += 0.58
		}
	}
	if bold {
		em *= 1.08
	}
	return em * size
}

// clipWidth shortens s with "…" to fit within w at size.
func clipWidth(s string, w, size float64) string {
	if textWidth(s, size, false) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && textWidth(string(r)+"…", size, false) > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// rect is an axis-aligned rectangle.
type rect struct{ x, y, w, h float64 }

func (r rect) grow(m float64) rect { return rect{r.x - m, r.y - m, r.w + 2*m, r.h + 2*m} }

func (r rect) overlaps(o rect) bool {
	return r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h
}

func (r rect) inside(o rect) bool {
	return r.x >= o.x && r.y >= o.y && r.x+r.w <= o.x+o.w && r.y+r.h <= o.y+o.h
}

// textRect is the box a text takes around its baseline (x, y): the tallest fonts used for
// CJK rise 1.16 em above the baseline and fall 0.29 em below.
func textRect(x, y, w, size float64) rect {
	return rect{x, y - 1.16*size, w, 1.45 * size}
}

type box struct {
	zone Zone
	// unplaced marks the box of assets in no zone.
	unplaced bool
	x, y     float64
	w, h     float64
	groups   []group
	children []*box
	rows     [][]*box // children by row
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

// drawing holds what is drawn so far and what labels must keep clear of.
type drawing struct {
	d         Diagram
	collapsed bool
	b         strings.Builder
	// texts are the boxes of every text drawn; frames are the zone and group boxes, which
	// a label must lie wholly inside or wholly outside of.
	texts, frames []rect
	// key lists the arrow labels that found no free place next to their arrow.
	key []string
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
	if d.Focus != 0 {
		f, ok := boxes[d.Focus]
		if !ok {
			return fmt.Errorf("write diagram: zone %d: %w", d.Focus, ErrNoZone)
		}
		roots = []*box{f}
		boxes = map[int64]*box{}
		var keep func(b *box)
		keep = func(b *box) {
			boxes[b.zone.ID] = b
			for _, c := range b.children {
				keep(c)
			}
		}
		keep(f)
	}
	// Asset groups by class, in model order. Assets in no zone get a box of their own
	// (not in a focused drawing).
	members := map[int64]map[Class][]string{}
	unplaced := map[Class][]string{}
	assets := 0
	for _, a := range m.Assets {
		if _, ok := boxes[a.Zone]; !ok {
			if a.Zone == 0 && d.Focus == 0 {
				unplaced[a.Class] = append(unplaced[a.Class], a.Name)
				assets++
			}
			continue
		}
		assets++
		if members[a.Zone] == nil {
			members[a.Zone] = map[Class][]string{}
		}
		members[a.Zone][a.Class] = append(members[a.Zone][a.Class], a.Name)
	}
	dr := &drawing{d: d, collapsed: len(boxes) > CollapseZones || assets > CollapseAssets}
	for id, b := range boxes {
		b.groups = dr.groups(members[id])
	}
	if len(unplaced) > 0 {
		roots = append(roots, &box{zone: Zone{Name: cmp.Or(d.Labels.Unplaced, "Not in any zone")}, unplaced: true, groups: dr.groups(unplaced)})
	}
	for _, r := range roots {
		measure(r)
	}
	// Root zones stack from the Internet inwards, as in the template.
	width := textWidth(d.Labels.Title, 16, true) + 2*pad
	for _, r := range roots {
		width = max(width, r.w)
	}
	y := titleH + pad
	for _, r := range roots {
		place(r, pad, y)
		y += r.h + rowGap
	}
	width += 2 * pad

	dr.text(pad, 22, 16, true, d.Labels.Title, "")
	for _, r := range roots {
		dr.drawZone(r)
	}
	dr.drawViolations(boxes)
	dr.drawConduits(boxes)
	// Labels that found no place next to their arrow, then the legend.
	for _, k := range dr.key {
		y += lineH
		width = max(width, textWidth(k, arrowSize, false)+2*pad)
		dr.text(pad, y, arrowSize, false, k, ` class="key"`)
	}
	ly := y + 20
	fmt.Fprintf(&dr.b, `<g class="legend"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" marker-end="url(#arrow)"/>`,
		num(pad), num(ly), num(pad+40), num(ly), colorConduit)
	dr.text(pad+48, ly+4, textSize, false, d.Labels.LegendConduit, "")
	fmt.Fprintf(&dr.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4" marker-end="url(#arrow-red)"/>`,
		num(pad), num(ly+22), num(pad+40), num(ly+22), colorViolation)
	dr.text(pad+48, ly+26, textSize, false, d.Labels.LegendViolation, ` fill="`+colorViolation+`"`)
	dr.b.WriteString("</g>\n")
	height := ly + legendH - 20

	var out strings.Builder
	out.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	// A picture is one image to assistive technology; a collapsed one holds links to the
	// zones' own drawings, which must stay reachable.
	role := `role="img"`
	if dr.collapsed && d.ZoneLink != "" {
		role = `role="group" aria-label="` + esc(d.Labels.Title) + `"`
	}
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="sans-serif" font-size="12" %s data-collapsed="%t">`+"\n",
		num(width), num(height), num(width), num(height), role, dr.collapsed)
	fmt.Fprintf(&out, "<title>%s</title>\n", esc(d.Labels.Title))
	out.WriteString(`<defs>`)
	for _, mk := range []struct{ id, color string }{{"arrow", colorConduit}, {"arrow-red", colorViolation}} {
		fmt.Fprintf(&out, `<marker id="%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>`, mk.id, mk.color)
	}
	out.WriteString("</defs>\n")
	out.WriteString(dr.b.String())
	out.WriteString("</svg>\n")
	if _, err := io.WriteString(w, out.String()); err != nil {
		return fmt.Errorf("write diagram: %w", err)
	}
	return nil
}

// ErrNoZone is returned by WriteSVG for a Focus the model does not hold.
var ErrNoZone = errors.New("no such zone")

// text draws s with its baseline at (x, y), exactly as wide as textWidth measures it, and
// keeps its box clear of the labels placed later.
func (dr *drawing) text(x, y, size float64, bold bool, s, attrs string) rect {
	w := textWidth(s, size, bold)
	if s == "" {
		return rect{x, y, 0, 0}
	}
	weight := ""
	if bold {
		weight = ` font-weight="bold"`
	}
	fmt.Fprintf(&dr.b, `<text x="%s" y="%s" font-size="%s"%s textLength="%s" lengthAdjust="spacingAndGlyphs"%s>%s</text>`,
		num(x), num(y), num(size), weight, num(w), attrs, esc(s))
	r := textRect(x, y, w, size)
	dr.texts = append(dr.texts, r)
	return r
}

// groups returns the class groups of a box's assets, in the order of Classes, the
// unclassified last. A collapsed drawing gives each group its count, not its names.
func (dr *drawing) groups(members map[Class][]string) []group {
	var out []group
	for _, c := range append(slices.Clone(Classes), "") {
		names := members[c]
		if len(names) == 0 {
			continue
		}
		label := dr.d.Labels.Classes[c]
		if c == "" {
			label = dr.d.Labels.Unclassified
		}
		if label == "" {
			label = string(c)
		}
		g := group{label: label}
		switch {
		case dr.collapsed:
			g.label += ": " + strconv.Itoa(len(names))
		case len(names) > maxNames:
			g.names, g.more = names[:maxNames-1], len(names)-(maxNames-1)
		default:
			g.names = names
		}
		out = append(out, g)
	}
	return out
}

// groupsSize is the size of a box's class groups, maxGroups to a row.
func groupsSize(gs []group) (w, h float64) {
	for i := 0; i < len(gs); i += maxGroups {
		row := gs[i:min(i+maxGroups, len(gs))]
		rh := 0.0
		for _, g := range row {
			rh = max(rh, g.height())
		}
		w = max(w, float64(len(row))*(groupW+pad)-pad)
		h += rh + pad
	}
	return w, h
}

// measure computes a box's size: a header, its class groups, then its children in rows.
func measure(b *box) {
	gw, gh := groupsSize(b.groups)
	b.rows = nil
	rowW, cw, ch := 0.0, 0.0, 0.0
	var row []*box
	for _, c := range b.children {
		measure(c)
		if len(row) > 0 && rowW+childGap+c.w > maxRowW {
			b.rows = append(b.rows, row)
			row, rowW = nil, 0
		}
		if len(row) > 0 {
			rowW += childGap
		}
		row = append(row, c)
		rowW += c.w
		cw = max(cw, rowW)
	}
	if len(row) > 0 {
		b.rows = append(b.rows, row)
	}
	for _, r := range b.rows {
		rh := 0.0
		for _, c := range r {
			rh = max(rh, c.h)
		}
		ch += rh + rowGap
	}
	title := textWidth(b.zone.Name, titleSize, true) + 2*pad
	b.w = max(minZoneW, title, gw+2*pad, cw+2*pad)
	b.h = headerH + gh + ch
	if ch == 0 {
		b.h += pad
	}
}

func place(b *box, x, y float64) {
	b.x, b.y = x, y
	_, gh := groupsSize(b.groups)
	cy := y + headerH + gh
	if gh > 0 {
		cy += rowGap - pad
	}
	for _, r := range b.rows {
		cx, rh := x+pad, 0.0
		for _, c := range r {
			place(c, cx, cy)
			cx += c.w + childGap
			rh = max(rh, c.h)
		}
		cy += rh + rowGap
	}
}

func (dr *drawing) drawZone(z *box) {
	d := dr.d
	fill := kindFill[z.zone.Kind]
	if fill == "" {
		fill = "#f3e5f5" // trusted connections
	}
	dash, stroke := "", colorMuted
	if z.zone.Kind.Trusted() {
		dash = ` stroke-dasharray="4 3"`
	}
	link := ""
	if dr.collapsed && d.ZoneLink != "" && !z.unplaced {
		link = strings.ReplaceAll(d.ZoneLink, "{id}", strconv.FormatInt(z.zone.ID, 10))
		fmt.Fprintf(&dr.b, `<a href="%s">`, esc(link))
	}
	if z.unplaced {
		fill, stroke, dash = "#eceff1", colorViolation, ` stroke-dasharray="6 4"`
		dr.b.WriteString(`<g class="zone unplaced" id="unplaced">`)
	} else {
		fmt.Fprintf(&dr.b, `<g class="zone" id="zone-%d" data-kind="%s">`, z.zone.ID, esc(string(z.zone.Kind)))
	}
	fmt.Fprintf(&dr.b, `<rect x="%s" y="%s" width="%s" height="%s" rx="8" fill="%s" stroke="%s"%s/>`,
		num(z.x), num(z.y), num(z.w), num(z.h), fill, stroke, dash)
	dr.frames = append(dr.frames, rect{z.x, z.y, z.w, z.h})
	dr.text(z.x+pad, z.y+20, titleSize, true, z.zone.Name, "")
	sub := d.Labels.Kinds[z.zone.Kind]
	if sub == "" {
		sub = string(z.zone.Kind)
	}
	if lv, ok := d.Levels[z.zone.ID]; ok && lv.Known() {
		sub += " · " + lv.SL.String()
	}
	dr.text(z.x+pad, z.y+39, textSize, false, sub, ` fill="`+colorMuted+`"`)
	gy := z.y + headerH
	for i := 0; i < len(z.groups); i += maxGroups {
		row := z.groups[i:min(i+maxGroups, len(z.groups))]
		gx, rh := z.x+pad, 0.0
		for _, g := range row {
			fmt.Fprintf(&dr.b, `<g class="class-group"><rect x="%s" y="%s" width="%s" height="%s" rx="4" fill="#ffffff" stroke="#b0bec5"/>`,
				num(gx), num(gy), num(groupW), num(g.height()))
			dr.frames = append(dr.frames, rect{gx, gy, groupW, g.height()})
			dr.texts = append(dr.texts, rect{gx, gy, groupW, g.height()})
			dr.text(gx+6, gy+lineH, textSize, true, clipWidth(g.label, groupW-12, textSize*1.08), "")
			for i, n := range g.names {
				dr.text(gx+10, gy+lineH*float64(i+2), textSize, false, clipWidth(n, groupW-16, textSize), "")
			}
			if g.more > 0 {
				more := strings.ReplaceAll(cmp.Or(d.Labels.More, "+{n}"), "{n}", strconv.Itoa(g.more))
				dr.text(gx+10, gy+lineH*float64(len(g.names)+2), textSize, false, clipWidth(more, groupW-16, textSize), ` fill="`+colorMuted+`"`)
			}
			dr.b.WriteString("</g>")
			gx += groupW + pad
			rh = max(rh, g.height())
		}
		gy += rh + pad
	}
	dr.b.WriteString("</g>")
	if link != "" {
		dr.b.WriteString("</a>")
	}
	dr.b.WriteString("\n")
	for _, c := range z.children {
		dr.drawZone(c)
	}
}

// contains reports whether zone box o encloses i.
func contains(o, i *box) bool {
	for p := i.parent; p != nil; p = p.parent {
		if p == o {
			return true
		}
	}
	return false
}

// endpoints returns where an arrow from box a to box b starts and ends, shifted sideways
// by off so that parallel arrows do not overlap. The start lies on a's border and the end
// on b's (for a zone and the zone enclosing it: below the enclosing zone's header).
func endpoints(a, b *box, off float64) (x1, y1, x2, y2 float64) {
	switch {
	case contains(b, a): // into the enclosing zone: up to its header
		x := a.x + a.w/2 + clampOff(off, a)
		return x, a.y, x, b.y + headerH - 4
	case contains(a, b):
		x := b.x + b.w/2 + clampOff(off, b)
		return x, a.y + headerH - 4, x, b.y
	}
	ax, ay := a.x+a.w/2, a.y+a.h/2
	bx, by := b.x+b.w/2, b.y+b.h/2
	dx, dy := bx-ax, by-ay
	l := math.Hypot(dx, dy)
	if l == 0 {
		return ax, ay, bx, by
	}
	o := min(clampOff(off, a), clampOff(off, b))
	if off < 0 {
		o = max(clampOff(off, a), clampOff(off, b))
	}
	nx, ny := -dy/l*o, dx/l*o
	x1, y1 = toBorder(ax+nx, ay+ny, dx, dy, a)
	x2, y2 = toBorder(bx+nx, by+ny, -dx, -dy, b)
	return
}

// clampOff keeps a sideways shift well inside box b.
func clampOff(off float64, b *box) float64 {
	lim := min(b.w, b.h)/2 - 6
	return max(-lim, min(lim, off))
}

// toBorder moves (x, y), inside b, along (dx, dy) to b's border.
func toBorder(x, y, dx, dy float64, b *box) (float64, float64) {
	t := math.Inf(1)
	if dx > 0 {
		t = min(t, (b.x+b.w-x)/dx)
	} else if dx < 0 {
		t = min(t, (b.x-x)/dx)
	}
	if dy > 0 {
		t = min(t, (b.y+b.h-y)/dy)
	} else if dy < 0 {
		t = min(t, (b.y-y)/dy)
	}
	if math.IsInf(t, 1) {
		return x, y
	}
	return x + dx*t, y + dy*t
}

// label places an arrow's label next to the line from (x1, y1) to (x2, y2), where it
// touches no text and crosses no box border; it reports false when there is no such place.
func (dr *drawing) label(x1, y1, x2, y2 float64, s, attrs string) bool {
	w := textWidth(s, arrowSize, false)
	l := math.Hypot(x2-x1, y2-y1)
	if l == 0 {
		return false
	}
	nx, ny := -(y2-y1)/l, (x2-x1)/l
	for _, t := range []float64{.5, .4, .6, .3, .7, .2, .8, .15, .85} {
		for _, o := range []float64{0, 12, -12, 24, -24, 36, -36} {
			cx, cy := x1+(x2-x1)*t+nx*o, y1+(y2-y1)*t+ny*o
			x, y := cx-w/2, cy+arrowSize*0.4
			r := textRect(x, y, w, arrowSize)
			if r.x < 0 || r.y < 0 || !dr.free(r.grow(2)) {
				continue
			}
			dr.text(x, y, arrowSize, false, s, attrs)
			return true
		}
	}
	return false
}

// free reports whether r touches no text and lies wholly inside or outside every frame.
func (dr *drawing) free(r rect) bool {
	for _, t := range dr.texts {
		if r.overlaps(t) {
			return false
		}
	}
	for _, f := range dr.frames {
		if r.overlaps(f) && !r.inside(f) {
			return false
		}
	}
	return true
}

func (dr *drawing) drawConduits(boxes map[int64]*box) {
	d := dr.d
	type pair struct{ from, to int64 }
	byPair := map[pair][]Conduit{}
	var pairs []pair
	for _, c := range d.Model.Conduits {
		if boxes[c.From] == nil || boxes[c.To] == nil {
			continue
		}
		k := pair{c.From, c.To}
		if byPair[k] == nil {
			pairs = append(pairs, k)
		}
		byPair[k] = append(byPair[k], c)
	}
	for _, k := range pairs {
		cs := byPair[k]
		// Many conduits between two zones (or any, collapsed) are drawn as one arrow.
		if dr.collapsed || len(cs) > 3 {
			flagged := false
			var names []string
			for _, c := range cs {
				flagged = flagged || d.Flagged[c.ID]
				names = append(names, c.Name+": "+conduitLabel(c))
			}
			label := conduitLabel(cs[0])
			if len(cs) > 1 {
				label = strings.ReplaceAll(cmp.Or(d.Labels.Conduits, "{n}"), "{n}", strconv.Itoa(len(cs)))
			}
			dr.arrow(boxes[k.from], boxes[k.to], 0, flagged, fmt.Sprintf("conduits-%d-%d", k.from, k.to), strings.Join(names, "\n"), label)
			continue
		}
		for n, c := range cs {
			dr.arrow(boxes[c.From], boxes[c.To], float64(n)*12, d.Flagged[c.ID], fmt.Sprintf("conduit-%d", c.ID), c.Name+": "+conduitLabel(c), conduitLabel(c))
		}
	}
}

// arrow draws one conduit arrow with its tooltip and label.
func (dr *drawing) arrow(from, to *box, off float64, flagged bool, id, title, label string) {
	x1, y1, x2, y2 := endpoints(from, to, off)
	color, marker, class := colorConduit, "arrow", "conduit"
	if flagged {
		color, marker, class = colorViolation, "arrow-red", "conduit flagged"
	}
	fmt.Fprintf(&dr.b, `<g class="%s" id="%s" data-from="%d" data-to="%d"><title>%s</title>`, class, id, from.zone.ID, to.zone.ID, esc(title))
	fmt.Fprintf(&dr.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" marker-end="url(#%s)"/>`,
		num(x1), num(y1), num(x2), num(y2), color, marker)
	if !dr.label(x1, y1, x2, y2, label, ` fill="`+color+`"`+halo) {
		dr.key = append(dr.key, from.zone.Name+" → "+to.zone.Name+": "+label)
	}
	dr.b.WriteString("</g>\n")
}

// halo keeps labels readable where they cross lines.
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

func (dr *drawing) drawViolations(boxes map[int64]*box) {
	d := dr.d
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
		fmt.Fprintf(&dr.b, `<g class="violation" id="violation-%d-%d" data-from="%d" data-to="%d"><title>%s</title>`, k[0], k[1], k[0], k[1], esc(label))
		fmt.Fprintf(&dr.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4" marker-end="url(#arrow-red)"/>`,
			num(x1), num(y1), num(x2), num(y2), colorViolation)
		if !dr.label(x1, y1, x2, y2, label, ` fill="`+colorViolation+`"`+halo) {
			dr.key = append(dr.key, fb.zone.Name+" → "+tb.zone.Name+": "+label)
		}
		dr.b.WriteString("</g>\n")
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

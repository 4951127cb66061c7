package zone

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

// VerdictStatus says what the checker decided about a flow.
type VerdictStatus string

// Verdict statuses.
const (
	// VerdictSameZone: both ends are in one zone; flows inside a zone need no conduit.
	VerdictSameZone VerdictStatus = "same-zone"
	// VerdictAllowed: a conduit allows the cross-zone flow.
	VerdictAllowed VerdictStatus = "allowed"
	// VerdictNoConduit: a cross-zone flow no conduit allows.
	VerdictNoConduit VerdictStatus = "no-conduit"
	// VerdictUnplaced: an end is in no zone, so the flow cannot be judged.
	VerdictUnplaced VerdictStatus = "unplaced"
	// VerdictAmbiguous: an end sits in several zones equally.
	VerdictAmbiguous VerdictStatus = "ambiguous"
)

// Verdict is the checker's decision about one flow.
type Verdict struct {
	Status VerdictStatus `json:"status"`
	// SrcZone and DstZone are the ends' zones; 0 when unplaced or ambiguous.
	SrcZone int64 `json:"src_zone,omitempty"`
	DstZone int64 `json:"dst_zone,omitempty"`
	// Conduit is the first conduit (in model order) that allows the flow.
	Conduit int64 `json:"conduit,omitempty"`
}

// Violation codes: the finding codes of flows.
const (
	// FindFlowNoConduit: a cross-zone flow that no conduit allows [000 §6(六), M3].
	FindFlowNoConduit = "flow.no-conduit"
	// FindFlowUnplaced: a flow with an end in no zone.
	FindFlowUnplaced = "flow.unplaced"
	// FindFlowAmbiguous: a flow with an end in several zones.
	FindFlowAmbiguous = "flow.ambiguous-zone"
)

// Violation is a flow the checker could not allow, with the zones and assets at its ends
// (IDs 0 and names "" when unknown).
type Violation struct {
	Code         string `json:"code"`
	Flow         Flow   `json:"flow"`
	SrcZone      int64  `json:"src_zone,omitempty"`
	DstZone      int64  `json:"dst_zone,omitempty"`
	SrcZoneName  string `json:"src_zone_name,omitempty"`
	DstZoneName  string `json:"dst_zone_name,omitempty"`
	SrcAsset     int64  `json:"src_asset,omitempty"`
	DstAsset     int64  `json:"dst_asset,omitempty"`
	SrcAssetName string `json:"src_asset_name,omitempty"`
	DstAssetName string `json:"dst_asset_name,omitempty"`
}

// rangeSet is a compiled address whitelist: sorted, merged intervals per family. An empty
// set with any=true allows every address.
type rangeSet struct {
	any bool
	v4  [][2]uint32
	v6  [][2]u128
}

func compileRanges(rs []Range) rangeSet {
	if len(rs) == 0 {
		return rangeSet{any: true}
	}
	var s rangeSet
	var v6 [][2]u128
	for _, r := range rs {
		lo, hi := fromAddr(r.First), fromAddr(r.Last)
		if r.Is4() {
			s.v4 = append(s.v4, [2]uint32{uint32(lo.lo), uint32(hi.lo)})
		} else {
			v6 = append(v6, [2]u128{lo, hi})
		}
	}
	slices.SortFunc(s.v4, func(a, b [2]uint32) int { return int(int64(a[0]) - int64(b[0])) })
	var m4 [][2]uint32
	for _, iv := range s.v4 {
		if n := len(m4); n > 0 && (iv[0] <= m4[n-1][1] || iv[0] == m4[n-1][1]+1) {
			m4[n-1][1] = max(m4[n-1][1], iv[1])
			continue
		}
		m4 = append(m4, iv)
	}
	s.v4 = m4
	slices.SortFunc(v6, func(a, b [2]u128) int { return a[0].cmp(b[0]) })
	for _, iv := range v6 {
		if n := len(s.v6); n > 0 && !s.v6[n-1][1].less(iv[0]) {
			if s.v6[n-1][1].less(iv[1]) {
				s.v6[n-1][1] = iv[1]
			}
			continue
		}
		s.v6 = append(s.v6, iv)
	}
	return s
}

func (s *rangeSet) contains4(v uint32) bool {
	if s.any {
		return true
	}
	iv := s.v4
	if len(iv) <= 8 {
		for _, r := range iv {
			if v < r[0] {
				return false
			}
			if v <= r[1] {
				return true
			}
		}
		return false
	}
	i := sort.Search(len(iv), func(i int) bool { return iv[i][1] >= v })
	return i < len(iv) && iv[i][0] <= v
}

func (s *rangeSet) contains6(v u128) bool {
	if s.any {
		return true
	}
	i := sort.Search(len(s.v6), func(i int) bool { return !s.v6[i][1].less(v) })
	return i < len(s.v6) && !v.less(s.v6[i][0])
}

func (s *rangeSet) containsU(is4 bool, v u128) bool {
	if is4 {
		return s.contains4(uint32(v.lo))
	}
	return s.contains6(v)
}

// crule is a compiled conduit rule.
type crule struct {
	id       int64
	ports    []PortRange
	app      string
	src, dst rangeSet
}

// Checker checks observed flows against a model's conduits. Zones are compiled into a
// Locator (sorted range tables); conduits are indexed by (source zone, destination zone)
// in a dense table and by protocol, so a flow costs two binary searches and a scan of the
// few conduits of its zone pair and protocol. It is immutable and safe for concurrent use.
type Checker struct {
	loc     *Locator
	nz      int
	buckets [][4][]crule
	assets  map[netip.Addr]int32
	model   *Model
}

// NewChecker compiles a model. The model must pass Validate and must not change while the
// checker is in use (build a new checker after a change; it takes about a millisecond for
// 50 zones and 500 conduits).
func NewChecker(m *Model) (*Checker, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("new checker: %w", err)
	}
	loc, err := NewLocator(m.Zones)
	if err != nil {
		return nil, fmt.Errorf("new checker: %w", err)
	}
	nz := len(m.Zones)
	c := &Checker{loc: loc, nz: nz, buckets: make([][4][]crule, nz*nz), assets: map[netip.Addr]int32{}, model: m}
	for _, cd := range m.Conduits {
		fi, ti := loc.index[cd.From], loc.index[cd.To]
		r := crule{id: cd.ID, ports: cd.Ports, app: strings.ToLower(cd.App), src: compileRanges(cd.Sources), dst: compileRanges(cd.Destinations)}
		b := &c.buckets[int(fi)*nz+int(ti)]
		switch cd.Protocol {
		case ProtoTCP:
			b[0] = append(b[0], r)
		case ProtoUDP:
			b[1] = append(b[1], r)
		case ProtoICMP:
			b[2] = append(b[2], r)
		case ProtoAny:
			r.ports = nil
			for i := range b {
				b[i] = append(b[i], r)
			}
		}
	}
	for i, a := range m.Assets {
		for _, ad := range a.Addrs {
			c.assets[ad.Unmap()] = int32(i)
		}
	}
	return c, nil
}

// Locator returns the checker's compiled zones.
func (c *Checker) Locator() *Locator { return c.loc }

// Check decides one flow.
func (c *Checker) Check(f Flow) Verdict {
	v, _ := c.check(&f)
	return v
}

// check returns the verdict and the zone indexes of the ends (-1 when not found).
func (c *Checker) check(f *Flow) (Verdict, [2]int32) {
	src, dst := f.Src, f.Dst
	var s4, d4 uint32
	var s6, d6 u128
	var sr, dr int32
	v4 := src.Is4() && dst.Is4()
	if v4 {
		b := src.As4()
		s4 = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		b = dst.As4()
		d4 = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		sr, dr = c.loc.lookup4(s4), c.loc.lookup4(d4)
	} else {
		src, dst = src.Unmap(), dst.Unmap()
		sr, dr = c.loc.lookup(src), c.loc.lookup(dst)
		s6, d6 = fromAddr(src), fromAddr(dst)
	}
	if sr == resNone && IsPublic(src) {
		sr = c.loc.fallback
	}
	if dr == resNone && IsPublic(dst) {
		dr = c.loc.fallback
	}
	ends := [2]int32{sr, dr}
	switch {
	case sr <= ambBase || dr <= ambBase:
		return Verdict{Status: VerdictAmbiguous, SrcZone: c.zoneID(sr), DstZone: c.zoneID(dr)}, ends
	case sr == resNone || dr == resNone:
		return Verdict{Status: VerdictUnplaced, SrcZone: c.zoneID(sr), DstZone: c.zoneID(dr)}, ends
	}
	v := Verdict{SrcZone: c.loc.zones[sr].ID, DstZone: c.loc.zones[dr].ID}
	if sr == dr {
		v.Status = VerdictSameZone
		return v, ends
	}
	pc := protoClass(f.Proto)
	rules := c.buckets[int(sr)*c.nz+int(dr)][pc]
	for i := range rules {
		r := &rules[i]
		if len(r.ports) > 0 && pc < 2 {
			ok := false
			for _, p := range r.ports {
				if p.From <= f.Port && f.Port <= p.To {
					ok = true
					break
				}
			}
			if !ok {
				continue
			}
		}
		if r.app != "" && r.app != f.App && !strings.EqualFold(r.app, f.App) {
			continue
		}
		if v4 {
			if !r.src.contains4(s4) || !r.dst.contains4(d4) {
				continue
			}
		} else if !r.src.containsU(src.Is4(), s6) || !r.dst.containsU(dst.Is4(), d6) {
			continue
		}
		// Among the rules of a bucket, model order is kept, so the first is the first conduit.
		v.Status, v.Conduit = VerdictAllowed, r.id
		return v, ends
	}
	v.Status = VerdictNoConduit
	return v, ends
}

func (c *Checker) zoneID(r int32) int64 {
	if r < 0 {
		return 0
	}
	return c.loc.zones[r].ID
}

// CheckFlows checks every flow and returns the violations in flow order: cross-zone flows
// no conduit allows, and flows whose ends cannot be placed. Flows inside one zone are
// allowed [000 §6(五)-(六)].
func (c *Checker) CheckFlows(flows []Flow) []Violation {
	var out []Violation
	for i := range flows {
		v, ends := c.check(&flows[i])
		code := ""
		switch v.Status {
		case VerdictNoConduit:
			code = FindFlowNoConduit
		case VerdictUnplaced:
			code = FindFlowUnplaced
		case VerdictAmbiguous:
			code = FindFlowAmbiguous
		default:
			continue
		}
		out = append(out, c.violation(code, flows[i], v, ends))
	}
	return out
}

// CountViolations checks every flow and counts the ones CheckFlows would return, without
// building them; benchmarks use it.
func (c *Checker) CountViolations(flows []Flow) int {
	n := 0
	for i := range flows {
		v, _ := c.check(&flows[i])
		if v.Status != VerdictSameZone && v.Status != VerdictAllowed {
			n++
		}
	}
	return n
}

func (c *Checker) violation(code string, f Flow, v Verdict, ends [2]int32) Violation {
	out := Violation{Code: code, Flow: f, SrcZone: v.SrcZone, DstZone: v.DstZone}
	if ends[0] >= 0 {
		out.SrcZoneName = c.loc.zones[ends[0]].Name
	}
	if ends[1] >= 0 {
		out.DstZoneName = c.loc.zones[ends[1]].Name
	}
	if i, ok := c.assets[f.Src.Unmap()]; ok {
		out.SrcAsset, out.SrcAssetName = c.model.Assets[i].ID, c.model.Assets[i].Name
	}
	if i, ok := c.assets[f.Dst.Unmap()]; ok {
		out.DstAsset, out.DstAssetName = c.model.Assets[i].ID, c.model.Assets[i].Name
	}
	return out
}

// LinearChecker is the naive peer of Checker: it places each address by scanning every
// zone range and tries every conduit in turn. It exists as the reference that tests compare
// Checker with and that benchmarks measure Checker against.
type LinearChecker struct {
	m        *Model
	depth    map[int64]int
	fallback int64
}

// NewLinearChecker prepares the naive checker. The model must pass Validate.
func NewLinearChecker(m *Model) (*LinearChecker, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("new linear checker: %w", err)
	}
	l := &LinearChecker{m: m, depth: depths(m.Zones)}
	var catchAll []int64
	for _, z := range m.Zones {
		if z.Kind == KindInternet && len(z.Ranges) == 0 && len(z.VLANs) == 0 && len(z.SSIDs) == 0 {
			catchAll = append(catchAll, z.ID)
		}
	}
	if len(catchAll) == 1 {
		l.fallback = catchAll[0]
	}
	return l, nil
}

// place returns the zone ID, 0 for none, -1 for ambiguous.
func (l *LinearChecker) place(a netip.Addr) int64 {
	var best []int64
	var bestSize u128
	bestDepth := -1
	for _, z := range l.m.Zones {
		for _, r := range z.Ranges {
			if !r.Contains(a) {
				continue
			}
			s, d := r.size(), l.depth[z.ID]
			c := s.cmp(bestSize)
			switch {
			case len(best) == 0 || c < 0 || (c == 0 && d > bestDepth):
				best, bestSize, bestDepth = []int64{z.ID}, s, d
			case c == 0 && d == bestDepth && !slices.Contains(best, z.ID):
				best = append(best, z.ID)
			}
		}
	}
	switch len(best) {
	case 0:
		if IsPublic(a) {
			return l.fallback
		}
		return 0
	case 1:
		return best[0]
	}
	return -1
}

// Check decides one flow exactly as Checker.Check does.
func (l *LinearChecker) Check(f Flow) Verdict {
	s, d := l.place(f.Src), l.place(f.Dst)
	pos := func(z int64) int64 { return max(z, 0) }
	switch {
	case s < 0 || d < 0:
		return Verdict{Status: VerdictAmbiguous, SrcZone: pos(s), DstZone: pos(d)}
	case s == 0 || d == 0:
		return Verdict{Status: VerdictUnplaced, SrcZone: s, DstZone: d}
	case s == d:
		return Verdict{Status: VerdictSameZone, SrcZone: s, DstZone: d}
	}
	for i := range l.m.Conduits {
		c := &l.m.Conduits[i]
		if c.From == s && c.To == d && c.matches(&f) {
			return Verdict{Status: VerdictAllowed, SrcZone: s, DstZone: d, Conduit: c.ID}
		}
	}
	return Verdict{Status: VerdictNoConduit, SrcZone: s, DstZone: d}
}

// CountViolations counts the flows Check does not allow.
func (l *LinearChecker) CountViolations(flows []Flow) int {
	n := 0
	for _, f := range flows {
		if v := l.Check(f); v.Status != VerdictSameZone && v.Status != VerdictAllowed {
			n++
		}
	}
	return n
}

// AssignZones places the assets whose Zone is 0 with PlaceAsset and returns the assets
// with their zones filled in, plus findings for the assets no zone or several zones hold.
// Assets with a Zone keep it.
func (l *Locator) AssignZones(assets []Asset) ([]Asset, []Finding) {
	out := slices.Clone(assets)
	var fs []Finding
	for i := range out {
		a := &out[i]
		if a.Zone != 0 {
			continue
		}
		p := l.PlaceAsset(a.Addrs, a.VLAN, a.SSID)
		switch p.Status {
		case PlaceFound:
			a.Zone = p.Zone
		case PlaceNone:
			fs = append(fs, Finding{Code: FindAssetUnplaced, Cite: "000 §6(五)", Asset: a.ID,
				Params: map[string]string{"asset": a.Name}})
		case PlaceAmbiguous:
			ids := make([]string, len(p.Candidates))
			for j, z := range p.Candidates {
				ids[j] = itoa(z)
			}
			fs = append(fs, Finding{Code: FindAssetAmbiguous, Cite: "000 §6(五)", Asset: a.ID,
				Params: map[string]string{"asset": a.Name, "candidates": strings.Join(ids, ",")}})
		}
	}
	return out, fs
}

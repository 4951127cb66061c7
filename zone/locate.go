package zone

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
)

// PlaceStatus says how a placement ended.
type PlaceStatus string

// Placement statuses.
const (
	// PlaceFound: exactly one most specific zone holds the address, VLAN or SSID.
	PlaceFound PlaceStatus = "found"
	// PlaceNone: no zone holds it, and it is private or no Internet zone catches it.
	PlaceNone PlaceStatus = "none"
	// PlaceAmbiguous: several zones hold it equally specifically; Candidates lists them.
	PlaceAmbiguous PlaceStatus = "ambiguous"
)

// Placement is the zone an address, VLAN or SSID belongs to.
type Placement struct {
	Status PlaceStatus `json:"status"`
	// Zone is the zone's ID when Status is PlaceFound, else 0.
	Zone int64 `json:"zone,omitempty"`
	// Candidates are the tied zones when Status is PlaceAmbiguous, in ID order.
	Candidates []int64 `json:"candidates,omitempty"`
	// Fallback is true when no zone lists the address, which is public, and it was placed
	// in the model's catch-all Internet zone.
	Fallback bool `json:"fallback,omitempty"`
}

// Result codes of the compiled tables: a zone index ≥ 0, or one of these, or an
// ambiguity set numbered ambBase-k.
const (
	resNone int32 = -1
	ambBase int32 = -2
)

// Locator places addresses, VLANs and SSIDs into zones. Build one with NewLocator; it is
// immutable and safe for concurrent use.
//
// Rules: an address belongs to the zone whose range holding it is smallest (longest prefix);
// among equally small ranges the deepest-nested zone wins; a remaining tie between different
// zones is ambiguous. A VLAN or SSID belongs to the deepest-nested zone listing it, ties
// being ambiguous. An address no zone lists falls into the catch-all zone: the one Internet
// zone that lists no ranges, VLANs or SSIDs, when the model has exactly one.
type Locator struct {
	zones    []Zone
	index    map[int64]int32
	depth    []int
	v4Start  []uint32
	v4Res    []int32
	v6Start  []u128
	v6Res    []int32
	amb      [][]int32
	vlan     map[int]int32
	ssid     map[string]int32
	fallback int32
}

// NewLocator compiles the zones of a model into lookup tables. The zones must pass
// Model.Validate.
func NewLocator(zones []Zone) (*Locator, error) {
	if err := (&Model{Zones: zones}).Validate(); err != nil {
		return nil, fmt.Errorf("new locator: %w", err)
	}
	l := &Locator{
		zones:    slices.Clone(zones),
		index:    make(map[int64]int32, len(zones)),
		vlan:     map[int]int32{},
		ssid:     map[string]int32{},
		fallback: resNone,
	}
	for i, z := range l.zones {
		l.index[z.ID] = int32(i)
	}
	d := depths(l.zones)
	l.depth = make([]int, len(l.zones))
	for i, z := range l.zones {
		l.depth[i] = d[z.ID]
	}
	var catchAll []int32
	for i, z := range l.zones {
		if z.Kind == KindInternet && len(z.Ranges) == 0 && len(z.VLANs) == 0 && len(z.SSIDs) == 0 {
			catchAll = append(catchAll, int32(i))
		}
	}
	if len(catchAll) == 1 {
		l.fallback = catchAll[0]
	}
	l.buildAddrTables()
	l.buildKeyed()
	return l, nil
}

type zoneRange struct {
	zone     int32
	from, to u128
	size     u128
}

func (l *Locator) buildAddrTables() {
	for _, is4 := range []bool{true, false} {
		var rs []zoneRange
		for i, z := range l.zones {
			for _, r := range z.Ranges {
				if r.Is4() != is4 {
					continue
				}
				rs = append(rs, zoneRange{zone: int32(i), from: fromAddr(r.First), to: fromAddr(r.Last), size: r.size()})
			}
		}
		starts, res := l.sweep(rs, is4)
		if is4 {
			l.v4Start = make([]uint32, len(starts))
			for i, s := range starts {
				l.v4Start[i] = uint32(s.lo)
			}
			l.v4Res = res
		} else {
			l.v6Start, l.v6Res = starts, res
		}
	}
}

// sweep cuts the address line at every range boundary and decides the winner of each piece;
// adjacent pieces with the same result merge.
func (l *Locator) sweep(rs []zoneRange, is4 bool) ([]u128, []int32) {
	maxAddr := u128{^uint64(0), ^uint64(0)}
	if is4 {
		maxAddr = u128{lo: 0xffffffff}
	}
	type event struct {
		at    u128
		r     int
		start bool
	}
	var evs []event
	for i, r := range rs {
		evs = append(evs, event{at: r.from, r: i, start: true})
		if r.to != maxAddr {
			evs = append(evs, event{at: r.to.add1(), r: i})
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].at.less(evs[j].at) })
	active := map[int]bool{}
	var starts []u128
	var res []int32
	for i := 0; i < len(evs); {
		at := evs[i].at
		for ; i < len(evs) && evs[i].at == at; i++ {
			if evs[i].start {
				active[evs[i].r] = true
			} else {
				delete(active, evs[i].r)
			}
		}
		w := l.winner(rs, active)
		if len(res) > 0 && res[len(res)-1] == w {
			continue
		}
		if len(res) == 0 && w == resNone {
			continue
		}
		starts = append(starts, at)
		res = append(res, w)
	}
	return starts, res
}

func (l *Locator) winner(rs []zoneRange, active map[int]bool) int32 {
	var best []int32
	var bestSize u128
	bestDepth := -1
	for ri := range active {
		r := rs[ri]
		c := r.size.cmp(bestSize)
		d := l.depth[r.zone]
		switch {
		case len(best) == 0 || c < 0 || (c == 0 && d > bestDepth):
			best, bestSize, bestDepth = []int32{r.zone}, r.size, d
		case c == 0 && d == bestDepth && !slices.Contains(best, r.zone):
			best = append(best, r.zone)
		}
	}
	return l.result(best)
}

// result turns a set of tied zones into a result code, interning ambiguity sets.
func (l *Locator) result(best []int32) int32 {
	switch len(best) {
	case 0:
		return resNone
	case 1:
		return best[0]
	}
	slices.SortFunc(best, func(a, b int32) int {
		return int(l.zones[a].ID - l.zones[b].ID)
	})
	for k, s := range l.amb {
		if slices.Equal(s, best) {
			return ambBase - int32(k)
		}
	}
	l.amb = append(l.amb, best)
	return ambBase - int32(len(l.amb)-1)
}

func (l *Locator) buildKeyed() {
	vl := map[int][]int32{}
	ss := map[string][]int32{}
	for i, z := range l.zones {
		for _, v := range z.VLANs {
			if !slices.Contains(vl[v], int32(i)) {
				vl[v] = append(vl[v], int32(i))
			}
		}
		for _, s := range z.SSIDs {
			if !slices.Contains(ss[s], int32(i)) {
				ss[s] = append(ss[s], int32(i))
			}
		}
	}
	deepest := func(zs []int32) int32 {
		var best []int32
		bd := -1
		for _, z := range zs {
			switch d := l.depth[z]; {
			case d > bd:
				best, bd = []int32{z}, d
			case d == bd:
				best = append(best, z)
			}
		}
		return l.result(best)
	}
	for v, zs := range vl {
		l.vlan[v] = deepest(zs)
	}
	for s, zs := range ss {
		l.ssid[s] = deepest(zs)
	}
}

// lookup returns the result code for an address, without the catch-all.
func (l *Locator) lookup(a netip.Addr) int32 {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		b := a.As4()
		return l.lookup4(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
	}
	if !a.IsValid() {
		return resNone
	}
	v := fromAddr(a)
	// Largest start ≤ v.
	i := sort.Search(len(l.v6Start), func(i int) bool { return v.less(l.v6Start[i]) }) - 1
	if i < 0 {
		return resNone
	}
	return l.v6Res[i]
}

func (l *Locator) lookup4(v uint32) int32 {
	s := l.v4Start
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m] <= v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return resNone
	}
	return l.v4Res[lo-1]
}

// lookupZone is lookup with the catch-all applied; fallback reports whether it was used.
func (l *Locator) lookupZone(a netip.Addr) (res int32, fallback bool) {
	r := l.lookup(a)
	if r == resNone && l.fallback != resNone && IsPublic(a) {
		return l.fallback, true
	}
	return r, false
}

func (l *Locator) placement(r int32, fallback bool) Placement {
	switch {
	case r >= 0:
		return Placement{Status: PlaceFound, Zone: l.zones[r].ID, Fallback: fallback}
	case r == resNone:
		return Placement{Status: PlaceNone}
	}
	set := l.amb[ambBase-r]
	p := Placement{Status: PlaceAmbiguous}
	for _, z := range set {
		p.Candidates = append(p.Candidates, l.zones[z].ID)
	}
	return p
}

// PlaceAddr returns the zone an IP address belongs to.
func (l *Locator) PlaceAddr(a netip.Addr) Placement {
	return l.placement(l.lookupZone(a))
}

// PlaceVLAN returns the zone a VLAN belongs to.
func (l *Locator) PlaceVLAN(vlan int) Placement {
	r, ok := l.vlan[vlan]
	if !ok {
		return Placement{Status: PlaceNone}
	}
	return l.placement(r, false)
}

// PlaceSSID returns the zone a Wi-Fi SSID belongs to. SSIDs compare exactly, as radios do.
func (l *Locator) PlaceSSID(ssid string) Placement {
	r, ok := l.ssid[ssid]
	if !ok {
		return Placement{Status: PlaceNone}
	}
	return l.placement(r, false)
}

// PlaceAsset places a device from all it is known by: its addresses, VLAN (0 = none) and
// SSID ("" = none). When the identifiers point to zones on one nesting chain (a VLAN of the
// OT zone, an address of a local LAN inside it) the deepest wins; zones on different
// branches make the placement ambiguous. The catch-all Internet zone is used only when no
// identifier placed the device at all and it has a public address (IsPublic): a device
// with only private addresses that no range covers is unplaced.
func (l *Locator) PlaceAsset(addrs []netip.Addr, vlan int, ssid string) Placement {
	var found []int32
	var amb []int64
	add := func(r int32) {
		switch {
		case r >= 0:
			if !slices.Contains(found, r) {
				found = append(found, r)
			}
		case r <= ambBase:
			for _, z := range l.amb[ambBase-r] {
				if id := l.zones[z].ID; !slices.Contains(amb, id) {
					amb = append(amb, id)
				}
			}
		}
	}
	for _, a := range addrs {
		add(l.lookup(a))
	}
	if vlan != 0 {
		if r, ok := l.vlan[vlan]; ok {
			add(r)
		}
	}
	if ssid != "" {
		if r, ok := l.ssid[ssid]; ok {
			add(r)
		}
	}
	if len(found) == 0 && len(amb) == 0 {
		if l.fallback != resNone && slices.ContainsFunc(addrs, IsPublic) {
			return l.placement(l.fallback, true)
		}
		return Placement{Status: PlaceNone}
	}
	if len(amb) == 0 {
		// The deepest found zone must have every other found zone as an ancestor.
		deep := found[0]
		for _, z := range found[1:] {
			if l.depth[z] > l.depth[deep] {
				deep = z
			}
		}
		chain := true
		for _, z := range found {
			if z != deep && !l.isAncestor(z, deep) {
				chain = false
				break
			}
		}
		if chain {
			return l.placement(deep, false)
		}
	}
	for _, z := range found {
		if id := l.zones[z].ID; !slices.Contains(amb, id) {
			amb = append(amb, id)
		}
	}
	slices.Sort(amb)
	return Placement{Status: PlaceAmbiguous, Candidates: amb}
}

// isAncestor reports whether zone index a encloses zone index b.
func (l *Locator) isAncestor(a, b int32) bool {
	for p, n := l.zones[b].Parent, 0; p != 0 && n <= len(l.zones); n++ {
		pi := l.index[p]
		if pi == a {
			return true
		}
		p = l.zones[pi].Parent
	}
	return false
}

// IsAncestor reports whether zone a encloses zone b, directly or further up.
func (l *Locator) IsAncestor(a, b int64) bool {
	ai, ok1 := l.index[a]
	bi, ok2 := l.index[b]
	return ok1 && ok2 && l.isAncestor(ai, bi)
}

// Intervals returns the address ranges placed into the zone itself, in address order:
// the zone's ranges minus the parts that more specific zones take. The catch-all zone has
// none. Firewall exports use these when a conduit has no explicit whitelist.
func (l *Locator) Intervals(id int64) []Range {
	zi, ok := l.index[id]
	if !ok {
		return nil
	}
	var out []Range
	collect := func(starts []u128, res []int32, is4 bool, maxAddr u128) {
		for i, r := range res {
			if r != zi {
				continue
			}
			end := maxAddr
			if i+1 < len(starts) {
				end = starts[i+1].sub1()
			}
			out = append(out, Range{First: starts[i].addr(is4), Last: end.addr(is4)})
		}
	}
	s4 := make([]u128, len(l.v4Start))
	for i, s := range l.v4Start {
		s4[i] = u128{lo: uint64(s)}
	}
	collect(s4, l.v4Res, true, u128{lo: 0xffffffff})
	collect(l.v6Start, l.v6Res, false, u128{^uint64(0), ^uint64(0)})
	return out
}

// Zones returns the zones the locator was built from, in their original order.
func (l *Locator) Zones() []Zone { return l.zones }

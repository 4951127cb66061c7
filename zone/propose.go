package zone

import (
	"cmp"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ProposeOptions tune least-privilege proposals. The zero value is usable: hosts are
// whitelisted exactly and only runs of consecutive observed addresses merge.
type ProposeOptions struct {
	// WidenIPv4 and WidenIPv6, when above zero, are the largest blocks (as prefix lengths,
	// e.g. 28 and 124) observed hosts may be widened to. A block is widened only when it is
	// safe: every address in it belongs to the same zone as the hosts, it holds no
	// inventoried asset that was not observed, at least two hosts and at least MinCoverage
	// of it were observed.
	WidenIPv4 int
	WidenIPv6 int
	// MinCoverage is the share of a widened block that must have been observed; 0 means 0.5.
	MinCoverage float64
}

// ProposedRule is a least-privilege conduit rule drawn from observed flows: one zone pair,
// protocol, destination port and application protocol, with the exact hosts seen.
type ProposedRule struct {
	From     int64    `json:"from"`
	To       int64    `json:"to"`
	FromName string   `json:"from_name"`
	ToName   string   `json:"to_name"`
	Protocol Protocol `json:"protocol"`
	// Port is the destination port for tcp and udp, 0 otherwise.
	Port uint16 `json:"port,omitempty"`
	App  string `json:"app,omitempty"`
	// Sources and Destinations whitelist the observed hosts, merged into ranges.
	Sources      []Range `json:"sources"`
	Destinations []Range `json:"destinations"`
	// SourceHosts and DestinationHosts count the distinct hosts observed.
	SourceHosts      int `json:"source_hosts"`
	DestinationHosts int `json:"destination_hosts"`
	// Widened is true when a whitelist entry covers addresses that were not observed
	// (see ProposeOptions).
	Widened   bool      `json:"widened,omitempty"`
	Flows     int       `json:"flows"`
	Packets   uint64    `json:"packets"`
	Bytes     uint64    `json:"bytes"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	// CoveredBy is the existing conduit that already allowed every flow of the rule; 0 when
	// some flows were allowed by none (Denied counts them) or by several conduits.
	CoveredBy int64 `json:"covered_by,omitempty"`
	Denied    int   `json:"denied"`
}

// Conduit turns the proposal into a conduit with the given ID and name.
func (r ProposedRule) Conduit(id int64, name string) Conduit {
	c := Conduit{ID: id, Name: name, From: r.From, To: r.To, Protocol: r.Protocol, App: r.App,
		Sources: slices.Clone(r.Sources), Destinations: slices.Clone(r.Destinations)}
	if r.Port != 0 {
		c.Ports = []PortRange{{r.Port, r.Port}}
	}
	return c
}

// Reason codes of conduit reviews: why an existing conduit is broader than the observed
// flows need. Params are given with each.
const (
	ReviewUnused         = "conduit.unused"             // allowed no observed flow
	ReviewAnyProtocol    = "conduit.any-protocol"       // protocol any; params: used (protocols seen)
	ReviewAnyPort        = "conduit.any-port"           // tcp/udp without ports; params: used (ports seen)
	ReviewExtraPorts     = "conduit.extra-ports"        // ports allowed but unused; params: allowed, used (counts), ports (seen)
	ReviewAnySource      = "conduit.any-source"         // no source whitelist; params: hosts (seen)
	ReviewExtraSource    = "conduit.extra-sources"      // whitelist larger than the hosts seen; params: allowed, used
	ReviewAnyDestination = "conduit.any-destination"    // no destination whitelist; params: hosts
	ReviewExtraDest      = "conduit.extra-destinations" // params: allowed, used
	ReviewAnyApp         = "conduit.any-app"            // no app protocol while every flow had one; params: app
)

// ConduitReview says whether an existing conduit is broader than the flows it allowed.
type ConduitReview struct {
	Conduit int64  `json:"conduit"`
	Name    string `json:"name"`
	// Flows counts the flows the conduit was the first to allow.
	Flows   int      `json:"flows"`
	Broader bool     `json:"broader"`
	Reasons []Reason `json:"reasons,omitempty"`
}

// LeastPrivilege is the result of ProposeConduits.
type LeastPrivilege struct {
	Rules    []ProposedRule  `json:"rules"`
	Conduits []ConduitReview `json:"conduits"`
	// SameZone, Unplaced and Ambiguous count the flows left out: inside one zone (no conduit
	// needed) or with an end in no zone or several.
	SameZone  int `json:"same_zone"`
	Unplaced  int `json:"unplaced"`
	Ambiguous int `json:"ambiguous"`
}

type ruleKey struct {
	from, to int32
	proto    Protocol
	port     uint16
	app      string
}

type ruleAcc struct {
	r        ProposedRule
	src, dst map[netip.Addr]struct{}
	conduits map[int64]int
}

type usage struct {
	flows    int
	protos   map[Protocol]bool
	ports    map[uint16]bool
	apps     map[string]bool
	appless  bool
	src, dst map[netip.Addr]struct{}
}

// ProposeConduits proposes least-privilege conduit rules from observed flows and reviews the
// model's conduits against them [M3]. Cross-zone flows are grouped by zone pair, protocol,
// destination port and application protocol; each group becomes a rule whitelisting
// exactly the hosts seen (merged into ranges, widened only as opt allows). Each existing
// conduit is marked broader than needed when it allows protocols, ports, hosts or
// application protocols the flows did not use, or nothing at all. Rules come ordered by
// zone pair, protocol, port and application; reviews in model order.
func ProposeConduits(c *Checker, flows []Flow, opt ProposeOptions) LeastPrivilege {
	var out LeastPrivilege
	acc := map[ruleKey]*ruleAcc{}
	use := map[int64]*usage{}
	for i := range flows {
		f := &flows[i]
		v, ends := c.check(f)
		switch v.Status {
		case VerdictSameZone:
			out.SameZone++
			continue
		case VerdictUnplaced:
			out.Unplaced++
			continue
		case VerdictAmbiguous:
			out.Ambiguous++
			continue
		}
		proto := NormalizeProtocol(string(f.Proto))
		k := ruleKey{from: ends[0], to: ends[1], proto: proto, app: strings.ToLower(f.App)}
		if protoClass(proto) <= 1 {
			k.port = f.Port
		}
		a := acc[k]
		if a == nil {
			a = &ruleAcc{
				r: ProposedRule{From: v.SrcZone, To: v.DstZone, FromName: c.loc.zones[ends[0]].Name,
					ToName: c.loc.zones[ends[1]].Name, Protocol: proto, Port: k.port, App: k.app},
				src: map[netip.Addr]struct{}{}, dst: map[netip.Addr]struct{}{}, conduits: map[int64]int{},
			}
			acc[k] = a
		}
		a.src[f.Src.Unmap()] = struct{}{}
		a.dst[f.Dst.Unmap()] = struct{}{}
		a.r.Flows++
		a.r.Packets += f.Packets
		a.r.Bytes += f.Bytes
		if !f.FirstSeen.IsZero() && (a.r.FirstSeen.IsZero() || f.FirstSeen.Before(a.r.FirstSeen)) {
			a.r.FirstSeen = f.FirstSeen
		}
		if f.LastSeen.After(a.r.LastSeen) {
			a.r.LastSeen = f.LastSeen
		}
		if v.Status == VerdictNoConduit {
			a.r.Denied++
			continue
		}
		a.conduits[v.Conduit]++
		u := use[v.Conduit]
		if u == nil {
			u = &usage{protos: map[Protocol]bool{}, ports: map[uint16]bool{}, apps: map[string]bool{},
				src: map[netip.Addr]struct{}{}, dst: map[netip.Addr]struct{}{}}
			use[v.Conduit] = u
		}
		u.flows++
		u.protos[proto] = true
		if protoClass(proto) <= 1 {
			u.ports[f.Port] = true
		}
		if f.App == "" {
			u.appless = true
		} else {
			u.apps[strings.ToLower(f.App)] = true
		}
		u.src[f.Src.Unmap()] = struct{}{}
		u.dst[f.Dst.Unmap()] = struct{}{}
	}
	known := map[netip.Addr]bool{}
	for a := range c.assets {
		known[a] = true
	}
	for k, a := range acc {
		a.r.SourceHosts, a.r.DestinationHosts = len(a.src), len(a.dst)
		var w1, w2 bool
		a.r.Sources, w1 = c.whitelist(a.src, k.from, known, opt)
		a.r.Destinations, w2 = c.whitelist(a.dst, k.to, known, opt)
		a.r.Widened = w1 || w2
		if a.r.Denied == 0 && len(a.conduits) == 1 {
			for id := range a.conduits {
				a.r.CoveredBy = id
			}
		}
		out.Rules = append(out.Rules, a.r)
	}
	slices.SortFunc(out.Rules, func(x, y ProposedRule) int {
		return cmp.Or(cmp.Compare(x.From, y.From), cmp.Compare(x.To, y.To), cmp.Compare(x.Protocol, y.Protocol),
			cmp.Compare(x.Port, y.Port), cmp.Compare(x.App, y.App))
	})
	for _, cd := range c.model.Conduits {
		out.Conduits = append(out.Conduits, review(cd, use[cd.ID]))
	}
	return out
}

func review(cd Conduit, u *usage) ConduitReview {
	rv := ConduitReview{Conduit: cd.ID, Name: cd.Name}
	add := func(code string, kv ...string) {
		r := Reason{Code: code, Cite: "000 §6(二)"}
		if len(kv) > 0 {
			r.Params = map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				r.Params[kv[i]] = kv[i+1]
			}
		}
		rv.Reasons = append(rv.Reasons, r)
	}
	if u == nil {
		add(ReviewUnused)
		rv.Broader = true
		return rv
	}
	rv.Flows = u.flows
	if cd.Protocol == ProtoAny {
		var ps []string
		for p := range u.protos {
			ps = append(ps, string(p))
		}
		slices.Sort(ps)
		add(ReviewAnyProtocol, "used", strings.Join(ps, ","))
	}
	usedPorts := make([]uint16, 0, len(u.ports))
	for p := range u.ports {
		usedPorts = append(usedPorts, p)
	}
	slices.Sort(usedPorts)
	portList := func() string {
		s := make([]string, len(usedPorts))
		for i, p := range usedPorts {
			s[i] = strconv.Itoa(int(p))
		}
		return strings.Join(s, ",")
	}
	if cd.Protocol == ProtoTCP || cd.Protocol == ProtoUDP {
		if len(cd.Ports) == 0 {
			add(ReviewAnyPort, "used", portList())
		} else if allowed := portCount(cd.Ports); allowed > len(usedPorts) {
			add(ReviewExtraPorts, "allowed", strconv.Itoa(allowed), "used", strconv.Itoa(len(usedPorts)), "ports", portList())
		}
	}
	side := func(list []Range, seen map[netip.Addr]struct{}, anyCode, extraCode string) {
		if len(list) == 0 {
			add(anyCode, "hosts", strconv.Itoa(len(seen)))
			return
		}
		allowed := addrCount(list)
		if allowed.Cmp(big.NewInt(int64(len(seen)))) > 0 {
			add(extraCode, "allowed", allowed.String(), "used", strconv.Itoa(len(seen)))
		}
	}
	side(cd.Sources, u.src, ReviewAnySource, ReviewExtraSource)
	side(cd.Destinations, u.dst, ReviewAnyDestination, ReviewExtraDest)
	if cd.App == "" && !u.appless && len(u.apps) == 1 {
		for a := range u.apps {
			add(ReviewAnyApp, "app", a)
		}
	}
	rv.Broader = len(rv.Reasons) > 0
	return rv
}

func portCount(ps []PortRange) int {
	seen := make(map[uint16]bool)
	n := 0
	for _, p := range ps {
		for v := int(p.From); v <= int(p.To); v++ {
			if !seen[uint16(v)] {
				seen[uint16(v)] = true
				n++
			}
		}
	}
	return n
}

// addrCount counts the distinct addresses in a list of ranges.
func addrCount(rs []Range) *big.Int {
	set := compileRanges(rs)
	total := new(big.Int)
	for _, iv := range set.v4 {
		total.Add(total, big.NewInt(int64(iv[1])-int64(iv[0])+1))
	}
	for _, iv := range set.v6 {
		d := iv[1].sub(iv[0])
		n := new(big.Int).SetUint64(d.hi)
		n.Lsh(n, 64).Add(n, new(big.Int).SetUint64(d.lo)).Add(n, big.NewInt(1))
		total.Add(total, n)
	}
	return total
}

// whitelist merges observed hosts of one zone into ranges, widening blocks as opt allows.
func (c *Checker) whitelist(hosts map[netip.Addr]struct{}, zone int32, known map[netip.Addr]bool, opt ProposeOptions) ([]Range, bool) {
	cover := opt.MinCoverage
	if cover <= 0 {
		cover = 0.5
	}
	var out []Range
	widened := false
	for _, is4 := range []bool{true, false} {
		var vs []u128
		for a := range hosts {
			if a.Is4() == is4 {
				vs = append(vs, fromAddr(a))
			}
		}
		if len(vs) == 0 {
			continue
		}
		slices.SortFunc(vs, func(a, b u128) int { return a.cmp(b) })
		bitLen, widen := 128, opt.WidenIPv6
		if is4 {
			bitLen, widen = 32, opt.WidenIPv4
		}
		covered := make([]bool, len(vs))
		var blocks [][2]u128
		// Widening never applies to the catch-all zone: its hosts are strangers.
		if widen > 0 && widen < bitLen && zone != c.loc.fallback {
			for host := bitLen - widen; host >= 1; host-- {
				mask := u128{}.onesLow(host)
				for i := 0; i < len(vs); {
					lo := u128{vs[i].hi &^ mask.hi, vs[i].lo &^ mask.lo}
					hi := lo.or(mask)
					j, n := i, 0
					for ; j < len(vs) && !hi.less(vs[j]); j++ {
						if !covered[j] {
							n++
						}
					}
					if n > 0 && c.safeBlock(lo, hi, is4, zone, vs[i:j], known, cover) {
						for x := i; x < j; x++ {
							covered[x] = true
						}
						blocks = append(blocks, [2]u128{lo, hi})
						if float64(j-i) < float64(host2size(host)) {
							widened = true
						}
					}
					i = j
				}
			}
		}
		for i, v := range vs {
			if !covered[i] {
				blocks = append(blocks, [2]u128{v, v})
			}
		}
		slices.SortFunc(blocks, func(a, b [2]u128) int { return a[0].cmp(b[0]) })
		var merged [][2]u128
		for _, b := range blocks {
			if n := len(merged); n > 0 && !merged[n-1][1].add1().less(b[0]) {
				if merged[n-1][1].less(b[1]) {
					merged[n-1][1] = b[1]
				}
				continue
			}
			merged = append(merged, b)
		}
		for _, b := range merged {
			out = append(out, Range{First: b[0].addr(is4), Last: b[1].addr(is4)})
		}
	}
	return out, widened
}

func host2size(host int) float64 {
	s := 1.0
	for i := 0; i < host; i++ {
		s *= 2
	}
	return s
}

// safeBlock reports whether [lo, hi] may replace the observed hosts in it: it lies wholly in
// the zone, holds no inventoried asset that was not observed, and is covered enough.
func (c *Checker) safeBlock(lo, hi u128, is4 bool, zone int32, observed []u128, known map[netip.Addr]bool, cover float64) bool {
	size := host2size(bitsOf(hi.sub(lo)))
	// A lone host is never widened: widening merges hosts, it does not invent neighbours.
	if len(observed) < 2 || float64(len(observed)) < cover*size {
		return false
	}
	if !c.loc.uniform(lo, hi, is4, zone) {
		return false
	}
	for a := range known {
		if a.Is4() != is4 {
			continue
		}
		v := fromAddr(a)
		if v.less(lo) || hi.less(v) {
			continue
		}
		if _, ok := slices.BinarySearchFunc(observed, v, func(x, y u128) int { return x.cmp(y) }); !ok {
			return false
		}
	}
	return true
}

// bitsOf returns the number of host bits of a block whose size minus one is d.
func bitsOf(d u128) int {
	n := 0
	for d != (u128{}) {
		d = u128{d.hi >> 1, d.lo>>1 | d.hi<<63}
		n++
	}
	return n
}

// uniform reports whether every address in [lo, hi] has result z: a zone index, or
// resNone for addresses no zone lists (which the catch-all zone takes).
func (l *Locator) uniform(lo, hi u128, is4 bool, z int32) bool {
	var i, n int
	var next func(int) u128
	var res []int32
	if is4 {
		i, _ = slices.BinarySearch(l.v4Start, uint32(lo.lo)+1)
		n, res = len(l.v4Start), l.v4Res
		next = func(k int) u128 { return u128{lo: uint64(l.v4Start[k])} }
		if lo.lo == 0xffffffff {
			i = n
		}
	} else {
		i, _ = slices.BinarySearchFunc(l.v6Start, lo.add1(), func(x, y u128) int { return x.cmp(y) })
		n, res = len(l.v6Start), l.v6Res
		next = func(k int) u128 { return l.v6Start[k] }
		if lo == (u128{^uint64(0), ^uint64(0)}) {
			i = n
		}
	}
	i-- // largest start ≤ lo; -1 when lo precedes every start
	got := resNone
	if i >= 0 {
		got = res[i]
	}
	if got != z {
		return false
	}
	return i+1 >= n || hi.less(next(i+1))
}

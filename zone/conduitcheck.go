package zone

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Finding codes of conduit checks.
const (
	// FindConduitNotWhitelisted: a conduit without a source or destination address
	// whitelist; firewall conduits are to be whitelist-only [000 §6(六), M4]. Params:
	// conduit, side ("source", "destination" or "both").
	FindConduitNotWhitelisted = "conduit.not-whitelisted"
	// FindConduitAnyProtocol: a conduit allowing any protocol. Params: conduit.
	FindConduitAnyProtocol = "conduit.any-protocol"
	// FindConduitAnyPort: a tcp or udp conduit allowing every port. Params: conduit.
	FindConduitAnyPort = "conduit.any-port"
	// FindConduitOutsideZone: a whitelist entry with addresses outside the conduit's zone;
	// they can never match. Params: conduit, side, range.
	FindConduitOutsideZone = "conduit.whitelist-outside-zone"
	// FindConduitNoControl: a conduit naming no control mechanism (isolation, filtering,
	// blocking) [000 §6(六)]. Params: conduit.
	FindConduitNoControl = "conduit.no-control"
)

// CheckConduits checks the model's conduits as rules: whitelist-only, a named protocol and
// ports, whitelists inside their zones, a control mechanism. Findings come in conduit order.
func (c *Checker) CheckConduits() []Finding {
	var out []Finding
	for _, cd := range c.model.Conduits {
		add := func(code string, kv ...string) {
			p := map[string]string{"conduit": cd.Name}
			for i := 0; i+1 < len(kv); i += 2 {
				p[kv[i]] = kv[i+1]
			}
			out = append(out, Finding{Code: code, Cite: "000 §6(六)", Zone: cd.From, OtherZone: cd.To, Conduit: cd.ID, Params: p})
		}
		switch {
		case len(cd.Sources) == 0 && len(cd.Destinations) == 0:
			add(FindConduitNotWhitelisted, "side", "both")
		case len(cd.Sources) == 0:
			add(FindConduitNotWhitelisted, "side", "source")
		case len(cd.Destinations) == 0:
			add(FindConduitNotWhitelisted, "side", "destination")
		}
		switch {
		case cd.Protocol == ProtoAny:
			add(FindConduitAnyProtocol)
		case (cd.Protocol == ProtoTCP || cd.Protocol == ProtoUDP) && len(cd.Ports) == 0:
			add(FindConduitAnyPort)
		}
		for _, s := range []struct {
			side string
			list []Range
			zone int64
		}{{"source", cd.Sources, cd.From}, {"destination", cd.Destinations, cd.To}} {
			zi, ok := c.loc.index[s.zone]
			if !ok {
				continue
			}
			want := zi
			if zi == c.loc.fallback {
				want = resNone
			}
			for _, r := range s.list {
				// The catch-all Internet zone holds only public addresses no range lists.
				if !c.loc.uniform(fromAddr(r.First), fromAddr(r.Last), r.Is4(), want) || (zi == c.loc.fallback && !r.allPublic()) {
					add(FindConduitOutsideZone, "side", s.side, "range", r.String())
				}
			}
		}
		if len(cd.Controls) == 0 {
			add(FindConduitNoControl)
		}
	}
	return out
}

// ViolationGroup sums up the violations of one kind between one zone pair on one protocol
// and port, for a readable list when there are thousands.
type ViolationGroup struct {
	Code        string   `json:"code"`
	SrcZone     int64    `json:"src_zone,omitempty"`
	DstZone     int64    `json:"dst_zone,omitempty"`
	SrcZoneName string   `json:"src_zone_name,omitempty"`
	DstZoneName string   `json:"dst_zone_name,omitempty"`
	Proto       Protocol `json:"proto"`
	Port        uint16   `json:"port,omitempty"`
	Flows       int      `json:"flows"`
	Packets     uint64   `json:"packets"`
	Bytes       uint64   `json:"bytes"`
	// SrcHosts and DstHosts count distinct addresses; Assets names up to five assets
	// involved, sources first.
	SrcHosts  int       `json:"src_hosts"`
	DstHosts  int       `json:"dst_hosts"`
	Assets    []string  `json:"assets,omitempty"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
}

// SummarizeViolations groups violations by code, zone pair, protocol and port, largest
// group (by flows) first.
func SummarizeViolations(vs []Violation) []ViolationGroup {
	type key struct {
		code     string
		src, dst int64
		proto    Protocol
		port     uint16
	}
	type acc struct {
		g        ViolationGroup
		src, dst map[netip.Addr]bool
	}
	groups := map[key]*acc{}
	var order []key
	for _, v := range vs {
		proto := NormalizeProtocol(string(v.Flow.Proto))
		k := key{v.Code, v.SrcZone, v.DstZone, proto, v.Flow.Port}
		a := groups[k]
		if a == nil {
			a = &acc{g: ViolationGroup{Code: v.Code, SrcZone: v.SrcZone, DstZone: v.DstZone, SrcZoneName: v.SrcZoneName,
				DstZoneName: v.DstZoneName, Proto: proto, Port: v.Flow.Port}, src: map[netip.Addr]bool{}, dst: map[netip.Addr]bool{}}
			groups[k] = a
			order = append(order, k)
		}
		g := &a.g
		g.Flows++
		g.Packets += v.Flow.Packets
		g.Bytes += v.Flow.Bytes
		a.src[v.Flow.Src] = true
		a.dst[v.Flow.Dst] = true
		for _, n := range []string{v.SrcAssetName, v.DstAssetName} {
			if n != "" && len(g.Assets) < 5 && !slices.Contains(g.Assets, n) {
				g.Assets = append(g.Assets, n)
			}
		}
		if fs := v.Flow.FirstSeen; !fs.IsZero() && (g.FirstSeen.IsZero() || fs.Before(g.FirstSeen)) {
			g.FirstSeen = fs
		}
		if v.Flow.LastSeen.After(g.LastSeen) {
			g.LastSeen = v.Flow.LastSeen
		}
	}
	out := make([]ViolationGroup, 0, len(order))
	for _, k := range order {
		a := groups[k]
		a.g.SrcHosts, a.g.DstHosts = len(a.src), len(a.dst)
		out = append(out, a.g)
	}
	slices.SortStableFunc(out, func(x, y ViolationGroup) int { return cmp.Compare(y.Flows, x.Flows) })
	return out
}

// String writes a group in one line for logs: "flow.no-conduit OT zone → IT servers tcp/3389: 2 flows".
func (g ViolationGroup) String() string {
	var b strings.Builder
	b.WriteString(g.Code + " " + cmp.Or(g.SrcZoneName, "?") + " → " + cmp.Or(g.DstZoneName, "?") + " " + string(g.Proto))
	if g.Port != 0 {
		b.WriteString("/" + strconv.Itoa(int(g.Port)))
	}
	b.WriteString(": " + strconv.Itoa(g.Flows) + " flows")
	return b.String()
}

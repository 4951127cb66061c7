// Package synth generates realistic synthetic hospital networks for the zone package's
// benchmarks and tests: nested zones following the network template of [000 附圖二], assets
// in them, conduits with host whitelists and observed flows, most allowed and some not.
// Output is deterministic for a seed.
package synth

import (
	"fmt"
	"math/rand/v2"
	"net/netip"

	"medsec/zone"
)

// Config sizes a generated hospital.
type Config struct {
	Seed uint64
	// OTZones is the number of departmental OT zones; each gets local LANs and a Wi-Fi zone
	// in turns, so about 4 zones per OT zone are made in all (12 give ~50 zones).
	OTZones int
	// Conduits is the number of conduits to make.
	Conduits int
	// Flows is the number of flows to make; ViolationShare of them are random cross-zone
	// flows (mostly outside any conduit) and SameZoneShare stay inside one zone.
	Flows          int
	ViolationShare float64
	SameZoneShare  float64
}

// Default is ~50 zones, 500 conduits and 1,000,000 flows.
var Default = Config{Seed: 1, OTZones: 12, Conduits: 500, Flows: 1_000_000, ViolationShare: 0.1, SameZoneShare: 0.2}

// Hospital is a generated network and its traffic.
type Hospital struct {
	Model *zone.Model
	Flows []zone.Flow
}

type gen struct {
	rng   *rand.Rand
	m     *zone.Model
	hosts map[int64][]netip.Addr // hosts per zone
	next  int64
}

func (g *gen) zone(name string, kind zone.Kind, parent int64, ranges ...string) int64 {
	g.next++
	z := zone.Zone{ID: g.next, Name: name, Kind: kind, Parent: parent}
	for _, r := range ranges {
		z.Ranges = append(z.Ranges, zone.MustParseRange(r))
	}
	g.m.Zones = append(g.m.Zones, z)
	return z.ID
}

// host adds an asset with an address inside the prefix, in zone z.
func (g *gen) host(z int64, prefix string, n int, name string) {
	p := netip.MustParsePrefix(prefix)
	base := p.Addr()
	for i := 0; i < n; i++ {
		a := base
		steps := 1 + g.rng.IntN(200)
		for k := 0; k < steps; k++ {
			a = a.Next()
		}
		if !p.Contains(a) {
			continue
		}
		id := int64(len(g.m.Assets) + 1)
		g.m.Assets = append(g.m.Assets, zone.Asset{ID: id, Name: fmt.Sprintf("%s %d", name, id), Zone: z, Addrs: []netip.Addr{a}})
		g.hosts[z] = append(g.hosts[z], a)
	}
}

func (g *gen) pick(z int64) netip.Addr {
	hs := g.hosts[z]
	return hs[g.rng.IntN(len(hs))]
}

// Generate makes a hospital network with the given configuration.
func Generate(cfg Config) (*Hospital, error) {
	g := &gen{rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed)), m: &zone.Model{}, hosts: map[int64][]netip.Addr{}}
	inet := g.zone("Internet", zone.KindInternet, 0)
	g.hosts[inet] = []netip.Addr{netip.MustParseAddr("203.0.113.10"), netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("93.184.216.34")}
	intra := g.zone("Intranet", zone.KindIntranet, 0, "10.0.0.0/8", "2001:db8::/32")
	g.host(intra, "10.9.0.0/24", 20, "printer")
	servers := g.zone("IT servers", zone.KindIntranet, intra, "10.1.0.0/16", "2001:db8:1::/48")
	g.host(servers, "10.1.0.0/24", 40, "server")
	var admin []int64
	for i := 0; i < 3; i++ {
		z := g.zone(fmt.Sprintf("Admin %d", i+1), zone.KindIntranet, intra, fmt.Sprintf("10.%d.0.0/16", 2+i))
		g.host(z, fmt.Sprintf("10.%d.0.0/24", 2+i), 60, "pc")
		admin = append(admin, z)
	}
	type ot struct {
		id   int64
		lans []int64
	}
	var ots []ot
	for i := 0; i < cfg.OTZones; i++ {
		o := 20 + i
		z := g.zone(fmt.Sprintf("OT %d", i+1), zone.KindOT, intra, fmt.Sprintf("10.%d.0.0/16", o), fmt.Sprintf("2001:db8:%x::/48", o))
		g.host(z, fmt.Sprintf("10.%d.1.0/24", o), 30, "device")
		g.host(z, fmt.Sprintf("2001:db8:%x::/64", o), 5, "device6")
		t := ot{id: z}
		nl := 2 + i%2
		for l := 0; l < nl; l++ {
			var lz int64
			if l == 0 {
				lz = g.zone(fmt.Sprintf("OT %d LAN %d", i+1, l+1), zone.KindTrustedLocalLAN, z, fmt.Sprintf("192.168.%d.0/24", i*4+l))
				g.host(lz, fmt.Sprintf("192.168.%d.0/24", i*4+l), 12, "module")
			} else {
				lz = g.zone(fmt.Sprintf("OT %d LAN %d", i+1, l+1), zone.KindTrustedLocalLAN, z, fmt.Sprintf("10.%d.%d.0/24", o, 100+l))
				g.host(lz, fmt.Sprintf("10.%d.%d.0/24", o, 100+l), 12, "module")
			}
			t.lans = append(t.lans, lz)
		}
		if i%3 == 0 {
			wz := g.zone(fmt.Sprintf("OT %d Wi-Fi", i+1), zone.KindOT, z, fmt.Sprintf("10.%d.200.0/22", o))
			g.m.Zones[len(g.m.Zones)-1].SSIDs = []string{fmt.Sprintf("MED-%d", i+1)}
			g.host(wz, fmt.Sprintf("10.%d.200.0/24", o), 20, "pump")
			t.lans = append(t.lans, wz)
		}
		ots = append(ots, t)
	}

	// Conduits from templates of what hospitals allow.
	type tmpl struct {
		proto zone.Protocol
		ports []zone.PortRange
		app   string
	}
	toServers := []tmpl{
		{zone.ProtoTCP, []zone.PortRange{pr(104, 104), pr(11112, 11112)}, "dicom"},
		{zone.ProtoTCP, []zone.PortRange{pr(2575, 2575)}, "hl7"},
		{zone.ProtoUDP, []zone.PortRange{pr(123, 123)}, ""},
		{zone.ProtoUDP, []zone.PortRange{pr(514, 514)}, ""},
		{zone.ProtoTCP, []zone.PortRange{pr(443, 443)}, ""},
		{zone.ProtoTCP, []zone.PortRange{pr(8000, 8100)}, ""},
		{zone.ProtoICMP, nil, ""},
	}
	id := int64(0)
	add := func(from, to int64, t tmpl, srcs, dsts []netip.Addr) {
		id++
		c := zone.Conduit{ID: id, Name: fmt.Sprintf("conduit %d", id), From: from, To: to, Protocol: t.proto, Ports: t.ports, App: t.app}
		for _, a := range srcs {
			c.Sources = append(c.Sources, zone.AddrRange(a))
		}
		for _, a := range dsts {
			c.Destinations = append(c.Destinations, zone.AddrRange(a))
		}
		g.m.Conduits = append(g.m.Conduits, c)
	}
	some := func(z int64, n int) []netip.Addr {
		var out []netip.Addr
		for i := 0; i < n; i++ {
			out = append(out, g.pick(z))
		}
		return out
	}
	for len(g.m.Conduits) < cfg.Conduits {
		switch r := g.rng.IntN(10); {
		case r < 5: // OT device to servers
			o := ots[g.rng.IntN(len(ots))]
			add(o.id, servers, toServers[g.rng.IntN(len(toServers))], some(o.id, 1+g.rng.IntN(6)), some(servers, 1+g.rng.IntN(2)))
		case r < 7: // local LAN to its OT zone's boundary host
			o := ots[g.rng.IntN(len(ots))]
			l := o.lans[g.rng.IntN(len(o.lans))]
			p := uint16(6000 + g.rng.IntN(50))
			add(l, o.id, tmpl{zone.ProtoUDP, []zone.PortRange{pr(p, p+10)}, ""}, nil, some(o.id, 1))
		case r < 8: // admin to servers
			a := admin[g.rng.IntN(len(admin))]
			add(a, servers, tmpl{zone.ProtoTCP, []zone.PortRange{pr(443, 443), pr(3389, 3389)}, ""}, nil, some(servers, 2))
		case r < 9: // servers to OT (worklists, pushes)
			o := ots[g.rng.IntN(len(ots))]
			add(servers, o.id, toServers[g.rng.IntN(2)], some(servers, 1), some(o.id, 1+g.rng.IntN(4)))
		default: // vendor remote maintenance and updates
			o := ots[g.rng.IntN(len(ots))]
			if g.rng.IntN(2) == 0 {
				add(inet, o.id, tmpl{zone.ProtoTCP, []zone.PortRange{pr(22, 22), pr(5900, 5900)}, ""}, some(inet, 1), some(o.id, 1))
			} else {
				add(servers, inet, tmpl{zone.ProtoTCP, []zone.PortRange{pr(443, 443)}, ""}, some(servers, 1), nil)
			}
		}
	}
	if err := g.m.Validate(); err != nil {
		return nil, fmt.Errorf("generate hospital: %w", err)
	}

	// Flows.
	zoneIDs := make([]int64, 0, len(g.m.Zones))
	for _, z := range g.m.Zones {
		zoneIDs = append(zoneIDs, z.ID)
	}
	member := func(rs []zone.Range, z int64) netip.Addr {
		if len(rs) > 0 {
			return rs[g.rng.IntN(len(rs))].First
		}
		return g.pick(z)
	}
	h := &Hospital{Model: g.m, Flows: make([]zone.Flow, 0, cfg.Flows)}
	for len(h.Flows) < cfg.Flows {
		var f zone.Flow
		switch x := g.rng.Float64(); {
		case x < cfg.ViolationShare:
			a, b := zoneIDs[g.rng.IntN(len(zoneIDs))], zoneIDs[g.rng.IntN(len(zoneIDs))]
			f = zone.Flow{Src: g.pick(a), Dst: g.pick(b), Proto: zone.ProtoTCP, Port: uint16(1 + g.rng.IntN(10000))}
		case x < cfg.ViolationShare+cfg.SameZoneShare:
			z := zoneIDs[g.rng.IntN(len(zoneIDs))]
			f = zone.Flow{Src: g.pick(z), Dst: g.pick(z), Proto: zone.ProtoTCP, Port: 443}
		default:
			c := g.m.Conduits[g.rng.IntN(len(g.m.Conduits))]
			f = zone.Flow{Src: member(c.Sources, c.From), Dst: member(c.Destinations, c.To), Proto: c.Protocol, App: c.App}
			if len(c.Ports) > 0 {
				p := c.Ports[g.rng.IntN(len(c.Ports))]
				f.Port = p.From + uint16(g.rng.IntN(int(p.To-p.From)+1))
			}
		}
		f.Packets = uint64(1 + g.rng.IntN(1000))
		f.Bytes = f.Packets * uint64(60+g.rng.IntN(1400))
		h.Flows = append(h.Flows, f)
	}
	return h, nil
}

func pr(from, to uint16) zone.PortRange { return zone.PortRange{From: from, To: to} }

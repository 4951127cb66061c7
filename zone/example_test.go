package zone_test

import (
	"fmt"
	"net/netip"
	"os"

	"medsec/zone"
)

// The workflow a caller follows: describe zones and conduits, compile a Checker, check
// observed flows, and propose least-privilege rules from them.
func Example() {
	m := &zone.Model{
		Zones: []zone.Zone{
			{ID: 1, Name: "Internet", Kind: zone.KindInternet},
			{ID: 2, Name: "Intranet", Kind: zone.KindIntranet, Ranges: []zone.Range{zone.MustParseRange("10.0.0.0/8")}, SL: zone.SL(3).Ptr()},
			{ID: 3, Name: "OT zone", Kind: zone.KindOT, Parent: 2, Ranges: []zone.Range{zone.MustParseRange("10.20.0.0/16")}},
		},
		Conduits: []zone.Conduit{{
			ID: 1, Name: "ultrasound to PACS", From: 3, To: 2, Protocol: zone.ProtoTCP,
			Ports:        []zone.PortRange{{From: 104, To: 104}},
			Sources:      []zone.Range{zone.MustParseRange("10.20.1.5")},
			Destinations: []zone.Range{zone.MustParseRange("10.1.0.10")},
			Controls:     []zone.Control{zone.ControlFiltering},
		}},
		Assets: []zone.Asset{{ID: 7, Name: "Ultrasound 1", Class: zone.ClassStandalone, Zone: 3,
			Addrs: []netip.Addr{netip.MustParseAddr("10.20.1.5")}}},
	}
	c, err := zone.NewChecker(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	flows := []zone.Flow{
		{Src: netip.MustParseAddr("10.20.1.5"), Dst: netip.MustParseAddr("10.1.0.10"), Proto: zone.ProtoTCP, Port: 104},
		{Src: netip.MustParseAddr("10.20.1.5"), Dst: netip.MustParseAddr("10.1.0.10"), Proto: zone.ProtoTCP, Port: 3389},
	}
	for _, v := range c.CheckFlows(flows) {
		fmt.Printf("%s: %s (%s) -> %s port %d\n", v.Code, v.SrcAssetName, v.SrcZoneName, v.DstZoneName, v.Flow.Port)
	}
	lp := zone.ProposeConduits(c, flows, zone.ProposeOptions{})
	for _, r := range lp.Rules {
		fmt.Printf("rule %s -> %s %s/%d from %v to %v, covered by conduit %d\n", r.FromName, r.ToName, r.Protocol, r.Port, r.Sources, r.Destinations, r.CoveredBy)
	}
	_ = zone.WriteNFT(os.Stdout, c.Locator(), m.Conduits, zone.NFTOptions{})
	// Output:
	// flow.no-conduit: Ultrasound 1 (OT zone) -> Intranet port 3389
	// rule OT zone -> Intranet tcp/104 from [10.20.1.5] to [10.1.0.10], covered by conduit 1
	// rule OT zone -> Intranet tcp/3389 from [10.20.1.5] to [10.1.0.10], covered by conduit 0
	// #!/usr/sbin/nft -f
	// # Conduits exported by medsec: cross-zone flows allowed, everything else dropped.
	// table inet medsec
	// delete table inet medsec
	//
	// table inet medsec {
	// 	chain forward {
	// 		type filter hook forward priority 0; policy drop;
	// 		ct state established,related accept
	// 		ct state invalid drop
	// 		ip saddr { 10.20.1.5 } ip daddr { 10.1.0.10 } tcp dport { 104 } counter accept comment "conduit 1: ultrasound to PACS"
	// 	}
	// }
}

// Proposing a class from what is known of a device.
func ExampleProposeClass() {
	monitor := zone.Peer{Vendor: "Philips", Model: "MX450"}
	p := zone.ProposeClass(zone.Facts{Kind: "central-station", DualNIC: true, Behind: []zone.Peer{monitor, monitor, monitor}})
	fmt.Println(p.Class, p.BoundaryOf)
	for _, r := range p.Reasons {
		fmt.Println(r.Code, r.Params, r.Cite)
	}
	// Output:
	// boundary-host group
	// class.bridges-local-lan map[evidence:dual-nic] 000 §3(六)
	// class.gathers-local-lan map[devices:3] 000 §3(七)
	// class.local-lan-identical map[devices:3 model:Philips MX450] 000 §4(三)2
}

package zone

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

func TestCheck(t *testing.T) {
	m := hospital()
	c := mustChecker(t, m)
	lin, err := NewLinearChecker(m)
	if err != nil {
		t.Fatal(err)
	}
	tcp := func(src, dst string, port uint16, app string) Flow {
		return Flow{Src: ip(src), Dst: ip(dst), Proto: ProtoTCP, Port: port, App: app}
	}
	tests := []struct {
		name string
		flow Flow
		want Verdict
	}{
		{"ultrasound C-STORE to PACS", tcp("10.20.1.5", "10.1.0.10", 104, "dicom"),
			Verdict{Status: VerdictAllowed, SrcZone: zOT, DstZone: zServers, Conduit: 1}},
		{"app protocol name compares case-insensitively", tcp("10.20.1.5", "10.1.0.10", 11112, "DICOM"),
			Verdict{Status: VerdictAllowed, SrcZone: zOT, DstZone: zServers, Conduit: 1}},
		{"MRI console is whitelisted as a single host", tcp("10.20.3.10", "10.1.0.10", 104, "dicom"),
			Verdict{Status: VerdictAllowed, SrcZone: zOT, DstZone: zServers, Conduit: 1}},
		{"host next to the MRI console is not", tcp("10.20.3.11", "10.1.0.10", 104, "dicom"),
			Verdict{Status: VerdictNoConduit, SrcZone: zOT, DstZone: zServers}},
		{"DICOM port without known app protocol", tcp("10.20.1.5", "10.1.0.10", 104, ""),
			Verdict{Status: VerdictNoConduit, SrcZone: zOT, DstZone: zServers}},
		{"wrong port", tcp("10.20.1.5", "10.1.0.10", 105, "dicom"),
			Verdict{Status: VerdictNoConduit, SrcZone: zOT, DstZone: zServers}},
		{"wrong destination", tcp("10.20.1.5", "10.1.0.11", 104, "dicom"),
			Verdict{Status: VerdictNoConduit, SrcZone: zOT, DstZone: zServers}},
		{"reverse direction", tcp("10.1.0.10", "10.20.1.5", 104, "dicom"),
			Verdict{Status: VerdictNoConduit, SrcZone: zServers, DstZone: zOT}},
		{"HL7 from the ICU server", tcp("10.20.2.50", "10.1.0.20", 2575, ""),
			Verdict{Status: VerdictAllowed, SrcZone: zOT, DstZone: zServers, Conduit: 2}},
		{"monitor to central station, port range low end", Flow{Src: ip("192.168.10.11"), Dst: ip("10.20.2.10"), Proto: ProtoUDP, Port: 6000},
			Verdict{Status: VerdictAllowed, SrcZone: zICULAN, DstZone: zOT, Conduit: 3}},
		{"monitor to central station, port range high end", Flow{Src: ip("192.168.10.11"), Dst: ip("10.20.2.10"), Proto: ProtoUDP, Port: 6010},
			Verdict{Status: VerdictAllowed, SrcZone: zICULAN, DstZone: zOT, Conduit: 3}},
		{"monitor port past the range", Flow{Src: ip("192.168.10.11"), Dst: ip("10.20.2.10"), Proto: ProtoUDP, Port: 6011},
			Verdict{Status: VerdictNoConduit, SrcZone: zICULAN, DstZone: zOT}},
		{"monitor over tcp", Flow{Src: ip("192.168.10.11"), Dst: ip("10.20.2.10"), Proto: ProtoTCP, Port: 6000},
			Verdict{Status: VerdictNoConduit, SrcZone: zICULAN, DstZone: zOT}},
		{"same zone needs no conduit", tcp("10.20.1.5", "10.20.2.50", 22, ""),
			Verdict{Status: VerdictSameZone, SrcZone: zOT, DstZone: zOT}},
		{"server to Internet HTTPS via catch-all", tcp("10.1.0.20", "93.184.216.34", 443, ""),
			Verdict{Status: VerdictAllowed, SrcZone: zServers, DstZone: zInternet, Conduit: 4}},
		{"OT device to Internet", tcp("10.20.1.5", "93.184.216.34", 443, ""),
			Verdict{Status: VerdictNoConduit, SrcZone: zOT, DstZone: zInternet}},
		{"dialysis IPv6 within whitelist range", tcp("2001:db8:20:30::5", "2001:db8:20::1ff", 8085, ""),
			Verdict{Status: VerdictAllowed, SrcZone: zDialysis, DstZone: zOT, Conduit: 5}},
		{"dialysis IPv6 past whitelist range", tcp("2001:db8:20:30::5", "2001:db8:20::200", 8085, ""),
			Verdict{Status: VerdictNoConduit, SrcZone: zDialysis, DstZone: zOT}},
		{"dialysis IPv4 address, IPv6-only whitelist", tcp("10.20.30.5", "10.20.1.1", 8085, ""),
			Verdict{Status: VerdictNoConduit, SrcZone: zDialysis, DstZone: zOT}},
		{"ICMP from OT to intranet", Flow{Src: ip("10.20.1.5"), Dst: ip("10.99.0.1"), Proto: "icmpv6"},
			Verdict{Status: VerdictAllowed, SrcZone: zOT, DstZone: zIntranet, Conduit: 6}},
		{"ICMP from OT to the server zone has no conduit", Flow{Src: ip("10.20.1.5"), Dst: ip("10.1.0.1"), Proto: ProtoICMP},
			Verdict{Status: VerdictNoConduit, SrcZone: zOT, DstZone: zServers}},
		{"GRE is only allowed by any", Flow{Src: ip("10.20.1.5"), Dst: ip("10.99.0.1"), Proto: "gre"},
			Verdict{Status: VerdictNoConduit, SrcZone: zOT, DstZone: zIntranet}},
		{"IPv4-mapped source", tcp("::ffff:10.20.1.5", "10.1.0.10", 104, "dicom"),
			Verdict{Status: VerdictAllowed, SrcZone: zOT, DstZone: zServers, Conduit: 1}},
		{"invalid address", Flow{Dst: ip("10.1.0.10"), Proto: ProtoTCP, Port: 104},
			Verdict{Status: VerdictUnplaced, DstZone: zServers}},
		{"private address no zone covers is unplaced, not Internet", tcp("192.168.20.201", "10.1.0.10", 104, "dicom"),
			Verdict{Status: VerdictUnplaced, DstZone: zServers}},
		{"carrier-grade NAT address no zone covers is unplaced", tcp("10.1.0.10", "100.64.0.7", 443, ""),
			Verdict{Status: VerdictUnplaced, SrcZone: zServers}},
	}
	for _, tt := range tests {
		if got := c.Check(tt.flow); got != tt.want {
			t.Errorf("%s: Check = %+v, want %+v", tt.name, got, tt.want)
		}
		if got := lin.Check(tt.flow); got != tt.want {
			t.Errorf("%s: linear Check = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestCheckFlowsNamesZonesAndAssets(t *testing.T) {
	c := mustChecker(t, hospital())
	flows := []Flow{
		{Src: ip("10.20.1.5"), Dst: ip("10.1.0.10"), Proto: ProtoTCP, Port: 104, App: "dicom"},
		{Src: ip("10.20.1.5"), Dst: ip("10.1.0.20"), Proto: ProtoTCP, Port: 3389},
		{Src: ip("10.20.2.50"), Dst: ip("10.20.1.5"), Proto: ProtoTCP, Port: 22},
	}
	got := c.CheckFlows(flows)
	if len(got) != 1 {
		t.Fatalf("violations = %+v, want 1", got)
	}
	v := got[0]
	want := Violation{Code: FindFlowNoConduit, Flow: flows[1], SrcZone: zOT, DstZone: zServers,
		SrcZoneName: "OT zone", DstZoneName: "IT servers", SrcAsset: 103, DstAsset: 102,
		SrcAssetName: "Ultrasound 1", DstAssetName: "HIS"}
	if v != want {
		t.Errorf("violation = %+v\nwant %+v", v, want)
	}
	if n := c.CountViolations(flows); n != 1 {
		t.Errorf("CountViolations = %d", n)
	}
}

func TestCheckerMatchesLinear(t *testing.T) {
	// Random models and flows: the indexed checker must decide exactly as the naive one.
	seen := map[VerdictStatus]int{}
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		m := randomModel(rng)
		c := mustChecker(t, m)
		lin, err := NewLinearChecker(m)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2000; i++ {
			f := randomFlow(rng, m)
			if got, want := c.Check(f), lin.Check(f); got != want {
				t.Fatalf("seed %d flow %+v: Check = %+v, linear = %+v", seed, f, got, want)
			} else {
				seen[got.Status]++
			}
		}
	}
	// The random data must exercise every outcome, or the comparison proves little.
	for _, s := range []VerdictStatus{VerdictAllowed, VerdictNoConduit, VerdictSameZone, VerdictUnplaced, VerdictAmbiguous} {
		if seen[s] < 50 {
			t.Errorf("only %d flows with status %s: %v", seen[s], s, seen)
		}
	}
}

// randomModel builds a small, messy model: overlapping ranges, ties, both families.
func randomModel(rng *rand.Rand) *Model {
	m := &Model{}
	nz := 3 + rng.IntN(8)
	for i := 1; i <= nz; i++ {
		z := Zone{ID: int64(i), Name: "z", Kind: Kinds[rng.IntN(len(Kinds))]}
		if i > 1 && rng.IntN(2) == 0 {
			z.Parent = int64(1 + rng.IntN(i-1))
		}
		for k := rng.IntN(3); k > 0; k-- {
			z.Ranges = append(z.Ranges, randomRange(rng))
		}
		m.Zones = append(m.Zones, z)
	}
	protos := []Protocol{ProtoTCP, ProtoUDP, ProtoICMP, ProtoAny}
	for i := 1; i <= 5+rng.IntN(30); i++ {
		c := Conduit{ID: int64(i), From: int64(1 + rng.IntN(nz)), To: int64(1 + rng.IntN(nz)), Protocol: protos[rng.IntN(4)]}
		if c.From == c.To {
			continue
		}
		if (c.Protocol == ProtoTCP || c.Protocol == ProtoUDP) && rng.IntN(3) > 0 {
			a := uint16(1 + rng.IntN(20))
			c.Ports = []PortRange{{a, a + uint16(rng.IntN(5))}}
		}
		if rng.IntN(4) == 0 {
			c.App = []string{"dicom", "hl7"}[rng.IntN(2)]
		}
		for k := rng.IntN(3); k > 0; k-- {
			c.Sources = append(c.Sources, randomRange(rng))
		}
		for k := rng.IntN(3); k > 0; k-- {
			c.Destinations = append(c.Destinations, randomRange(rng))
		}
		m.Conduits = append(m.Conduits, c)
	}
	return m
}

func randomRange(rng *rand.Rand) Range {
	if rng.IntN(4) == 0 {
		a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(rng.IntN(64))})
		bits := 120 + rng.IntN(9)
		return PrefixRange(netip.PrefixFrom(a, bits))
	}
	a := netip.AddrFrom4([4]byte{10, 0, 0, byte(rng.IntN(64))})
	if rng.IntN(2) == 0 {
		return PrefixRange(netip.PrefixFrom(a, 26+rng.IntN(7)))
	}
	b := netip.AddrFrom4([4]byte{10, 0, 0, byte(rng.IntN(64))})
	if b.Less(a) {
		a, b = b, a
	}
	return Range{First: a, Last: b}
}

func randomFlow(rng *rand.Rand, m *Model) Flow {
	addr := func() netip.Addr {
		if rng.IntN(4) == 0 {
			return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(rng.IntN(70))})
		}
		return netip.AddrFrom4([4]byte{10, 0, 0, byte(rng.IntN(70))})
	}
	protos := []Protocol{ProtoTCP, ProtoUDP, ProtoICMP, "gre"}
	f := Flow{Src: addr(), Dst: addr(), Proto: protos[rng.IntN(4)]}
	if f.Proto == ProtoTCP || f.Proto == ProtoUDP {
		f.Port = uint16(1 + rng.IntN(26))
	}
	f.App = []string{"", "dicom", "hl7"}[rng.IntN(3)]
	return f
}

// FuzzCheckerMatchesLinear builds a random model and flows from the fuzzer's seed and
// requires the indexed checker to agree with the naive one on every flow.
func FuzzCheckerMatchesLinear(f *testing.F) {
	for _, s := range []uint64{1, 2, 42, 1 << 40} {
		f.Add(s, uint8(50))
	}
	f.Fuzz(func(t *testing.T, seed uint64, n uint8) {
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		m := randomModel(rng)
		c, err := NewChecker(m)
		if err != nil {
			t.Fatal(err)
		}
		lin, err := NewLinearChecker(m)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < int(n)+1; i++ {
			fl := randomFlow(rng, m)
			if got, want := c.Check(fl), lin.Check(fl); got != want {
				t.Fatalf("flow %+v: Check = %+v, linear = %+v", fl, got, want)
			}
		}
	})
}

package zone

import (
	"net/netip"
	"testing"
)

// Zone IDs of the test hospital.
const (
	zInternet = 1
	zIntranet = 2
	zOT       = 3
	zICULAN   = 4
	zMRILAN   = 5
	zDialysis = 6
	zServers  = 7
	zWiFi     = 8
)

func rs(ss ...string) []Range {
	out := make([]Range, len(ss))
	for i, s := range ss {
		out[i] = MustParseRange(s)
	}
	return out
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func ips(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = ip(s)
	}
	return out
}

// hospital returns a small hospital network following the template of 000 附圖二: the
// Internet, the intranet with its server zone, the OT zone behind the OT firewall, and
// trusted local LANs of an ICU monitor group, an MRI and a dialysis group.
func hospital() *Model {
	return &Model{
		Zones: []Zone{
			{ID: zInternet, Name: "Internet", Kind: KindInternet},
			{ID: zIntranet, Name: "Intranet", Kind: KindIntranet, Ranges: rs("10.0.0.0/8", "2001:db8::/32"), SL: SL(3).Ptr()},
			{ID: zOT, Name: "OT zone", Kind: KindOT, Parent: zIntranet, Ranges: rs("10.20.0.0/16", "2001:db8:20::/48"), VLANs: []int{20}, SL: SL(3).Ptr()},
			{ID: zICULAN, Name: "ICU monitor LAN", Kind: KindTrustedLocalLAN, Parent: zOT, Ranges: rs("192.168.10.0/24"), VLANs: []int{201}},
			{ID: zMRILAN, Name: "MRI LAN", Kind: KindTrustedLocalLAN, Parent: zOT, Ranges: rs("192.168.20.0-192.168.20.127")},
			{ID: zDialysis, Name: "Dialysis LAN", Kind: KindTrustedLocalLAN, Parent: zOT, Ranges: rs("10.20.30.0/24", "2001:db8:20:30::/64")},
			{ID: zServers, Name: "IT servers", Kind: KindIntranet, Parent: zIntranet, Ranges: rs("10.1.0.0/16")},
			{ID: zWiFi, Name: "Medical Wi-Fi", Kind: KindOT, Parent: zOT, Ranges: rs("10.20.40.0/22"), SSIDs: []string{"MED-IOT"}},
		},
		Conduits: []Conduit{
			{ID: 1, Name: "modalities to PACS", From: zOT, To: zServers, Protocol: ProtoTCP,
				Ports: []PortRange{{104, 104}, {11112, 11112}}, App: "dicom",
				Sources: rs("10.20.1.0/24", "10.20.3.10"), Destinations: rs("10.1.0.10"), Controls: []Control{ControlFiltering}},
			{ID: 2, Name: "ICU server HL7 to HIS", From: zOT, To: zServers, Protocol: ProtoTCP,
				Ports: []PortRange{{2575, 2575}}, Sources: rs("10.20.2.50"), Destinations: rs("10.1.0.20")},
			{ID: 3, Name: "monitors to central station", From: zICULAN, To: zOT, Protocol: ProtoUDP,
				Ports: []PortRange{{6000, 6010}}, Destinations: rs("10.20.2.10")},
			{ID: 4, Name: "servers to Internet HTTPS", From: zServers, To: zInternet, Protocol: ProtoTCP, Ports: []PortRange{{443, 443}}},
			{ID: 5, Name: "dialysis IPv6 to OT", From: zDialysis, To: zOT, Protocol: ProtoTCP, Ports: []PortRange{{8080, 8090}},
				Sources: rs("2001:db8:20:30::/64"), Destinations: rs("2001:db8:20::100-2001:db8:20::1ff")},
			{ID: 6, Name: "OT ping to intranet", From: zOT, To: zIntranet, Protocol: ProtoICMP},
		},
		Assets: []Asset{
			{ID: 101, Name: "PACS", Addrs: ips("10.1.0.10")},
			{ID: 102, Name: "HIS", Addrs: ips("10.1.0.20")},
			{ID: 103, Name: "Ultrasound 1", Class: ClassStandalone, Addrs: ips("10.20.1.5")},
			{ID: 104, Name: "ICU central station", Class: ClassBoundary, Addrs: ips("10.20.2.10", "192.168.10.1")},
			{ID: 105, Name: "Monitor bed 1", Class: ClassGroup, Addrs: ips("192.168.10.11")},
			{ID: 106, Name: "MRI console", Class: ClassBoundary, Addrs: ips("10.20.3.10", "192.168.20.1")},
			{ID: 107, Name: "ICU monitoring server", Class: ClassControl, Addrs: ips("10.20.2.50"), Ratings: &Ratings{C: 2, I: 3, A: 3, L: 2}},
			{ID: 108, Name: "Dialysis gateway", Class: ClassBoundary, Addrs: ips("2001:db8:20:30::5")},
		},
	}
}

func mustChecker(t testing.TB, m *Model) *Checker {
	t.Helper()
	c, err := NewChecker(m)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

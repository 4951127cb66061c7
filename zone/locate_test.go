package zone

import (
	"errors"
	"slices"
	"testing"
)

func TestPlaceAddr(t *testing.T) {
	loc, err := NewLocator(hospital().Zones)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		want Placement
	}{
		{"10.1.0.10", Placement{Status: PlaceFound, Zone: zServers}},
		{"10.20.1.5", Placement{Status: PlaceFound, Zone: zOT}},
		{"10.20.30.7", Placement{Status: PlaceFound, Zone: zDialysis}},   // /24 inside the OT /16
		{"10.20.41.9", Placement{Status: PlaceFound, Zone: zWiFi}},       // /22 inside the OT /16
		{"10.99.0.1", Placement{Status: PlaceFound, Zone: zIntranet}},    // only the /8 holds it
		{"192.168.10.200", Placement{Status: PlaceFound, Zone: zICULAN}}, // local LAN outside parent ranges
		{"192.168.20.127", Placement{Status: PlaceFound, Zone: zMRILAN}}, // last of a first-last range
		// Private and special-purpose addresses no range covers are in no zone, never in
		// the catch-all Internet zone.
		{"192.168.20.128", Placement{Status: PlaceNone}}, // RFC 1918
		{"172.31.255.1", Placement{Status: PlaceNone}},   // RFC 1918
		{"100.64.3.4", Placement{Status: PlaceNone}},     // carrier-grade NAT, RFC 6598
		{"169.254.10.20", Placement{Status: PlaceNone}},  // link-local
		{"127.0.0.1", Placement{Status: PlaceNone}},      // loopback
		{"198.18.0.9", Placement{Status: PlaceNone}},     // benchmarking
		{"fd12:3456::1", Placement{Status: PlaceNone}},   // unique local, RFC 4193
		{"fe80::1", Placement{Status: PlaceNone}},        // link-local
		{"::ffff:192.168.1.1", Placement{Status: PlaceNone}},
		{"8.8.8.8", Placement{Status: PlaceFound, Zone: zInternet, Fallback: true}},
		{"203.0.113.50", Placement{Status: PlaceFound, Zone: zInternet, Fallback: true}}, // documentation block standing for the Internet
		{"2001:db8:20:30::5", Placement{Status: PlaceFound, Zone: zDialysis}},
		{"2001:db8:20:31::5", Placement{Status: PlaceFound, Zone: zOT}},
		{"2001:db8:ffff::1", Placement{Status: PlaceFound, Zone: zIntranet}},
		{"2001:4860::8888", Placement{Status: PlaceFound, Zone: zInternet, Fallback: true}},
		{"::ffff:10.20.30.7", Placement{Status: PlaceFound, Zone: zDialysis}},
	}
	for _, tt := range tests {
		got := loc.PlaceAddr(ip(tt.addr))
		if got.Status != tt.want.Status || got.Zone != tt.want.Zone || got.Fallback != tt.want.Fallback ||
			!slices.Equal(got.Candidates, tt.want.Candidates) {
			t.Errorf("PlaceAddr(%s) = %+v, want %+v", tt.addr, got, tt.want)
		}
	}
}

func TestPlaceAmbiguousAndNone(t *testing.T) {
	zones := []Zone{
		{ID: 1, Name: "A", Kind: KindOT, Ranges: rs("10.0.0.0/24"), VLANs: []int{10}, SSIDs: []string{"X"}},
		{ID: 2, Name: "B", Kind: KindOT, Ranges: rs("10.0.0.0/24"), VLANs: []int{10}},
		{ID: 3, Name: "C", Kind: KindTrustedLocalLAN, Parent: 1, Ranges: rs("10.0.0.0/24"), SSIDs: []string{"X"}},
		{ID: 4, Name: "D", Kind: KindOT, Ranges: rs("10.0.1.0/24")},
		{ID: 5, Name: "E", Kind: KindOT, Ranges: rs("10.0.1.0-10.0.1.255")},
	}
	loc, err := NewLocator(zones)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  Placement
		want Placement
	}{
		// Same range in A, B and C: C is deepest.
		{"depth breaks size tie", loc.PlaceAddr(ip("10.0.0.1")), Placement{Status: PlaceFound, Zone: 3}},
		{"equal ranges, equal depth", loc.PlaceAddr(ip("10.0.1.1")), Placement{Status: PlaceAmbiguous, Candidates: []int64{4, 5}}},
		{"no zone and no catch-all", loc.PlaceAddr(ip("192.0.2.1")), Placement{Status: PlaceNone}},
		{"vlan in two top-level zones", loc.PlaceVLAN(10), Placement{Status: PlaceAmbiguous, Candidates: []int64{1, 2}}},
		{"unknown vlan", loc.PlaceVLAN(11), Placement{Status: PlaceNone}},
		{"ssid deepest wins", loc.PlaceSSID("X"), Placement{Status: PlaceFound, Zone: 3}},
		{"ssid is case-sensitive", loc.PlaceSSID("x"), Placement{Status: PlaceNone}},
		{"asset: address and ssid on one chain", loc.PlaceAsset(ips("10.0.0.9"), 0, "X"), Placement{Status: PlaceFound, Zone: 3}},
		{"asset: two branches", loc.PlaceAsset(ips("10.0.0.9"), 0, ""), Placement{Status: PlaceFound, Zone: 3}},
		{"asset: conflicting zones", loc.PlaceAsset(ips("10.0.0.9", "10.0.1.9"), 0, ""), Placement{Status: PlaceAmbiguous, Candidates: []int64{3, 4, 5}}},
		{"asset: nothing", loc.PlaceAsset(nil, 0, ""), Placement{Status: PlaceNone}},
	}
	for _, tt := range tests {
		if tt.got.Status != tt.want.Status || tt.got.Zone != tt.want.Zone || !slices.Equal(tt.got.Candidates, tt.want.Candidates) {
			t.Errorf("%s: got %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
}

func TestPlaceAssetChain(t *testing.T) {
	loc, err := NewLocator(hospital().Zones)
	if err != nil {
		t.Fatal(err)
	}
	// VLAN 20 is the OT zone; the address is in the dialysis LAN inside it.
	got := loc.PlaceAsset(ips("10.20.30.9"), 20, "")
	if got.Status != PlaceFound || got.Zone != zDialysis {
		t.Errorf("PlaceAsset = %+v, want dialysis LAN", got)
	}
	// A boundary host with one NIC in OT and one in its ICU LAN: ICU LAN is a child of OT.
	got = loc.PlaceAsset(ips("10.20.2.10", "192.168.10.1"), 0, "")
	if got.Status != PlaceFound || got.Zone != zICULAN {
		t.Errorf("PlaceAsset(boundary host) = %+v, want ICU LAN", got)
	}
	// The server zone and the OT zone are siblings: ambiguous.
	got = loc.PlaceAsset(ips("10.1.0.10", "10.20.1.1"), 0, "")
	if got.Status != PlaceAmbiguous || !slices.Equal(got.Candidates, []int64{zOT, zServers}) {
		t.Errorf("PlaceAsset(two branches) = %+v", got)
	}
	// A device with only private addresses that no range covers is unplaced, not in the
	// catch-all Internet zone; one that also has a public address falls into it.
	got = loc.PlaceAsset(ips("192.168.20.201", "fd00::9"), 0, "")
	if got.Status != PlaceNone {
		t.Errorf("PlaceAsset(private, uncovered) = %+v, want none", got)
	}
	got = loc.PlaceAsset(ips("192.168.20.201", "8.8.4.4"), 0, "")
	if got.Status != PlaceFound || got.Zone != zInternet || !got.Fallback {
		t.Errorf("PlaceAsset(private and public, uncovered) = %+v, want the Internet zone by fallback", got)
	}
	assets, fs := loc.AssignZones([]Asset{
		{ID: 1, Name: "a", Addrs: ips("10.20.1.1")},
		{ID: 2, Name: "b", Zone: zICULAN, Addrs: ips("10.20.1.1")},
		{ID: 3, Name: "c", Addrs: ips("10.1.0.10", "10.20.1.1")},
		{ID: 4, Name: "d", SSID: "nope"},
		{ID: 5, Name: "pump", Addrs: ips("192.168.20.201")},
	})
	if assets[0].Zone != zOT || assets[1].Zone != zICULAN || assets[2].Zone != 0 || assets[4].Zone != 0 {
		t.Errorf("AssignZones zones = %d %d %d %d", assets[0].Zone, assets[1].Zone, assets[2].Zone, assets[4].Zone)
	}
	var codes []string
	for _, f := range fs {
		codes = append(codes, f.Code)
	}
	if want := []string{FindAssetAmbiguous, FindAssetUnplaced, FindAssetUnplaced}; !slices.Equal(codes, want) {
		t.Errorf("AssignZones findings = %v, want %v", codes, want)
	}
}

func TestIntervals(t *testing.T) {
	loc, err := NewLocator(hospital().Zones)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range loc.Intervals(zOT) {
		got = append(got, r.String())
	}
	want := []string{"10.20.0.0-10.20.29.255", "10.20.31.0-10.20.39.255", "10.20.44.0-10.20.255.255",
		"2001:db8:20::-2001:db8:20:2f:ffff:ffff:ffff:ffff", "2001:db8:20:31::-2001:db8:20:ffff:ffff:ffff:ffff:ffff"}
	if !slices.Equal(got, want) {
		t.Errorf("Intervals(OT) =\n%v\nwant\n%v", got, want)
	}
	if got := loc.Intervals(zInternet); len(got) != 0 {
		t.Errorf("Intervals(catch-all) = %v, want none", got)
	}
}

func TestValidate(t *testing.T) {
	m := &Model{
		Zones: []Zone{
			{ID: 1, Name: "a", Kind: "dmz", Parent: 3},
			{ID: 1, Name: "dup", Kind: KindOT},
			{ID: 4, Name: "c1", Kind: KindOT, Parent: 5, VLANs: []int{0}},
			{ID: 5, Name: "c2", Kind: KindOT, Parent: 4, SL: SL(7).Ptr()},
		},
		Conduits: []Conduit{{ID: 1, From: 4, To: 9, Protocol: ProtoICMP, Ports: []PortRange{{1, 2}}}},
		Assets:   []Asset{{ID: 1, Zone: 8, Ratings: &Ratings{C: 5}}},
	}
	err := m.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v, want *ValidationError", err)
	}
	want := []string{
		"zone 1: duplicate id",
		`zone 1: unknown kind "dmz"`,
		"zone 1: unknown parent 3",
		"zone 4: VLAN 0 outside 1-4094",
		"zone 5: SL 7 outside 0-4",
		"zone 4: parent chain forms a cycle",
		"zone 5: parent chain forms a cycle",
		"conduit 1: unknown destination zone 9",
		`conduit 1: ports need protocol tcp or udp, not "icmp"`,
		"asset 1: unknown zone 8",
		"asset 1: rating C=5 outside 0-4",
	}
	if !slices.Equal(ve.Problems, want) {
		t.Errorf("problems:\n%q\nwant\n%q", ve.Problems, want)
	}
	if err := hospital().Validate(); err != nil {
		t.Errorf("hospital: %v", err)
	}
}

package zone

import (
	"slices"
	"testing"
	"time"
)

func rangeStrings(rs []Range) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

func TestProposeConduits(t *testing.T) {
	c := mustChecker(t, hospital())
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	tcp := func(src, dst string, port uint16, app string, at time.Duration) Flow {
		return Flow{Src: ip(src), Dst: ip(dst), Proto: ProtoTCP, Port: port, App: app,
			FirstSeen: t0.Add(at), LastSeen: t0.Add(at + time.Minute), Packets: 10, Bytes: 1000}
	}
	flows := []Flow{
		tcp("10.20.1.5", "10.1.0.10", 104, "dicom", 0),
		tcp("10.20.1.6", "10.1.0.10", 104, "dicom", time.Hour),
		tcp("10.20.1.7", "10.1.0.10", 104, "dicom", 2*time.Hour),
		tcp("10.20.1.7", "10.1.0.10", 104, "dicom", 3*time.Hour),
		tcp("10.20.2.50", "10.1.0.20", 2575, "", 0),
		tcp("10.20.1.5", "10.1.0.20", 3389, "", 0),
		tcp("10.20.1.9", "10.1.0.20", 3389, "", 0),
		tcp("10.1.0.20", "93.184.216.34", 443, "", 0),
		tcp("10.20.1.5", "10.20.2.50", 22, "", 0), // same zone
		{Src: ip("10.20.1.5"), Dst: ip("10.99.0.1"), Proto: ProtoICMP},
	}
	lp := ProposeConduits(c, flows, ProposeOptions{})
	if lp.SameZone != 1 || lp.Unplaced != 0 || lp.Ambiguous != 0 {
		t.Errorf("left out: same %d unplaced %d ambiguous %d", lp.SameZone, lp.Unplaced, lp.Ambiguous)
	}
	type row struct {
		from, to int64
		proto    Protocol
		port     uint16
		app      string
		src, dst []string
		flows    int
		covered  int64
		denied   int
	}
	want := []row{
		{zOT, zIntranet, ProtoICMP, 0, "", []string{"10.20.1.5"}, []string{"10.99.0.1"}, 1, 6, 0},
		{zOT, zServers, ProtoTCP, 104, "dicom", []string{"10.20.1.5-10.20.1.7"}, []string{"10.1.0.10"}, 4, 1, 0},
		{zOT, zServers, ProtoTCP, 2575, "", []string{"10.20.2.50"}, []string{"10.1.0.20"}, 1, 2, 0},
		{zOT, zServers, ProtoTCP, 3389, "", []string{"10.20.1.5", "10.20.1.9"}, []string{"10.1.0.20"}, 2, 0, 2},
		{zServers, zInternet, ProtoTCP, 443, "", []string{"10.1.0.20"}, []string{"93.184.216.34"}, 1, 4, 0},
	}
	if len(lp.Rules) != len(want) {
		t.Fatalf("rules = %+v", lp.Rules)
	}
	for i, w := range want {
		r := lp.Rules[i]
		got := row{r.From, r.To, r.Protocol, r.Port, r.App, rangeStrings(r.Sources), rangeStrings(r.Destinations), r.Flows, r.CoveredBy, r.Denied}
		if got.from != w.from || got.to != w.to || got.proto != w.proto || got.port != w.port || got.app != w.app ||
			!slices.Equal(got.src, w.src) || !slices.Equal(got.dst, w.dst) || got.flows != w.flows || got.covered != w.covered || got.denied != w.denied {
			t.Errorf("rule %d = %+v\nwant %+v", i, got, w)
		}
	}
	dicom := lp.Rules[1]
	if dicom.SourceHosts != 3 || dicom.Packets != 40 || !dicom.FirstSeen.Equal(t0) || !dicom.LastSeen.Equal(t0.Add(3*time.Hour+time.Minute)) || dicom.Widened {
		t.Errorf("dicom rule counts = %+v", dicom)
	}

	reviews := map[int64][]string{}
	broader := map[int64]bool{}
	for _, rv := range lp.Conduits {
		reviews[rv.Conduit] = reasonCodes(rv.Reasons)
		broader[rv.Conduit] = rv.Broader
	}
	wantReviews := map[int64][]string{
		1: {ReviewExtraPorts, ReviewExtraSource},
		2: nil,
		3: {ReviewUnused},
		4: {ReviewAnySource, ReviewAnyDestination},
		5: {ReviewUnused},
		6: {ReviewAnySource, ReviewAnyDestination},
	}
	for id, w := range wantReviews {
		if !slices.Equal(reviews[id], w) || broader[id] != (len(w) > 0) {
			t.Errorf("conduit %d review = %v (broader %v), want %v", id, reviews[id], broader[id], w)
		}
	}
	for _, rv := range lp.Conduits {
		if rv.Conduit == 1 {
			if p := rv.Reasons[0].Params; p["allowed"] != "2" || p["used"] != "1" || p["ports"] != "104" {
				t.Errorf("extra-ports params = %v", p)
			}
			if p := rv.Reasons[1].Params; p["allowed"] != "257" || p["used"] != "3" {
				t.Errorf("extra-sources params = %v", p)
			}
		}
	}
	// The proposals, made conduits, allow every flow they came from.
	m2 := hospital()
	m2.Conduits = nil
	for i, r := range lp.Rules {
		m2.Conduits = append(m2.Conduits, r.Conduit(int64(i+1), "proposed"))
	}
	c2 := mustChecker(t, m2)
	if n := c2.CountViolations(flows); n != 0 {
		t.Errorf("flows not allowed by the proposed conduits: %d", n)
	}
}

func TestProposeWidening(t *testing.T) {
	m := hospital()
	flowsFrom := func(hosts ...string) []Flow {
		var fs []Flow
		for _, h := range hosts {
			fs = append(fs, Flow{Src: ip(h), Dst: ip("10.1.0.10"), Proto: ProtoTCP, Port: 104, App: "dicom"})
		}
		return fs
	}
	tests := []struct {
		name    string
		assets  []Asset
		hosts   []string
		opt     ProposeOptions
		want    []string
		widened bool
	}{
		{"no widening by default", nil, []string{"10.20.1.1", "10.20.1.2", "10.20.1.3", "10.20.1.5", "10.20.1.6"},
			ProposeOptions{}, []string{"10.20.1.1-10.20.1.3", "10.20.1.5-10.20.1.6"}, false},
		{"widen to a /29", nil, []string{"10.20.1.1", "10.20.1.2", "10.20.1.3", "10.20.1.5", "10.20.1.6"},
			ProposeOptions{WidenIPv4: 29}, []string{"10.20.1.0/29"}, true},
		{"an unobserved asset blocks widening over it",
			[]Asset{{ID: 900, Name: "other device", Addrs: ips("10.20.1.4")}},
			[]string{"10.20.1.1", "10.20.1.2", "10.20.1.3", "10.20.1.5", "10.20.1.6"},
			ProposeOptions{WidenIPv4: 29}, []string{"10.20.1.0/30", "10.20.1.5-10.20.1.6"}, true},
		{"too little coverage", nil, []string{"10.20.1.1", "10.20.1.9"},
			ProposeOptions{WidenIPv4: 28}, []string{"10.20.1.1", "10.20.1.9"}, false},
		{"IPv6 hosts widen to a /126", nil, []string{"2001:db8:20::1", "2001:db8:20::2", "2001:db8:20::3"},
			ProposeOptions{WidenIPv6: 126}, []string{"2001:db8:20::/126"}, true},
		{"IPv6 exact by default", nil, []string{"2001:db8:20::1", "2001:db8:20::2", "2001:db8:20::3"},
			ProposeOptions{}, []string{"2001:db8:20::1-2001:db8:20::3"}, false},
		{"never across a zone boundary", nil, []string{"10.20.29.254", "10.20.29.255"},
			ProposeOptions{WidenIPv4: 22, MinCoverage: 0.001}, []string{"10.20.28.0/23"}, true},
	}
	for _, tt := range tests {
		m.Assets = append(hospital().Assets, tt.assets...)
		c := mustChecker(t, m)
		lp := ProposeConduits(c, flowsFrom(tt.hosts...), tt.opt)
		if len(lp.Rules) != 1 {
			t.Fatalf("%s: rules = %+v", tt.name, lp.Rules)
		}
		r := lp.Rules[0]
		if got := rangeStrings(r.Sources); !slices.Equal(got, tt.want) || r.Widened != tt.widened {
			t.Errorf("%s: sources = %v widened %v, want %v widened %v", tt.name, got, r.Widened, tt.want, tt.widened)
		}
		if r.SourceHosts != len(tt.hosts) {
			t.Errorf("%s: source hosts = %d", tt.name, r.SourceHosts)
		}
	}
}

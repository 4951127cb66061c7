package zone

import (
	"slices"
	"testing"
	"time"
)

func TestCheckConduits(t *testing.T) {
	m := hospital()
	m.Conduits = append(m.Conduits,
		Conduit{ID: 7, Name: "bad whitelists", From: zOT, To: zInternet, Protocol: ProtoAny,
			Sources: rs("10.20.1.5", "10.1.0.5", "10.20.29.0-10.20.30.5"), Destinations: rs("8.8.8.8", "10.1.0.10", "1.0.0.0/8", "192.168.50.0/24", "172.15.255.0-172.16.0.255"),
			Controls: []Control{ControlBlocking}},
		Conduit{ID: 8, Name: "any port", From: zServers, To: zOT, Protocol: ProtoUDP,
			Sources: rs("0.0.0.1"), Destinations: rs("10.20.255.255"), Controls: []Control{ControlIsolation}},
	)
	c := mustChecker(t, m)
	type key struct {
		conduit int64
		code    string
		param   string
	}
	var got []key
	for _, f := range c.CheckConduits() {
		got = append(got, key{f.Conduit, f.Code, f.Params["side"] + f.Params["range"]})
	}
	want := []key{
		{2, FindConduitNoControl, ""},
		{3, FindConduitNotWhitelisted, "source"},
		{3, FindConduitNoControl, ""},
		{4, FindConduitNotWhitelisted, "both"},
		{4, FindConduitNoControl, ""},
		{5, FindConduitNoControl, ""},
		{6, FindConduitNotWhitelisted, "both"},
		{6, FindConduitNoControl, ""},
		{7, FindConduitAnyProtocol, ""},
		{7, FindConduitOutsideZone, "source10.1.0.5"},
		{7, FindConduitOutsideZone, "source10.20.29.0-10.20.30.5"}, // runs into the dialysis LAN
		{7, FindConduitOutsideZone, "destination10.1.0.10"},        // the Internet zone holds only unlisted addresses
		{7, FindConduitOutsideZone, "destination192.168.50.0/24"},  // ... and only public ones
		{7, FindConduitOutsideZone, "destination172.15.255.0-172.16.0.255"},
		{8, FindConduitAnyPort, ""},
		{8, FindConduitOutsideZone, "source0.0.0.1"}, // before every zone range
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%v\nwant\n%v", got, want)
	}
}

func TestSummarizeViolations(t *testing.T) {
	c := mustChecker(t, hospital())
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var flows []Flow
	for i := 0; i < 3; i++ {
		flows = append(flows, Flow{Src: ip("10.20.1.5"), Dst: ip("10.1.0.20"), Proto: ProtoTCP, Port: 3389,
			FirstSeen: t0.Add(time.Duration(i) * time.Hour), LastSeen: t0.Add(time.Duration(i)*time.Hour + time.Minute), Packets: 5, Bytes: 500})
	}
	flows = append(flows,
		Flow{Src: ip("10.20.1.6"), Dst: ip("10.1.0.20"), Proto: "6", Port: 3389, Packets: 1, Bytes: 60},
		Flow{Src: ip("10.20.1.5"), Dst: ip("8.8.8.8"), Proto: ProtoUDP, Port: 53},
	)
	gs := SummarizeViolations(c.CheckFlows(flows))
	if len(gs) != 2 {
		t.Fatalf("groups = %+v", gs)
	}
	g := gs[0]
	if g.Flows != 4 || g.Packets != 16 || g.Bytes != 1560 || g.SrcHosts != 2 || g.DstHosts != 1 ||
		!g.FirstSeen.Equal(t0) || !g.LastSeen.Equal(t0.Add(2*time.Hour+time.Minute)) ||
		!slices.Equal(g.Assets, []string{"Ultrasound 1", "HIS"}) {
		t.Errorf("group = %+v", g)
	}
	if s := g.String(); s != "flow.no-conduit OT zone → IT servers tcp/3389: 4 flows" {
		t.Errorf("String = %q", s)
	}
	if gs[1].DstZone != zInternet || gs[1].Flows != 1 {
		t.Errorf("second group = %+v", gs[1])
	}
}

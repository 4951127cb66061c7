package capture

import (
	"net/netip"
	"sort"
	"testing"
)

func TestMatch(t *testing.T) {
	r, err := AnalyzeFiles([]string{sharedPcap(t, "gnutella.pcap"), "testdata/dicom-store-implicit.pcap"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := []InventoryItem{
		{ID: "A1", Name: "Workstation by MAC", MACs: []string{"08-00-27-E6-E5-59"}, IPs: []netip.Addr{netip.MustParseAddr("10.0.2.99")}},
		{ID: "A2", Name: "CT by AE title", AETitles: []string{"ctscan7"}},
		{ID: "A3", Name: "Router by IP", IPs: []netip.Addr{netip.MustParseAddr("10.0.2.2")}},
		{ID: "A4", Name: "Retired pump", IPs: []netip.Addr{netip.MustParseAddr("10.9.9.9")}, MACs: []string{"001122334455"}},
	}
	st := Match(r, inv)
	got := map[string]string{}
	for _, m := range st.Matched {
		var hs []string
		for _, h := range m.Hosts {
			hs = append(hs, h.String())
		}
		sort.Strings(hs)
		got[m.Item.ID] = fmtList(hs) + " by " + fmtList(m.By)
	}
	want := map[string]string{
		"A1": "10.0.2.15,fe80::c50d:519f:96a4:e108 by mac",
		"A2": "127.0.0.1 by ae-title",
		"A3": "10.0.2.2 by ip",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: got %q, want %q", id, got[id], w)
		}
	}
	if len(st.NotSeen) != 1 || st.NotSeen[0].ID != "A4" {
		t.Errorf("not seen %+v", st.NotSeen)
	}
	for _, m := range st.Matched {
		if m.Item.ID == "A1" && len(m.Conflicts) == 0 {
			t.Error("A1 matched away from its recorded IP without a conflict note")
		}
	}
	for _, h := range st.ProposedNew {
		if !h.Address.IsPrivate() && !h.Address.IsLinkLocalUnicast() && !h.Address.IsLoopback() && len(h.MACs) == 0 {
			t.Errorf("non-local host %s proposed as new", h.Address)
		}
		if h.Address.String() == "10.0.2.15" {
			t.Error("matched host also proposed as new")
		}
	}
}

func fmtList(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

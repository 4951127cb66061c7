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

// TestDisagreements rebuilds review D5: a CT matched by address whose traffic shows
// another manufacturer, model, serial number, software version and an AE title the
// inventory lacks. Each is a disagreement with the packet that shows it; agreeing
// values are not.
func TestDisagreements(t *testing.T) {
	r, err := AnalyzeFiles([]string{"testdata/dicom-store-implicit.pcap"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lo := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	tests := []struct {
		name string
		item InventoryItem
		want []string // "field: inventory -> observed"
	}{
		{"D5: another device on record", InventoryItem{ID: "30", Name: "CT-1", IPs: lo, Manufacturer: "Aurora",
			Model: "Aurora CT 64 Evolve", Serial: "AMS-CT64-180427"}, []string{
			"ae_titles:  -> CTSCAN7", "ae_titles:  -> PACS01", "model: Aurora CT 64 Evolve -> Scanomatic 3000",
			"serial: AMS-CT64-180427 -> SN-000123", "software_version:  -> SV 4.2.1", "vendor: Aurora -> ACME Medical Systems"}},
		{"agreeing record", InventoryItem{ID: "31", Name: "CT-7", IPs: lo, Manufacturer: "ACME",
			Model: "scanomatic-3000", Serial: "sn 000123", Software: "SV 4.2.1", AETitles: []string{"ctscan7", "PACS01"}}, nil},
		{"other version", InventoryItem{ID: "32", Name: "CT-7", IPs: lo, Manufacturer: "ACME Medical Systems Inc.",
			Model: "Scanomatic 3000", Serial: "SN-000123", Software: "SV 4.2", AETitles: []string{"CTSCAN7", "PACS01"}},
			[]string{"software_version: SV 4.2 -> SV 4.2.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Match(r, []InventoryItem{tc.item})
			if len(st.Matched) != 1 {
				t.Fatalf("matched %+v", st.Matched)
			}
			var got []string
			for _, d := range st.Matched[0].Disagreements {
				got = append(got, d.Field+": "+d.Inventory+" -> "+d.Observed)
				if len(d.Evidence) == 0 || d.Evidence[0].Packet == 0 || d.Evidence[0].Time.IsZero() || d.Host != lo[0] {
					t.Errorf("%s without its evidence: %+v", d.Field, d)
				}
			}
			sort.Strings(got)
			if fmtList(got) != fmtList(tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSameName(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"Aurora", "Aurora Medical Systems", true},
		{"ACME Medical Systems Inc.", "acme medical systems", true},
		{"Aurora", "ACME Medical Systems", false},
		{"CT 64", "CT 640", false},
		{"", "ACME", false},
		{"臺北示範醫療器材", "臺北示範醫療器材", true},
	}
	for _, tc := range tests {
		if got := SameName(tc.a, tc.b); got != tc.want {
			t.Errorf("SameName(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

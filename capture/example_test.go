package capture_test

import (
	"fmt"
	"net/netip"

	"medsec/capture"
)

// Discover the hosts and flows of a capture, then hold them against an
// inventory for a stocktake.
func Example() {
	r, err := capture.AnalyzeFiles([]string{"testdata/hl7-nonstd.pcap"}, capture.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range r.Flows {
		fmt.Println(f.Transport, f.App, f.Server.Port, f.Services, f.DirectionBy)
	}
	for _, h := range r.Hosts {
		for _, f := range h.Identity {
			fmt.Printf("%s %s=%s (packet %d)\n", h.Address, f.Kind, f.Value, f.Evidence[0].Packet)
		}
	}
	st := capture.Match(r, []capture.InventoryItem{
		{ID: "lab-1", Name: "Lab system", IPs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}},
		{ID: "pump-9", Name: "Infusion pump", MACs: []string{"00:1b:2c:3d:4e:5f"}},
	})
	fmt.Println("matched:", st.Matched[0].Item.ID, st.Matched[0].By, "not seen:", st.NotSeen[0].ID)
	// Output:
	// tcp hl7 7001 [ORU^R01] syn
	// 127.0.0.1 hl7-application=MONITOR-GW (packet 4)
	// 127.0.0.1 hl7-application=LABSYS (packet 4)
	// 127.0.0.1 hl7-facility=ICU-3 (packet 4)
	// 127.0.0.1 hl7-facility=FICTLAB (packet 4)
	// 127.0.0.1 hl7-version=2.6 (packet 4)
	// 127.0.0.1 hl7-version=2.5 (packet 6)
	// matched: lab-1 [ip] not seen: pump-9
}

package sqlstore_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestPrivateUncoveredIsUnplaced is the newcomer review's D4: infusion pumps on Wi-Fi at
// 10.10.60.201, in no zone's ranges, were placed in the catch-all Internet zone and drawn
// there. A private address no range covers is unplaced, a finding to fix; only a public
// address falls into the Internet zone.
func TestPrivateUncoveredIsUnplaced(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newZoneFixture(t, db)
		ce := as(f.engineer)
		internet := &medsec.Zone{SiteID: f.main.ID, Name: "網際網路", Kind: medsec.ZoneInternet}
		if err := f.zones.CreateZone(system, internet); err != nil {
			t.Fatal(err)
		}
		pump := &medsec.Asset{SiteID: f.main.ID, Name: "NC-Pump-01", Kind: medsec.KindInfusionPump, IPs: []string{"10.10.60.201"}}
		cgnat := &medsec.Asset{SiteID: f.main.ID, Name: "LTE-Router-01", Kind: medsec.KindNetwork, IPs: []string{"100.64.7.1", "fd00:60::1"}}
		cloud := &medsec.Asset{SiteID: f.main.ID, Name: "Vendor-Cloud", Kind: medsec.KindApplicationServer, IPs: []string{"203.0.113.50"}}
		for _, a := range []*medsec.Asset{pump, cgnat, cloud} {
			if err := f.assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range []struct {
			a          *medsec.Asset
			wantStatus string
			wantZone   int64
		}{
			{pump, "none", 0},
			{cgnat, "none", 0},
			{cloud, "found", internet.ID},
		} {
			p, err := f.zones.FindPlacement(ce, tt.a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != tt.wantStatus || p.ZoneID != tt.wantZone {
				t.Errorf("%s: placement %q zone %d, want %q zone %d", tt.a.Name, p.Status, p.ZoneID, tt.wantStatus, tt.wantZone)
			}
		}
		an, err := f.zones.Analyze(ce, f.main.ID)
		if err != nil {
			t.Fatal(err)
		}
		unplaced := map[int64]bool{}
		for _, fd := range an.Findings {
			if fd.Code == "asset.unplaced" {
				unplaced[fd.AssetID] = true
			}
		}
		if !unplaced[pump.ID] || !unplaced[cgnat.ID] || unplaced[cloud.ID] {
			t.Errorf("asset.unplaced findings for %v, want the pump and the router, not the cloud service", unplaced)
		}
		for _, zs := range an.Zones {
			if zs.Zone.ID == internet.ID && zs.Assets != 1 {
				t.Errorf("Internet zone holds %d assets, want 1 (the cloud service)", zs.Assets)
			}
		}
		var svg bytes.Buffer
		if err := f.zones.WriteDiagram(ce, f.main.ID, medsec.DiagramView{}, &svg, medsec.DiagramLabels{Title: "t", Unplaced: "Not in any zone"}); err != nil {
			t.Fatal(err)
		}
		groups := regexp.MustCompile(`(?s)<g class="zone[^"]*"[^>]*>.*?</g>\n`).FindAllString(svg.String(), -1)
		var inInternet, inUnplaced string
		for _, g := range groups {
			switch {
			case strings.Contains(g, `id="unplaced"`):
				inUnplaced = g
			case strings.Contains(g, `data-kind="internet"`):
				inInternet = g
			}
		}
		if !strings.Contains(inUnplaced, "NC-Pump-01") || !strings.Contains(inUnplaced, "Not in any zone") || strings.Contains(inInternet, "NC-Pump-01") {
			t.Errorf("diagram: the pump must be drawn in the unplaced box, not the Internet zone\nunplaced: %s\ninternet: %s", inUnplaced, inInternet)
		}
		if !strings.Contains(inInternet, "Vendor-Cloud") {
			t.Errorf("diagram: the cloud service must be in the Internet zone: %s", inInternet)
		}
	})
}

package sqlstore_test

import (
	"slices"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestIncidentAssetZonesAndConduits is t14 finding 26: an affected asset shows the zone
// its placement resolves to — computed from its addresses, not only a hand placement —
// its level from that zone's SL, and the conduits into or out of that zone; an asset no
// zone holds shows none.
func TestIncidentAssetZonesAndConduits(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newZoneFixture(t, db)
		dicom := &medsec.Conduit{SiteID: f.main.ID, Name: "DICOM to HIS", FromZoneID: f.ot.ID, ToZoneID: f.intranet.ID, Protocol: "tcp", Ports: "104"}
		if err := f.zones.CreateConduit(system, dicom); err != nil {
			t.Fatal(err)
		}
		stray := &medsec.Asset{SiteID: f.main.ID, Name: "stray laptop", Kind: medsec.KindWorkstation, IPs: []string{"192.168.77.5"}}
		if err := f.assets.CreateAsset(system, stray); err != nil {
			t.Fatal(err)
		}
		incidents := sqlstore.NewIncidentService(db)
		inc, err := incidents.CreateIncident(system, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "cross-zone flow",
			Scenario: medsec.ScenarioOther, AssetIDs: []int64{f.ct.ID, f.his.ID, stray.ID}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := incidents.FindIncidentByID(system, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]*medsec.IncidentAsset{}
		for _, a := range got.Assets {
			by[a.Name] = a
		}
		if len(got.Assets) != 3 {
			t.Fatalf("assets: %d, want 3 (one row per asset)", len(got.Assets))
		}
		ct, his, lap := by["CT-01"], by["HIS-AP1"], by["stray laptop"]
		if ct == nil || his == nil || lap == nil {
			t.Fatalf("assets: %+v", got.Assets)
		}
		if !slices.Equal(ct.Zones, []string{"工控區"}) || ct.ZoneID != f.ot.ID {
			t.Errorf("CT zone: %q (%d), want 工控區 (%d)", ct.Zones, ct.ZoneID, f.ot.ID)
		}
		if ct.EffectiveLevel != medsec.LevelOfSL(3) {
			t.Errorf("CT level: %q, want the SL3 zone's %q", ct.EffectiveLevel, medsec.LevelOfSL(3))
		}
		if !slices.Equal(his.Zones, []string{"院內系統網路"}) {
			t.Errorf("HIS zone: %q", his.Zones)
		}
		for name, a := range map[string]*medsec.IncidentAsset{"CT": ct, "HIS": his} {
			if len(a.Conduits) != 1 || a.Conduits[0].ID != dicom.ID || a.Conduits[0].FromZone != "工控區" || a.Conduits[0].ToZone != "院內系統網路" || a.Conduits[0].Ports != "104" {
				t.Errorf("%s conduits: %+v, want DICOM to HIS 工控區 → 院內系統網路 tcp/104", name, a.Conduits)
			}
		}
		if len(lap.Zones) != 0 || lap.ZoneID != 0 || len(lap.Conduits) != 0 {
			t.Errorf("an asset no zone holds: zones %q, conduits %+v", lap.Zones, lap.Conduits)
		}
	})
}

package sqlstore_test

import (
	"slices"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestCarriageAndLeftOut follows 000 四 for every kind of asset of a site with a monitor
// Local LAN: a CT recorded with its console on the OT network (system-type, carries the
// boundary-host column itself), monitors on the Local LAN (group-type, carried by their
// central station, which the page names), a module on a Local LAN no boundary host fronts,
// and an unclassified asset. The gap report counts every in-use asset or lists it with the
// reason, and a failing check on a left-out asset is listed.
func TestCarriageAndLeftOut(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newZoneFixture(t, db)
		svc := newAssessmentService(t, db)
		set := func(a *medsec.Asset, class medsec.DeviceClass, change func(a *medsec.Asset)) {
			t.Helper()
			cur, err := f.assets.FindAssetByID(system, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			cur.Class = class
			if change != nil {
				change(cur)
			}
			if err := f.assets.UpdateAsset(system, cur); err != nil {
				t.Fatal(err)
			}
		}
		eos, _ := medsec.ParseDate("2022-12-31")
		set(f.ct, medsec.ClassSystem, func(a *medsec.Asset) { a.EndOfSupport = eos })
		set(f.central, medsec.ClassBoundary, nil)
		for _, m := range f.monitors {
			set(m, medsec.ClassGroup, func(a *medsec.Asset) { a.EndOfSupport = eos })
		}
		// A second Local LAN with a module and no boundary host in the inventory.
		lan2 := &medsec.Zone{SiteID: f.main.ID, Name: "MRI 內網", Kind: medsec.ZoneTrustedLocalLAN, ParentID: f.ot.ID, Ranges: []string{"10.1.102.0/24"}}
		if err := f.zones.CreateZone(system, lan2); err != nil {
			t.Fatal(err)
		}
		module := &medsec.Asset{SiteID: f.main.ID, Name: "MRI gradient module", Kind: medsec.KindModality, IPs: []string{"10.1.102.5"}, Class: medsec.ClassSystem}
		if err := f.assets.CreateAsset(system, module); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			asset     *medsec.Asset
			carriage  string
			carriedBy []string
			controls  bool
		}{
			{f.ct, medsec.CarriedAsSystemConsole, nil, true},
			{f.central, medsec.CarriedAsBoundaryHost, nil, true},
			{f.monitor, medsec.CarriedByBoundaryHost, []string{"MICU 中央站"}, false},
			{module, medsec.CarriedNoBoundaryHost, nil, false},
			{f.his, medsec.CarriedUnclassified, nil, false},
		}
		for _, tt := range tests {
			ac, err := svc.AssetControls(system, tt.asset.ID)
			if err != nil {
				t.Fatal(err)
			}
			var by []string
			for _, r := range ac.CarriedBy {
				by = append(by, r.Name)
			}
			if ac.Carriage != tt.carriage || !slices.Equal(by, tt.carriedBy) || (len(ac.Controls) > 0) != tt.controls {
				t.Errorf("%s: carriage %s by %v, %d controls; want %s by %v, controls %v", tt.asset.Name, ac.Carriage, by, len(ac.Controls), tt.carriage, tt.carriedBy, tt.controls)
			}
		}
		// The CT, at 中 from its zone (SL3), carries tw-si-1.l, which its failing end-of-support
		// check names.
		ac, _ := svc.AssetControls(system, f.ct.ID)
		var si1l *medsec.ApplicableControl
		for i := range ac.Controls {
			if ac.Controls[i].ControlID == "tw-si-1.l" {
				si1l = &ac.Controls[i]
			}
		}
		if ac.Level != medsec.LevelModerate || si1l == nil || len(si1l.Checks) == 0 || si1l.Checks[0].Outcome != medsec.CheckFail {
			t.Errorf("CT: level %s, tw-si-1.l %+v", ac.Level, si1l)
		}

		rep, err := svc.GapReport(system, medsec.GapFilter{})
		if err != nil {
			t.Fatal(err)
		}
		leftOut := map[string]string{}
		for _, lo := range rep.LeftOut {
			leftOut[lo.Asset.Name] = lo.Reason
		}
		wantLeftOut := map[string]string{"HIS-AP1": medsec.CarriedUnclassified, "MRI gradient module": medsec.CarriedNoBoundaryHost}
		for _, m := range f.monitors {
			wantLeftOut[m.Name] = medsec.CarriedByBoundaryHost
		}
		if len(leftOut) != len(wantLeftOut) {
			t.Errorf("left out %v, want %v", leftOut, wantLeftOut)
		}
		for name, reason := range wantLeftOut {
			if leftOut[name] != reason {
				t.Errorf("left out %s: %q, want %q", name, leftOut[name], reason)
			}
		}
		if got, want := rep.Subjects+len(rep.LeftOut), 7; got != want || rep.Subjects != 2 {
			t.Errorf("subjects %d + left out %d, want 2 + 5 = every in-use asset (%d)", rep.Subjects, len(rep.LeftOut), want)
		}
		ctOpen := false
		for _, it := range rep.Open {
			if it.AssetName == "CT-01" && it.ControlID == "tw-si-1.l" && slices.Contains(it.FailedChecks, "end-of-support-not-passed") {
				ctOpen = true
			}
		}
		if !ctOpen {
			t.Error("the CT's failing end-of-support check is not in the gap report")
		}
		uncarried := map[string]string{}
		for _, c := range rep.UncarriedChecks {
			if c.CheckID == "end-of-support-not-passed" {
				var by string
				if len(c.CarriedBy) > 0 {
					by = c.CarriedBy[0].Name
				}
				uncarried[c.Asset.Name] = by
			}
		}
		for _, m := range f.monitors {
			if by, ok := uncarried[m.Name]; !ok || by != "MICU 中央站" {
				t.Errorf("%s: failing end-of-support check listed %v, carried by %q", m.Name, ok, by)
			}
		}
		if _, ok := uncarried["CT-01"]; ok {
			t.Error("the CT's failing check is listed as uncarried, but tw-si-1.l carries it")
		}
	})
}

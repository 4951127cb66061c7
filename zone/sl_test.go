package zone

import (
	"slices"
	"testing"
)

func TestSLLevel(t *testing.T) {
	want := map[SL]Level{0: LevelTrusted, 1: LevelLow, 2: LevelLow, 3: LevelModerate, 4: LevelHigh, 5: "", -1: ""}
	for sl, lv := range want {
		if got := sl.Level(); got != lv {
			t.Errorf("%v.Level() = %q, want %q", sl, got, lv)
		}
	}
}

func TestRatingsSL(t *testing.T) {
	tests := []struct {
		r    Ratings
		want SL
	}{
		{Ratings{}, 0},
		{Ratings{C: 1, I: 2, A: 1, L: 0}, 2},
		{Ratings{C: 1, I: 1, A: 1, L: 4}, 4}, // the legal dimension counts as much as the others
		{Ratings{C: 3, I: 0, A: 2, L: 1}, 3},
	}
	for _, tt := range tests {
		if got := tt.r.SL(); got != tt.want {
			t.Errorf("%+v.SL() = %v, want %v", tt.r, got, tt.want)
		}
	}
}

func TestLevels(t *testing.T) {
	zones := []Zone{
		{ID: 1, Name: "Intranet", Kind: KindIntranet, SL: SL(3).Ptr()},
		{ID: 2, Name: "OT", Kind: KindOT, Parent: 1},
		{ID: 3, Name: "LAN", Kind: KindTrustedLocalLAN, Parent: 2},
		{ID: 4, Name: "Lab", Kind: KindOT, Parent: 1},
	}
	assets := []Asset{
		{ID: 10, Zone: 2, Ratings: &Ratings{C: 2, I: 2, A: 2, L: 1}},
		{ID: 11, Zone: 2, Ratings: &Ratings{C: 1, I: 3, A: 2, L: 1}},
		{ID: 12, Zone: 2}, // unrated terminal device
		{ID: 13, Zone: 1, Ratings: &Ratings{C: 4}},
	}
	got := Levels(zones, assets)
	want := map[int64]ZoneLevel{
		1: {Zone: 1, SL: 3, Source: SourceSet, Demand: 4, DemandBy: 13},
		2: {Zone: 2, SL: 3, Source: SourceMembers, Demand: 3, DemandBy: 11},
		3: {Zone: 3, SL: 0, Source: SourceTrusted},
		4: {Zone: 4, Source: SourceNone},
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("zone %d: got %+v, want %+v", id, got[id], w)
		}
	}
}

func TestCheckLevels(t *testing.T) {
	zones := []Zone{
		{ID: 1, Name: "Intranet", Kind: KindIntranet, SL: SL(2).Ptr()},
		{ID: 2, Name: "OT", Kind: KindOT, Parent: 1, SL: SL(3).Ptr()},                   // exceeds parent
		{ID: 3, Name: "ICU LAN", Kind: KindTrustedLocalLAN, Parent: 2},                  // SL0, fine
		{ID: 4, Name: "Lab", Kind: KindOT, Parent: 1, SL: SL(1).Ptr()},                  // below member demand
		{ID: 5, Name: "MRI LAN", Kind: KindTrustedLocalLAN, Parent: 2, SL: SL(2).Ptr()}, // trusted but SL2
		{ID: 6, Name: "Unassessed", Kind: KindOT, Parent: 1},
		{ID: 7, Name: "Server", Kind: KindOT, Parent: 1}, // from members: SL2, fine
	}
	assets := []Asset{
		{ID: 40, Name: "LIS", Zone: 4, Ratings: &Ratings{C: 2, I: 2, A: 1, L: 2}},
		{ID: 70, Name: "Dev server", Zone: 7, Ratings: &Ratings{A: 2}},
	}
	got := CheckLevels(zones, assets)
	type key struct {
		code string
		zone int64
	}
	var gotKeys []key
	for _, f := range got {
		gotKeys = append(gotKeys, key{f.Code, f.Zone})
	}
	want := []key{
		{FindSLExceedsParent, 2},
		{FindSLBelowDemand, 4},
		{FindSLTrustedNotZero, 5},
		{FindSLUnassessed, 6},
	}
	if !slices.Equal(gotKeys, want) {
		t.Fatalf("findings = %v, want %v", gotKeys, want)
	}
	if p := got[0].Params; p["sl"] != "SL3" || p["parent_sl"] != "SL2" || p["parent"] != "Intranet" || got[0].OtherZone != 1 {
		t.Errorf("exceeds-parent finding = %+v", got[0])
	}
	if f := got[1]; f.Asset != 40 || f.Params["demand"] != "SL2" || f.Params["asset"] != "LIS" {
		t.Errorf("below-demand finding = %+v", f)
	}
	// With the parent raised to SL3 the breach disappears.
	zones[0].SL = SL(3).Ptr()
	for _, f := range CheckLevels(zones, assets) {
		if f.Code == FindSLExceedsParent {
			t.Errorf("unexpected %+v", f)
		}
	}
	// A zone whose SL comes from members that exceed the parent is flagged too.
	zones[0].SL = SL(1).Ptr()
	n := 0
	for _, f := range CheckLevels(zones, assets) {
		if f.Code == FindSLExceedsParent {
			n++
		}
	}
	// OT (SL3) and Server (SL2 from its member) exceed SL1; Lab's SL1 does not; MRI LAN's
	// SL2 is below OT's SL3.
	if n != 2 {
		t.Errorf("breaches with parent SL1 = %d, want 2", n)
	}
}

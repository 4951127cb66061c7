package catalog

import (
	"slices"
	"strings"
	"testing"
)

// TestCarriage checks which 附表一 targets each class carries itself, on the Intranet and
// on a device Local LAN [000 四, 五(二)].
func TestCarriage(t *testing.T) {
	bh, cs := []Target{TargetBoundaryHost}, []Target{TargetControlSystem}
	tests := []struct {
		class      string
		onLocalLAN bool
		want       []Target
		basis      string
		byHost     bool
	}{
		{ClassStandalone, false, bh, CarriedAsStandalone, false},
		{ClassBoundaryHost, false, bh, CarriedAsBoundaryHost, false},
		{ClassControlSystem, false, cs, CarriedAsControlGroup, false},
		{ClassApplicationSystem, false, cs, CarriedAsControlGroup, false},
		// A CT recorded with its console: the console is the system's boundary host [四(三)3].
		{ClassSystem, false, bh, CarriedAsSystemConsole, false},
		{ClassGroup, false, bh, CarriedAsGroupHost, false},
		// A module or member device on the Local LAN: its boundary host carries the column.
		{ClassSystem, true, nil, CarriedByBoundaryHost, true},
		{ClassGroup, true, nil, CarriedByBoundaryHost, true},
		{"", false, nil, CarriedUnclassified, false},
		{"printer", false, nil, CarriedUnclassified, false},
	}
	for _, tt := range tests {
		got := Carriage(tt.class, tt.onLocalLAN)
		if !slices.Equal(got.Targets, tt.want) || got.Basis != tt.basis || got.ByBoundaryHost != tt.byHost {
			t.Errorf("Carriage(%q, %v) = %+v, want targets %v basis %s by host %v", tt.class, tt.onLocalLAN, got, tt.want, tt.basis, tt.byHost)
		}
	}
}

// expectedApplicable computes, independently of Applicable, which TW rows apply: a row
// applies when it names one of the targets and its lowest level is at or below level, or
// when a row that applies takes it in with 「等級「X」之所有控制措施」 (the row of the same
// objective printed at X), repeated until nothing changes.
func expectedApplicable(c *Catalog, targets []Target, level Level) []string {
	levelsOf := func(ctl *Control) []Level {
		var out []Level
		for _, v := range ctl.PropValues("level") {
			l, _ := ParseLevel(v)
			out = append(out, l)
		}
		return out
	}
	in := map[string]bool{}
	for _, ctl := range c.AllControls() {
		min := slices.Min(levelsOf(ctl))
		hit := false
		for _, v := range ctl.PropValues("target") {
			if slices.Contains(targets, Target(v)) {
				hit = true
			}
		}
		if hit && min <= level {
			in[ctl.ID] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, ctl := range c.AllControls() {
			if !in[ctl.ID] {
				continue
			}
			for _, lv := range []string{"普", "中", "高"} {
				if !strings.Contains(ctl.OriginalText(), "等級「"+lv+"」之所有控制措施") {
					continue
				}
				want, _ := ParseLevel(lv)
				for _, other := range c.AllControls() {
					if other.Prop("objective") == ctl.Prop("objective") && slices.Contains(levelsOf(other), want) && !in[other.ID] {
						in[other.ID], changed = true, true
					}
				}
			}
		}
	}
	var out []string
	for _, ctl := range c.AllControls() {
		if in[ctl.ID] {
			out = append(out, ctl.ID)
		}
	}
	return out
}

// TestApplicableCrossTargetInclusion checks the 9 places where a row's 「等級「X」之所有控制措施」
// takes in a lower row marked for the other target only (catalog review §1.2): the lower
// row applies to the including row's target, through it.
func TestApplicableCrossTargetInclusion(t *testing.T) {
	c := mustLoad(t, IDTaiwanBaseline)
	tests := []struct {
		target     Target
		level      Level
		row, by    string
		directOnly bool // the row also applies without inclusion (must then not be marked included)
	}{
		{TargetControlSystem, LevelModerate, "tw-na-1.l", "tw-na-1.m", false},
		{TargetControlSystem, LevelHigh, "tw-na-1.l", "tw-na-1.m", false},
		{TargetBoundaryHost, LevelHigh, "tw-ac-1.m", "tw-ac-1.h", false},
		{TargetControlSystem, LevelModerate, "tw-au-6.l", "tw-au-6.m", false},
		{TargetControlSystem, LevelModerate, "tw-ia-2.l", "tw-ia-2.hm", false},
		{TargetControlSystem, LevelModerate, "tw-pe-3.l", "", true}, // its own text names both targets
		{TargetControlSystem, LevelHigh, "tw-si-1.m", "tw-si-1.h", false},
		{TargetBoundaryHost, LevelModerate, "tw-si-2.l", "tw-si-2.hm", false},
		{TargetBoundaryHost, LevelModerate, "tw-si-4.l", "tw-si-4.hm", false},
	}
	for _, tt := range tests {
		var got *Applicability
		for _, a := range c.Applicable([]Target{tt.target}, tt.level) {
			if a.Control.ID == tt.row {
				got = &a
			}
		}
		if got == nil {
			t.Errorf("%s at %s: %s does not apply, want it through %s", tt.target, tt.level, tt.row, tt.by)
			continue
		}
		if got.IncludedBy != tt.by {
			t.Errorf("%s at %s: %s included by %q, want %q", tt.target, tt.level, tt.row, got.IncludedBy, tt.by)
		}
		if tt.by != "" && !strings.Contains(got.Reason, tt.by) {
			t.Errorf("%s: reason %q does not name %s", tt.row, got.Reason, tt.by)
		}
	}
	// Inclusion never reaches above the asked level: a control system at 中 does not get
	// tw-si-1.m (only tw-si-1.h, at 高, takes it in).
	if slices.Contains(ids(c.Applicable([]Target{TargetControlSystem}, LevelModerate)), "tw-si-1.m") {
		t.Error("control system at 中 gets tw-si-1.m, want only at 高")
	}
}

func ids(as []Applicability) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Control.ID)
	}
	return out
}

// TestApplicableByClassAndLevel checks the TW applicability for every class and level,
// plus fixed rows read from 附表一 that must or must not apply.
func TestApplicableByClassAndLevel(t *testing.T) {
	c := mustLoad(t, IDTaiwanBaseline)
	tests := []struct {
		class   string
		level   Level
		in, out []string // rows that must / must not apply
	}{
		// 網段規劃/普 is marked for the boundary host only; 帳號管理/中 for control systems only.
		{ClassBoundaryHost, LevelLow, []string{"tw-na-1.l", "tw-ac-1.l", "tw-au-3.hml"}, []string{"tw-na-1.m", "tw-ac-1.m", "tw-si-1.h"}},
		{ClassBoundaryHost, LevelModerate, []string{"tw-na-1.l", "tw-na-1.m", "tw-ac-3.m"}, []string{"tw-ac-1.m", "tw-si-1.h", "tw-au-2.hm"}},
		{ClassBoundaryHost, LevelHigh, []string{"tw-na-1.h", "tw-si-1.h", "tw-si-1.m", "tw-si-1.l", "tw-ac-1.m"}, []string{"tw-cp-2.hm"}},
		{ClassStandalone, LevelLow, []string{"tw-na-1.l"}, []string{"tw-si-2.l"}},
		{ClassControlSystem, LevelLow, []string{"tw-si-2.l", "tw-ac-2.hml"}, []string{"tw-na-1.l", "tw-ac-1.m", "tw-au-3.hml"}},
		{ClassControlSystem, LevelModerate, []string{"tw-ac-1.m", "tw-ac-1.l", "tw-au-2.hm", "tw-cp-3.m"}, []string{"tw-ac-3.m", "tw-si-1.h"}},
		{ClassApplicationSystem, LevelHigh, []string{"tw-ac-1.h", "tw-ac-1.m", "tw-ac-1.l", "tw-si-1.h", "tw-si-1.m", "tw-pe-3.hm", "tw-pe-3.l"}, []string{"tw-ac-3.m"}},
		{ClassSystem, LevelModerate, []string{"tw-na-1.l", "tw-si-1.m", "tw-si-1.l"}, []string{"tw-ac-1.m"}},
	}
	for _, tt := range tests {
		targets := Carriage(tt.class, false).Targets
		got := c.Applicable(targets, tt.level)
		gotIDs := ids(got)
		if want := expectedApplicable(c, targets, tt.level); !slices.Equal(gotIDs, want) {
			t.Errorf("%s at %s: got %v, want %v", tt.class, tt.level, gotIDs, want)
		}
		for _, id := range tt.in {
			if !slices.Contains(gotIDs, id) {
				t.Errorf("%s at %s: %s does not apply, want it to", tt.class, tt.level, id)
			}
		}
		for _, id := range tt.out {
			if slices.Contains(gotIDs, id) {
				t.Errorf("%s at %s: %s applies, want it not to", tt.class, tt.level, id)
			}
		}
		for _, a := range got {
			if !slices.Contains(targets, a.Target) || a.Level > tt.level || a.Reason == "" {
				t.Errorf("%s at %s: %s: target %s level %s reason %q", tt.class, tt.level, a.Control.ID, a.Target, a.Level, a.Reason)
			}
			if a.Level < tt.level && a.IncludedBy == "" && !strings.Contains(a.Reason, "高 includes 中 includes 普") {
				t.Errorf("%s: cumulative match without the cumulative rule in the reason: %q", a.Control.ID, a.Reason)
			}
		}
	}
	// Cumulative: every row that applies at 普 applies at 中, and every 中 row at 高.
	both := []Target{TargetBoundaryHost, TargetControlSystem}
	low, mod, high := ids(c.Applicable(both, LevelLow)), ids(c.Applicable(both, LevelModerate)), ids(c.Applicable(both, LevelHigh))
	for _, id := range low {
		if !slices.Contains(mod, id) {
			t.Errorf("%s applies at 普 but not at 中", id)
		}
	}
	for _, id := range mod {
		if !slices.Contains(high, id) {
			t.Errorf("%s applies at 中 but not at 高", id)
		}
	}
	if len(high) != len(c.AllControls()) {
		t.Errorf("at 高 with both targets %d rows apply, want all %d", len(high), len(c.AllControls()))
	}
}

func TestApplicableToOrganisation(t *testing.T) {
	c := mustLoad(t, IDChinaMeasures)
	his := Network{Name: "HIS", Level: 3, People: 2_400_000}
	tests := []struct {
		name    string
		p       OrgProfile
		in, out []string
	}{
		{"level 3", OrgProfile{Networks: []Network{his}}, []string{"cn-6.4-2", "cn-12-2", "cn-6.2-2"}, []string{"cn-6.4-3", "cn-6.4-4", "cn-10-1"}},
		// The level-2 cadences are per network: a hospital with an L3 HIS keeps its L2
		// networks' 3- and 5-year assessments.
		{"level 3 and two level 2", OrgProfile{Networks: []Network{his, {Name: "PACS", Level: 2, People: 500_000}, {Name: "LIS", Level: 2, People: 8_000}}},
			[]string{"cn-6.4-2", "cn-6.4-3", "cn-6.4-4"}, nil},
		// 10万人以上 includes 100,000.
		{"level 2, exactly 100,000", OrgProfile{Networks: []Network{{Level: 2, People: 100_000}}}, []string{"cn-6.4-3", "cn-5-4"}, []string{"cn-6.4-2", "cn-6.4-4", "cn-12-2"}},
		{"level 2, 99,999", OrgProfile{Networks: []Network{{Level: 2, People: 99_999}}}, []string{"cn-6.4-4"}, []string{"cn-6.4-3", "cn-6.4-2"}},
		{"level 1", OrgProfile{Networks: []Network{{Level: 1}}}, []string{"cn-9-1", "cn-21-2"}, []string{"cn-6.2-2", "cn-5-4"}},
		{"not graded", OrgProfile{}, []string{"cn-9-1"}, []string{"cn-6.2-2", "cn-6.4-4"}},
		{"CII level 4", OrgProfile{Networks: []Network{{Level: 4}}, CIIOperator: true}, []string{"cn-10-1", "cn-18-2", "cn-6.4-2"}, []string{"cn-6.4-4"}},
	}
	for _, tt := range tests {
		got := ids(c.ApplicableToOrganisation(tt.p))
		for _, id := range tt.in {
			if !slices.Contains(got, id) {
				t.Errorf("%s: %s does not apply, want it to", tt.name, id)
			}
		}
		for _, id := range tt.out {
			if slices.Contains(got, id) {
				t.Errorf("%s: %s applies, want it not to", tt.name, id)
			}
		}
	}
	// The reason names the network that meets the condition.
	for _, a := range c.ApplicableToOrganisation(tests[1].p) {
		if a.Control.ID == "cn-6.4-3" && (!strings.Contains(a.Reason, "PACS") || strings.Contains(a.Reason, "LIS")) {
			t.Errorf("cn-6.4-3 reason %q, want PACS only", a.Reason)
		}
	}
	// Encouraged (鼓励) and recommended (建议) items are not obligations.
	voluntary := map[string]bool{"cn-7-2": true, "cn-21-3": true, "cn-29-2": true, "cn-31-2": true}
	for _, a := range c.ApplicableToOrganisation(OrgProfile{Networks: []Network{his}}) {
		if a.Voluntary != voluntary[a.Control.ID] {
			t.Errorf("%s: voluntary %v, want %v (%q)", a.Control.ID, a.Voluntary, voluntary[a.Control.ID], a.Reason)
		}
		if a.Voluntary && (strings.Contains(a.Reason, "obligation on every institution") || !strings.Contains(a.Reason, "not an obligation")) {
			t.Errorf("%s: reason %q", a.Control.ID, a.Reason)
		}
		if a.Control.ID == "cn-12-3" && !strings.Contains(a.Reason, "has the means") {
			t.Errorf("cn-12-3 (有条件的…应) reason %q, want its condition", a.Reason)
		}
	}
	ir := mustLoad(t, IDIncidentPlan)
	if got, want := len(ir.ApplicableToOrganisation(OrgProfile{})), len(ir.AllControls()); got != want {
		t.Errorf("003: %d requirements apply, want all %d", got, want)
	}
	if got := mustLoad(t, IDTaiwanBaseline).ApplicableToOrganisation(OrgProfile{Networks: []Network{his}}); len(got) != 0 {
		t.Errorf("TW baseline has %d organisational obligations, want 0", len(got))
	}
}

func TestParseLevelAndPattern(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Level
	}{{"普", LevelLow}, {"moderate", LevelModerate}, {"高", LevelHigh}, {"3", LevelHigh}} {
		if got, err := ParseLevel(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseLevel(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
	if _, err := ParseLevel("治"); err == nil {
		t.Error("ParseLevel(治) succeeded, want error")
	}
	if got, err := ParsePattern("Ⅳ"); err != nil || got != PatternIV {
		t.Errorf("ParsePattern(Ⅳ) = %v, %v", got, err)
	}
	if _, err := ParsePattern("V"); err == nil {
		t.Error("ParsePattern(V) succeeded, want error")
	}
}

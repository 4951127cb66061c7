package catalog

import (
	"slices"
	"strings"
	"testing"
)

func TestTargetsForClass(t *testing.T) {
	tests := []struct {
		class string
		want  []Target
	}{
		{ClassStandalone, []Target{TargetBoundaryHost}},
		{ClassGroup, []Target{}},
		{ClassSystem, []Target{}},
		{ClassBoundaryHost, []Target{TargetBoundaryHost}},
		{ClassControlSystem, []Target{TargetControlSystem}},
		{ClassApplicationSystem, []Target{TargetControlSystem}},
		{"printer", nil},
	}
	for _, tt := range tests {
		got := TargetsForClass(tt.class)
		if !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("TargetsForClass(%q) = %#v, want %#v", tt.class, got, tt.want)
		}
	}
}

// expectedApplicable computes, independently of Applicable, which TW rows apply: a row
// applies when it names one of the targets and its lowest level is at or below level.
func expectedApplicable(c *Catalog, targets []Target, level Level) []string {
	var out []string
	for _, ctl := range c.AllControls() {
		min := Level(0)
		for _, v := range ctl.PropValues("level") {
			l, _ := ParseLevel(v)
			if min == 0 || l < min {
				min = l
			}
		}
		hit := false
		for _, v := range ctl.PropValues("target") {
			if slices.Contains(targets, Target(v)) {
				hit = true
			}
		}
		if hit && min <= level {
			out = append(out, ctl.ID)
		}
	}
	return out
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
		{ClassBoundaryHost, LevelHigh, []string{"tw-na-1.h", "tw-si-1.h", "tw-si-1.m", "tw-si-1.l"}, []string{"tw-ac-1.m", "tw-cp-2.hm"}},
		{ClassStandalone, LevelLow, []string{"tw-na-1.l"}, []string{"tw-si-2.l"}},
		{ClassControlSystem, LevelLow, []string{"tw-si-2.l", "tw-ac-2.hml"}, []string{"tw-na-1.l", "tw-ac-1.m", "tw-au-3.hml"}},
		{ClassControlSystem, LevelModerate, []string{"tw-ac-1.m", "tw-ac-1.l", "tw-au-2.hm", "tw-cp-3.m"}, []string{"tw-ac-3.m", "tw-si-1.h"}},
		{ClassApplicationSystem, LevelHigh, []string{"tw-ac-1.h", "tw-ac-1.m", "tw-ac-1.l", "tw-si-1.h", "tw-pe-3.hm"}, []string{"tw-si-1.m", "tw-ac-3.m", "tw-pe-3.l"}},
		{ClassGroup, LevelHigh, nil, []string{"tw-na-1.l", "tw-ac-2.hml"}},
		{ClassSystem, LevelLow, nil, []string{"tw-na-1.l"}},
	}
	for _, tt := range tests {
		targets := TargetsForClass(tt.class)
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
			if a.Level < tt.level && !strings.Contains(a.Reason, "高 includes 中 includes 普") {
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
	tests := []struct {
		name    string
		p       OrgProfile
		in, out []string
	}{
		{"level 3", OrgProfile{MLPSLevel: 3}, []string{"cn-6.4-2", "cn-12-2", "cn-6.2-2"}, []string{"cn-6.4-3", "cn-6.4-4", "cn-10-1"}},
		{"level 2 large", OrgProfile{MLPSLevel: 2, PersonalInfoOver100k: true}, []string{"cn-6.4-3", "cn-5-4"}, []string{"cn-6.4-2", "cn-6.4-4", "cn-12-2"}},
		{"level 2 small", OrgProfile{MLPSLevel: 2}, []string{"cn-6.4-4"}, []string{"cn-6.4-3", "cn-6.4-2"}},
		{"level 1", OrgProfile{MLPSLevel: 1}, []string{"cn-9-1", "cn-21-2"}, []string{"cn-6.2-2", "cn-5-4"}},
		{"CII level 4", OrgProfile{MLPSLevel: 4, CIIOperator: true}, []string{"cn-10-1", "cn-18-2", "cn-6.4-2"}, []string{"cn-6.4-4"}},
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
	ir := mustLoad(t, IDIncidentPlan)
	if got, want := len(ir.ApplicableToOrganisation(OrgProfile{})), len(ir.AllControls()); got != want {
		t.Errorf("003: %d requirements apply, want all %d", got, want)
	}
	if got := mustLoad(t, IDTaiwanBaseline).ApplicableToOrganisation(OrgProfile{MLPSLevel: 3}); len(got) != 0 {
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

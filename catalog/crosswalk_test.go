package catalog

import (
	"strings"
	"testing"
)

// TestCrosswalkValid checks that every control the crosswalk names exists.
func TestCrosswalkValid(t *testing.T) {
	cs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	x, err := LoadCrosswalk()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range x.Check(cs) {
		t.Error(e)
	}
	if len(x.Subjects) < 10 {
		t.Errorf("%d subjects, want at least 10", len(x.Subjects))
	}
	if got := x.SubjectsOf(IDTaiwanBaseline, "tw-au-1.hm"); len(got) == 0 || got[0].ID != "log-retention" {
		t.Errorf("SubjectsOf(tw-au-1.hm) = %v, want log-retention first", got)
	}
}

// TestCrosswalkCheckFails shows that Check reports a control that does not exist.
func TestCrosswalkCheckFails(t *testing.T) {
	cs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	x, err := ParseCrosswalk([]byte(`{"version":"1","subjects":[{"id":"s","title":"S","entries":[
		{"catalog":"tw-mohw-medical-baseline","control":"tw-zz-9.h","relation":"equivalent"},
		{"catalog":"nope","control":"x","relation":"same"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	errs := x.Check(cs)
	var all []string
	for _, e := range errs {
		all = append(all, e.Error())
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{"tw-zz-9.h", `catalog "nope"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("Check errors %q lack %q", joined, want)
		}
	}
}

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

// TestCrosswalkRelations checks the links the catalog review found in the wrong subject or
// overstated as "equivalent" (review §7): "" means the control must not be in the subject.
func TestCrosswalkRelations(t *testing.T) {
	x, err := LoadCrosswalk()
	if err != nil {
		t.Fatal(err)
	}
	relation := func(subject, control string) string {
		for _, s := range x.Subjects {
			if s.ID != subject {
				continue
			}
			for _, e := range s.Entries {
				if e.Control == control {
					return e.Relation
				}
			}
		}
		return ""
	}
	tests := []struct{ subject, control, want string }{
		{"incident-reporting", "cn-25-1", ""},          // 立即启动应急预案: response, not reporting
		{"incident-response", "cn-25-1", "equivalent"}, // where it belongs
		{"incident-reporting", "ir-4.1.2-1", ""},       // an internal call to IT duty staff
		{"incident-response", "ir-4.1.2-1", "related"},
		{"incident-reporting", "cn-25-2", "equivalent"},
		{"log-retention", "cn-22.4-2", "partial"}, // no retention period
		{"log-retention", "jp-17.1", "partial"},
		{"log-retention", "tw-au-1.hm", "equivalent"},
		{"asset-inventory", "jp-2.2", "related"}, // configuration diagrams, not an inventory
		{"remote-maintenance", "jp-10.3", "partial"},
		{"vulnerability-handling", "tw-si-1.h", "partial"}, // yearly and monthly scans differ
		{"vulnerability-handling", "ir-3.2.2-3", "partial"},
		{"leavers-accounts", "jp-14.7", "partial"},
	}
	for _, tt := range tests {
		if got := relation(tt.subject, tt.control); got != tt.want {
			t.Errorf("%s / %s: relation %q, want %q", tt.subject, tt.control, got, tt.want)
		}
	}
}

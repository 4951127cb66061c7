package main

import (
	"bytes"
	"medsec/internal/shareddata"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunCatalog(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"catalog":{"uuid":"x","metadata":{"title":""}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	parmas, noGroupID := shareddata.CasePath(t, "oscal-catalog-unknown-property-parmas.json"), shareddata.CasePath(t, "oscal-catalog-group-without-id.json")
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		want    []string
	}{
		{"validate unknown key (OSCAL schema)", []string{"validate", parmas}, true, []string{"FAIL", "schema: additional property not allowed at catalog/groups/0/controls/0: parmas"}},
		{"validate group without id", []string{"validate", noGroupID}, false, []string{"ok  " + noGroupID + ": hospital-incident-plan, 1 controls"}},
		{"list", []string{"list"}, false, []string{"tw-mohw-medical-baseline", "cn-nhc-2022-measures", "jp-mhlw-6.0-system-operation", "hospital-incident-plan"}},
		{"show catalog", []string{"show", "jp-mhlw-6.0-system-operation"}, false, []string{"18 groups, 89 controls", "jp-14.5"}},
		{"show control", []string{"show", "tw-au-1.hm"}, false, []string{"保留日誌至少六個月", "six months", "boundary-host, control-system", "P6M"}},
		{"show scoped", []string{"show", "cn-nhc-2022-measures/cn-6.2-2"}, false, []string{"10个工作日内", "P10D"}},
		{"show unknown", []string{"show", "nope"}, true, nil},
		{"validate embedded", []string{"validate"}, false, []string{"ok  tw-mohw-medical-baseline: 62 controls", "ok  crosswalk"}},
		{"validate file", []string{"validate", "../../catalog/data/hospital-incident-plan.json"}, false, []string{"ok  ../../catalog/data/hospital-incident-plan.json: hospital-incident-plan"}},
		{"validate bad file", []string{"validate", bad}, true, []string{"FAIL", "metadata: title"}},
		{"export", []string{"export", "cn-nhc-2022-measures"}, false, []string{`"oscal-version": "1.1.2"`, `"cn-6.4-3"`}},
		{"export unknown", []string{"export", "nope"}, true, nil},
		{"no subcommand", nil, true, nil},
		{"unknown subcommand", []string{"frobnicate"}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runCatalog(tt.args, &out, &errOut)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v; stderr %s", err, tt.wantErr, errOut.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

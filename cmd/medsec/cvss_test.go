package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// TestRunCVSS runs "medsec cvss" as a user would: good vectors printed as JSON lines, a bad
// one named with its metric and the command failing.
func TestRunCVSS(t *testing.T) {
	const (
		v31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R"
		v40 = "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U"
		bad = "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
	)
	tests := []struct {
		name    string
		args    []string
		want    []string // JSON lines on stdout
		wantErr string   // "" for success
	}{
		{
			name: "v3.1 and v4.0",
			args: []string{v31, v40},
			want: []string{
				`{"version":"3.1","vector":"` + v31 + `","base_score":9.8,"base_severity":"Critical","temporal_score":8.2,"environmental_score":8.2,"score":8.2,"severity":"High"}`,
				`{"version":"4.0","vector":"` + v40 + `","base_score":7.3,"base_severity":"High","threat_score":4.1,"environmental_score":4.1,"score":4.1,"severity":"Medium","nomenclature":"CVSS-BT"}`,
			},
		},
		{
			name: "a bad vector between good ones",
			args: []string{v31, bad, v40},
			want: []string{
				`{"version":"3.1","vector":"` + v31 + `","base_score":9.8,"base_severity":"Critical","temporal_score":8.2,"environmental_score":8.2,"score":8.2,"severity":"High"}`,
				`{"version":"4.0","vector":"` + v40 + `","base_score":7.3,"base_severity":"High","threat_score":4.1,"environmental_score":4.1,"score":4.1,"severity":"Medium","nomenclature":"CVSS-BT"}`,
			},
			wantErr: `cvss: ` + bad + `: metric AV: value "X" not allowed (N, A, L, P)`,
		},
		{
			name:    "v2",
			args:    []string{"AV:N/AC:L/Au:N/C:P/I:P/A:P"},
			wantErr: "cvss: AV:N/AC:L/Au:N/C:P/I:P/A:P: CVSS v2 vectors are not supported; give a CVSS v3.0, v3.1 or v4.0 vector",
		},
		{name: "no vector", args: nil, wantErr: "cvss: give at least one vector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"cvss"}, tt.args...), &out, io.Discard)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error: %v", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Errorf("error: got %v, want %s", err, tt.wantErr)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if line == "" {
					continue
				}
				if !json.Valid([]byte(line)) {
					t.Errorf("not JSON: %s", line)
				}
				got = append(got, line)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("stdout:\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

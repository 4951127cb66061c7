package vuln

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medsec"
)

// TestRescoreReference rebuilds every reference vector of ../shared/data/cvss that has
// environmental metrics (v3.0, whose environmental equations v3.1 keeps but for
// Roundup and a changed scope's modified impact, and v4.0 with its threat metric; the
// reference set has no v3.1 vector with environmental metrics) from its other metrics
// and its environmental ones given to Rescore explicitly, and compares the environmental
// score with the reference's: Rescore's assembly of a vector must score as FIRST's
// calculators do.
func TestRescoreReference(t *testing.T) {
	for _, name := range []string{"vectors_calculator3", "vectors_cvsslib3", "vectors_security4", "vectors_threat4"} {
		path := filepath.Join(referenceDir, name)
		f, err := os.Open(path)
		if err != nil {
			t.Skipf("%s: %v (the shared reference data sits beside the repository)", path, err)
		}
		defer f.Close()
		v4 := strings.HasSuffix(name, "4")
		defs, from, to := metricsV3, defIndex(metricsV3, "CR"), len(metricsV3)
		if v4 {
			defs, from, to = metricsV4, v4Env, v4Supp
		}
		checked := 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			vector, scores, ok := strings.Cut(strings.TrimSpace(sc.Text()), " - ")
			if !ok {
				continue
			}
			want, err := parseScores(scores)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			prefix, body, _ := strings.Cut(vector, "/")
			var kept []string
			env := map[string]string{}
			for _, part := range strings.Split(body, "/") {
				abbr, value, _ := strings.Cut(part, ":")
				if d := defIndex(defs, abbr); d >= from && d < to || v4 && abbr == "E" {
					env[abbr] = value
				} else {
					kept = append(kept, part)
				}
			}
			if len(env) == 0 {
				continue
			}
			c, err := Rescore(prefix+"/"+strings.Join(kept, "/"), medsec.RubricAnswers{}, false, env)
			if err != nil {
				t.Errorf("%s: %s: %v", name, vector, err)
				continue
			}
			if got := c.Environmental; tenths(got) != tenths(want[len(want)-1]) {
				t.Errorf("%s: %s rebuilt as %s: environmental %.1f, reference %.1f", name, vector, c.Vector, got, want[len(want)-1])
			}
			checked++
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if checked == 0 {
			t.Errorf("%s: no vector with environmental metrics", name)
		}
		t.Logf("%s: %d vectors rebuilt", name, checked)
	}
}

// TestRescoreRubric: the answers set the metrics the rubric maps them to, drop the
// environmental metrics the advisory's vector had, and give way to explicit metrics.
func TestRescoreRubric(t *testing.T) {
	pump := medsec.RubricAnswers{Reach: "segment", IntegrityHarm: "serious", AvailabilityHarm: "minor", ClinicalUse: "therapy", PatientData: "one"}
	for _, tt := range []struct {
		name, base string
		answers    medsec.RubricAnswers
		kev        bool
		metrics    map[string]string
		want       string
	}{
		{"v3.1 infusion pump on its own segment", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:L/MAV:N", pump, false, nil,
			"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:M/IR:H/AR:H/MAV:A"},
		{"v3.1 temporal metrics kept, explicit metric wins", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O", pump, false, map[string]string{"MAV": "L", "MAC": "H", "CR": "X"},
			"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/IR:H/AR:H/MAV:L/MAC:H"},
		{"v3.0 viewer with no patient harm", "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:L", medsec.RubricAnswers{Reach: "hospital", IntegrityHarm: "none",
			AvailabilityHarm: "none", ClinicalUse: "non-clinical", PatientData: "many"}, false, nil,
			"CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:L/CR:H/IR:L/AR:L/MAV:N"},
		{"v4.0 in KEV with patient harm: Safety and Attacked", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/MAV:N", pump, true, nil,
			"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/CR:M/IR:H/AR:H/MAV:A/MSI:S/S:P"},
		{"v4.0 unanswered keeps the base", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", medsec.RubricAnswers{}, false, nil,
			"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rescore(tt.base, tt.answers, tt.kev, tt.metrics)
			if err != nil {
				t.Fatal(err)
			}
			if got.Vector != tt.want {
				t.Errorf("vector\n got %s\nwant %s", got.Vector, tt.want)
			}
			want, err := ParseCVSS(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if got.Environmental != want.Environmental {
				t.Errorf("environmental %.1f, want %.1f", got.Environmental, want.Environmental)
			}
		})
	}
}

// TestRescoreErrors: a bad answer names its question; a metric that is not an
// environmental one, or a value its metric does not take, names the metric.
func TestRescoreErrors(t *testing.T) {
	base := "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
	var re *RubricError
	if _, err := Rescore(base, medsec.RubricAnswers{ClinicalUse: "cosmetic"}, false, nil); !errors.As(err, &re) || re.Question != "clinical_use" {
		t.Errorf("bad answer: %v", err)
	}
	for metric, value := range map[string]string{"AV": "L", "MAV": "Q", "MSI": "S", "E": "H"} {
		var ve *VectorError
		if _, err := Rescore(base, medsec.RubricAnswers{}, false, map[string]string{metric: value}); !errors.As(err, &ve) || ve.Metric != metric {
			t.Errorf("%s:%s on v3.1: %v", metric, value, err)
		}
	}
	if _, err := Rescore("CVSS:3.1/AV:N", medsec.RubricAnswers{}, false, nil); err == nil {
		t.Error("a base vector missing metrics was re-scored")
	}
	if m, err := ParseMetricList(" MAC:H / MPR:L "); err != nil || m["MAC"] != "H" || m["MPR"] != "L" || len(m) != 2 {
		t.Errorf("ParseMetricList: %v, %v", m, err)
	}
	for _, bad := range []string{"MAC", "MAC:H/MAC:L", ":H"} {
		if _, err := ParseMetricList(bad); err == nil {
			t.Errorf("ParseMetricList(%q) accepted", bad)
		}
	}
}

// TestSuggestReach: every zone kind suggests an answer of the reach question.
func TestSuggestReach(t *testing.T) {
	for _, k := range medsec.ZoneKinds {
		if r := SuggestReach(k); !strings.Contains(strings.Join(ReachAnswers, " "), r) || r == "" {
			t.Errorf("%s: %q", k, r)
		}
	}
}

package scanreport

import (
	"errors"
	"testing"

	"medsec"
)

// FuzzParse feeds Parse arbitrary bytes (seeds in testdata/fuzz/FuzzParse: a small report
// of each format): it must not panic, and it either returns a report whose CVEs are all
// well formed or refuses the file with a validation error naming it.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("fuzz.report", data)
		if err != nil {
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || ve.Source != "fuzz.report" {
				t.Fatalf("error %v is not a validation error of the file", err)
			}
			return
		}
		for _, c := range r.CVEs() {
			if !cvePattern.MatchString(c) {
				t.Fatalf("CVE %q", c)
			}
		}
	})
}

// fuzzFormat fuzzes one format's reader directly, past detection: it must not panic, and
// every host it returns has a result list.
func fuzzFormat(f *testing.F, parse func([]byte) (*Report, *medsec.FieldError)) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r, fe := parse(data)
		if fe != nil {
			return
		}
		if r == nil {
			t.Fatal("no report and no error")
		}
		r.CVEs()
	})
}

// FuzzOpenVAS fuzzes the Greenbone/OpenVAS XML reader (seeds in testdata/fuzz/FuzzOpenVAS).
func FuzzOpenVAS(f *testing.F) { fuzzFormat(f, parseOpenVAS) }

// FuzzNessus fuzzes the Nessus v2 reader (seeds in testdata/fuzz/FuzzNessus).
func FuzzNessus(f *testing.F) { fuzzFormat(f, parseNessus) }

// FuzzTrivy fuzzes the Trivy JSON reader (seeds in testdata/fuzz/FuzzTrivy).
func FuzzTrivy(f *testing.F) { fuzzFormat(f, parseTrivy) }

// FuzzGrype fuzzes the Grype JSON reader (seeds in testdata/fuzz/FuzzGrype).
func FuzzGrype(f *testing.F) { fuzzFormat(f, parseGrype) }

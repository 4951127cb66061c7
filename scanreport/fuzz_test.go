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

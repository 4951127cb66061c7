package vuln

import (
	"errors"
	"strings"
	"testing"

	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// FuzzParseCVSS checks that any string is either scored, with scores between 0.0 and 10.0,
// or refused with a *VectorError, and that medsec's own metric checks accept exactly what
// go-cvss accepts: a vector the checks pass but go-cvss refuses would be refused without
// the metric named, and one the checks refuse but go-cvss scores would be a vector the
// specification allows that medsec turns away. Seeds: testdata/fuzz/FuzzParseCVSS.
func FuzzParseCVSS(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/MSI:S/U:Red")
	f.Fuzz(func(t *testing.T, vector string) {
		c, err := ParseCVSS(vector)
		var libErr error
		switch {
		case strings.HasPrefix(vector, "CVSS:3.0/"):
			_, libErr = gocvss30.ParseVector(vector)
		case strings.HasPrefix(vector, "CVSS:3.1/"):
			_, libErr = gocvss31.ParseVector(vector)
		case strings.HasPrefix(vector, "CVSS:4.0/"):
			_, libErr = gocvss40.ParseVector(vector)
		default:
			libErr = errors.New("no prefix")
		}
		if err != nil {
			var ve *VectorError
			if !errors.As(err, &ve) {
				t.Fatalf("%q: error %v is not a *VectorError", vector, err)
			}
			if ve.Metric == "" && strings.Contains(ve.Reason, "go-cvss") {
				t.Fatalf("%q: medsec's checks passed what go-cvss refuses: %v", vector, err)
			}
			if libErr == nil {
				t.Fatalf("%q: refused (%v) but go-cvss scores it", vector, err)
			}
			return
		}
		for _, s := range []float64{c.Base, c.Temporal, c.Threat, c.Environmental} {
			if !(s >= 0 && s <= 10) {
				t.Fatalf("%q: score %v out of 0-10: %+v", vector, s, c)
			}
		}
		if c.Vector != vector {
			t.Fatalf("%q: vector changed to %q", vector, c.Vector)
		}
	})
}

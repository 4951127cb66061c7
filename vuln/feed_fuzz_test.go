package vuln

import (
	"errors"
	"strings"
	"testing"
)

// checkRefusal fails unless err is nil or an *InputError naming the file.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ie *InputError
	if !errors.As(err, &ie) {
		// A schema that cannot compile is an environment fault, not a refusal.
		t.Fatalf("error %v is not an *InputError", err)
	}
	if ie.File != "f" {
		t.Fatalf("error %v does not name the file", err)
	}
}

// FuzzParseCSAF checks that any input is parsed or refused with an *InputError naming the
// file, never a panic, and that a parsed advisory's product statuses name only products of
// its tree. Seeds: testdata/fuzz/FuzzParseCSAF (real ICSMA and CSAF VEX documents, and
// one cut short as a broken download leaves it).
func FuzzParseCSAF(f *testing.F) {
	f.Add([]byte(`{"document":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseCSAF("f", data)
		checkRefusal(t, err)
		if err != nil {
			return
		}
		for _, v := range a.Vulnerabilities {
			for _, id := range v.Affected {
				if _, ok := a.ProductByID(id); !ok {
					t.Fatalf("%s names unknown product %s", v.CVE, id)
				}
			}
		}
		NewMatcher(nil, []*Advisory{a}).Match(Target{Vendor: "x", Model: "y", Firmware: "1"})
	})
}

// FuzzParseNVD checks that any input is parsed or refused with an *InputError, and that
// the matcher evaluates whatever configurations were accepted. Seeds:
// testdata/fuzz/FuzzParseNVD (the real NVD records and API envelope).
func FuzzParseNVD(f *testing.F) {
	f.Add([]byte(`{"id":"CVE-2020-0001"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		as, err := ParseNVD("f", data)
		checkRefusal(t, err)
		if err == nil {
			NewMatcher(nil, as).Match(Target{Vendor: "philips", Model: "intellivue mx40", Firmware: "b.06.17"})
		}
	})
}

// FuzzParseKEV checks that any input is parsed or refused with an *InputError. Seeds:
// testdata/fuzz/FuzzParseKEV.
func FuzzParseKEV(f *testing.F) {
	f.Add([]byte(`{"vulnerabilities":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseKEV("f", data)
		checkRefusal(t, err)
	})
}

// FuzzParseEPSS checks that any input is parsed or refused with an *InputError, and that
// every accepted score is a probability. Seeds: testdata/fuzz/FuzzParseEPSS.
func FuzzParseEPSS(f *testing.F) {
	f.Add([]byte("#model_version:v1,score_date:2025-01-01\ncve,epss,percentile\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEPSS("f", data)
		checkRefusal(t, err)
		if err != nil {
			return
		}
		for _, s := range e.Scores {
			if s.EPSS < 0 || s.EPSS > 1 || s.Percentile < 0 || s.Percentile > 1 {
				t.Fatalf("score out of range: %+v", s)
			}
		}
	})
}

// FuzzParseVersionRange checks that any range text is parsed or reported not understood,
// and that testing a version against a parsed range does not panic; "vers:all/*" style
// ranges contain every version. Seeds: testdata/fuzz/FuzzParseVersionRange.
func FuzzParseVersionRange(f *testing.F) {
	f.Add("<= 2.3.6", "2.3.5")
	f.Fuzz(func(t *testing.T, r, v string) {
		vr, ok := ParseVersionRange(r)
		if !ok {
			return
		}
		if vr.All && !vr.Contains(v) {
			t.Fatalf("%q is all versions but does not contain %q", r, v)
		}
		vr.Contains(v)
		if c := CompareVersions(v, v); c != 0 {
			t.Fatalf("CompareVersions(%q, itself) = %d", v, c)
		}
	})
}

// FuzzCPE checks that any string is parsed as a CPE name or refused, and that a parsed
// name, used both as criterion and as what a target carries, matches itself. Seeds:
// testdata/fuzz/FuzzCPE.
func FuzzCPE(f *testing.F) {
	f.Add("cpe:2.3:o:philips:intellivue_mx40_firmware:b.06.17:*:*:*:*:*:*:*")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCPE(s)
		if err != nil {
			return
		}
		if c.vendor == "*" || c.product == "*" || c.vendor == "-" || c.product == "-" || c.part == "-" {
			return
		}
		// A value with an embedded wildcard ("0*") is a pattern: CPE name matching
		// (NISTIR 7696 §6.1) leaves a target holding one undefined, so it need not match
		// itself.
		for _, comp := range strings.Split(strings.ReplaceAll(s, `\:`, ""), ":") {
			if comp != "*" && strings.ContainsAny(strings.ReplaceAll(strings.ReplaceAll(comp, `\*`, ""), `\?`, ""), "*?") {
				return
			}
		}
		a := &Advisory{ID: "F", Vulnerabilities: []Vulnerability{{CVE: "CVE-2000-0001", Configurations: []Configuration{{Nodes: []Node{{Operator: "OR", CPEMatch: []CPEMatch{{Vulnerable: true, Criteria: s}}}}}}}}}
		if got := NewMatcher(Aliases{}, []*Advisory{a}).Match(Target{CPEs: []string{s}}); len(got) != 1 {
			t.Fatalf("%q does not match itself: %+v", s, got)
		}
	})
}

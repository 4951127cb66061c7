package catalog

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// minimal is a small valid catalog used as the base of the negative tests.
const minimal = `{"catalog":{"uuid":"0f3e3c1e-4d6a-4b8a-9c1d-2e3f4a5b6c7d",
 "metadata":{"title":"T","last-modified":"2026-11-23T00:00:00Z","version":"1","oscal-version":"1.1.2",
  "props":[{"name":"catalog-id","ns":"urn:medsec:catalog","value":"test-catalog"}]},
 "groups":[{"id":"g1","title":"G","controls":[{"id":"c1","title":"C",
  "props":[{"name":"source-ref","ns":"urn:medsec:catalog","value":"x §1"}],
  "parts":[{"id":"c1_smt","name":"statement","props":[{"name":"lang","ns":"urn:medsec:catalog","value":"ja"}],"prose":"本文"},
   {"id":"c1_smt.en","name":"statement","props":[{"name":"lang","ns":"urn:medsec:catalog","value":"en"}],"prose":"Text"}]}]}]}}`

func TestValidate(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"valid", "", "", ""},
		{"bad uuid", `0f3e3c1e-4d6a-4b8a`, `zz3e3c1e-4d6a-4b8a`, "uuid"},
		{"no title", `"title":"T"`, `"title":""`, "metadata: title"},
		{"bad date", `2026-11-23T00:00:00Z`, `yesterday`, "last-modified"},
		{"old oscal", `"1.1.2"`, `"1.0.0"`, "oscal-version"},
		{"bad id", `"id":"c1"`, `"id":"1 c"`, "not an OSCAL token"},
		{"duplicate id", `"id":"g1"`, `"id":"c1"`, "already used"},
		{"no english", `"value":"en"}],"prose":"Text"`, `"value":"en"}],"prose":""`, "English statement is empty"},
		{"no original", `"prose":"本文"`, `"prose":""`, "original statement is empty"},
		{"unknown lang", `"value":"ja"`, `"value":"fr"`, "lang"},
		{"no source ref", `"name":"source-ref"`, `"name":"cadence"`, "source-ref is required"},
		{"unknown prop", `"name":"source-ref"`, `"name":"sourceref"`, "not a medsec prop"},
		{"no catalog id", `"name":"catalog-id"`, `"name":"lang"`, "catalog-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(minimal, tt.from, tt.to, 1)
			if tt.from != "" && doc == minimal {
				t.Fatalf("replacement %q not found", tt.from)
			}
			c, err := Parse("test", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			errs := Validate(c)
			if tt.want == "" {
				for _, e := range errs {
					t.Error(e)
				}
				return
			}
			var all []string
			for _, e := range errs {
				all = append(all, e.Error())
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Errorf("errors %q lack %q", all, tt.want)
			}
		})
	}
}

// TestValidateTaiwanRules checks the TW rules: a row needs a level and a target.
func TestValidateTaiwanRules(t *testing.T) {
	data, err := os.ReadFile("data/tw-mohw-medical-baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ from, to, want string }{
		{`"name": "target",`, `"name": "subject",`, "has no target"},
		{`"name": "level",`, `"name": "subject",`, "has no level"},
	} {
		// Turn every prop of that name into another known prop, so rows lose it.
		bad := bytes.ReplaceAll(data, []byte(tt.from), []byte(tt.to))
		c, err := Parse("tw", bad)
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, e := range Validate(c) {
			all = append(all, e.Error())
		}
		if !strings.Contains(strings.Join(all, "\n"), tt.want) {
			t.Errorf("errors lack %q", tt.want)
		}
	}
}

// TestValidateStructureNIST checks that NIST's example catalog passes the OSCAL checks
// (it cannot pass medsec's rules: no original-language text).
func TestValidateStructureNIST(t *testing.T) {
	// A copy of shared/data/oscal/examples/catalog/json/basic-catalog.json (NIST OSCAL
	// content, public domain).
	data, err := os.ReadFile("testdata/nist-basic-catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("basic-catalog.json", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ValidateStructure(c) {
		t.Error(e)
	}
	if len(c.AllControls()) == 0 {
		t.Error("no controls parsed")
	}
	if len(Validate(c)) == 0 {
		t.Error("Validate accepted a catalog without original-language statements")
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{``, `{}`, `{"catalog":null}`, `[1]`, `{"catalog":{}} {}`} {
		if _, err := Parse("bad", []byte(in)); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", in)
		}
	}
}

// TestExportRoundTrip exports every catalog and parses it back to the same document.
func TestExportRoundTrip(t *testing.T) {
	cs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		a, err := Export(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := Parse("export", a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Export(c2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: export is not stable", c.ID())
		}
		if len(c2.AllControls()) != len(c.AllControls()) {
			t.Errorf("%s: %d controls after round trip, want %d", c.ID(), len(c2.AllControls()), len(c.AllControls()))
		}
		if errs := Validate(c2); len(errs) > 0 {
			t.Errorf("%s: exported catalog invalid: %v", c.ID(), errs)
		}
	}
}

// FuzzParse checks that Parse, Validate and Export never panic and that a parsed
// document exports to a stable form.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(`{"catalog":{"groups":[null],"controls":[null]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		_ = Validate(c)
		c.Applicable([]Target{TargetBoundaryHost, TargetControlSystem}, LevelHigh)
		c.ApplicableToOrganisation(OrgProfile{Networks: []Network{{Level: 3}, {Level: 2, People: 100000}}, Pattern: PatternII})
		a, err := Export(c)
		if err != nil {
			return
		}
		c2, err := Parse("fuzz-export", a)
		if err != nil {
			t.Fatalf("exported document does not parse: %v", err)
		}
		b, err := Export(c2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("export not stable:\n%s\n%s", a, b)
		}
	})
}

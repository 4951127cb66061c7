package catalog

import (
	"medsec/internal/shareddata"
	"strings"
	"testing"
)

func errStrings(errs []error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// TestSchemaCases checks the OSCAL cases against the OSCAL 1.1.2 JSON schema, with the
// results NIST's schema gives (../shared/data/cases/README.md).
func TestSchemaCases(t *testing.T) {
	tests := []struct {
		file string
		want []string // every schema error, exactly; none for a valid document
	}{
		{"oscal-catalog-unknown-property-parmas.json", []string{"schema: additional property not allowed at catalog/groups/0/controls/0: parmas"}},
		{"oscal-catalog-group-without-id.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := errStrings(ValidateSchema(ModelCatalog, shareddata.Case(t, tt.file)))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("schema errors:\ngot  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestValidateDocumentCases runs the whole check `medsec catalog validate FILE` runs (the
// schema, then medsec's own rules) on the OSCAL cases.
func TestValidateDocumentCases(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"oscal-catalog-unknown-property-parmas.json", []string{"schema: additional property not allowed at catalog/groups/0/controls/0: parmas"}},
		// A group's id is optional in OSCAL; medsec's rules do not require one either.
		{"oscal-catalog-group-without-id.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := errStrings(ValidateDocument(tt.file, shareddata.Case(t, tt.file)))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\ngot  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestEmbeddedCatalogsMatchSchema checks every embedded catalog against the OSCAL 1.1.2
// JSON schema, and that exporting one keeps it valid.
func TestEmbeddedCatalogsMatchSchema(t *testing.T) {
	entries, err := dataFS.ReadDir("data")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Name() == crosswalkFile {
			continue
		}
		data, err := dataFS.ReadFile("data/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, err := range ValidateSchema(ModelCatalog, data) {
			t.Errorf("%s: %v", e.Name(), err)
		}
		c, err := Parse(e.Name(), data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := Export(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range ValidateSchema(ModelCatalog, out) {
			t.Errorf("%s exported: %v", e.Name(), err)
		}
	}
	if n < 4 {
		t.Errorf("checked %d embedded catalogs, want the four", n)
	}
	for _, err := range ValidateEmbeddedSchema() {
		t.Error(err)
	}
}

// TestSchemaRejects checks kinds of schema errors beside the unknown key.
func TestSchemaRejects(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"missing title", `"title":"T",`, ``, "schema: required property missing at catalog/metadata: title"},
		{"bad uuid", `"uuid":"0f3e3c1e-4d6a-4b8a-9c1d-2e3f4a5b6c7d"`, `"uuid":"x"`, "at catalog/uuid"},
		{"control id not a token", `"id":"c1"`, `"id":"1 c"`, "at catalog/groups/0/controls/0/id"},
		{"unknown root key", `{"catalog":{`, `{"katalog":1,"catalog":{`, "additional property not allowed at /: katalog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(minimal, tt.from, tt.to, 1)
			if doc == minimal {
				t.Fatalf("replacement %q not found", tt.from)
			}
			got := strings.Join(errStrings(ValidateSchema(ModelCatalog, []byte(doc))), "\n")
			if !strings.Contains(got, tt.want) {
				t.Errorf("errors %q lack %q", got, tt.want)
			}
		})
	}
	if errs := ValidateSchema(ModelCatalog, []byte(minimal)); len(errs) > 0 {
		t.Errorf("the minimal catalog: %v", errs)
	}
}

// FuzzValidateDocument feeds any bytes to the check `medsec catalog validate` runs: it must
// not panic, and a document the schema accepts and that parses must export to a document
// the schema accepts too.
func FuzzValidateDocument(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(`{"catalog":{"groups":[{"title":"no id"}],"parmas":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, err := range ValidateDocument("fuzz.json", data) {
			if err == nil || err.Error() == "" {
				t.Fatal("empty error")
			}
		}
		if len(ValidateSchema(ModelCatalog, data)) > 0 {
			return
		}
		c, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		out, err := Export(c)
		if err != nil {
			return
		}
		if errs := ValidateSchema(ModelCatalog, out); len(errs) > 0 {
			t.Fatalf("a schema-valid catalog exports to an invalid one: %v", errs)
		}
	})
}

package sbom

import (
	"errors"
	"testing"

	"medsec"
)

// FuzzParse feeds Parse arbitrary bytes (seeds in testdata/fuzz/FuzzParse: small CycloneDX
// JSON and XML, SPDX JSON and tag-value documents): it must not panic, and it returns
// either a document whose every component has a name or a validation error naming the file.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse("fuzz.sbom", data)
		if err != nil {
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || ve.Source != "fuzz.sbom" || len(ve.Errors) == 0 {
				t.Fatalf("error %v is not a validation error of the file", err)
			}
			return
		}
		for i, c := range doc.Components {
			if c.Name == "" {
				t.Fatalf("component %d has no name", i)
			}
		}
	})
}

// fuzzFormat fuzzes one format's reader directly, past detection, so that the fuzzer
// spends its time inside that reader: it must not panic, and what it returns has names.
func fuzzFormat(f *testing.F, parse func([]byte) (*Document, []medsec.FieldError)) {
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, errs := parse(data)
		if len(errs) > 0 {
			return
		}
		if doc == nil {
			t.Fatal("no document and no error")
		}
	})
}

// FuzzCycloneDXJSON fuzzes the CycloneDX JSON reader (seeds in testdata/fuzz/FuzzCycloneDXJSON).
func FuzzCycloneDXJSON(f *testing.F) {
	fuzzFormat(f, func(b []byte) (*Document, []medsec.FieldError) { return parseCycloneDX(b, false) })
}

// FuzzCycloneDXXML fuzzes the CycloneDX XML reader (seeds in testdata/fuzz/FuzzCycloneDXXML).
func FuzzCycloneDXXML(f *testing.F) {
	fuzzFormat(f, func(b []byte) (*Document, []medsec.FieldError) { return parseCycloneDX(b, true) })
}

// FuzzSPDXJSON fuzzes the SPDX JSON reader (seeds in testdata/fuzz/FuzzSPDXJSON).
func FuzzSPDXJSON(f *testing.F) { fuzzFormat(f, parseSPDXJSON) }

// FuzzSPDXTagValue fuzzes the SPDX tag-value reader (seeds in testdata/fuzz/FuzzSPDXTagValue).
func FuzzSPDXTagValue(f *testing.F) { fuzzFormat(f, parseSPDXTagValue) }

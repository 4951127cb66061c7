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

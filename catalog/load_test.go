package catalog

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEmbeddedValid parses and validates every embedded catalog file on its own, so a
// failure names the file.
func TestEmbeddedValid(t *testing.T) {
	files, err := filepath.Glob("data/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, f := range files {
		if filepath.Base(f) == crosswalkFile {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(f, data)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range Validate(c) {
				t.Error(e)
			}
			if got, want := c.ID()+".json", filepath.Base(f); got != want {
				t.Errorf("catalog-id %q does not match file name %q", got, want)
			}
		})
	}
	if n == 0 {
		t.Fatal("no catalog files")
	}
	cs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != n {
		t.Errorf("Load returned %d catalogs, want %d", len(cs), n)
	}
}

package assetio

import (
	"testing"

	"medsec/i18n"
)

// TestEnumTranslationsAreAccepted checks that every value of an enumerated column, as the
// user interface shows it in each language (and so as a problem lists the allowed values),
// is read back as that value.
func TestEnumTranslationsAreAccepted(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range enums {
		for _, v := range e.values {
			key := e.group + "." + v
			if !b.Has(key) {
				t.Errorf("no translation %s", key)
				continue
			}
			for _, lang := range i18n.Languages {
				text := b.T(lang, key)
				if got, err := e.parse(text); err != nil || got != v {
					t.Errorf("%s in %s is %q, read as %q (%v)", key, lang, text, got, err)
				}
			}
		}
	}
}

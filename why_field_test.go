package medsec_test

import (
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestRangeCheckSaysTheFieldInTheReadersLanguage: a version range test names its NVD field
// as words with the bound in each language ("before version B.06.18"), not the NVD term
// (issue 16 break-test: "versionEndExcluding" stood untranslated in report output).
func TestRangeCheckSaysTheFieldInTheReadersLanguage(t *testing.T) {
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]string{"en": "before version B.06.18", "ja": "B.06.18 より前", "zh-CN": "B.06.18 之前", "zh-TW": "B.06.18 之前"}
	for _, lang := range i18n.Languages {
		tr := func(key string, args ...any) string { return bundle.T(lang, key, args...) }
		for _, field := range []string{"versionEndExcluding", "versionEndIncluding", "versionStartExcluding", "versionStartIncluding"} {
			p := medsec.WhyPart{Kind: "range_check", Params: map[string]string{"version": "B.06.17", "op": "<", "bound": "B.06.18", "field": field}}
			got := p.Text(tr)
			if strings.Contains(got, field) || strings.Contains(got, "why.field") || !strings.Contains(got, "B.06.18") {
				t.Errorf("%s %s: %q, want the field in words with its bound", lang, field, got)
			}
			if field == "versionEndExcluding" && !strings.Contains(got, words[lang]) {
				t.Errorf("%s %s: %q, want %q", lang, field, got, words[lang])
			}
		}
	}
	// A field medsec does not know is said as it is.
	p := medsec.WhyPart{Kind: "range_check", Params: map[string]string{"version": "1", "op": "<", "bound": "2", "field": "versionSomething"}}
	if got := p.Text(func(key string, args ...any) string { return bundle.T("en", key, args...) }); !strings.Contains(got, "versionSomething") {
		t.Errorf("unknown field: %q", got)
	}
}

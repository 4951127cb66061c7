package http_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"medsec/i18n"
)

// TestFindingPagePunctuationIsFullWidth: the Chinese and Japanese texts of the finding and
// vulnerability pages (every key vuln_show.html translates, and every vuln.* and rubric.*
// key) use full-width punctuation next to CJK text — "理由（重新評分的原因）", "未結案：%d" —
// not ASCII commas, colons, semicolons, question marks and parentheses mixed with the
// full-width ones (issue 11). ASCII stays inside Latin runs ("E:A", "CVSS v4.0").
func TestFindingPagePunctuationIsFullWidth(t *testing.T) {
	tpl, err := os.ReadFile("templates/vuln_show.html")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, m := range regexp.MustCompile(`\.T "([a-z0-9_.]+)"`).FindAllStringSubmatch(string(tpl), -1) {
		keys[m[1]] = true
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys in vuln_show.html", len(keys))
	}
	for _, lang := range []string{"zh-TW", "zh-CN", "ja"} {
		raw, err := os.ReadFile("../i18n/locales/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var texts map[string]string
		if err := json.Unmarshal(raw, &texts); err != nil {
			t.Fatal(err)
		}
		for k, v := range texts {
			if !keys[k] && !strings.HasPrefix(k, "vuln.") && !strings.HasPrefix(k, "rubric.") {
				continue
			}
			if r, i, ok := i18n.HalfWidthBesideCJK(v, ",:;?!()"); ok {
				t.Errorf("%s %s: ASCII %q beside CJK text at %d: %s", lang, k, r, i, v)
			} else if strings.Contains(v, ":%") {
				t.Errorf("%s %s: ASCII ':' before a value: %s", lang, k, v)
			}
		}
	}
}

package i18n

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReportPunctuationIsFullWidth: the Chinese and Japanese texts of the reports and the
// backup pages (report.*, reports.*, backups.*, backup_detail.*, actor.*) use full-width
// parentheses, colons, semicolons and commas next to CJK text — 「所要時間（分）」,
// 「スケジューラ（%s の代理）」 — not ASCII ones (bt16 LOW: column headers and chart text
// said 「耗時(分鐘)」). Clause numbers cited as their sources print them (「§7(二)」,
// 「第二十二条(三)」, 「帳號管理(高)」) and ASCII inside Latin runs stay.
func TestReportPunctuationIsFullWidth(t *testing.T) {
	cited := regexp.MustCompile(`[0-9条條理]\([一二三四五六七八九十高]+\)|\[[^\]]*\]|〔[^〕]*〕`)
	for _, lang := range []string{"zh-TW", "zh-CN", "ja"} {
		raw, err := os.ReadFile("locales/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var texts map[string]string
		if err := json.Unmarshal(raw, &texts); err != nil {
			t.Fatal(err)
		}
		for k, v := range texts {
			if !strings.HasPrefix(k, "report.") && !strings.HasPrefix(k, "reports.") && !strings.HasPrefix(k, "backups.") &&
				!strings.HasPrefix(k, "backup_detail.") && !strings.HasPrefix(k, "actor.") {
				continue
			}
			masked := cited.ReplaceAllStringFunc(v, func(s string) string { return strings.Repeat("x", len([]rune(s))) })
			if r, i, ok := HalfWidthBesideCJK(masked, ",:;()"); ok {
				t.Errorf("%s %s: ASCII %q beside CJK text at %d: %s", lang, k, r, i, v)
			}
		}
	}
}

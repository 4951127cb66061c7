package http

import (
	"strings"
	"testing"

	"medsec/catalog"
	"medsec/i18n"
)

// TestEvery says every cadence the catalogs use in the four languages, and shows what it
// cannot say as written.
func TestEvery(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{i18n: b}
	tests := []struct {
		cadence            string
		en, zhTW, zhCN, ja string
	}{
		{"P1Y", "every year", "每年", "每年", "毎年"},
		{"P2Y", "every 2 years", "每 2 年", "每 2 年", "2年ごと"},
		{"P3Y", "every 3 years", "每 3 年", "每 3 年", "3年ごと"},
		{"P5Y", "every 5 years", "每 5 年", "每 5 年", "5年ごと"},
		{"P1M", "every month", "每月", "每月", "毎月"},
		{"P3M", "every 3 months", "每 3 個月", "每 3 个月", "3か月ごと"},
		{"P6M", "every 6 months", "每 6 個月", "每 6 个月", "6か月ごと"},
		{"P1Y6M", "every 18 months", "每 18 個月", "每 18 个月", "18か月ごと"},
		{"P1W", "every week", "每週", "每周", "毎週"},
		{"P2W", "every 2 weeks", "每 2 週", "每 2 周", "2週間ごと"},
		{"P1D", "every day", "每日", "每天", "毎日"},
		{"P3D", "every 3 days", "每 3 日", "每 3 天", "3日ごと"},
		{"P7D", "every 7 days", "每 7 日", "每 7 天", "7日ごと"},
		{"P10D", "every 10 days", "每 10 日", "每 10 天", "10日ごと"},
		{"P1W3D", "every 10 days", "每 10 日", "每 10 天", "10日ごと"},
		{"PT2H", "every 2 hours", "每 2 小時", "每 2 小时", "2時間ごと"},
		{"PT1H", "every hour", "每小時", "每小时", "毎時"},
		{"PT30M", "every 30 minutes", "每 30 分鐘", "每 30 分钟", "30分ごと"},
		{"PT1H30M", "every 90 minutes", "每 90 分鐘", "每 90 分钟", "90分ごと"},
		// What it cannot say is shown as written.
		{"", "", "", "", ""},
		{"P1DT2H", "P1DT2H", "P1DT2H", "P1DT2H", "P1DT2H"},
		{"PT", "PT", "PT", "PT", "PT"},
		{"P1Y2D", "P1Y2D", "P1Y2D", "P1Y2D", "P1Y2D"},
		{"P0D", "P0D", "P0D", "P0D", "P0D"},
		{"P", "P", "P", "P", "P"},
		{"yearly", "yearly", "yearly", "yearly", "yearly"},
	}
	for _, tt := range tests {
		for lang, want := range map[string]string{"en": tt.en, "zh-TW": tt.zhTW, "zh-CN": tt.zhCN, "ja": tt.ja} {
			p := &page{s: s, Lang: lang}
			if got := p.Every(tt.cadence); got != want {
				t.Errorf("Every(%q) in %s = %q, want %q", tt.cadence, lang, got, want)
			}
		}
	}
	// Every cadence of the embedded catalogs is said in words in every language.
	cs, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, c := range cs {
		for _, ctl := range c.AllControls() {
			cad := ctl.Cadence()
			if cad == "" {
				continue
			}
			seen++
			for _, lang := range i18n.Languages {
				p := &page{s: s, Lang: lang}
				if got := p.Every(cad); got == cad || strings.Contains(got, "cadence.") {
					t.Errorf("%s %s: cadence %q in %s shown as %q", c.ID(), ctl.ID, cad, lang, got)
				}
			}
		}
	}
	if seen < 20 {
		t.Errorf("only %d controls with a cadence in the catalogs; the test reads the wrong property", seen)
	}
}

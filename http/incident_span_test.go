package http_test

import (
	"encoding/json"
	"fmt"
	stdhtml "html"
	"regexp"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
)

// TestClockSpansTranslated checks that the time left and overdue on the incident pages
// reads in the page's language ("剩餘 1 小時 5 分", 「残り 1時間5分」), not Go's "1h5m",
// and that the clock tables give their script the same units.
func TestClockSpansTranslated(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	// Detected 2 h 50 min ago: short clocks are overdue by hours and minutes, longer ones
	// run with hours left.
	detected := time.Now().UTC().Add(-(2*time.Hour + 50*time.Minute)).Truncate(time.Second)
	status, resp := f.do("POST", "/api/v1/incidents", f.tokens[medsec.RoleSOCAnalyst],
		fmt.Sprintf(`{"site_id": %d, "title": "HIS", "detected_at": %q}`, f.assetHQ.SiteID, detected.Format(time.RFC3339)))
	var inc medsec.Incident
	if json.Unmarshal([]byte(resp), &inc); status != 201 {
		t.Fatalf("create: %d %s", status, resp)
	}
	goSpan := regexp.MustCompile(`\b\d+h\d+m\b|\b\d+m\b|\b\d+s\b`)
	units := map[string]*regexp.Regexp{
		"en": regexp.MustCompile(`\d+ h( \d+ min)?|\d+ min|\d+ s`), "zh-TW": regexp.MustCompile(`\d+ 小時( \d+ 分)?|\d+ 分|\d+ 秒`),
		"zh-CN": regexp.MustCompile(`\d+ 小时( \d+ 分)?|\d+ 分|\d+ 秒`), "ja": regexp.MustCompile(`\d+時間(\d+分)?|\d+分|\d+秒`),
	}
	c := f.session("u-soc-analyst")
	for _, lang := range i18n.Languages {
		for _, path := range []string{fmt.Sprintf("/incidents/%d", inc.ID), "/incidents"} {
			page := stdhtml.UnescapeString(f.page(c, path, lang))
			spans := regexp.MustCompile(`class="(?:count )?clock-left"[^>]*>([^<]*)<`).FindAllStringSubmatch(page, -1)
			if len(spans) == 0 {
				t.Fatalf("%s %s: no running clock", lang, path)
			}
			for _, s := range spans {
				if goSpan.MatchString(s[1]) || !units[lang].MatchString(s[1]) {
					t.Errorf("%s %s: time left %q, want %s units", lang, path, s[1], lang)
				}
			}
			if want := fmt.Sprintf(`data-span-hm="%s"`, b.T(lang, "span.hours_minutes")); !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(page) {
				t.Errorf("%s %s: the clock table does not give its script %s", lang, path, want)
			}
		}
	}
}

package i18n

import (
	"strings"
	"testing"
	"time"
)

func TestEveryLanguageHasEveryKey(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for lang, keys := range b.Missing() {
		for _, k := range keys {
			t.Errorf("%s lacks %q", lang, k)
		}
	}
	if len(b.Keys()) < 50 {
		t.Errorf("only %d keys: the message files did not load", len(b.Keys()))
	}
}

func TestMatch(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		prefs []string
		want  string
	}{
		{[]string{"zh-TW,zh;q=0.9,en;q=0.8"}, "zh-TW"},
		{[]string{"zh-Hant-HK"}, "zh-TW"},
		{[]string{"zh-CN,zh;q=0.9"}, "zh-CN"},
		{[]string{"zh"}, "zh-CN"},
		{[]string{"ja-JP,ja;q=0.9"}, "ja"},
		{[]string{"fr-FR"}, "en"},
		{[]string{"", "ja"}, "ja"},
		{[]string{"zh-CN", "ja"}, "zh-CN"},
		{nil, "en"},
	}
	for _, tt := range tests {
		if got := b.Match(tt.prefs...); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.prefs, got, tt.want)
		}
	}
	if got := b.T("ja", "nav.assets"); got == "nav.assets" || got == b.T("en", "nav.assets") {
		t.Errorf("T(ja, nav.assets) = %q: not translated", got)
	}
}

// TestKeyArgs: a Key or Keys argument is put in as its text in the message's language, and
// the caller's arguments stay keys.
func TestKeyArgs(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	args := []any{Keys{"incident.check.stable-24h", "incident.check.integrity-hash"}}
	ja := b.T("ja", "incident.err.checklist_open_items", args...)
	if !strings.Contains(ja, b.T("ja", "incident.check.stable-24h")+"、"+b.T("ja", "incident.check.integrity-hash")) || strings.Contains(ja, "stable-24h") {
		t.Errorf("ja: %s", ja)
	}
	if _, ok := args[0].(Keys); !ok {
		t.Errorf("arguments changed: %#v", args)
	}
	if en := b.T("en", "incident.err.checklist_open_items", Key("incident.check.stable-24h")); !strings.Contains(en, "Core systems ran 24 hours") {
		t.Errorf("en: %s", en)
	}
}

// TestPermissionHelpCitesBaseline: the manufacturer's-permission words (在儀器原廠許可下)
// come from 000 附表一's 漏洞修補 control, not 003 §5.2.1; every language cites it (t11
// finding 12).
func TestPermissionHelpCitesBaseline(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "ja", "zh-CN", "zh-TW"} {
		if s := b.T(lang, "vuln.permission_help"); !strings.Contains(s, "000 附表一 漏洞修補") || strings.Contains(s, "003 §5.2.1") {
			t.Errorf("%s: %q does not cite 000 附表一 漏洞修補", lang, s)
		}
	}
}

// TestSpan writes remaining and overdue times in each language's units, not Go's "1h5m0s":
// seconds under a minute, rounded minutes, hours and minutes, the sign dropped.
func TestSpan(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		d    time.Duration
		want map[string]string
	}{
		{45 * time.Second, map[string]string{"en": "45 s", "zh-TW": "45 秒", "zh-CN": "45 秒", "ja": "45秒"}},
		{-(10*time.Minute + 20*time.Second), map[string]string{"en": "10 min", "zh-TW": "10 分", "zh-CN": "10 分", "ja": "10分"}},
		{time.Hour + 4*time.Minute + 40*time.Second, map[string]string{"en": "1 h 5 min", "zh-TW": "1 小時 5 分", "zh-CN": "1 小时 5 分", "ja": "1時間5分"}},
		{72 * time.Hour, map[string]string{"en": "72 h", "zh-TW": "72 小時", "zh-CN": "72 小时", "ja": "72時間"}},
	} {
		for _, lang := range Languages {
			if got := b.Span(lang, c.d); got != c.want[lang] {
				t.Errorf("Span(%s, %v) = %q, want %q", lang, c.d, got, c.want[lang])
			}
		}
	}
}

// TestVulnStringsFullWidth (bt11g LOW): the stale-edit message in zh-TW had a half-width
// comma and ja's mitigated state ASCII parentheses; Chinese and Japanese text uses the
// full-width forms.
func TestVulnStringsFullWidth(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, key string }{{"zh-TW", "err.stale"}, {"ja", "finding_state.mitigated"}} {
		if s := b.T(c.lang, c.key); strings.ContainsAny(s, ",()") {
			t.Errorf("%s %s = %q has half-width punctuation", c.lang, c.key, s)
		}
	}
}

package i18n

import (
	"strings"
	"testing"
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

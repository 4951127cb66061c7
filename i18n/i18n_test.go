package i18n

import "testing"

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

package i18n

import (
	"strings"
	"unicode"
)

// HalfWidthBesideCJK returns the first ASCII mark of marks in s that stands next to CJK
// text (Han, kana, CJK or full-width punctuation) and its index in runes; ok is false when
// there is none. Chinese and Japanese texts put full-width punctuation there
// (「耗時（分鐘）」, not 「耗時(分鐘)」); ASCII inside Latin runs ("E:A") is not reported.
func HalfWidthBesideCJK(s, marks string) (mark rune, at int, ok bool) {
	cjk := func(r rune) bool {
		return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
	}
	rs := []rune(s)
	for i, r := range rs {
		if !strings.ContainsRune(marks, r) {
			continue
		}
		if (i > 0 && cjk(rs[i-1])) || (i+1 < len(rs) && cjk(rs[i+1])) {
			return r, i, true
		}
	}
	return 0, 0, false
}

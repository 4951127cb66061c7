package i18n

import (
	"slices"
	"strings"

	"medsec"
)

// FieldError says what is wrong with a field in lang; the web pages, the API and the
// command line all say it this way. English shows the English message, which carries the
// exact detail. Other languages show the translated problem and, when the problem is about
// a value, that value as written in the input (「10.0.0.300」), or put into the translation
// where it has a place for it (%s), and for a value outside an enumeration the allowed
// values as a user types them — the value itself, which the API, the command line and
// the imports all accept, with its translated name beside it ("self-inspection（自主檢查）";
// bt16g M5: the names alone listed titles nobody can type) — never the English text. A problem without a
// translation key reads as the general "invalid value" in lang.
//
// A problem that names other fields in its message (FieldArgs: "high_hours is longer than
// medium_hours") names them by their labels ("field."+name) in lang, English too, so no
// reader sees a raw field name in a sentence; a position holding a message key (with a
// dot: "incident.check.stable-24h") is that message in lang.
func (b *Bundle) FieldError(lang string, fe medsec.FieldError) string {
	if lang == Languages[0] && (len(fe.FieldArgs) == 0 || !b.Has(fe.Key)) {
		return fe.Message
	}
	if fe.Key == "" || !b.Has(fe.Key) {
		return b.T(lang, "err.invalid")
	}
	text := b.T(lang, fe.Key)
	if len(fe.Args) > 0 {
		args := make([]any, len(fe.Args))
		for i, a := range fe.Args {
			args[i] = a
			switch {
			case !slices.Contains(fe.FieldArgs, i):
			case b.Has("field." + a):
				args[i] = b.T(lang, "field."+a)
			case strings.Contains(a, ".") && b.Has(a):
				args[i] = b.T(lang, a) // a message key: a termination condition's name
			}
		}
		text = b.T(lang, fe.Key, args...)
	}
	if lang == Languages[0] {
		return text
	}
	switch {
	case fe.Value == "":
	case strings.Contains(text, "%s"):
		text = b.T(lang, fe.Key, fe.Value)
	default:
		text += "：「" + fe.Value + "」"
	}
	if len(fe.Allowed) > 0 && fe.Enum != "" {
		labels := make([]string, len(fe.Allowed))
		for i, v := range fe.Allowed {
			labels[i] = v
			if key := fe.Enum + "." + v; b.Has(key) && b.T(lang, key) != v {
				labels[i] += "（" + b.T(lang, key) + "）"
			}
		}
		text += "（" + b.T(lang, "err.allowed_values", strings.Join(labels, "、")) + "）"
	}
	return text
}

package main

import (
	"fmt"
	"os"
	"strings"

	"medsec/i18n"
)

// cliLanguage is the language a command writes in when --lang is not given: MEDSEC_LANG
// (en, ja, zh-CN, zh-TW, or any language tag), else the locale of the environment (LC_ALL,
// LC_MESSAGES, LANG, as "ja_JP.UTF-8"), matched to the closest supported language; English
// when none is set or none matches.
func cliLanguage(b *i18n.Bundle, getenv func(string) string) string {
	for _, name := range []string{"MEDSEC_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		v := strings.TrimSpace(getenv(name))
		if v == "" || v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
			continue
		}
		if i := strings.IndexAny(v, ".@"); i >= 0 {
			v = v[:i]
		}
		v = strings.ReplaceAll(v, "_", "-")
		if lang := b.Match(v); lang != i18n.Languages[0] || strings.HasPrefix(strings.ToLower(v), "en") {
			return lang
		}
	}
	return i18n.Languages[0]
}

// envLanguage is cliLanguage from the process environment.
func envLanguage(b *i18n.Bundle) string { return cliLanguage(b, os.Getenv) }

// checkMedsecLang refuses a MEDSEC_LANG that names no language medsec writes in ("xx",
// "fr"), as --lang refuses one, instead of passing silently to the locale (issue 16
// break-test): MEDSEC_LANG is medsec's own setting, so a wrong value is a mistake to
// report, while a locale (LANG) in another language falls back to English. An unset or
// empty MEDSEC_LANG, the C locale, and any tag of a supported language (ja-JP, zh_TW.UTF-8)
// are accepted. The error, in English (the language is what is wrong), names the codes.
func checkMedsecLang(b *i18n.Bundle, getenv func(string) string) error {
	raw := getenv("MEDSEC_LANG")
	v := strings.TrimSpace(raw)
	if v == "" || v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
		return nil
	}
	if i := strings.IndexAny(v, ".@"); i >= 0 {
		v = v[:i]
	}
	v = strings.ReplaceAll(v, "_", "-")
	if b.Match(v) != i18n.Languages[0] || strings.HasPrefix(strings.ToLower(v), "en") {
		return nil
	}
	return fmt.Errorf("MEDSEC_LANG=%q is not a language medsec writes in: set it to one of %s (or unset it, or pass --lang)",
		raw, strings.Join(i18n.Languages, ", "))
}

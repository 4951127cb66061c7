package main

import (
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

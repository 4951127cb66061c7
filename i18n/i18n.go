// Package i18n translates medsec's user-visible strings into its four languages: zh-TW,
// zh-CN, ja and en. Messages live in locales/*.json, one flat key→text map per language,
// embedded in the binary; every language must have every key (a test checks).
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localesFS embed.FS

// Languages are the supported languages, the first being the fallback.
var Languages = []string{"en", "zh-TW", "zh-CN", "ja"}

// Bundle holds every language's messages.
type Bundle struct {
	messages map[string]map[string]string
	matcher  language.Matcher
}

// Load reads the embedded message files.
func Load() (*Bundle, error) {
	b := &Bundle{messages: map[string]map[string]string{}}
	tags := make([]language.Tag, len(Languages))
	for i, lang := range Languages {
		data, err := localesFS.ReadFile("locales/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("i18n: locales/%s.json: %w", lang, err)
		}
		b.messages[lang] = m
		tags[i] = language.MustParse(lang)
	}
	b.matcher = language.NewMatcher(tags)
	return b, nil
}

// Match returns the supported language closest to an Accept-Language header or a stored
// preference: zh-Hant and zh-HK give zh-TW, zh and zh-Hans give zh-CN.
func (b *Bundle) Match(prefs ...string) string {
	for _, p := range prefs {
		if p == "" {
			continue
		}
		if _, ok := b.messages[p]; ok {
			return p
		}
		tags, _, err := language.ParseAcceptLanguage(p)
		if err != nil || len(tags) == 0 {
			continue
		}
		_, i, conf := b.matcher.Match(tags...)
		if conf != language.No {
			return Languages[i]
		}
	}
	return Languages[0]
}

// T returns the message key in lang, formatted with args (fmt verbs). A missing key shows
// as the key itself, so a gap is visible instead of blank.
func (b *Bundle) T(lang, key string, args ...any) string {
	msg, ok := b.messages[lang][key]
	if !ok {
		if msg, ok = b.messages["en"][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		args = append([]any(nil), args...) // the caller's (an error's) arguments stay keys
		for i, a := range args {
			switch a := a.(type) {
			case Key:
				args[i] = b.T(lang, string(a))
			case Keys:
				names := make([]string, len(a))
				for j, k := range a {
					names[j] = b.T(lang, k)
				}
				sep := "、"
				if lang == "en" {
					sep = "; "
				}
				args[i] = strings.Join(names, sep)
			}
		}
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Key is a message argument that is itself a message key: T puts in its text in the
// same language (an error carries the key of a checklist item, the page shows its name).
type Key string

// Keys is a message argument that is a list of message keys: T puts in their texts in
// the same language, joined by "; " in English and "、" in Chinese and Japanese.
type Keys []string

// Has reports whether key exists in every language.
func (b *Bundle) Has(key string) bool {
	for _, lang := range Languages {
		if _, ok := b.messages[lang][key]; !ok {
			return false
		}
	}
	return true
}

// Missing lists, per language, the keys that another language has and it lacks.
func (b *Bundle) Missing() map[string][]string {
	all := map[string]bool{}
	for _, m := range b.messages {
		for k := range m {
			all[k] = true
		}
	}
	missing := map[string][]string{}
	for _, lang := range Languages {
		for k := range all {
			if strings.TrimSpace(b.messages[lang][k]) == "" {
				missing[lang] = append(missing[lang], k)
			}
		}
		sort.Strings(missing[lang])
	}
	return missing
}

// Keys returns every key of the fallback language, sorted.
func (b *Bundle) Keys() []string {
	var keys []string
	for k := range b.messages[Languages[0]] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Span writes a length of time (its sign dropped) as people read it in lang: whole
// seconds under a minute, else minutes rounded to the nearest, with hours from an hour
// ("45 s", "10 min", "1 h 5 min"; 「1 小時 5 分」, 「1時間5分」). The units are the keys
// span.seconds, span.minutes, span.hours and span.hours_minutes, which the pages also give
// their script (app.js), so a span counted down in the browser reads the same.
func (b *Bundle) Span(lang string, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < time.Minute {
		return b.T(lang, "span.seconds", int(d/time.Second))
	}
	m := int((d + 30*time.Second) / time.Minute)
	switch {
	case m < 60:
		return b.T(lang, "span.minutes", m)
	case m%60 == 0:
		return b.T(lang, "span.hours", m/60)
	}
	return b.T(lang, "span.hours_minutes", m/60, m%60)
}

package http

import (
	"encoding/json"
	"regexp"
	"strings"

	"medsec"
	"medsec/i18n"
)

// attackTechnique matches a Sigma ATT&CK technique tag: attack.t1021, attack.t1078.001.
var attackTechnique = regexp.MustCompile(`^attack\.t(\d{4})(?:\.(\d{3}))?$`)

// tagText is one rule tag as a reader reads it: a technique or tactic medsec names (message
// "attack.<tag>": "T1021 Remote Services"), another technique by its id ("T1055"), any
// other tag as written.
func tagText(b *i18n.Bundle, lang, tag string) string {
	if strings.HasPrefix(tag, "attack.") && b.Has(tag) {
		return b.T(lang, tag)
	}
	if m := attackTechnique.FindStringSubmatch(tag); m != nil {
		if m[2] != "" {
			return "T" + m[1] + "." + m[2]
		}
		return "T" + m[1]
	}
	return tag
}

// tagList renders rule tags as a list in lang, joined as i18n.Keys are.
func tagList(b *i18n.Bundle, lang string, tags []string) string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = tagText(b, lang, t)
	}
	sep := "、"
	if lang == "en" {
		sep = "; "
	}
	return strings.Join(out, sep)
}

// isTagList reports whether a list argument holds a rule's tags (one of them attack.…).
func isTagList(keys []string) bool {
	for _, k := range keys {
		if strings.HasPrefix(k, "attack.") {
			return true
		}
	}
	return false
}

// upgradeMsg rewrites a message stored before its wording changed into the current one:
// the description of an incident opened from an alert once carried the alert's tags as
// the JSON text of the alerts table ("incident.from_alert_text"); it now reads as the
// description medsec writes today, with the tags as a list.
func upgradeMsg(m *medsec.Message) *medsec.Message {
	if m == nil || m.Key != "incident.from_alert_text" || len(m.Args) != 4 {
		return m
	}
	var tags []string
	if t := strings.TrimSpace(m.Args[3].Text); t != "" && json.Unmarshal([]byte(t), &tags) != nil {
		tags = strings.Fields(t)
	}
	if len(tags) == 0 {
		return medsec.Msg("incident.from_alert_desc_untagged", m.Args[:3]...)
	}
	return medsec.Msg("incident.from_alert_desc", append(m.Args[:3:3], medsec.MessageArg{Keys: tags})...)
}

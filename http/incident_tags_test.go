package http

import (
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestAlertDescriptionReadable: the description of an incident opened from an alert reads
// as whole sentences in each language with the rule's ATT&CK tags as technique and tactic
// names and ids — never the alerts table's raw JSON — whether written today (a list of
// keys) or stored before (the tags' JSON text under incident.from_alert_text).
func TestAlertDescriptionReadable(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	rule := medsec.MessageArg{Key: "builtin_rule.x.title", Text: "Cross-zone flow outside any conduit"}
	level := medsec.ArgKey("alert.level.medium")
	tags := []string{"attack.lateral_movement", "attack.t1021", "attack.t1055.011", "vendor.custom"}
	current := medsec.Msg("incident.from_alert_desc", medsec.ArgText("12"), rule, level, medsec.MessageArg{Keys: tags})
	old := medsec.Msg("incident.from_alert_text", medsec.ArgText("12"), rule, level, medsec.ArgText(`["attack.lateral_movement","attack.t1021","attack.t1055.011","vendor.custom"]`))
	want := map[string][]string{
		"en":    {"This incident was opened from alert #12", "TA0008 Lateral Movement (tactic); T1021 Remote Services; T1055.011; vendor.custom."},
		"ja":    {"このインシデントは", "アラート #12 から起票されました。", "TA0008 横展開（戦術）、T1021 リモートサービス、T1055.011、vendor.custom です。"},
		"zh-TW": {"本事件由告警 #12 開立，", "TA0008 橫向移動（戰術）、T1021 遠端服務、T1055.011、vendor.custom。"},
		"zh-CN": {"本事件由告警 #12 开立，", "TA0008 横向移动（战术）、T1021 远程服务、T1055.011、vendor.custom。"},
	}
	for lang, parts := range want {
		for _, m := range []*medsec.Message{current, old} {
			got := renderMsg(b, lang, m)
			for _, p := range parts {
				if !strings.Contains(got, p) {
					t.Errorf("%s %s: %q lacks %q", lang, m.Key, got, p)
				}
			}
			if strings.Contains(got, "attack.") || strings.Contains(got, `["`) {
				t.Errorf("%s %s shows raw tags: %q", lang, m.Key, got)
			}
		}
	}
	// A rule without tags: one whole sentence, no dangling list.
	for _, m := range []*medsec.Message{
		medsec.Msg("incident.from_alert_desc_untagged", medsec.ArgText("3"), rule, level),
		medsec.Msg("incident.from_alert_text", medsec.ArgText("3"), rule, level, medsec.ArgText("")),
	} {
		if got := renderMsg(b, "ja", m); !strings.HasSuffix(got, "から起票されました。") {
			t.Errorf("untagged %s: %q", m.Key, got)
		}
	}
}

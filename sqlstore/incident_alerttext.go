package sqlstore

import "medsec"

// alertDescription is the description medsec writes on an incident an alert opens, as
// whole sentences in the reader's language: the alert, the rule that raised it and its
// severity, and, when the rule has any, its ATT&CK tags as a list of message keys
// ("attack.t1021"), which the pages render as technique ids and names rather than the
// raw JSON of the alerts table.
func alertDescription(alertID int64, rule medsec.MessageArg, level string, tags []string) *medsec.Message {
	if len(tags) == 0 {
		return medsec.Msg("incident.from_alert_desc_untagged", num(alertID), rule, medsec.ArgKey("alert.level."+level))
	}
	return medsec.Msg("incident.from_alert_desc", num(alertID), rule, medsec.ArgKey("alert.level."+level), medsec.MessageArg{Keys: tags})
}

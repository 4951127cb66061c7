package sqlstore

import (
	"strings"
	"sync/atomic"
)

// changeCounter counts the committed write transactions of a store that may change what
// its computed reports show (the gap report of every catalog: assets, assessments, the
// checks' inputs, zones, settings). A report kept with the count it was computed at is
// current while the count has not moved: a transaction that wrote to any table but those
// in reportNeutral bumps it after it commits. Writes by another process sharing the
// database are not counted; kept reports also age out (gapCacheTTL).
type changeCounter struct{ n atomic.Uint64 }

// reportNeutral are the tables whose writes change no computed report: sessions and
// tokens, the audit trail and the event outbox, alerts, incidents, notifications and
// report jobs. Any other table, including one added later, counts as a change.
var reportNeutral = map[string]bool{
	"sessions": true, "api_tokens": true, "audit_log": true, "events": true, "login_addresses": true, "login_failures": true,
	"alerts": true, "alert_events": true, "log_alerts": true, "incidents": true, "incident_alerts": true, "incident_assets": true,
	"incident_checklist": true, "incident_clocks": true, "incident_custody": true, "incident_evidence": true, "incident_holidays": true,
	"incident_log_records": true, "incident_notifications": true, "incident_people": true, "incident_site_settings": true,
	"incident_tasks": true, "incident_timeline": true, "notify_deliveries": true, "notify_digest": true, "notify_prefs": true,
	"notify_sent": true, "reports": true, "report_schedules": true, "sensor_messages": true, "webhooks": true,
}

// writesReportData reports whether a statement may change a computed report: a write to a
// table outside reportNeutral, or any statement but a SELECT that it cannot read.
func writesReportData(query string) bool {
	q := strings.TrimSpace(query)
	word := func() string {
		i := strings.IndexAny(q, " \t\r\n(")
		if i < 0 {
			i = len(q)
		}
		w := q[:i]
		q = strings.TrimSpace(q[i:])
		return strings.ToUpper(w)
	}
	switch word() {
	case "SELECT":
		return false
	case "INSERT":
		if word() != "INTO" {
			return true
		}
	case "DELETE":
		if word() != "FROM" {
			return true
		}
	case "UPDATE":
	default:
		return true
	}
	return !reportNeutral[strings.ToLower(word())]
}

// note marks the transaction as one that changes report data when query does.
func (tx *Tx) note(query string) {
	if !tx.changes && writesReportData(query) {
		tx.changes = true
	}
}

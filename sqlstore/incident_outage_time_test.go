package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestOutageNotBeforeOccurrence: an incident opened with an occurrence time and an outage
// longer than the time since it occurred (an outage of 5 hours for an incident that
// occurred 2 hours ago) is refused naming outage_minutes, with the occurrence time in the
// site's zone and the minutes since; an outage that fits is accepted. Was: the two were
// never compared, and the suggestion counted an outage that began before the incident.
// Both engines.
func TestOutageNotBeforeOccurrence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		occurred := f.now.Add(-2 * time.Hour)
		c := &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 中斷", Outage: medsec.OutageCore, OutageMinutes: 300, OccurredAt: occurred, DetectedAt: occurred.Add(10 * time.Minute)}
		_, err := f.svc.CreateIncident(f.soc, c)
		fe := fieldErr(err, "outage_minutes")
		if fe == nil || fe.Key != "incident.err.outage_before_occurred" || len(fe.Args) != 2 || fe.Args[0] != medsec.ZonedTime(occurred, "Asia/Taipei") || fe.Args[1] != "122" {
			t.Errorf("outage of 300 minutes, occurred 120 minutes ago: %v %+v", err, fe)
		}
		c.OutageMinutes = 110
		if _, err := f.svc.CreateIncident(f.soc, c); err != nil {
			t.Errorf("an outage of 110 minutes, occurred 120 minutes ago: %v", err)
		}
	})
}

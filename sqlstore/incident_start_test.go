package sqlstore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestDutyNotMetBeforeItsStart: a duty counted from a moment of the incident (the leak
// report from when the exposure was found, 003 §5.3.3) cannot be recorded as met, by hand
// (met_at) or by a notification (sent_at), before that moment: refused naming the field and
// the clock's start in the site's time, translated. Before, the only bound was the
// detection, so a leak report "sent" hours before the leak was found showed as met. Both
// engines.
func TestDutyNotMetBeforeItsStart(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常登入", AssetIDs: []int64{f.his.ID},
			Level: 3, LevelReason: "abnormal logins on the HIS"})
		if err != nil {
			t.Fatal(err)
		}
		*f.now = testNow.Add(5 * time.Hour)
		found := testNow.Add(4 * time.Hour)
		if inc, err = f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureOrdinary, FoundAt: found,
			Note: "病歷摘要出現在外部論壇"}); err != nil {
			t.Fatal(err)
		}
		leak := clockByKey(inc, "leak-report-health")
		if leak == nil || !leak.Start.Equal(found) {
			t.Fatalf("leak report clock: %+v", leak)
		}
		early := testNow.Add(time.Hour) // after detection, before the leak was found
		var ve *medsec.ValidationError
		_, err = f.svc.RecordNotification(f.soc, inc.ID, inc.Version, medsec.IncidentNotification{Recipient: medsec.RecipientAuthority, Channel: "email",
			Language: "zh-TW", Content: "外洩通報", ClockID: leak.ID, SentAt: early})
		if !errors.As(err, &ve) || ve.Errors[0].Field != "sent_at" || ve.Errors[0].Key != "incident.err.met_before_start" ||
			!strings.Contains(ve.Errors[0].Args[0], "2026-11-23 21:00 (Asia/Taipei)") {
			t.Errorf("notification sent before the clock's start: %v", err)
		}
		_, err = f.svc.MeetClock(f.soc, inc.ID, inc.Version, leak.ID, "", "", early)
		if !errors.As(err, &ve) || ve.Errors[0].Field != "met_at" || ve.Errors[0].Key != "incident.err.met_before_start" {
			t.Errorf("met by hand before the clock's start: %v", err)
		}
		if c := clockByID(mustIncident(t, f, inc.ID), leak.ID); !c.MetAt.IsZero() {
			t.Errorf("leak report met at %v", c.MetAt)
		}
		// At the start itself and after: accepted.
		if inc, err = f.svc.RecordNotification(f.soc, inc.ID, inc.Version, medsec.IncidentNotification{Recipient: medsec.RecipientAuthority, Channel: "email",
			Language: "zh-TW", Content: "外洩通報", ClockID: leak.ID, SentAt: found.Add(30 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if c := clockByID(inc, leak.ID); !c.MetAt.Equal(found.Add(30 * time.Minute)) {
			t.Errorf("leak report met at %v", c.MetAt)
		}
	})
}

func mustIncident(t *testing.T, f *incidentFixture, id int64) *medsec.Incident {
	t.Helper()
	inc, err := f.svc.FindIncidentByID(f.soc, id)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// TestAddClockMinutesNamesTheRange: a hospital clock's minutes out of range are refused
// naming the allowed range (incident.err.clock_minutes: 1 to 525600), not a bare
// "invalid". Both engines.
func TestAddClockMinutesNamesTheRange(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常"})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []int{0, 525601} {
			var ve *medsec.ValidationError
			if _, err := f.svc.AddClock(f.soc, inc.ID, inc.Version, "院長報告", m); !errors.As(err, &ve) || ve.Errors[0].Field != "minutes" ||
				ve.Errors[0].Key != "incident.err.clock_minutes" || !strings.Contains(ve.Errors[0].Message, "1 to 525600") {
				t.Errorf("%d minutes: %v", m, err)
			}
		}
	})
}

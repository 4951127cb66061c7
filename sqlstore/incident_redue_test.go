package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// closeForTest completes the template's tasks, fills the record, waives every termination
// condition and closes inc,
// which starts the post-incident clocks (summary in 3 working days, 003 §4.4.4).
func closeForTest(t *testing.T, f *incidentFixture, inc *medsec.Incident) *medsec.Incident {
	t.Helper()
	inc = tasksDone(t, f, inc)
	inc, err := f.svc.UpdateRecord(f.ciso, inc.ID, inc.Version, "cause", "actions", "result")
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range inc.Checklist {
		if inc, err = f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, item.Key, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
		t.Fatal(err)
	}
	return inc
}

// TestHolidaysMoveRunningClocks: replacing Taiwan's calendar with a holiday inside a
// running summary clock's three working days moves its due time one working day later, in
// the same change: the incident's version goes up, its timeline says so and the move is
// audited. Met working-day clocks, a calendar-day clock (review meeting) and an incident on
// another jurisdiction's calendar keep their due times. Both engines.
func TestHolidaysMoveRunningClocks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		if err := f.svc.SetSiteJurisdiction(system, f.branch.ID, medsec.JurisdictionJP); err != nil {
			t.Fatal(err)
		}
		open := func(siteID int64, title string) *medsec.Incident {
			inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: siteID, Title: title, Level: 4})
			if err != nil {
				t.Fatal(err)
			}
			return closeForTest(t, f, inc)
		}
		running, met, other := open(f.main.ID, "running"), open(f.main.ID, "met"), open(f.branch.ID, "other")
		var err error
		for _, key := range []string{"summary", "investigation"} {
			if met, err = f.svc.MeetClock(f.ciso, met.ID, met.Version, clockByKey(met, key).ID, "written", "", time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		summary, review := clockByKey(running, "summary"), clockByKey(running, "review-meeting")
		if summary == nil || review == nil || summary.Due.IsZero() {
			t.Fatalf("post-incident clocks: %+v", running.Clocks)
		}
		// The first working day the summary counts, in Taipei, becomes a holiday.
		day := summary.Start.In(time.FixedZone("Taipei", 8*3600)).AddDate(0, 0, 1)
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			day = day.AddDate(0, 0, 1)
		}
		holiday := mustDate(t, day.Format("2006-01-02"))
		if err := f.svc.ImportHolidays(f.ciso, medsec.JurisdictionTW, []medsec.Holiday{{Date: holiday, Name: "補假"}}); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.FindIncidentByID(f.soc, running.ID)
		if err != nil {
			t.Fatal(err)
		}
		moved := clockByKey(got, "summary")
		if moved.Due.Equal(summary.Due) || moved.Due.Before(summary.Due) || moved.Due.Sub(summary.Due) > 3*24*time.Hour {
			t.Errorf("summary due %v, was %v: want one working day later", moved.Due, summary.Due)
		}
		if !clockByKey(got, "review-meeting").Due.Equal(review.Due) {
			t.Errorf("review meeting (calendar days) moved: %v, was %v", clockByKey(got, "review-meeting").Due, review.Due)
		}
		if got.Version != running.Version+1 {
			t.Errorf("version %d, want %d", got.Version, running.Version+1)
		}
		last := got.Timeline[len(got.Timeline)-1]
		if last.Kind != "clock.due" || last.Msg == nil || last.Msg.Key != "incident.tl.clock_redue" || last.Username != "ciso" {
			t.Errorf("timeline %+v", last)
		}
		if n := auditCount(t, db, "incident.clock_due"); n != 1 {
			t.Errorf("%d moves audited, want 1 (the running incident)", n)
		}
		for _, c := range []struct {
			name string
			inc  *medsec.Incident
		}{{"met", met}, {"other jurisdiction", other}} {
			after, err := f.svc.FindIncidentByID(f.soc, c.inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			for i, clk := range after.Clocks {
				if !clk.Due.Equal(c.inc.Clocks[i].Due) || after.Version != c.inc.Version {
					t.Errorf("%s incident: clock %s due %v, was %v", c.name, clk.Key, clk.Due, c.inc.Clocks[i].Due)
				}
			}
		}
	})
}

// TestWorkingDaysInSiteZone: a site in America/New_York under Taiwan's calendar counts
// the summary's 3 working days (003 §4.4.4) by New York's date: closed on Friday 20:00 in
// New York (Saturday morning in Taipei), it is due on Wednesday 20:00 New York time, never
// on a day the site does not work (bt14 #9: counted by Taipei's date). A clock that runs
// into a year the calendar has no day of says so (Incident.CalendarUncovered); within the
// years imported it says nothing. Both engines.
func TestWorkingDaysInSiteZone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		f.main.TimeZone = "America/New_York"
		if err := sqlstore.NewOrgService(db).UpdateSite(system, f.main); err != nil {
			t.Fatal(err)
		}
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		var days []medsec.Holiday
		for _, d := range []string{"2026-01-01", "2026-10-10"} {
			days = append(days, medsec.Holiday{Date: mustDate(t, d), Name: "holiday"})
		}
		if err := f.svc.ImportHolidays(f.ciso, medsec.JurisdictionTW, days); err != nil {
			t.Fatal(err)
		}
		closeAt := func(at time.Time) *medsec.Incident {
			*f.now = at
			inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "NY", Level: 4, DetectedAt: at.Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			return closeForTest(t, f, inc)
		}
		inc := closeAt(time.Date(2026, 12, 4, 20, 0, 0, 0, ny))
		summary := clockByKey(inc, "summary")
		if want := time.Date(2026, 12, 9, 20, 0, 0, 0, ny); summary == nil || !summary.Due.Equal(want) {
			t.Errorf("summary due %v, want %v (3 working days in New York)", summary.Due.In(ny), want)
		}
		if got, err := f.svc.FindIncidentByID(f.soc, inc.ID); err != nil || got.CalendarUncovered != nil {
			t.Errorf("uncovered years %v within 2026 (%v)", got.CalendarUncovered, err)
		}
		late := closeAt(time.Date(2026, 12, 30, 10, 0, 0, 0, ny))
		if got, err := f.svc.FindIncidentByID(f.soc, late.ID); err != nil || len(got.CalendarUncovered) != 1 || got.CalendarUncovered[0] != 2027 {
			t.Errorf("clock into 2027 without its calendar: uncovered %v %v, want [2027]", got.CalendarUncovered, err)
		}
	})
}

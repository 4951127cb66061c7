package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestClosedDrillClocksStop: a CN patient-data leak drill, once closed, runs none of its
// legal duties on (002 第二十五–二十七条, 003 §5.3.3): past the authority report's hour none
// is running or late, none is notified, and the ledger counts none late; the post-incident
// clocks the close starts (hand-over, summary, review) run for the drill's report. Migration 0095 stops those a
// drill closed before kept running. Was: a closed drill's legal duties ran on, went late
// and were notified. Both engines.
func TestClosedDrillClocksStop(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		if err := f.svc.SetSiteJurisdiction(system, f.branch.ID, medsec.JurisdictionCN); err != nil {
			t.Fatal(err)
		}
		inc, err := f.svc.CreateIncident(f.ciso, &medsec.IncidentCreate{SiteID: f.branch.ID, Title: "演练：患者数据泄露", Drill: true,
			Exposure: medsec.ExposureImportant, Scenario: medsec.ScenarioDataLeak})
		if err != nil {
			t.Fatal(err)
		}
		inc = readyToClose(t, f, inc)
		// The drill makes its internal reports, which closing would leave owed (bt14 #2).
		for _, key := range []string{"leadership-report", "president-report"} {
			c := clockByKey(inc, key)
			if c == nil {
				t.Fatalf("a level-%d drill without %s", inc.Level, key)
			}
			if inc, err = f.svc.MeetClock(f.ciso, inc.ID, inc.Version, c.ID, "演練通報", "", time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		*f.now = testNow.Add(time.Minute)
		if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
		check := func(when string) {
			t.Helper()
			// Past the authority report's hour, before the post-incident hand-over (2 h from
			// the close), whose clock the drill's report keeps.
			*f.now = testNow.Add(90 * time.Minute)
			inc, err := f.svc.FindIncidentByID(f.ciso, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"authority-report", "leak-report-health", "leak-report-cyberspace", "cn-notify-subjects", "cn-report-health", "cn-report-police"} {
				if c := clockByKey(inc, key); c != nil && (c.State == medsec.ClockRunning || c.State == medsec.ClockLate) {
					t.Errorf("%s: closed drill's %s is %s", when, key, c.State)
				}
			}
			late, err := f.svc.LateClocks(system)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range late {
				if l.Incident.ID == inc.ID {
					t.Errorf("%s: closed drill's %s is notified late", when, l.Clock.Key)
				}
			}
			ledger, err := f.svc.Ledger(f.auditor, medsec.IncidentFilter{})
			if err != nil || len(ledger) != 1 {
				t.Fatalf("ledger %v %v", ledger, err)
			}
			if ledger[0].ClocksLate != 0 {
				t.Errorf("%s: the ledger counts %d of the closed drill's clocks late", when, ledger[0].ClocksLate)
			}
		}
		check("closed")
		// A drill closed by an older version: its legal duties still running.
		if err := db.ExecForTest(`UPDATE incident_clocks SET stopped_at = NULL, stop_reason = '' WHERE incident_id = ? AND key LIKE 'cn-%'`, inc.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RerunMigrationForTest("0095_closed_drill_clocks.sql"); err != nil {
			t.Fatal(err)
		}
		check("after migration 0095")
	})
}

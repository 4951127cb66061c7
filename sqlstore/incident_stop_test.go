package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestClockStopReasonAndOwedAfterDowngrade: each stopped clock says why it stopped (a
// level change, the close) instead of "level changed" for all (t14 finding 6); a duty a
// downgrade stopped after it was already late stays owed — listed by LateClocks for
// notification and escalation — while a duty the downgrade stopped in time does not; when
// the incident closes the owed one ends like the other response clocks (t14 finding 20).
// Both engines.
func TestClockStopReasonAndOwedAfterDowngrade(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常匯出", Scenario: medsec.ScenarioDataLeak,
			Exposure: medsec.ExposureOrdinary, AssetIDs: []int64{f.his.ID}, Level: 3, LevelReason: "test records only", DetectedAt: testNow.Add(-5 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		lateKeys := func() []string {
			t.Helper()
			late, err := f.svc.LateClocks(f.ciso)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, l := range late {
				if l.Incident.ID == inc.ID {
					keys = append(keys, l.Clock.Key)
				}
			}
			return keys
		}
		// 40 minutes on, the 30-minute report to the leading group (level 3) is late.
		*f.now = testNow.Add(40 * time.Minute)
		if keys := lateKeys(); !slices.Contains(keys, "leadership-report") {
			t.Fatalf("late before the downgrade: %v", keys)
		}
		// A downgrade to level 4 stops it; it stays owed (late, not met).
		inc, err = f.svc.ChangeLevel(f.ciso, inc.ID, inc.Version, 4, "only a test system")
		if err != nil {
			t.Fatal(err)
		}
		stoppedBy := map[string]string{}
		for _, c := range inc.Clocks {
			if !c.StoppedAt.IsZero() {
				stoppedBy[c.Key] = c.StopReason
			}
		}
		if stoppedBy["leadership-report"] != medsec.StopLevel || stoppedBy["repair"] != medsec.StopLevel {
			t.Errorf("stopped by the level change: %v", stoppedBy)
		}
		keys := lateKeys()
		if !slices.Contains(keys, "leadership-report") {
			t.Errorf("the late duty the downgrade stopped is no longer owed: %v", keys)
		}
		if slices.Contains(keys, "repair") {
			t.Errorf("a duty the downgrade stopped in time is owed: %v", keys)
		}
		// Closed: every response clock ends with the close as its reason, the owed one too.
		for _, key := range []string{"stable-24h", "integrity-hash", "no-anomaly-72h", "vulns-retested", "sources-blocked"} {
			if inc, err = f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, key, "test"); err != nil {
				t.Fatal(err)
			}
		}
		inc = tasksDone(t, f, inc)
		if inc, err = f.svc.UpdateRecord(f.soc, inc.ID, inc.Version, "c", "a", "r"); err != nil {
			t.Fatal(err)
		}
		if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
		closed := 0
		for _, c := range inc.Clocks {
			if c.StoppedAt.IsZero() {
				continue
			}
			switch {
			case c.StopReason == "":
				t.Errorf("clock %s stopped without a reason", c.Key)
			case c.StopReason == medsec.StopClosed:
				closed++
			}
			if c.Key == "leadership-report" && c.StopReason != medsec.StopClosed {
				t.Errorf("the owed duty after close: %q, want closed", c.StopReason)
			}
		}
		if closed == 0 {
			t.Error("no clock says the close stopped it")
		}
		if keys := lateKeys(); slices.Contains(keys, "leadership-report") {
			t.Errorf("owed after close: %v", keys)
		}
	})
}

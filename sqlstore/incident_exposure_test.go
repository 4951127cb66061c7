package sqlstore_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/notify"
	"medsec/sqlstore"
)

// TestClocksCountFromTheEvent: an incident recorded three hours after it occurred (found
// two hours after) starts the duties the plan counts from the event (技術工作組 30
// minutes, 聯絡協調組 1 hour after 事件發生, 003 ch.2) at the detection (the event being
// earlier: no duty due before the hospital knew, bt14h #2), not at the recording: the authority report is late at once, listed for notification as late (not
// as due), and each clock says what it counts from. Level 2 owes the report to the
// leading group and the president [003 §4.1.2]. Both engines.
func TestClocksCountFromTheEvent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		occurred, detected := testNow.Add(-3*time.Hour), testNow.Add(-2*time.Hour)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "急診 HIS 中斷", Scenario: medsec.ScenarioRansomware,
			Outage: medsec.OutageDepartment, OutageMinutes: 180, Level: 2, LevelReason: "key department down 3 h",
			OccurredAt: occurred, DetectedAt: detected})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct {
			start time.Time
			basis string
			state medsec.ClockState
		}{
			"authority-report":  {detected, medsec.BasisDetectedAfterOccurrence, medsec.ClockLate},
			"first-report":      {detected, medsec.BasisDetected, medsec.ClockLate},
			"verification":      {testNow, medsec.BasisOpened, medsec.ClockRunning},
			"leadership-report": {testNow, medsec.BasisLevel, medsec.ClockRunning},
			"initial-disposal":  {testNow, medsec.BasisLevel, medsec.ClockRunning},
		}
		for key, w := range want {
			c := clockByKey(inc, key)
			if c == nil {
				t.Errorf("%s not started", key)
				continue
			}
			if !c.Start.Equal(w.start) || c.Basis != w.basis || c.State != w.state {
				t.Errorf("%s: start %v (%s) %s, want %v (%s) %s", key, c.Start, c.Basis, c.State, w.start, w.basis, w.state)
			}
		}
		late, err := f.svc.LateClocks(f.ciso)
		if err != nil {
			t.Fatal(err)
		}
		var notified []string
		for _, l := range late {
			if l.Clock.Key != "authority-report" {
				continue
			}
			for _, n := range notify.ClockNotifications(l, testNow) {
				notified = append(notified, string(n.Kind))
			}
		}
		// Due an hour after the detection, an hour ago: late, and escalated (late as long
		// again as it ran).
		if !slices.Equal(notified, []string{string(medsec.KindIncidentClockLate), string(medsec.KindIncidentClockEscalated)}) {
			t.Errorf("authority report notified as %v right after recording", notified)
		}
		// Read back (the stored basis), and a level change to 1 starts the technical
		// team's 30 minutes from the detection too: late at once.
		inc, err = f.svc.ChangeLevel(f.ciso, inc.ID, inc.Version, 1, "core systems down")
		if err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "technical-team"); c == nil || !c.Start.Equal(detected) || c.Basis != medsec.BasisDetectedAfterOccurrence || c.State != medsec.ClockLate {
			t.Errorf("technical team after 2→1: %+v", c)
		}
		if c := clockByKey(inc, "authority-report"); c == nil || !c.Start.Equal(detected) || c.Basis != medsec.BasisDetectedAfterOccurrence {
			t.Errorf("authority report after 2→1: %+v", c)
		}
	})
}

// TestLevelTwoKeepsLeadershipReport: 3→2 keeps the report to the leading group running
// with its deadline — level 2 owes it too (重大事件需同步上報院長, 003 §4.1.2) — instead
// of stopping it. Both engines.
func TestLevelTwoKeepsLeadershipReport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "PACS 異常", Level: 3, LevelReason: "one system",
			Outage: medsec.OutageSystem, OutageMinutes: 90})
		if err != nil {
			t.Fatal(err)
		}
		before := clockByKey(inc, "leadership-report")
		if before == nil {
			t.Fatal("level 3 without the leadership report")
		}
		*f.now = testNow.Add(10 * time.Minute)
		inc, err = f.svc.ChangeLevel(f.ciso, inc.ID, inc.Version, 2, "the emergency department is down too")
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for _, c := range inc.Clocks {
			if c.Key != "leadership-report" {
				continue
			}
			n++
			if !c.StoppedAt.IsZero() || !c.Due.Equal(before.Due) || c.State != medsec.ClockRunning {
				t.Errorf("leadership report after 3→2: stopped %v (%s), due %v (was %v), %s", c.StoppedAt, c.StopReason, c.Due, before.Due, c.State)
			}
		}
		if n != 1 {
			t.Errorf("%d leadership-report clocks after 3→2, want the one level 3 started", n)
		}
	})
}

// TestExposureFoundLater: patient data found exposed five hours into a level-3 incident
// starts the 24-hour leak duties from the time it was found [003 §5.3.3], suggests the
// level again (an ordinary leak from the HIS, which holds sensitive personal data, is
// level 2), and writes a timeline entry and an audit row; a lesser exposure is refused
// unless corrected; a correction is the security officer's, with a reason, and is a new
// entry that stops the duties it voids. Both engines.
func TestExposureFoundLater(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常登入", AssetIDs: []int64{f.his.ID},
			Level: 3, LevelReason: "abnormal logins on the HIS"})
		if err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "leak-report-health"); c != nil {
			t.Fatalf("leak duty without an exposure: %+v", c)
		}
		*f.now = testNow.Add(5 * time.Hour)
		found := testNow.Add(4 * time.Hour)
		// Bad input first: none is not a finding; a time before detection.
		if _, err := f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureNone}); code(err) != medsec.EINVALID {
			t.Errorf("exposure none: %v", err)
		}
		if _, err := f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureOrdinary, FoundAt: testNow.Add(-time.Hour)}); code(err) != medsec.EINVALID {
			t.Errorf("found before detection: %v", err)
		}
		inc, err = f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureOrdinary, FoundAt: found,
			Note: "病歷摘要出現在外部論壇"})
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"leak-report-health", "leak-inform-patients"} { // Taiwan: no 網信辦
			c := clockByKey(inc, key)
			if c == nil || !c.Start.Equal(found) || !c.Due.Equal(found.Add(24*time.Hour)) || c.Basis != medsec.BasisExposure || c.State != medsec.ClockRunning {
				t.Errorf("%s: %+v, want from %v", key, c, found)
			}
		}
		if inc.Exposure != medsec.ExposureOrdinary || !inc.ExposureFoundAt.Equal(found) {
			t.Errorf("exposure %s found %v", inc.Exposure, inc.ExposureFoundAt)
		}
		if inc.SuggestedLevel != 2 || !slices.Contains(inc.LevelReasons, "sensitive_asset") || inc.Level != 3 {
			t.Errorf("suggested %d (%v), level %d: want 2 suggested, level unchanged", inc.SuggestedLevel, inc.LevelReasons, inc.Level)
		}
		last := inc.Timeline[len(inc.Timeline)-1]
		if last.Kind != "exposure" || last.Username != "soc.wang" || last.Msg == nil || last.Msg.Key != "incident.tl.exposure_found" || last.Text != "病歷摘要出現在外部論壇" {
			t.Errorf("timeline: %+v", last)
		}
		if n := auditCount(t, db, "incident.exposure"); n != 1 {
			t.Errorf("%d audit rows incident.exposure", n)
		}
		// Undoing it silently is not possible: a lesser exposure is refused, a correction
		// by anyone but the security officer forbidden, one without a reason invalid.
		if _, err := f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureNone, Correction: false}); code(err) != medsec.EINVALID {
			t.Errorf("none without correction: %v", err)
		}
		if _, err := f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureNone, Correction: true, Note: "false alarm"}); code(err) != medsec.EFORBIDDEN {
			t.Errorf("correction by the analyst: %v", err)
		}
		if _, err := f.svc.RecordExposure(f.ciso, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureNone, Correction: true}); code(err) != medsec.EINVALID {
			t.Errorf("correction without a reason: %v", err)
		}
		// More found later: the duties keep counting from the first finding.
		*f.now = testNow.Add(6 * time.Hour)
		inc, err = f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureLargeScale})
		if err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "leak-report-health"); c == nil || !c.Start.Equal(found) || inc.SuggestedLevel != 1 {
			t.Errorf("after a larger finding: %+v, suggested %d", c, inc.SuggestedLevel)
		}
		// Reported again with an earlier time it was found: the duties count from the
		// earlier time (t14 break-test 2: they kept counting from the first record).
		*f.now = testNow.Add(7 * time.Hour)
		earlier := testNow.Add(3 * time.Hour)
		inc, err = f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureLargeScale, FoundAt: earlier})
		if err != nil {
			t.Fatal(err)
		}
		running := func(key string) *medsec.Clock {
			for _, c := range inc.Clocks {
				if c.Key == key && c.StoppedAt.IsZero() && c.MetAt.IsZero() {
					return c
				}
			}
			return nil
		}
		if c := running("leak-report-health"); c == nil || !c.Start.Equal(earlier) || !inc.ExposureFoundAt.Equal(earlier) {
			t.Errorf("after an earlier finding: %+v, found %v", c, inc.ExposureFoundAt)
		}
		// A correction of the severity alone, a day later, keeps the time it was found:
		// the late leak duties stay late (t14 break-test 1: they restarted from now).
		*f.now = testNow.Add(28 * time.Hour)
		inc, err = f.svc.RecordExposure(f.ciso, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureImportant, Correction: true,
			Note: "fewer records than first counted"})
		if err != nil {
			t.Fatal(err)
		}
		if c := running("leak-report-health"); c == nil || !c.Start.Equal(earlier) || c.State != medsec.ClockLate || !inc.ExposureFoundAt.Equal(earlier) {
			t.Errorf("after correcting the severity: %+v, found %v", c, inc.ExposureFoundAt)
		}
		// The security officer corrects it: it was test data after all.
		inc, err = f.svc.RecordExposure(f.ciso, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureNone, Correction: true,
			Note: "the records were synthetic test data"})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range inc.Clocks {
			if (c.Key == "leak-report-health" || c.Key == "leak-report-cyberspace" || c.Key == "leak-inform-patients") && c.StopReason != medsec.StopCorrected {
				t.Errorf("%s after the correction: stopped %v (%s)", c.Key, c.StoppedAt, c.StopReason)
			}
		}
		kinds := []string{}
		for _, e := range inc.Timeline {
			kinds = append(kinds, e.Kind)
		}
		if !slices.Equal(kinds[len(kinds)-5:], []string{"exposure", "exposure", "exposure", "exposure.corrected", "exposure.corrected"}) {
			t.Errorf("timeline kinds %v", kinds)
		}
		if inc.Exposure != medsec.ExposureNone || !inc.ExposureFoundAt.IsZero() || inc.SuggestedLevel != 4 {
			t.Errorf("after the correction: %s %v suggested %d", inc.Exposure, inc.ExposureFoundAt, inc.SuggestedLevel)
		}
	})
}

// TestExposureValueSaysWhatIsWrong: an exposure finding of "none", or a correction to a
// value that is no exposure, is refused saying what is allowed (a finding is of some
// exposure; a correction may say none), with the allowed values for the user's language.
// Was: the bare "is not valid" (err.invalid) in every language but English.
func TestExposureValueSaysWhatIsWrong(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "leak", Exposure: medsec.ExposureImportant, Scenario: medsec.ScenarioDataLeak})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureNone})
		if fieldKey(err, "exposure") != "incident.err.exposure_value" {
			t.Errorf("finding of none: %v", err)
		}
		_, err = f.svc.RecordExposure(f.ciso, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: "lesser", Correction: true, Note: "recount"})
		var ve *medsec.ValidationError
		if fieldKey(err, "exposure") != "incident.err.exposure_correction_value" || !errors.As(err, &ve) || len(ve.Errors[0].Allowed) != 4 || ve.Errors[0].Enum != "exposure" {
			t.Errorf("correction to no exposure value: %v", err)
		}
	})
}

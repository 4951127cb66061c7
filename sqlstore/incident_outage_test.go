package sqlstore_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"medsec"
	"medsec/incident"
	"medsec/notify"
	"medsec/sqlstore"
)

// recordingNotifier keeps the notifications raised.
type recordingNotifier struct{ got []medsec.Notification }

func (r *recordingNotifier) Notify(_ context.Context, n medsec.Notification) error {
	r.got = append(r.got, n)
	return nil
}

// TestOngoingOutageSuggestionRises: a core-systems outage of the HIS opened with no
// minutes and no restoration is judged on the time it has run so far: opened 5 hours
// after it began it is suggested level 1 at once; opened 30 minutes in it is level 4,
// and as it runs on the incident shows level 3, 2 and 1 (outage_ongoing among the
// reasons) and the scheduler's incident job tells the responders once per suggested
// level; once the restoration is recorded the suggestion no longer rises. Was: an ongoing
// core-systems outage without minutes was suggested level 4 for good (bt14e #8). Both
// engines.
func TestOngoingOutageSuggestionRises(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		late, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 全院停擺", Outage: medsec.OutageCore,
			AssetIDs: []int64{f.his.ID}, DetectedAt: testNow.Add(-5 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if late.SuggestedLevel != 1 || late.Level != 1 || !slices.Contains(late.LevelReasons, incident.ReasonOutageOngoing) ||
			!slices.Contains(late.LevelReasons, incident.ReasonCoreDown4h) {
			t.Errorf("opened 5 h into a core outage: suggested %d (level %d) %v, want 1 for the hours so far", late.SuggestedLevel, late.Level, late.LevelReasons)
		}
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常", Outage: medsec.OutageCore,
			AssetIDs: []int64{f.his.ID}, DetectedAt: testNow.Add(-30 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if inc.SuggestedLevel != 4 || inc.Level != 4 {
			t.Fatalf("30 minutes in: suggested %d level %d, want 4", inc.SuggestedLevel, inc.Level)
		}
		rec := &recordingNotifier{}
		job := &notify.IncidentClocks{Incidents: f.svc, Notifier: rec}
		suggested := func() []string {
			var out []string
			for _, n := range rec.got {
				if n.Kind == medsec.KindIncidentLevelSuggested && n.Link == "/incidents/"+strconv.FormatInt(inc.ID, 10) {
					out = append(out, n.DedupKey)
				}
			}
			return out
		}
		for _, c := range []struct {
			after  time.Duration
			want   medsec.IncidentLevel
			reason string
		}{
			{0, 4, incident.ReasonBrief},
			{90 * time.Minute, 3, incident.ReasonSystemDown1h},
			{3 * time.Hour, 2, incident.ReasonKeyDown2h},
			{5 * time.Hour, 1, incident.ReasonCoreDown4h},
		} {
			*f.now = testNow.Add(c.after)
			got, err := f.svc.FindIncidentByID(f.auditor, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.SuggestedLevel != c.want || !slices.Contains(got.LevelReasons, c.reason) || !slices.Contains(got.LevelReasons, incident.ReasonOutageOngoing) {
				t.Errorf("%v on: suggested %d %v, want %d (%s, outage ongoing)", c.after, got.SuggestedLevel, got.LevelReasons, c.want, c.reason)
			}
			if got.Level != 4 {
				t.Errorf("%v on: the level changed to %d without a person", c.after, got.Level)
			}
			if err := job.Run(system, *f.now); err != nil {
				t.Fatal(err)
			}
			if err := job.Run(system, *f.now); err != nil { // told once per level
				t.Fatal(err)
			}
		}
		want := []string{"incident.level_suggested:" + strconv.FormatInt(inc.ID, 10) + "@3", "incident.level_suggested:" + strconv.FormatInt(inc.ID, 10) + "@2", "incident.level_suggested:" + strconv.FormatInt(inc.ID, 10) + "@1"}
		// The notifier dedups by key; the job raises each again on every run.
		if got := slices.Compact(suggested()); !slices.Equal(got, want) {
			t.Errorf("notices %q, want %q", got, want)
		}
		if inc, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, testNow.Add(10*time.Minute), "HIS 40 分鐘後恢復"); err != nil {
			t.Fatal(err)
		}
		if inc.SuggestedLevel != 4 {
			t.Errorf("restored after 40 minutes: suggested %d, want the stored 4", inc.SuggestedLevel)
		}
		rising, err := f.svc.LevelSuggestions(system)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rising {
			if r.ID == inc.ID {
				t.Errorf("a restored outage still suggests level %d", r.SuggestedLevel)
			}
		}
		if _, err := f.svc.LevelSuggestions(f.branchOnly); err != nil {
			t.Errorf("a branch user: %v", err)
		}
	})
}

// TestExposureSuggestionIsNotified: a level-3 incident where a large-scale patient-data
// leak is then found (exposure_found) is suggested level 1 (003 §3.3.1) and the incident
// job tells the responders once, saying what was found, not an outage (bt14h #4: only
// incidents with an outage were read, so the notice never came). Both engines.
func TestExposureSuggestionIsNotified(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "可疑外連", Level: 3, LevelReason: "suspected attack"})
		if err != nil {
			t.Fatal(err)
		}
		inc, err = f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureLargeScale, Note: "病歷資料庫遭匯出"})
		if err != nil {
			t.Fatal(err)
		}
		if inc.SuggestedLevel != 1 || inc.Level != 3 {
			t.Fatalf("after the leak: suggested %d level %d, want 1 and 3", inc.SuggestedLevel, inc.Level)
		}
		rec := &recordingNotifier{}
		job := &notify.IncidentClocks{Incidents: f.svc, Notifier: rec}
		if err := job.Run(system, testNow); err != nil {
			t.Fatal(err)
		}
		var got []medsec.Notification
		for _, n := range rec.got {
			if n.Kind == medsec.KindIncidentLevelSuggested {
				got = append(got, n)
			}
		}
		want := "incident.level_suggested:" + strconv.FormatInt(inc.ID, 10) + "@1"
		if len(got) != 1 || got[0].DedupKey != want || got[0].Key != "notify.incident_level_suggested_facts" || got[0].Args[3].Key != "incident.reason."+incident.ReasonLargeLeak {
			t.Errorf("level suggestions told: %+v, want one %s saying the large leak", got, want)
		}
	})
}

package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestTaskDoneAtWhenDone: a task is completed at the time it was really done (done_at),
// not when it was recorded: the task's done_at is that time and its clock (isolation
// within 10 minutes) is met then — on time — though recorded 30 minutes in. A done_at in
// the future or before the detection is refused naming done_at. Was: a completion
// recorded no done_at of its own, so every task recorded late counted late. Both engines.
func TestTaskDoneAtWhenDone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected := *f.now
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "PACS 勒索軟體", Scenario: medsec.ScenarioRansomware})
		if err != nil {
			t.Fatal(err)
		}
		var isolate int64
		for _, k := range inc.Tasks {
			if k.Key == "isolate-infected" {
				isolate = k.ID
			}
		}
		*f.now = detected.Add(30 * time.Minute)
		for _, bad := range []time.Time{detected.Add(time.Hour), detected.Add(-time.Hour)} {
			if _, err := f.svc.CompleteTaskAt(f.soc, inc.ID, inc.Version, isolate, "已拔除網路線", bad); fieldErr(err, "done_at") == nil {
				t.Errorf("done_at %v accepted: %v", bad, err)
			}
		}
		done := detected.Add(5 * time.Minute)
		if inc, err = f.svc.CompleteTaskAt(f.soc, inc.ID, inc.Version, isolate, "已拔除網路線", done); err != nil {
			t.Fatal(err)
		}
		for _, k := range inc.Tasks {
			if k.ID == isolate && (!k.DoneAt.Equal(done) || k.DoneBy != "soc.wang") {
				t.Errorf("task done at %v by %q, want %v", k.DoneAt, k.DoneBy, done)
			}
		}
		c := clockByKey(inc, "task.isolate-infected")
		if c == nil || c.State != medsec.ClockMet || !c.MetAt.Equal(done) {
			t.Errorf("isolation clock %+v, want met at %v", c, done)
		}
	})
}

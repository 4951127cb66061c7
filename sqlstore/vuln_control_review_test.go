package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"medsec"
	"medsec/notify"
	"medsec/sqlstore"
)

// TestControlReviewOverdue (break-test #19): a compensating control stops the deadline
// clock of a mitigated finding until its review day. Once that day has passed the finding
// shows the control overdue for review, counts as overdue again (its deadline has long
// passed), is selected by the review_overdue filter and counted, and the hourly job tells
// of it once per review day (kind vuln.control_review_overdue, not the "without a
// compensating control" deadline message). A new control with a later review day stops
// the clock again.
func TestControlReviewOverdue(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID, CVE: "CVE-2017-9657"})
		if err != nil || len(list) != 1 {
			t.Fatalf("finding: %v %v", list, err)
		}
		id := list[0].ID
		review := medsec.DateOf(testNow.Add(30 * 24 * time.Hour))
		if err := f.svc.AddCompensatingControl(system, &medsec.CompensatingControl{FindingID: id, Description: "isolated VLAN 40", ReviewOn: review}); err != nil {
			t.Fatal(err)
		}
		at := func(now time.Time) (*medsec.Finding, medsec.FindingCounts, int) {
			t.Helper()
			db.Now = func() time.Time { return now }
			g, err := f.svc.FindFinding(system, id)
			if err != nil {
				t.Fatal(err)
			}
			c, err := f.svc.CountFindings(system)
			if err != nil {
				t.Fatal(err)
			}
			sel, n, err := f.svc.FindFindings(system, medsec.FindingFilter{ControlReviewOverdue: true})
			if err != nil || (n == 1 && sel[0].ID != id) {
				t.Fatalf("review_overdue filter: %v %v", sel, err)
			}
			return g, c, n
		}
		n := &notes{}
		job := &notify.VulnDeadlines{Vulns: f.svc, Notifier: n}
		told := func(now time.Time) (deadline, review []medsec.Notification) {
			t.Helper()
			n.got = nil
			if err := job.Run(context.Background(), now); err != nil {
				t.Fatal(err)
			}
			for _, g := range n.got {
				if g.Link != "/vulnerabilities/"+itoa(id) {
					continue
				}
				switch g.Kind {
				case medsec.KindVulnOverdue:
					deadline = append(deadline, g)
				case medsec.KindControlReviewOverdue:
					review = append(review, g)
				}
			}
			return
		}

		// On the review day the control still holds: past the 72 h deadline, not overdue.
		onDay := review.Time().Add(12 * time.Hour)
		g, c, sel := at(onDay)
		if g.State != medsec.FindingMitigated || g.ControlReviewOn != review || g.ControlReviewOverdue || g.Overdue || c.ControlReviewOverdue != 0 || sel != 0 {
			t.Fatalf("on the review day: review %s overdue %v/%v counts %+v selected %d", g.ControlReviewOn, g.ControlReviewOverdue, g.Overdue, c, sel)
		}
		if d, r := told(onDay); len(d)+len(r) != 0 {
			t.Errorf("on the review day told %v %v", d, r)
		}

		// The day after: the control is overdue for review and no longer stops the clock.
		after := review.Time().Add(36 * time.Hour)
		g, c, sel = at(after)
		if !g.ControlReviewOverdue || !g.Overdue || c.ControlReviewOverdue != 1 || sel != 1 {
			t.Fatalf("after the review day: overdue %v/%v counts %+v selected %d", g.ControlReviewOverdue, g.Overdue, c, sel)
		}
		if _, n, _ := f.svc.FindFindings(system, medsec.FindingFilter{Overdue: true, AssetID: f.mx40old.ID, CVE: "CVE-2017-9657"}); n != 1 {
			t.Errorf("overdue filter selects %d, want the lapsed finding", n)
		}
		d, r := told(after)
		if len(d) != 0 || len(r) != 1 || r[0].Key != "notify.control_review_overdue" || r[0].Args[2].Text != review.String() || r[0].Scope.AssetID != f.mx40old.ID {
			t.Fatalf("after the review day told deadline %v, review %+v; want one review notification", d, r)
		}
		if _, r2 := told(after.Add(time.Hour)); len(r2) != 1 || r2[0].DedupKey != r[0].DedupKey {
			t.Errorf("an hour later: %+v, want the same occurrence (dedup key %s) so it is told once", r2, r[0].DedupKey)
		}

		// Reviewed: a new control with a later review day stops the clock again.
		if err := f.svc.AddCompensatingControl(system, &medsec.CompensatingControl{FindingID: id, Description: "isolated VLAN 40, reviewed", ReviewOn: medsec.DateOf(after.Add(90 * 24 * time.Hour))}); err != nil {
			t.Fatal(err)
		}
		if g, c, sel = at(after.Add(time.Hour)); g.ControlReviewOverdue || g.Overdue || c.ControlReviewOverdue != 0 || sel != 0 {
			t.Errorf("after a new control: overdue %v/%v counts %+v selected %d", g.ControlReviewOverdue, g.Overdue, c, sel)
		}
	})
}

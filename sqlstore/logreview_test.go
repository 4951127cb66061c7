package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/logs"
	"medsec/logstore"
	"medsec/notify"
	"medsec/sqlstore"
)

// TestLogReviewSignOff runs a monthly review of patient record access end to end on both
// engines: the scheduler's task for last month, the built-in HIS/EMR queries run over the
// month with their counts and hashes, sign-off (who, when), immutability after it (the
// service and the table's trigger), a re-run that finds the same records, an overdue
// task, site scope and the audit trail.
func TestLogReviewSignOff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		st, err := logstore.Open(logstore.Config{Dir: t.TempDir(), Retention: 10 * 365 * 24 * time.Hour, Site: func(r logs.Record) int64 {
			if strings.HasPrefix(r.Peer, "10.2.") {
				return branch.ID
			}
			return main.ID
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		// October: 30 accesses at the main site (10 exports) and 5 at the branch.
		var recs []logs.Record
		oct := time.Date(2026, 10, 3, 8, 0, 0, 0, time.UTC)
		for i := range 35 {
			action, peer := "view", "10.1.0.5:514"
			if i%3 == 0 {
				action = "export"
			}
			if i >= 30 {
				peer = "10.2.0.5:514"
			}
			recs = append(recs, logs.Record{Received: oct.Add(time.Duration(i) * time.Hour), Format: logs.FormatRFC5424, Peer: peer,
				Raw: []byte(fmt.Sprintf(`<110>1 - emr01 emr - ACCESS [audit user="dr.lin" patient="P%07d" action="%s"] patient record %s`, i, action, action))})
		}
		if err := st.Append(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		st.Refresh()

		users := sqlstore.NewUserService(db)
		soc := &medsec.User{Username: "soc", DisplayName: "SOC Lin", Role: medsec.RoleSOCAnalyst}
		officer := &medsec.User{Username: "officer", DisplayName: "Officer Wu", Role: medsec.RoleSecurityOfficer}
		branchSOC := &medsec.User{Username: "branch-soc", Role: medsec.RoleSOCAnalyst, SiteIDs: []int64{branch.ID}}
		for _, u := range []*medsec.User{soc, officer, branchSOC} {
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
		}
		svc := sqlstore.NewLogReviewService(db, st)
		if err := svc.SetLogReviewSchedule(as(officer), medsec.LogReviewSchedule{SiteID: branch.ID, Cadence: "P1M", DueDays: 5}); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetLogReviewSchedule(as(officer), medsec.LogReviewSchedule{SiteID: branch.ID, Cadence: "monthly"}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("cadence 'monthly': %v, want EINVALID", err)
		}
		if err := svc.SetLogReviewSchedule(as(soc), medsec.LogReviewSchedule{SiteID: branch.ID, Cadence: "P1W"}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("SOC analyst set a schedule: %v", err)
		}
		n, err := svc.EnsureLogReviews(system, now)
		if err != nil || n != 2 {
			t.Fatalf("ensure: %d, %v; want a task per site", n, err)
		}
		if n, _ := svc.EnsureLogReviews(system, now); n != 0 {
			t.Fatalf("ensure again created %d", n)
		}
		list, err := svc.FindLogReviews(as(soc), medsec.LogReviewFilter{SiteID: main.ID})
		if err != nil || len(list) != 1 {
			t.Fatalf("main site reviews: %v, %v", list, err)
		}
		r := list[0]
		taipei, _ := time.LoadLocation("Asia/Taipei") // the site's jurisdiction's zone
		if !r.PeriodStart.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, taipei)) || !r.PeriodEnd.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, taipei)) ||
			!r.Due.Equal(time.Date(2026, 11, 11, 0, 0, 0, 0, taipei)) || !r.Overdue || r.Status != medsec.LogReviewOpen {
			t.Fatalf("October review: %+v", r)
		}
		if got, _ := svc.FindLogReviews(as(soc), medsec.LogReviewFilter{Overdue: true}); len(got) != 2 {
			t.Errorf("overdue: %d reviews, want both (due 11 and 6 November)", len(got))
		}
		if got, _ := svc.FindLogReviews(as(branchSOC), medsec.LogReviewFilter{}); len(got) != 1 || got[0].SiteID != branch.ID {
			t.Errorf("branch user sees %v", got)
		}
		if _, err := svc.FindLogReview(as(branchSOC), r.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user read the main site's review: %v", err)
		}
		if _, err := svc.UpdateLogReview(as(&medsec.User{ID: 99, Username: "aud", Role: medsec.RoleAuditor}), r.ID, medsec.LogReviewUpdate{}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor worked a review: %v", err)
		}
		if _, err := svc.SignLogReview(as(soc), r.ID); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("signed an empty review: %v", err)
		}
		bad := medsec.LogReviewUpdate{Findings: "x", Queries: []medsec.LogReviewQuery{{Name: "pipe", Query: "a | delete"}}}
		if _, err := svc.UpdateLogReview(as(soc), r.ID, bad); medsec.ErrorCode(err) != medsec.EINVALID || !strings.Contains(err.Error(), "queries.0.query") {
			t.Errorf("a pipe in a review query: %v", err)
		}

		r, err = svc.UpdateLogReview(as(soc), r.ID, medsec.LogReviewUpdate{Findings: "Ten exports by dr.lin, all for referrals; no action.",
			Queries: medsec.PatientRecordAccessQueries})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"patient records: every access": 30, "patient records: exported or printed": 10, "patient records: changed": 0}
		for _, q := range r.Queries {
			if w, ok := want[q.Name]; ok && q.Records != w {
				t.Errorf("%s: %d records, want %d", q.Name, q.Records, w)
			}
			if len(q.SHA256) != 64 {
				t.Errorf("%s: hash %q", q.Name, q.SHA256)
			}
		}
		if r.Queries[0].SHA256 == r.Queries[1].SHA256 || r.ReviewerID != soc.ID || r.ReviewerName != "SOC Lin" {
			t.Errorf("review after update: %+v", r)
		}
		checks, err := svc.CheckLogReview(as(branchSOC), r.ID)
		if medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user re-ran the main site's review: %v %v", checks, err)
		}
		checks, err = svc.CheckLogReview(as(officer), r.ID)
		if err != nil || len(checks) != 4 {
			t.Fatalf("check: %v, %v", checks, err)
		}
		for _, c := range checks {
			if !c.Same || c.Records != c.Query.Records {
				t.Errorf("re-run differs: %+v", c)
			}
		}

		now = now.Add(time.Hour)
		r, err = svc.SignLogReview(as(officer), r.ID)
		if err != nil || r.Status != medsec.LogReviewSigned || r.SignedBy != officer.ID || !r.SignedAt.Equal(now) || r.Overdue {
			t.Fatalf("sign: %+v, %v", r, err)
		}
		if _, err := svc.SignLogReview(as(officer), r.ID); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("signed twice: %v", err)
		}
		if _, err := svc.UpdateLogReview(as(soc), r.ID, medsec.LogReviewUpdate{Findings: "changed"}); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("changed a signed review: %v", err)
		}
		if err := db.ExecRaw(context.Background(), `UPDATE log_reviews SET findings = 'rewritten' WHERE id = ?`, r.ID); err == nil {
			t.Error("the table let a signed review be rewritten")
		}
		if err := db.ExecRaw(context.Background(), `DELETE FROM log_reviews WHERE id = ?`, r.ID); err == nil {
			t.Error("the table let a signed review be deleted")
		}
		got, err := svc.FindLogReview(as(soc), r.ID)
		if err != nil || got.Findings != "Ten exports by dr.lin, all for referrals; no action." || got.SignedByName != "Officer Wu" {
			t.Fatalf("signed review: %+v, %v", got, err)
		}
		for action, want := range map[string]int{medsec.ActionLogReviewCreate: 2, medsec.ActionLogReviewUpdate: 1, medsec.ActionLogReviewSign: 1,
			medsec.ActionLogReviewCheck: 1, medsec.ActionLogReviewSchedule: 1} {
			if _, n, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: action}); err != nil || n != want {
				t.Errorf("%s: %d audit rows, want %d (%v)", action, n, want, err)
			}
		}
	})
}

// TestLogReviewPeriods checks the periods of the cadences: calendar months, Monday weeks,
// days, quarters and years, each the latest whole one before now.
func TestLogReviewPeriods(t *testing.T) {
	now := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC) // a Monday
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		cadence    string
		start, end time.Time
	}{
		{"P1M", day(2026, 10, 1), day(2026, 11, 1)},
		{"P3M", day(2026, 7, 1), day(2026, 10, 1)},
		{"P1W", day(2026, 11, 23), day(2026, 11, 30)},
		{"P1D", day(2026, 11, 29), day(2026, 11, 30)},
		{"P1Y", day(2025, 1, 1), day(2026, 1, 1)},
	} {
		s := medsec.LogReviewSchedule{Cadence: c.cadence}
		start, end := s.LastPeriod(now)
		if !start.Equal(c.start) || !end.Equal(c.end) {
			t.Errorf("%s: %s – %s, want %s – %s", c.cadence, start, end, c.start, c.end)
		}
	}
}

// TestLogReviewPeriodsInSiteZone checks that periods start at the site's local midnight:
// in Asia/Taipei (UTC+8, no daylight saving) a day starts at 16:00 UTC the day before; in
// Europe/Berlin the day clocks go forward (29 March 2026) is 23 hours long and the
// weekly and monthly periods around it still start at local midnight.
func TestLogReviewPeriodsInSiteZone(t *testing.T) {
	taipei, _ := time.LoadLocation("Asia/Taipei")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, c := range []struct {
		zone       string
		cadence    string
		now        time.Time
		start, end time.Time
	}{
		// 2026-11-30 01:00 in Taipei is still 29 November in UTC: the last whole day is the 29th in Taipei.
		{"Asia/Taipei", "P1D", time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC), time.Date(2026, 11, 29, 0, 0, 0, 0, taipei), time.Date(2026, 11, 30, 0, 0, 0, 0, taipei)},
		{"Asia/Taipei", "P1M", time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, taipei), time.Date(2026, 12, 1, 0, 0, 0, 0, taipei)},
		{"Asia/Taipei", "P1W", time.Date(2026, 11, 29, 16, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, taipei), time.Date(2026, 11, 30, 0, 0, 0, 0, taipei)},
		{"Europe/Berlin", "P1D", time.Date(2026, 3, 30, 1, 0, 0, 0, berlin), time.Date(2026, 3, 29, 0, 0, 0, 0, berlin), time.Date(2026, 3, 30, 0, 0, 0, 0, berlin)},
		{"Europe/Berlin", "P1W", time.Date(2026, 4, 6, 0, 30, 0, 0, berlin), time.Date(2026, 3, 30, 0, 0, 0, 0, berlin), time.Date(2026, 4, 6, 0, 0, 0, 0, berlin)},
		{"Europe/Berlin", "P1M", time.Date(2026, 4, 1, 0, 0, 0, 0, berlin), time.Date(2026, 3, 1, 0, 0, 0, 0, berlin), time.Date(2026, 4, 1, 0, 0, 0, 0, berlin)},
		{"Europe/Berlin", "P1D", time.Date(2026, 10, 26, 0, 0, 1, 0, berlin), time.Date(2026, 10, 25, 0, 0, 0, 0, berlin), time.Date(2026, 10, 26, 0, 0, 0, 0, berlin)},
	} {
		s := medsec.LogReviewSchedule{Cadence: c.cadence, TimeZone: c.zone}
		start, end := s.LastPeriod(c.now)
		if !start.Equal(c.start) || !end.Equal(c.end) {
			t.Errorf("%s %s at %s: %s – %s, want %s – %s", c.zone, c.cadence, c.now.UTC(), start, end, c.start, c.end)
		}
	}
	// The day clocks go forward is 23 hours long, the day they go back 25.
	s := medsec.LogReviewSchedule{Cadence: "P1D", TimeZone: "Europe/Berlin"}
	if a, b := s.LastPeriod(time.Date(2026, 3, 30, 12, 0, 0, 0, berlin)); b.Sub(a) != 23*time.Hour {
		t.Errorf("29 March 2026 in Berlin: %s long, want 23h", b.Sub(a))
	}
	if a, b := s.LastPeriod(time.Date(2026, 10, 26, 12, 0, 0, 0, berlin)); b.Sub(a) != 25*time.Hour {
		t.Errorf("25 October 2026 in Berlin: %s long, want 25h", b.Sub(a))
	}
}

// TestLogReviewTaskInSiteZone creates the reviews of two sites, one in Taipei (its
// jurisdiction's zone) and one set to Europe/Berlin, and checks each period starts at its
// own local midnight and is read back in its zone.
func TestLogReviewTaskInSiteZone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		org := sqlstore.NewOrgService(db)
		branch.TimeZone = "Europe/Berlin"
		if err := org.UpdateSite(system, branch); err != nil {
			t.Fatal(err)
		}
		// 1 April 2026 00:30 in Taipei (31 March 16:30 UTC): March has ended in Taipei, not in Berlin.
		now := time.Date(2026, 3, 31, 16, 30, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		svc := sqlstore.NewLogReviewService(db, nil)
		for _, ls := range []medsec.LogReviewSchedule{{SiteID: main.ID, Cadence: "P1D", DueDays: 1}, {SiteID: branch.ID, Cadence: "P1D", DueDays: 1}} {
			if err := svc.SetLogReviewSchedule(system, ls); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.EnsureLogReviews(system, now); err != nil {
			t.Fatal(err)
		}
		taipei, _ := time.LoadLocation("Asia/Taipei")
		berlin, _ := time.LoadLocation("Europe/Berlin")
		want := map[int64][2]time.Time{
			main.ID:   {time.Date(2026, 3, 31, 0, 0, 0, 0, taipei), time.Date(2026, 4, 1, 0, 0, 0, 0, taipei)},
			branch.ID: {time.Date(2026, 3, 30, 0, 0, 0, 0, berlin), time.Date(2026, 3, 31, 0, 0, 0, 0, berlin)},
		}
		zones := map[int64]string{main.ID: "Asia/Taipei", branch.ID: "Europe/Berlin"}
		rs, err := svc.FindLogReviews(system, medsec.LogReviewFilter{})
		if err != nil || len(rs) != 2 {
			t.Fatalf("reviews: %d, %v", len(rs), err)
		}
		for _, r := range rs {
			w := want[r.SiteID]
			if !r.PeriodStart.Equal(w[0]) || !r.PeriodEnd.Equal(w[1]) || r.TimeZone != zones[r.SiteID] || r.PeriodStart.Location().String() != zones[r.SiteID] ||
				r.PeriodStart.Format("2006-01-02 15:04") != w[0].Format("2006-01-02 15:04") {
				t.Errorf("site %d: %s – %s (%s), want %s – %s", r.SiteID, r.PeriodStart, r.PeriodEnd, r.TimeZone, w[0], w[1])
			}
		}
		ss, err := svc.LogReviewSchedules(system)
		if err != nil || len(ss) != 2 {
			t.Fatalf("schedules: %+v, %v", ss, err)
		}
		for _, s := range ss {
			if s.TimeZone != zones[s.SiteID] {
				t.Errorf("schedule of site %d in %q, want %q", s.SiteID, s.TimeZone, zones[s.SiteID])
			}
		}
	})
}

// collectNotifier keeps what it is told; the dispatcher's own delivery is tested with
// real SMTP and webhook servers in TestSchedulerReminders.
type collectNotifier struct{ got []medsec.Notification }

func (c *collectNotifier) Notify(_ context.Context, n medsec.Notification) error {
	c.got = append(c.got, n)
	return nil
}

// TestLogReviewOverdueNotified runs the scheduler's log review job with a set clock: it
// creates each site's review when the month ends and raises each review past its due date,
// scoped to the review's site and to readers of logs.
func TestLogReviewOverdueNotified(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		svc := sqlstore.NewLogReviewService(db, nil)
		if err := svc.SetLogReviewSchedule(system, medsec.LogReviewSchedule{SiteID: branch.ID, Cadence: "P1M", DueDays: 2}); err != nil {
			t.Fatal(err)
		}
		c := &collectNotifier{}
		job := &notify.LogReviews{Reviews: svc, Org: sqlstore.NewOrgService(db), Notifier: c}
		if err := job.Run(context.Background(), now); err != nil {
			t.Fatal(err)
		}
		if len(c.got) != 1 || c.got[0].Scope.SiteID != branch.ID || c.got[0].Perm != medsec.PermLogRead || c.got[0].Kind != medsec.KindLogReviewOverdue ||
			!strings.HasPrefix(c.got[0].Link, "/logs/reviews/") {
			t.Fatalf("5 November: %+v; want the branch's October review only (due 3 November)", c.got)
		}
		now = time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)
		c.got = nil
		if err := job.Run(context.Background(), now); err != nil {
			t.Fatal(err)
		}
		sites := map[int64]bool{}
		for _, n := range c.got {
			sites[n.Scope.SiteID] = true
		}
		if len(c.got) != 2 || !sites[main.ID] || !sites[branch.ID] || c.got[0].DedupKey == c.got[1].DedupKey {
			t.Fatalf("12 November: %+v; want both sites' October reviews", c.got)
		}
	})
}

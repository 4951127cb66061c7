package sqlstore_test

import (
	"encoding/json"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestMatchRescoringAuditsTheDeadline (issue 11): a KEV entry imported a day after the
// advisory re-scores the finding when its device is matched again (the KEV rule, the
// site's 12 h): the deadline moves, and a vuln.finding.deadline row records it before and after, so the
// findings as of the day before the KEV import show the deadline then.
func TestMatchRescoringAuditsTheDeadline(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		day1 := testNow
		db.Now = func() time.Time { return day1 }
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		// The site's KEV window is 12 h, so the KEV entry moves the deadline.
		if err := f.svc.SetDeadlinePolicy(system, &medsec.DeadlinePolicy{SiteID: f.ge.SiteID, KEVHours: 12}); err != nil {
			t.Fatal(err)
		}
		const cve = "CVE-2010-5306"
		before, _, err := f.svc.FindFindings(system, medsec.FindingFilter{CVE: cve})
		if err != nil || len(before) != 1 {
			t.Fatalf("findings of %s: %d, %v", cve, len(before), err)
		}
		was := before[0]
		if was.DeadlineRule == "kev" {
			t.Fatalf("finding before the KEV import already has the KEV rule: %+v", was)
		}
		day2 := day1.Add(24 * time.Hour)
		db.Now = func() time.Time { return day2 }
		if _, err := f.svc.Import(system, sqlstore.VulnImport{KEV: f.kev}); err != nil {
			t.Fatal(err)
		}
		now, err := f.svc.FindFinding(system, was.ID)
		if err != nil {
			t.Fatal(err)
		}
		if now.DeadlineRule != "kev" || !now.Due.Equal(was.FoundAt.Add(12*time.Hour)) {
			t.Fatalf("after the KEV import: rule %q due %v, want kev and the site's 12 h from %v", now.DeadlineRule, now.Due, was.FoundAt)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "vuln.finding.deadline", ObjectType: "vuln_finding", ObjectID: was.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("vuln.finding.deadline rows of finding %d: %d, want 1 (the KEV re-scoring)", was.ID, len(entries))
		}
		type dl struct {
			Due  time.Time `json:"due"`
			Rule string    `json:"deadline_rule"`
		}
		var b, a dl
		if err := json.Unmarshal(entries[0].Before, &b); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(entries[0].After, &a); err != nil {
			t.Fatal(err)
		}
		if !b.Due.Equal(was.Due) || b.Rule != was.DeadlineRule || !a.Due.Equal(now.Due) || a.Rule != "kev" || entries[0].SiteID != was.SiteID {
			t.Errorf("audit row: before %+v after %+v site %d; want %v/%s → %v/kev on site %d", b, a, entries[0].SiteID, was.Due, was.DeadlineRule, now.Due, was.SiteID)
		}
		var then *medsec.Finding
		if err := f.svc.EachFinding(system, medsec.FindingFilter{CVE: cve, AsOf: day1.Add(12 * time.Hour)}, func(fd *medsec.Finding) error {
			then = fd
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if then == nil || !then.Due.Equal(was.Due) || then.DeadlineRule != was.DeadlineRule {
			t.Errorf("finding as of day 1: %+v, want due %v rule %s as it was then", then, was.Due, was.DeadlineRule)
		}
		// Matching again with nothing new writes no further row.
		if _, err := f.svc.Rematch(system); err != nil {
			t.Fatal(err)
		}
		if entries, _, _ := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "vuln.finding.deadline", ObjectType: "vuln_finding", ObjectID: was.ID}); len(entries) != 1 {
			t.Errorf("after a rematch with nothing new: %d deadline rows, want still 1", len(entries))
		}
	})
}

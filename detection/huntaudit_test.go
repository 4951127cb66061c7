package detection_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestHuntIsAuditedAsTheHunter: a hunt leaves an audit row of the user who ran it, naming
// the rules, the site and the time range and what it found; the alerts a retro-hunt
// raises are audited as that user, not as the system (issue 13 bt13g M4).
func TestHuntIsAuditedAsTheHunter(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		now := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, now)
		f.svc.Stop() // events are stored, not evaluated live
		users := sqlstore.NewUserService(f.db)
		soc := &medsec.User{Username: "soc.chen", Role: medsec.RoleSOCAnalyst}
		if err := users.CreateUser(system, soc, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		as := medsec.NewContextWithRemoteAddr(medsec.NewContextWithUser(context.Background(), soc), "10.0.0.5")
		var events []medsec.Event
		for i := range 12 {
			e := medsec.Event{ID: fmt.Sprintf("t:%d", i+1), Time: now.Add(-40*time.Minute + time.Duration(i)*10*time.Second), SiteID: f.site.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent, ID: int64(i + 1)}}
			e.Set("event.category", "authentication").Set("event.outcome", "failure").Set("user.name", "nurse.lin").Set("source.ip", "10.1.20.77")
			events = append(events, e)
		}
		if err := sqlstore.NewEventService(f.db).AppendEvents(system, events...); err != nil {
			t.Fatal(err)
		}
		since, until := now.Add(-time.Hour), now
		res, err := f.svc.Hunt(as, medsec.HuntRequest{SiteID: f.site.ID, Since: since, Until: until, Raise: true})
		if err != nil || res.Raised != 1 {
			t.Fatalf("retro-hunt: %+v, %v", res, err)
		}
		audit := sqlstore.NewAuditService(f.db)
		hunts, _, err := audit.FindAuditEntries(system, medsec.AuditFilter{Action: "rule.hunt"})
		if err != nil || len(hunts) != 1 {
			t.Fatalf("hunt audit rows: %+v, %v", hunts, err)
		}
		h := hunts[0]
		var rec medsec.HuntAudit
		if err := json.Unmarshal(h.After, &rec); err != nil {
			t.Fatal(err)
		}
		burst, err := f.store.FindRules(system, medsec.RuleFilter{Query: "Many failed logins"})
		if err != nil || len(burst) != 1 {
			t.Fatalf("burst rule: %v, %v", burst, err)
		}
		hasBurst := false
		for _, id := range rec.RuleIDs {
			hasBurst = hasBurst || id == burst[0].ID
		}
		if h.Username != soc.Username || h.UserID != soc.ID || h.RemoteAddr != "10.0.0.5" || h.SiteID != f.site.ID ||
			rec.Rules != medsec.HuntRulesEnabled || !hasBurst || rec.SiteID != f.site.ID || !rec.Since.Equal(since) || !rec.Until.Equal(until) ||
			!rec.Raise || rec.Events != 12 || rec.Hits != 1 || rec.Raised != 1 {
			t.Errorf("hunt audit row: %+v\nafter: %+v", h, rec)
		}
		raised, _, err := audit.FindAuditEntries(system, medsec.AuditFilter{Action: "alert.raise"})
		if err != nil || len(raised) != 1 || raised[0].Username != soc.Username || raised[0].UserID != soc.ID {
			t.Errorf("alert.raise audit rows: %+v, %v", raised, err)
		}
		// A test of one stored rule names it as the audited object.
		if _, err := f.svc.Hunt(as, medsec.HuntRequest{RuleIDs: []int64{burst[0].ID}, Since: since, Until: until}); err != nil {
			t.Fatal(err)
		}
		hunts, _, err = audit.FindAuditEntries(system, medsec.AuditFilter{Action: "rule.hunt"})
		if err != nil || len(hunts) != 2 || hunts[0].ObjectType != "rule" || hunts[0].ObjectID != burst[0].ID || hunts[0].Username != soc.Username {
			t.Fatalf("rule test audit rows: %+v, %v", hunts, err)
		}
		if err := json.Unmarshal(hunts[0].After, &rec); err != nil || rec.Rules != medsec.HuntRulesNamed || rec.Title != burst[0].Title || rec.SiteID != 0 {
			t.Errorf("rule test audit: %+v, %v", rec, err)
		}
	})
}

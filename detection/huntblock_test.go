package detection_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestHuntRaiseOverBuildingBlockIsRefused hunts with raise over "Failed login", which the
// brute-force correlation reads: the hunt is refused naming rule_ids[0] and the
// correlation, nothing is raised; without raise it lists the matches, and with the
// correlation hunted too it raises the burst only [bt13h H4: 122 standalone alerts were
// stored and told for a rule that never alerts on its own].
func TestHuntRaiseOverBuildingBlockIsRefused(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f := newFixture(t, "sqlite", now)
	var events []medsec.Event
	for i := range 12 {
		events = append(events, medsec.Event{ID: fmt.Sprintf("t:%d", i), Time: now.Add(-time.Hour + time.Duration(i)*time.Second), SiteID: f.site.ID,
			Fields: map[string]any{"event.category": "authentication", "event.outcome": "failure", "source.ip": "198.18.13.13", "user.name": "admin"}})
	}
	f.svc.Stop()
	if err := sqlstore.NewEventService(f.db).AppendEvents(system, events...); err != nil {
		t.Fatal(err)
	}
	found, err := f.store.FindRules(system, medsec.RuleFilter{Query: "Failed login"})
	var block []*medsec.DetectionRule
	for _, r := range found {
		if r.Title == "Failed login" {
			block = append(block, r)
		}
	}
	if err != nil || len(block) != 1 {
		t.Fatalf("block rule: %v %v", found, err)
	}
	burst, err := f.store.FindRules(system, medsec.RuleFilter{Query: "Many failed logins"})
	if err != nil || len(burst) != 1 {
		t.Fatalf("burst rule: %v %v", burst, err)
	}
	req := medsec.HuntRequest{RuleIDs: []int64{block[0].ID}, Since: now.Add(-2 * time.Hour), Until: now, Raise: true}
	_, err = f.svc.Hunt(system, req)
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Field != "rule_ids[0]" || ve.Errors[0].Key != "err.hunt_raise_building_block" ||
		ve.Errors[0].Args[0] != fmt.Sprintf("%d (%s)", burst[0].ID, burst[0].Title) {
		t.Fatalf("hunt with raise over a building block: %v", err)
	}
	if got := f.alerts(t); len(got) != 0 {
		t.Fatalf("alerts: %+v", got)
	}
	req.Raise = false
	if res, err := f.svc.Hunt(system, req); err != nil || res.Hits != 12 {
		t.Fatalf("hunt without raise: %+v %v", res, err)
	}
	req.Raise, req.RuleIDs = true, []int64{block[0].ID, burst[0].ID}
	if _, err := f.svc.Hunt(system, req); err != nil {
		t.Fatal(err)
	}
	if got := f.alerts(t); len(got) != 1 || got[0].Title != burst[0].Title {
		t.Fatalf("alerts of the hunt with the correlation: %+v", got)
	}
}

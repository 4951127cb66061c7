package detection_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"medsec"
)

// Deleting a rule a stored correlation reads is refused (409) naming the correlation;
// once the correlation is gone the rule can be deleted [issue 13 t13 finding 17: 204,
// and the correlation enabled at site 1 broke silently].
func TestDeleteRuleReadByCorrelationRefused(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	corr := `title: fail
id: 11111111-1111-4111-8111-111111111111
name: fail
logsource: {product: linux}
detection:
  sel: {event.outcome: failure}
  condition: sel
---
title: burst
id: 22222222-2222-4222-8222-222222222222
name: burst
correlation:
  type: event_count
  rules: [fail]
  group-by: [source.ip]
  timespan: 1m
  condition: {gte: 3}
`
	rules, err := f.svc.ImportRules(system, "corr.yml", []byte(corr))
	if err != nil || len(rules) != 2 {
		t.Fatalf("import: %v", err)
	}
	stored, _ := f.store.FindRules(system, medsec.RuleFilter{})
	ids := map[string]int64{}
	for _, r := range stored {
		ids[r.Title] = r.ID
	}
	if err := f.store.SetRuleEnabled(system, ids["burst"], f.site.ID, true); err != nil {
		t.Fatal(err)
	}
	err = f.svc.DeleteRule(system, ids["fail"])
	var me *medsec.Error
	if !errors.As(err, &me) || me.Code != medsec.ECONFLICT || me.Key != "err.rule_read_by_correlation" || !strings.Contains(me.Message, `"burst"`) {
		t.Fatalf("deleting the rule burst reads: %v", err)
	}
	if _, err := f.store.FindRuleByID(system, ids["fail"]); err != nil {
		t.Fatalf("the refused rule is gone: %v", err)
	}
	if err := f.svc.DeleteRule(system, ids["burst"]); err != nil {
		t.Fatalf("deleting the correlation: %v", err)
	}
	if err := f.svc.DeleteRule(system, ids["fail"]); err != nil {
		t.Fatalf("deleting the rule no correlation reads now: %v", err)
	}
}

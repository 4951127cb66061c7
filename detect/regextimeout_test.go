package detect

import (
	"strings"
	"testing"
	"time"
)

// A rule whose backtracking regular expression (a lookahead, which RE2 cannot run) runs
// out of time on an event counts the time-out on that rule, on one goroutine and on
// several, and the value counts as not matched; another rule on the same event counts
// none.
func TestRegexTimeoutsAreCountedPerRule(t *testing.T) {
	rules, err := ParseRules("re.yml", []byte(`title: Catastrophic
id: 22222222-2222-2222-2222-222222222222
logsource: {product: linux}
detection:
  selection:
    message|re: '^(?=a)(a+)+b$'
  condition: selection
---
title: Plain
id: 33333333-3333-3333-3333-333333333333
logsource: {product: linux}
detection:
  selection:
    message|contains: 'aaaa'
  condition: selection
`))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	slow := func(i int) *Event {
		return &Event{ID: "slow", Time: t0.Add(time.Duration(i) * time.Second), Fields: map[string]any{"host.os.type": "linux", "message": strings.Repeat("a", 40)}}
	}
	start := time.Now()
	out := e.Process(slow(0))
	if took := time.Since(start); took < RegexTimeout {
		t.Fatalf("the match took %v; the expression did not run out of time (RegexTimeout %v)", took, RegexTimeout)
	}
	if len(out.Matches) != 1 || out.Matches[0].Rule.ID != "33333333-3333-3333-3333-333333333333" {
		t.Fatalf("matches: %+v, want only the plain rule", out.Matches)
	}
	e.ProcessBatch([]*Event{slow(1), slow(2), {ID: "fast", Time: t0.Add(3 * time.Second), Fields: map[string]any{"host.os.type": "linux", "message": "aab"}}}, 2)
	got := map[string]int64{}
	for _, c := range e.Rules() {
		got[c.Rule.Title] = c.RegexTimeouts()
	}
	if got["Catastrophic"] != 3 || got["Plain"] != 0 {
		t.Fatalf("regex time-outs per rule: %v, want Catastrophic 3, Plain 0", got)
	}
}

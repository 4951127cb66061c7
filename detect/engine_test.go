package detect

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const failedLogin = `title: Failed login
id: 11111111-1111-1111-1111-111111111111
name: failed_login
logsource: {product: medsec, service: auth}
detection:
  selection:
    event.action: login.failed
  condition: selection
---
title: Successful login
name: login_ok
logsource: {product: medsec, service: auth}
detection:
  selection:
    event.action: login
  condition: selection
`

var t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

func ev(sec int, action, user string) *Event {
	return &Event{ID: fmt.Sprintf("e%d-%s-%s", sec, action, user), Time: t0.Add(time.Duration(sec) * time.Second),
		Fields: map[string]any{"event.dataset": "medsec.auth", "event.action": action, "user.name": user, "source.ip": "10.0.0." + fmt.Sprint(sec%7)}}
}

func engine(t *testing.T, corr string, opt Options) *Engine {
	t.Helper()
	rules, err := ParseRules("test.yml", []byte(failedLogin+"---\n"+corr))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(rules, opt)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// alertIDs renders alerts as "rule[group]:id,id" for comparison.
func alertIDs(as []Alert) []string {
	var out []string
	for _, a := range as {
		var ids []string
		for _, e := range a.Events {
			ids = append(ids, e.ID)
		}
		var gs []string
		for _, g := range a.Rule.Correlation.GroupBy {
			gs = append(gs, a.Group[g])
		}
		out = append(out, a.Rule.Key()+"["+strings.Join(gs, ",")+"]:"+strings.Join(ids, ","))
	}
	return out
}

func run(e *Engine, evs ...*Event) []string {
	var all []Alert
	for _, x := range evs {
		all = append(all, e.Process(x).Alerts...)
	}
	all = append(all, e.Flush()...)
	return alertIDs(all)
}

func TestEventCountWindow(t *testing.T) {
	corr := `title: Many failed logins
name: brute
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user.name]
  timespan: 60s
  condition: {gte: 3}
`
	tests := []struct {
		name string
		evs  []*Event
		want []string
	}{
		{"three within the window", []*Event{ev(0, "login.failed", "a"), ev(30, "login.failed", "a"), ev(60, "login.failed", "a")},
			[]string{"brute[a]:e0-login.failed-a,e30-login.failed-a,e60-login.failed-a"}},
		{"third one second past the window", []*Event{ev(0, "login.failed", "a"), ev(30, "login.failed", "a"), ev(61, "login.failed", "a")}, nil},
		{"window slides to the oldest unused event", []*Event{ev(0, "login.failed", "a"), ev(30, "login.failed", "a"), ev(61, "login.failed", "a"), ev(90, "login.failed", "a")},
			[]string{"brute[a]:e30-login.failed-a,e61-login.failed-a,e90-login.failed-a"}},
		{"events of an alert are used up", []*Event{ev(0, "login.failed", "a"), ev(1, "login.failed", "a"), ev(2, "login.failed", "a"), ev(3, "login.failed", "a"), ev(4, "login.failed", "a")},
			[]string{"brute[a]:e0-login.failed-a,e1-login.failed-a,e2-login.failed-a"}},
		{"groups are separate", []*Event{ev(0, "login.failed", "a"), ev(1, "login.failed", "b"), ev(2, "login.failed", "a"), ev(3, "login.failed", "b"), ev(4, "login.failed", "b")},
			[]string{"brute[b]:e1-login.failed-b,e3-login.failed-b,e4-login.failed-b"}},
		{"other rules do not count", []*Event{ev(0, "login.failed", "a"), ev(1, "login", "a"), ev(2, "login.failed", "a")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(engine(t, corr, Options{}), tt.evs...)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOutOfOrder(t *testing.T) {
	corr := `title: Many failed logins
name: brute
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user.name]
  timespan: 10s
  condition: {gte: 3}
`
	// Arrival order 20, 5, 12, 14: within a 10 s lateness bound the engine correlates them
	// as 5, 12, 14, 20 and the window from 5 holds 5, 12, 14.
	evs := []*Event{ev(20, "login.failed", "a"), ev(5, "login.failed", "a"), ev(12, "login.failed", "a"), ev(14, "login.failed", "a")}
	got := run(engine(t, corr, Options{Lateness: 15 * time.Second}), evs...)
	want := []string{"brute[a]:e5-login.failed-a,e12-login.failed-a,e14-login.failed-a"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lateness 15s: got %v, want %v", got, want)
	}
	// Without the bound, the match at 5 s arrives late and is not correlated.
	e := engine(t, corr, Options{})
	got = run(e, evs...)
	if len(got) != 0 {
		t.Errorf("lateness 0: got %v, want none", got)
	}
	if s := e.Stats(); s.Late != 3 {
		t.Errorf("lateness 0: Late = %d, want 3", s.Late)
	}
}

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

func TestCorrelationTypes(t *testing.T) {
	tests := []struct {
		name, corr string
		evs        []*Event
		want       []string
	}{
		{"value_count: distinct users from one address", `title: spray
name: spray
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1m
  condition: {field: user.name, gte: 3}
`, []*Event{ev(0, "login.failed", "a"), ev(7, "login.failed", "a"), ev(14, "login.failed", "b"), ev(21, "login.failed", "c")},
			[]string{"spray[10.0.0.0]:e0-login.failed-a,e7-login.failed-a,e14-login.failed-b,e21-login.failed-c"}},
		{"value_count below threshold", `title: spray
name: spray
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1m
  condition: {field: user.name, gte: 3}
`, []*Event{ev(0, "login.failed", "a"), ev(7, "login.failed", "a"), ev(14, "login.failed", "b")}, nil},
		{"value_count folds case: a and A are one value", `title: spray
name: spray
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1m
  condition: {field: user.name, gte: 3}
`, []*Event{ev(0, "login.failed", "a"), ev(7, "login.failed", "A"), ev(14, "login.failed", "b"), ev(21, "login.failed", "B")}, nil},
		{"temporal: both rules in the window, any order", `title: fail then ok
name: fo
correlation:
  type: temporal
  rules: [failed_login, login_ok]
  group-by: [user.name]
  timespan: 30s
`, []*Event{ev(0, "login", "a"), ev(10, "login.failed", "a")},
			[]string{"fo[a]:e0-login-a,e10-login.failed-a"}},
		{"temporal: second rule too late", `title: fail then ok
name: fo
correlation:
  type: temporal
  rules: [failed_login, login_ok]
  group-by: [user.name]
  timespan: 30s
`, []*Event{ev(0, "login", "a"), ev(31, "login.failed", "a")}, nil},
		{"temporal_ordered: in order", `title: fail then ok
name: fo
correlation:
  type: temporal_ordered
  rules: [failed_login, login_ok]
  group-by: [user.name]
  timespan: 30s
`, []*Event{ev(0, "login.failed", "a"), ev(10, "login", "a")},
			[]string{"fo[a]:e0-login.failed-a,e10-login-a"}},
		{"temporal_ordered: wrong order", `title: fail then ok
name: fo
correlation:
  type: temporal_ordered
  rules: [failed_login, login_ok]
  group-by: [user.name]
  timespan: 30s
`, []*Event{ev(0, "login", "a"), ev(10, "login.failed", "a")}, nil},
		{"event_count lt: decided when the window ends", `title: few
name: few
correlation:
  type: event_count
  rules: [login_ok]
  group-by: [user.name]
  timespan: 10s
  condition: {lt: 3}
`, []*Event{ev(0, "login", "a"), ev(5, "login", "a"), ev(20, "login", "b"), ev(21, "login", "b"), ev(22, "login", "b")},
			// a's window [0,10] ends when b's events pass 10 s and holds 2. b's window from 20
			// holds 3 and does not fire; its oldest event leaves, and the next window, from 21,
			// holds 2 when the stream ends.
			[]string{"few[a]:e0-login-a,e5-login-a", "few[b]:e21-login-b,e22-login-b"}},
		{"event_count eq at the window end", `title: exactly two
name: two
correlation:
  type: event_count
  rules: [login_ok]
  timespan: 10s
  condition: {eq: 2}
`, []*Event{ev(0, "login", "a"), ev(10, "login", "b"), ev(11, "login", "c")},
			[]string{"two[]:e0-login-a,e10-login-b"}},
		{"range gte+lt: decided when the window ends", `title: some
name: some
correlation:
  type: event_count
  rules: [login_ok]
  group-by: [user.name]
  timespan: 10s
  condition: {gte: 3, lt: 5}
`, []*Event{ev(0, "login", "a"), ev(1, "login", "a"), ev(2, "login", "a"), ev(0, "login", "b"), ev(1, "login", "b")},
			[]string{"some[a]:e0-login-a,e1-login-a,e2-login-a"}},
		{"range exceeded: the window holds too many", `title: some
name: some
correlation:
  type: event_count
  rules: [login_ok]
  group-by: [user.name]
  timespan: 10s
  condition: {gt: 3, lte: 4}
`, []*Event{ev(0, "login", "a"), ev(1, "login", "a"), ev(2, "login", "a"), ev(3, "login", "a"), ev(4, "login", "a")},
			// The window from 0 holds 5; its oldest leaves and the window from 1 holds 4.
			[]string{"some[a]:e1-login-a,e2-login-a,e3-login-a,e4-login-a"}},
		{"aliases: group by one value under two names", `title: fail then ok
name: fo
correlation:
  type: temporal_ordered
  rules: [failed_login, login_ok]
  group-by: [who]
  aliases:
    who:
      failed_login: user.name
      login_ok: user.target
  timespan: 30s
`, []*Event{ev(0, "login.failed", "a"), func() *Event { e := ev(5, "login", "x"); e.Fields["user.target"] = "a"; return e }()},
			[]string{"fo[a]:e0-login.failed-a,e5-login-x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(engine(t, tt.corr, Options{}), tt.evs...)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCorrelationOverCorrelation(t *testing.T) {
	corr := `title: brute
name: brute
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user.name]
  timespan: 1m
  condition: {gte: 2}
---
title: brute then success
name: brute_ok
correlation:
  type: temporal_ordered
  rules: [brute, login_ok]
  group-by: [user.name]
  timespan: 5m
`
	e := engine(t, corr, Options{})
	got := run(e, ev(0, "login.failed", "a"), ev(1, "login.failed", "a"), ev(100, "login", "a"), ev(101, "login", "b"))
	want := []string{"brute[a]:e0-login.failed-a,e1-login.failed-a", "brute_ok[a]:e0-login.failed-a,e1-login.failed-a,e100-login-a"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// failed_login is read only by a correlation without generate: its matches are not
	// alerts of their own; login_ok likewise.
	out := engine(t, corr, Options{}).Process(ev(0, "login.failed", "a"))
	if len(out.Matches) != 1 || out.Matches[0].Standalone {
		t.Errorf("matches %+v, want one, not standalone", out.Matches)
	}
}

func TestCorrelationErrors(t *testing.T) {
	for _, tt := range []struct{ corr, want string }{
		{"title: c\nname: c\ncorrelation:\n  type: event_count\n  rules: [nope]\n  timespan: 1m\n  condition: {gte: 2}\n", `no rule has the name or id "nope"`},
		{"title: c\nname: c\ncorrelation:\n  type: event_count\n  rules: [d]\n  timespan: 1m\n  condition: {gte: 2}\n---\ntitle: d\nname: d\ncorrelation:\n  type: event_count\n  rules: [c]\n  timespan: 1m\n  condition: {gte: 2}\n", "cycle"},
	} {
		rules, err := ParseRules("c.yml", []byte(failedLogin+"---\n"+tt.corr))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewEngine(rules, Options{}); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "c.yml:") {
			t.Errorf("error %v, want c.yml:line and %q", err, tt.want)
		}
	}
}

func TestCorrelationConditionBounds(t *testing.T) {
	for _, tt := range []struct{ cond, want string }{
		{"{gt: 3, gte: 4}", "c.yml:7: correlation.condition: gt and gte cannot be combined"},
		{"{lt: 3, lte: 4}", "c.yml:7: correlation.condition: lt and lte cannot be combined"},
		{"{eq: 2, lt: 5}", "c.yml:7: correlation.condition: eq cannot be combined"},
		{"{gt: 4, lt: 5}", "c.yml:7: correlation.condition: no count satisfies gt 4 and lt 5"},
		{"{gte: 6, lte: 5}", "c.yml:7: correlation.condition: no count satisfies"},
		{"{field: x}", "c.yml:7: correlation.condition: needs one of"},
		{"{gte: 2, gte: 3}", "c.yml:7: correlation.condition.gte: appears twice"},
	} {
		src := "title: c\nname: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1m\n  condition: " + tt.cond + "\n"
		if _, err := ParseRules("c.yml", []byte(src)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.cond, err, tt.want)
		}
	}
	rules, err := ParseRules("c.yml", []byte("title: c\nname: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1m\n  condition: {lte: 200, gt: 100}\n"))
	if err != nil {
		t.Fatal(err)
	}
	th := rules[0].Correlation.Condition
	if th.Op != "gt" || th.Count != 100 || th.UpperOp != "lte" || th.UpperCount != 200 || !th.AtClose() {
		t.Errorf("threshold %+v", th)
	}
	for n, want := range map[int64]bool{100: false, 101: true, 200: true, 201: false} {
		if th.Holds(n) != want {
			t.Errorf("Holds(%d) = %v", n, !want)
		}
	}
}

func TestBoundedMemory(t *testing.T) {
	corr := `title: brute
name: brute
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user.name]
  timespan: 1h
  condition: {gte: 1000000}
`
	e := engine(t, corr, Options{MaxGroups: 50, MaxEventsPerGroup: 20})
	for i := 0; i < 5000; i++ {
		e.Process(ev(i, "login.failed", fmt.Sprint("u", i%200)))
	}
	s := e.Stats()
	if s.OpenGroups > 50 || s.OpenEvents > 50*20 {
		t.Errorf("open groups %d, events %d: bounds 50 and 1000 not kept", s.OpenGroups, s.OpenEvents)
	}
	if s.Dropped == 0 {
		t.Error("nothing dropped")
	}
}

func TestAdvanceClosesWindows(t *testing.T) {
	corr := `title: few
name: few
correlation:
  type: event_count
  rules: [login_ok]
  group-by: [user.name]
  timespan: 10s
  condition: {lte: 2}
`
	e := engine(t, corr, Options{Lateness: 2 * time.Second})
	for _, x := range []*Event{ev(0, "login", "a"), ev(3, "login", "a")} {
		if out := e.Process(x); len(out.Alerts) != 0 {
			t.Fatalf("alert before the window ends: %v", alertIDs(out.Alerts))
		}
	}
	// The window [0 s, 10 s] ends once the stream, less the lateness, passes 10 s.
	if got := e.Advance(t0.Add(12 * time.Second)); len(got) != 0 {
		t.Errorf("at 12 s (10 s after lateness): %v, want none yet", alertIDs(got))
	}
	got := alertIDs(e.Advance(t0.Add(12*time.Second + time.Millisecond)))
	want := []string{"few[a]:e0-login-a,e3-login-a"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if s := e.Stats(); s.OpenGroups != 0 || s.OpenEvents != 0 {
		t.Errorf("after the alert: %d groups, %d events open", s.OpenGroups, s.OpenEvents)
	}
}

func TestBoundedMemoryPerCorrelation(t *testing.T) {
	corr := `title: brute
name: brute
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user.name]
  timespan: 20m
  condition: {gte: 7}
`
	e := engine(t, corr, Options{MaxGroups: 1000, MaxEventsPerGroup: 100, MaxEventsPerCorrelation: 300})
	for i := 0; i < 5000; i++ {
		e.Process(ev(i/3, "login.failed", fmt.Sprint("u", i%97)))
		cs := e.corrs[0]
		held := 0
		for _, g := range cs.groups {
			held += len(g.items)
		}
		if held != cs.held || held > 300 {
			t.Fatalf("after %d events: %d held, counter %d, bound 300", i+1, held, cs.held)
		}
	}
	if e.Stats().Dropped == 0 {
		t.Error("nothing dropped")
	}
}

// A temporal correlation listing one rule twice is refused: it would fire on every
// single match [issue 13 finding 11].
func TestTemporalRefusesDuplicateRules(t *testing.T) {
	y := "title: fail\nname: fail\nid: 11111111-1111-4111-8111-111111111111\nlogsource: {product: test}\ndetection:\n  s: {m: x}\n  condition: s\n---\ntitle: t\nid: 22222222-2222-4222-8222-222222222222\ncorrelation:\n  type: temporal\n  rules: [fail, fail]\n  group-by: [ip]\n  timespan: 60s\n"
	_, err := ParseRules("t.yml", []byte(y))
	if err == nil || !strings.Contains(err.Error(), "correlation.rules") || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("err = %v", err)
	}
}

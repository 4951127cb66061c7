package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"medsec"
	"medsec/detection"
	mhttp "medsec/http"
	"medsec/i18n"
	"medsec/sqlstore"
)

// told records notifications.
type told struct {
	mu  sync.Mutex
	got []medsec.Notification
}

func (n *told) Notify(_ context.Context, x medsec.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, x)
	return nil
}

// A rule whose backtracking regular expression runs out of time on events has its
// time-outs counted (issue 13 break-test finding 10): on the detection status API, the
// rule's API and its rules page and rule page in the four languages; rule admins are told
// once, when it starts.
func TestRegexTimeoutsShownAndTold(t *testing.T) {
	f := newFixture(t)
	sys := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	notes := &told{}
	f.detection.SetNotifier(notes)
	rule := "title: Slow expression\nid: 70000000-0000-4000-8000-000000000020\nlogsource: {product: medsec, service: auth}\ndetection:\n  selection:\n    user.name|re: '^(?=a)(a+)+b$'\n  condition: selection\nlevel: low\n"
	// Stored as an older version would have stored it: import now refuses such a pattern.
	rs, err := detection.ParseFile("slow.yml", []byte(rule))
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.NewDetectionService(f.db).SaveRules(sys, rs); err != nil {
		t.Fatal(err)
	}
	if err := f.detection.Load(sys); err != nil {
		t.Fatal(err)
	}
	if err := f.detection.SetRuleEnabled(sys, rs[0].ID, 0, true); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	event := func(i int, user string) medsec.Event {
		return medsec.Event{ID: fmt.Sprintf("test:%d", i), Time: t0.Add(time.Duration(i) * time.Second),
			Fields: map[string]any{"event.dataset": "medsec.auth", "event.action": "login", "user.name": user}}
	}
	slow := strings.Repeat("a", 40)
	if err := f.detection.Handle(sys, []medsec.Event{event(0, slow), event(1, "nurse"), event(2, slow)}); err != nil {
		t.Fatal(err)
	}
	if err := f.detection.Handle(sys, []medsec.Event{event(3, slow)}); err != nil {
		t.Fatal(err)
	}

	status, body := f.do("GET", "/api/v1/detection/status", f.tokens[medsec.RoleAuditor], "")
	var st medsec.DetectionStatus
	if err := json.Unmarshal([]byte(body), &st); status != 200 || err != nil {
		t.Fatalf("status: %d %v %s", status, err, body)
	}
	if st.RegexTimeouts != 3 || len(st.Rules) != 1 || st.Rules[0].RuleID != rs[0].ID || st.Rules[0].RegexTimeouts != 3 || st.Rules[0].UID != rs[0].UID {
		t.Fatalf("status: %s", body)
	}
	if status, _ := f.do("GET", "/api/v1/detection/status", f.tokens[medsec.RoleVendor], ""); status != 403 {
		t.Errorf("vendor reads the detection status: %d", status)
	}
	_, body = f.do("GET", fmt.Sprintf("/api/v1/rules/%d", rs[0].ID), f.tokens[medsec.RoleAuditor], "")
	if !strings.Contains(body, `"regex_timeouts": 3`) {
		t.Errorf("rule API lacks its time-outs: %.400s", body)
	}
	n := 0
	for _, x := range notes.got {
		if x.Key == "notify.rule_regex_timeout" {
			n++
			if x.Link != fmt.Sprintf("/rules/%d", rs[0].ID) || x.Perm != medsec.PermRuleAdmin {
				t.Errorf("notification: %+v", x)
			}
		}
	}
	if n != 1 {
		t.Errorf("told %d times, want once: %+v", n, notes.got)
	}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := f.session("u-" + string(medsec.RoleSecurityOfficer))
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, "/rules", lang)
		if want := bundle.T(lang, "rules.regex_timeouts_short", 3); !strings.Contains(page, want) {
			t.Errorf("%s: rules page lacks %q", lang, want)
		}
		page = f.page(c, fmt.Sprintf("/rules/%d", rs[0].ID), lang)
		if want := bundle.T(lang, "rules.regex_timeouts"); !strings.Contains(page, want) || !strings.Contains(page, `id="regex-timeouts">3<`) {
			t.Errorf("%s: rule page lacks %q and the count", lang, want)
		}
	}
}

// failingDetection is the detection service as it answers while its store fails.
type failingDetection struct {
	medsec.DetectionRunner
	since time.Time
}

func (d failingDetection) Status() medsec.DetectionStatus {
	return medsec.DetectionStatus{Pending: 42, StoreFailures: 7, FailingSince: d.since, LastStoreError: "begin: database is locked (5) (SQLITE_BUSY)", Rules: []medsec.RuleRegexTimeouts{}}
}

// While detection cannot store alerts, the rules page says so in the reader's language,
// with how many wait, the failed tries and the error (issue 13 break-test finding 1).
func TestRulesPageShowsFailingStore(t *testing.T) {
	since := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	f := newFixtureOn(t, openEngine(t, "sqlite"), func(s *mhttp.Services) { s.Detection = failingDetection{s.Detection, since} })
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := f.session("u-" + string(medsec.RoleAuditor))
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, "/rules", lang)
		i := strings.Index(page, `id="detection-store-failing"`)
		if i < 0 {
			t.Fatalf("%s: no failing-store banner", lang)
		}
		banner := page[i:min(len(page), i+1000)]
		// The words around the arguments, in the reader's language.
		parts := strings.Split(bundle.T(lang, "rules.store_failing", "\x00", 42, 7, "\x00"), "\x00")
		for _, want := range append(parts, "database is locked") {
			if !strings.Contains(banner, strings.TrimSpace(want)) {
				t.Errorf("%s: banner lacks %q: %.600s", lang, want, banner)
			}
		}
	}
}

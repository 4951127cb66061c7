package http_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
)

// TestIncidentActionAllProblemsAtOnce: a form of the incident page with a malformed
// number (or time) shows that problem and, at the same time, what the service finds in
// the other fields — checked without saving — each beside its field and in the summary;
// nothing is saved. The create form does the same with the level's reason, which only the
// service can judge.
func TestIncidentActionAllProblemsAtOnce(t *testing.T) {
	f := newFixture(t)
	b := loadBundle(t)
	inc := openIncidentAt(t, f, "PACS 勒索軟體", time.Now().Add(-time.Hour))
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))
	path := fmt.Sprintf("%s/incidents/%d", f.srv.URL, inc.ID)
	version := fmt.Sprint(inc.Version)
	type problem struct{ form, field, label, key string }
	check := func(name, lang string, status int, body string, want []problem) {
		t.Helper()
		if status != 422 {
			t.Errorf("%s: status %d, want 422", name, status)
		}
		for _, p := range want {
			if row := "<td>" + b.T(lang, p.label) + "</td><td>" + b.T(lang, p.key); !strings.Contains(body, row) {
				t.Errorf("%s: the summary lacks %s: %q", name, p.field, row)
			}
			id := "err-" + strings.ReplaceAll(p.form, "_", "-") + "-" + strings.ReplaceAll(p.field, "_", "-")
			if !strings.Contains(body, `aria-describedby="`+id+`"`) || !strings.Contains(body, `id="`+id+`">`+b.T(lang, p.key)) {
				t.Errorf("%s: no problem beside %s (%s): %q", name, p.field, id, between(body, `id="`+id+`"`, "</span>"))
			}
		}
	}

	// A malformed number of minutes and an empty label: both.
	status, body := postFormIn(t, c, path, url.Values{"action": {"add_clock"}, "version": {version}, "label": {""}, "minutes": {"90 分"}}, "zh-TW")
	check("add_clock", "zh-TW", status, body, []problem{
		{"add_clock", "minutes", "incident.minutes", "err.bad_number"},
		{"add_clock", "label", "incident.clock_label", "err.required"},
	})
	if !strings.Contains(body, `value="90 分"`) {
		t.Error("add_clock: the typed minutes were lost")
	}
	// A malformed clock, an unknown channel and no content: all three.
	status, body = postFormIn(t, c, path, url.Values{"action": {"notification"}, "version": {version}, "recipient": {string(medsec.RecipientAuthority)},
		"channel": {"pigeon"}, "language": {"ja"}, "clock_id": {"x1"}, "content": {""}, "name": {"衛生局"}}, "ja")
	check("notification", "ja", status, body, []problem{
		{"notification", "clock_id", "incident.clock", "err.bad_number"},
		{"notification", "channel", "incident.channel", "err.invalid"},
		{"notification", "content", "incident.content", "err.required"},
	})
	// A malformed level and no reason.
	status, body = postFormIn(t, c, path, url.Values{"action": {"level"}, "version": {version}, "level": {"二"}, "reason": {""}}, "en")
	check("level", "en", status, body, []problem{
		{"level", "level", "incident.level_col", "err.bad_number"},
		{"level", "reason", "incident.level_reason", "err.required"},
	})
	// A malformed time and a task that the service checks in the stored incident.
	status, body = postFormIn(t, c, path, url.Values{"action": {"notification"}, "version": {version}, "recipient": {string(medsec.RecipientAuthority)},
		"channel": {"email"}, "language": {"en"}, "content": {"report"}, "sent_at": {"yesterday"}, "name": {"health bureau"}}, "en")
	check("notification time", "en", status, body, []problem{{"notification", "sent_at", "incident.sent_at", "incident.err.bad_time"}})
	// Nothing was saved.
	_, resp := f.do("GET", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), f.tokens[medsec.RoleSOCAnalyst], "")
	var after medsec.Incident
	if json.Unmarshal([]byte(resp), &after) != nil || after.Version != inc.Version || len(after.Notifications) != 0 {
		t.Errorf("a refused form saved something: version %d (was %d), %d notifications", after.Version, inc.Version, len(after.Notifications))
	}

	// Create: a malformed outage and level 1 confirmed without its reason (the facts
	// suggest another level): both.
	site := fmt.Sprint(f.assetHQ.SiteID)
	status, body = postFormIn(t, c, f.srv.URL+"/incidents", url.Values{"site_id": {site}, "title": {"PACS"}, "level": {"1"}, "outage_minutes": {"3h"}}, "zh-TW")
	check("create", "zh-TW", status, body, []problem{
		{"create", "outage_minutes", "incident.outage_minutes", "err.bad_number"},
		{"create", "level_reason", "incident.level_reason", "incident.err.level_reason"},
	})
	_, resp = f.do("GET", "/api/v1/incidents", f.tokens[medsec.RoleSOCAnalyst], "")
	if strings.Count(resp, `"title": "PACS"`) != 0 {
		t.Errorf("the refused create form opened an incident: %.300s", resp)
	}
}

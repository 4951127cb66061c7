package http_test

import (
	"encoding/json"
	"fmt"
	"html/template"
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

// TestDrillCalmItemsSayWhy: on a drill's page the two spans of calm of the termination
// checklist (core systems stable 24 h, 72 h without anomaly) say, in the reader's language,
// why a drill may tick them before those hours have passed (003 §3.2.2, §5.4.3); an
// incident's page does not, and the behaviour stays: the drill ticks "stable 24 h" an hour
// after detection, the incident is refused.
func TestDrillCalmItemsSayWhy(t *testing.T) {
	f := newFixture(t)
	b := loadBundle(t)
	detected := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	status, resp := f.do("POST", "/api/v1/incidents", f.tokens[medsec.RoleSOCAnalyst],
		fmt.Sprintf(`{"site_id": %d, "title": "勒索軟體演練", "drill": true, "detected_at": %q}`, f.assetHQ.SiteID, detected))
	var drill medsec.Incident
	if status != 201 || json.Unmarshal([]byte(resp), &drill) != nil || !drill.Drill {
		t.Fatalf("open drill: %d %s", status, resp)
	}
	inc := openIncidentAt(t, f, "PACS 勒索軟體", time.Now().Add(-time.Hour))
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))
	for _, lang := range []string{"zh-TW", "zh-CN", "ja", "en"} {
		_, _, page := getIn(t, c, fmt.Sprintf("%s/incidents/%d", f.srv.URL, drill.ID), lang)
		for key, hours := range map[string]string{"stable-24h": "24", "no-anomaly-72h": "72"} {
			row := between(page, `<tr data-item="`+key+`">`, "</tr>")
			want := `<small class="drill-calm">` + template.HTMLEscapeString(b.T(lang, "incident.drill_calm", hours, hours)) + "</small>"
			if !strings.Contains(row, want) || !strings.Contains(want, hours) || !strings.Contains(want, "§3.2.2") {
				t.Errorf("%s drill, %s: want %q in %q", lang, key, want, row)
			}
		}
		if n := strings.Count(page, `class="drill-calm"`); n != 2 {
			t.Errorf("%s drill: %d notes, want 2 (only the spans of calm)", lang, n)
		}
		_, _, page = getIn(t, c, fmt.Sprintf("%s/incidents/%d", f.srv.URL, inc.ID), lang)
		if strings.Contains(page, `class="drill-calm"`) {
			t.Errorf("%s: an incident's page says the drill's exemption", lang)
		}
	}
	meet := func(id, version int64) int {
		status, _ := postFormIn(t, c, fmt.Sprintf("%s/incidents/%d", f.srv.URL, id),
			url.Values{"action": {"meet_item"}, "version": {fmt.Sprint(version)}, "key": {"stable-24h"}, "note": {"ok"}}, "en")
		return status
	}
	if got := meet(drill.ID, drill.Version); got != 303 {
		t.Errorf("the drill ticks stable-24h an hour in: %d, want 303", got)
	}
	if got := meet(inc.ID, inc.Version); got != 422 {
		t.Errorf("the incident ticks stable-24h an hour in: %d, want 422", got)
	}
}

// TestIncidentRecordHistory: every save of the record (cause, actions, result — the
// ledger's line, 003 §3.3.3) is on the timeline with its text and in the audit trail with
// the text it replaced; once the incident is closed only the security officer may amend
// it, and the amendment is marked as made after closing (t14 finding 11).
func TestIncidentRecordHistory(t *testing.T) {
	f := newFixture(t)
	b := loadBundle(t)
	inc := openIncidentAt(t, f, "PACS 勒索軟體", time.Now().Add(-time.Hour))
	analyst, officer := f.tokens[medsec.RoleSOCAnalyst], f.tokens[medsec.RoleSecurityOfficer]
	version := inc.Version
	act := func(token, body string) (int, string) {
		t.Helper()
		status, resp := f.do("POST", fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID), token, fmt.Sprintf(`{"version": %d, %s}`, version, body))
		if status == 200 {
			version++
		}
		return status, resp
	}
	if status, resp := act(analyst, `"action": "record", "cause": "釣魚郵件", "actions": "隔離 PACS", "result": "已復原"`); status != 200 {
		t.Fatalf("record: %d %s", status, resp)
	}
	if status, resp := act(analyst, `"action": "record", "cause": "供應商帳號外洩", "actions": "隔離 PACS", "result": "已復原"`); status != 200 {
		t.Fatalf("record again: %d %s", status, resp)
	}
	c := f.session("u-" + string(medsec.RoleAuditor))
	_, _, page := getIn(t, c, fmt.Sprintf("%s/incidents/%d", f.srv.URL, inc.ID), "zh-TW")
	for _, cause := range []string{"釣魚郵件", "供應商帳號外洩"} {
		if want := template.HTMLEscapeString(b.T("zh-TW", "incident.tl.record_text", cause, "隔離 PACS", "已復原")); !strings.Contains(page, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
	_, audit := f.do("GET", "/api/v1/audit?action=incident.record", f.tokens[medsec.RoleAdmin], "")
	if !strings.Contains(audit, `"cause": "釣魚郵件"`) || !strings.Contains(audit, "供應商帳號外洩") {
		t.Errorf("the audit trail lacks the replaced or the new text: %.1500s", audit)
	}
	for _, key := range []string{"stable-24h", "integrity-hash", "no-anomaly-72h", "vulns-retested", "sources-blocked"} {
		if status, resp := act(officer, fmt.Sprintf(`"action": "waive_item", "key": %q, "reason": "drill of the test"`, key)); status != 200 {
			t.Fatalf("waive %s: %d %s", key, status, resp)
		}
	}
	version = completeTasks(t, f, inc.ID)
	if status, resp := act(analyst, `"action": "close", "declared_by": "江文雄"`); status != 200 {
		t.Fatalf("close: %d %s", status, resp)
	}
	if status, resp := act(analyst, `"action": "record", "cause": "changed after close", "actions": "a", "result": "r"`); status != 403 {
		t.Errorf("the analyst amends the closed record: %d %s, want 403", status, resp)
	}
	if status, resp := act(officer, `"action": "record", "cause": "供應商帳號外洩（經鑑識確認）", "actions": "隔離 PACS", "result": "已復原"`); status != 200 {
		t.Fatalf("the officer amends the closed record: %d %s", status, resp)
	}
	_, _, page = getIn(t, c, fmt.Sprintf("%s/incidents/%d", f.srv.URL, inc.ID), "en")
	if want := template.HTMLEscapeString(b.T("en", "incident.tl.record_amended", "供應商帳號外洩（經鑑識確認）", "隔離 PACS", "已復原")); !strings.Contains(page, want) {
		t.Errorf("the amendment after closing is not marked on the timeline: want %q", want)
	}
	// The clocks the close stopped say so, not "level changed" (t14 finding 6).
	if want := `<span class="count stop-reason">(` + b.T("en", "clockstop.closed") + `)</span>`; !strings.Contains(page, want) || strings.Contains(page, b.T("en", "clockstop.level")) {
		t.Errorf("stopped clocks after close: want %q and no level change", want)
	}
}

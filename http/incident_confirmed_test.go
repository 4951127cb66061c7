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

// TestIncidentPageShowsLevelConfirmed: an incident opened at a level other than the one
// medsec suggests shows the "level to confirm" hint; once a responder confirms the level
// on the page, the hint is gone and the level reads as confirmed, by whom and when in the
// site's zone, against which suggestion (zh-TW, full-width punctuation), and the API
// says the same (level_confirmed_by, level_confirmed_at). Was: the confirmation was only
// on the timeline and the hint stayed.
func TestIncidentPageShowsLevelConfirmed(t *testing.T) {
	f := newFixture(t)
	b := loadBundle(t)
	body := fmt.Sprintf(`{"site_id": %d, "title": "檢驗系統中斷", "outage": "key-department", "outage_minutes": 180, "level": 3, "level_reason": "僅檢驗模組", "detected_at": %q}`,
		f.assetHQ.SiteID, time.Now().Add(-3*time.Hour).UTC().Format(time.RFC3339))
	status, resp := f.do("POST", "/api/v1/incidents", f.tokens[medsec.RoleSOCAnalyst], body)
	var inc medsec.Incident
	if status != 201 || json.Unmarshal([]byte(resp), &inc) != nil || inc.SuggestedLevel == inc.Level {
		t.Fatalf("open incident: %d %s", status, resp)
	}
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))
	path := fmt.Sprintf("%s/incidents/%d", f.srv.URL, inc.ID)
	_, _, page := getIn(t, c, path, "zh-TW")
	if !strings.Contains(page, `id="level-suggestion"`) || strings.Contains(page, `id="level-confirmed"`) {
		t.Fatalf("before the confirmation: hint %v, confirmed %v", strings.Contains(page, `id="level-suggestion"`), strings.Contains(page, `id="level-confirmed"`))
	}
	status, _ = postFormIn(t, c, path, url.Values{"action": {"level"}, "version": {fmt.Sprint(inc.Version)}, "level": {"3"}, "reason": {"只影響檢驗模組"}}, "zh-TW")
	if status != 200 && status != 303 {
		t.Fatalf("confirm: %d", status)
	}
	status, resp = f.do("GET", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), f.tokens[medsec.RoleSOCAnalyst], "")
	var after medsec.Incident
	if status != 200 || json.Unmarshal([]byte(resp), &after) != nil || after.LevelConfirmedBy == "" || after.LevelConfirmedAt.IsZero() || after.Level != 3 {
		t.Fatalf("after the confirmation: %d %s", status, resp)
	}
	_, _, page = getIn(t, c, path, "zh-TW")
	want := b.T("zh-TW", "incident.level_confirmed_by", after.LevelConfirmedBy, medsec.ZonedTime(after.LevelConfirmedAt, after.TimeZone), b.T("zh-TW", fmt.Sprint("incident.level.", inc.SuggestedLevel)))
	if strings.Contains(page, `id="level-suggestion"`) || !strings.Contains(page, `<span id="level-confirmed">`+want) {
		t.Errorf("after the confirmation: hint %v, want %q in %q", strings.Contains(page, `id="level-suggestion"`), want, between(page, `id="incident-level"`, "</dd>"))
	}
}

// TestIncidentTaskDoneAtAPI: complete_task takes done_at, when the task was really done;
// the task records it (done_at), and a done_at in the future is refused naming done_at.
func TestIncidentTaskDoneAtAPI(t *testing.T) {
	f := newFixture(t)
	detected := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	body := fmt.Sprintf(`{"site_id": %d, "title": "PACS", "scenario": "ransomware", "detected_at": %q}`, f.assetHQ.SiteID, detected.Format(time.RFC3339))
	status, resp := f.do("POST", "/api/v1/incidents", f.tokens[medsec.RoleSOCAnalyst], body)
	var inc medsec.Incident
	if status != 201 || json.Unmarshal([]byte(resp), &inc) != nil || len(inc.Tasks) == 0 {
		t.Fatalf("open incident: %d %s", status, resp)
	}
	task := inc.Tasks[0].ID
	path := fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	status, resp = f.do("POST", path, f.tokens[medsec.RoleSOCAnalyst], fmt.Sprintf(`{"action": "complete_task", "version": %d, "task_id": %d, "note": "done", "done_at": %q}`, inc.Version, task, future))
	if status != 422 || !strings.Contains(resp, `"done_at"`) {
		t.Errorf("done_at in the future: %d %s", status, resp)
	}
	done := detected.Add(5 * time.Minute)
	status, resp = f.do("POST", path, f.tokens[medsec.RoleSOCAnalyst], fmt.Sprintf(`{"action": "complete_task", "version": %d, "task_id": %d, "note": "done", "done_at": %q}`, inc.Version, task, done.Format(time.RFC3339)))
	var after medsec.Incident
	if status != 200 || json.Unmarshal([]byte(resp), &after) != nil || !after.Tasks[0].DoneAt.Equal(done) {
		t.Errorf("done_at: %d %s", status, resp)
	}
}

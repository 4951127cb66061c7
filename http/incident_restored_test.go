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

// TestIncidentSystemsRestored: a DDoS incident's page shows its patch tasks (003 §4.3.4)
// waiting for the systems restored, and offers "record systems restored"; a time before
// the detection is refused beside the field in the user's language; a right one (typed in
// the site's local time) starts the patch clocks from it, with a timeline entry; the API
// takes the same action, refused to a reader (403) and without a note (422 naming note).
func TestIncidentSystemsRestored(t *testing.T) {
	f := newFixture(t)
	now := time.Now().UTC().Truncate(time.Minute)
	detected := now.Add(-5 * time.Hour)
	inc, page, soc, html := incidentPageAt(t, f, "掛號系統 DDoS", "ddos", 3, detected, "zh-TW")
	if !strings.Contains(html, `id="restored-set"`) || !strings.Contains(html, "記錄系統恢復") {
		t.Fatal("page lacks the systems-restored form")
	}
	if !strings.Contains(html, `data-clock="task.patch-high" data-state="waiting"`) || !strings.Contains(html, "等待系統恢復") {
		t.Errorf("the patch task's clock is not shown waiting for the restoration")
	}
	taipei, _ := time.LoadLocation("Asia/Taipei")
	status, out := postFormIn(t, soc, f.srv.URL+page, url.Values{"version": {fmt.Sprint(inc.Version)}, "action": {"restored"},
		"restored_at": {detected.Add(-time.Hour).In(taipei).Format("2006-01-02T15:04")}, "note": {"掛號恢復"}}, "ja")
	if status != 422 || !strings.Contains(out, "インシデントの検知") {
		t.Errorf("restored before detection: %d %.3000s", status, out)
	}
	restored := now.Add(-time.Hour)
	status, out = postFormIn(t, soc, f.srv.URL+page, url.Values{"version": {fmt.Sprint(inc.Version)}, "action": {"restored"},
		"restored_at": {restored.In(taipei).Format("2006-01-02T15:04")}, "note": {"掛號系統恢復服務"}}, "ja")
	if status != 303 {
		t.Fatalf("restored form: %d %.2000s", status, out)
	}
	inc = readIncident(t, f, inc.ID)
	if !inc.RestoredAt.Equal(restored) {
		t.Errorf("restored %v, want %v", inc.RestoredAt, restored)
	}
	for _, c := range inc.Clocks {
		if c.Key == "task.patch-high" && (!c.Start.Equal(restored) || !c.Due.Equal(restored.Add(24*time.Hour)) || c.Basis != medsec.BasisRestored || c.State != medsec.ClockRunning) {
			t.Errorf("patch-high: %v → %v %s %s", c.Start, c.Due, c.Basis, c.State)
		}
	}
	_, _, html = getIn(t, soc, f.srv.URL+page, "zh-TW")
	if !strings.Contains(html, "系統恢復時間為") || !strings.Contains(html, "掛號系統恢復服務") || strings.Contains(html, `data-state="waiting"`) {
		t.Error("timeline lacks the restoration, or a clock still waits")
	}
	checkMomentAPI(t, f, inc, "restored", "restored_at", restored.Add(30*time.Minute))
}

// TestIncidentPatchMetEarly: a patch task done before the systems restored were recorded
// (003 §4.3.4) shows, once they are, as met early on the page (tagged, in the user's
// language) and in the API (met_early), never late. Was: met with a met time before its
// start and nothing saying so.
func TestIncidentPatchMetEarly(t *testing.T) {
	f := newFixture(t)
	now := time.Now().UTC().Truncate(time.Minute)
	body := fmt.Sprintf(`{"site_id": %d, "title": "PACS 勒索", "scenario": "ransomware", "level": 3, "level_reason": "one system", "detected_at": %q}`,
		f.assetHQ.SiteID, now.Add(-5*time.Hour).Format(time.RFC3339))
	inc := openIncident(t, f, body)
	page := fmt.Sprintf("/incidents/%d", inc.ID)
	var task int64
	for _, tk := range inc.Tasks {
		if tk.Key == "patch-high" {
			task = tk.ID
		}
	}
	act := func(body string) {
		t.Helper()
		status, resp := f.do("POST", "/api/v1"+page+"/actions", f.tokens[medsec.RoleSOCAnalyst], body)
		inc = medsec.Incident{}
		if status != 200 || json.Unmarshal([]byte(resp), &inc) != nil {
			t.Fatalf("%s: %d %.500s", body, status, resp)
		}
	}
	act(fmt.Sprintf(`{"version": %d, "action": "complete_task", "task_id": %d, "note": "已修補"}`, inc.Version, task))
	// Restored a little after the patch was done (within the two minutes a clock may be ahead).
	restored := time.Now().UTC().Add(90 * time.Second).Truncate(time.Second)
	act(fmt.Sprintf(`{"version": %d, "action": "restored", "restored_at": %q, "note": "PACS 恢復"}`, inc.Version, restored.Format(time.RFC3339)))
	for _, c := range inc.Clocks {
		if c.Key == "task.patch-high" && (!c.MetEarly || c.State != medsec.ClockMet || !c.Start.Equal(restored)) {
			t.Errorf("API patch-high: %+v, want met early", c)
		}
	}
	soc := f.session("u-" + string(medsec.RoleSOCAnalyst))
	_, _, html := getIn(t, soc, f.srv.URL+page, "zh-TW")
	if !strings.Contains(html, `<span class="tag met-early">於起算前即已完成（提前）</span>`) || !strings.Contains(html, `data-clock="task.patch-high" data-state="met"`) {
		t.Error("the page does not show the patch task met early")
	}
}

package http_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
)

// TestIncidentAssignTaskAPIAndPage: a scenario template's task is assigned through the API
// (assign_task) by a responder and reassigned on the incident page's form; a reader
// (auditor, vendor) is refused 403 and a user of another site does not find the incident
// (404); a user of another site as the assignee is refused 422 naming assignee, on the page
// in the user's language beside the row's form. Was: the page offered only "done" (bt14e
// #5).
func TestIncidentAssignTaskAPIAndPage(t *testing.T) {
	f := newFixture(t)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	inc, page, soc, out := incidentPageAt(t, f, "勒索軟體", "ransomware", 2, time.Now().Add(-time.Hour), "zh-TW")
	var task *medsec.IncidentTask
	for _, x := range inc.Tasks {
		if x.Key == "isolate-infected" {
			task = x
		}
	}
	if task == nil {
		t.Fatalf("no template task isolate-infected: %+v", inc.Tasks)
	}
	if !strings.Contains(out, `name="action" value="assign_task"><input type="hidden" name="task_id" value="`+fmt.Sprint(task.ID)+`"`) ||
		!strings.Contains(out, ">"+bundle.T("zh-TW", "incident.assign")+"</button>") {
		t.Errorf("the incident page offers no assign form for the template task")
	}
	path := fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID)
	body := func(who string) string {
		return fmt.Sprintf(`{"version": %d, "action": "assign_task", "task_id": %d, "assignee": %q}`, inc.Version, task.ID, who)
	}
	for role, want := range map[medsec.Role]int{medsec.RoleAuditor: 403, medsec.RoleVendor: 403} {
		if status, resp := f.do("POST", path, f.tokens[role], body("王網管")); status != want {
			t.Errorf("%s: %d %s, want %d", role, status, resp, want)
		}
	}
	if status, resp := f.do("POST", path, f.branchCE, body("王網管")); status != 404 {
		t.Errorf("branch user: %d %s, want 404", status, resp)
	}
	if status, resp := f.do("POST", path, f.tokens[medsec.RoleSOCAnalyst], body("branch-ce")); status != 422 || !strings.Contains(resp, "incident.err.assignee_site") {
		t.Errorf("assignee of another site: %d %s, want 422 incident.err.assignee_site", status, resp)
	}
	if status, resp := f.do("POST", path, f.tokens[medsec.RoleSOCAnalyst], body("王網管")); status != 200 || !strings.Contains(resp, `"assignee": "王網管"`) {
		t.Fatalf("assign: %d %.500s", status, resp)
	}
	inc = readIncident(t, f, inc.ID)

	form := url.Values{"version": {fmt.Sprint(inc.Version)}, "action": {"assign_task"}, "task_id": {fmt.Sprint(task.ID)}, "assignee": {"branch-ce"}}
	status, resp := postFormIn(t, soc, f.srv.URL+page, form, "zh-TW")
	if want := bundle.T("zh-TW", "incident.err.assignee_site", "branch-ce"); status != 422 || !strings.Contains(resp, want) {
		t.Errorf("page, assignee of another site: %d, want 422 with %q", status, want)
	}
	form.Set("assignee", "u-"+string(medsec.RoleITOperations))
	if status, resp := postFormIn(t, soc, f.srv.URL+page, form, "zh-TW"); status != 303 {
		t.Fatalf("page, reassign: %d %.500s", status, resp)
	}
	_, _, out = getIn(t, soc, f.srv.URL+page, "zh-TW")
	if want := bundle.T("zh-TW", "incident.tl.task_reassigned", bundle.T("zh-TW", "incident.task.isolate-infected"), "王網管", "u-"+string(medsec.RoleITOperations)); !strings.Contains(out, want) {
		t.Errorf("timeline lacks %q", want)
	}
	if !strings.Contains(out, ">"+bundle.T("zh-TW", "incident.reassign")+"</button>") {
		t.Errorf("an assigned task's form does not say reassign")
	}
	// The timeline entry's kind reads in the language, not as its key (bt14f LOW).
	if !bundle.Has("timeline.task.assigned") || strings.Contains(out, "timeline.task.assigned") || !strings.Contains(out, bundle.T("zh-TW", "timeline.task.assigned")) {
		t.Errorf("the timeline shows the assignment's kind raw")
	}
}

// TestIncidentCloseTasksAndUnmetPage: the close form of a real incident whose template
// tasks are open is refused (422) naming each task in the user's language; a drill closed
// early with its duties not done closes, and the ledger — page, JSON, CSV — counts its
// unmet duties in their own column (bt14e #6, #7).
func TestIncidentCloseTasksAndUnmetPage(t *testing.T) {
	f := newFixture(t)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	so := f.tokens[medsec.RoleSecurityOfficer]
	ready := func(inc medsec.Incident) medsec.Incident {
		t.Helper()
		act := func(body string) {
			t.Helper()
			status, resp := f.do("POST", fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID), so, fmt.Sprintf(`{"version": %d, %s}`, inc.Version, body))
			if status != 200 {
				t.Fatalf("%s: %d %.300s", body, status, resp)
			}
			inc = readIncident(t, f, inc.ID)
		}
		for _, it := range inc.Checklist {
			act(fmt.Sprintf(`"action": "waive_item", "key": %q, "reason": "test"`, it.Key))
		}
		act(`"action": "record", "cause": "c", "actions": "a", "result": "r"`)
		return inc
	}
	inc, page, soc, _ := incidentPageAt(t, f, "勒索軟體", "ransomware", 2, time.Now().Add(-time.Hour), "zh-TW")
	inc = ready(inc)
	form := url.Values{"version": {fmt.Sprint(inc.Version)}, "action": {"close"}, "declared_by": {"江文雄"}}
	status, resp := postFormIn(t, soc, f.srv.URL+page, form, "zh-TW")
	var keys i18n.Keys
	for _, task := range inc.Tasks {
		keys = append(keys, "incident.task."+task.Key)
	}
	if want := bundle.T("zh-TW", "incident.err.tasks_open", keys); status != 422 || !strings.Contains(resp, want) {
		t.Errorf("close with the template's tasks open: %d, want 422 with %q", status, want)
	}

	drill := openIncident(t, f, fmt.Sprintf(`{"site_id": %d, "title": "演練", "scenario": "ransomware", "drill": true, "level": 2, "level_reason": "演練"}`, f.assetHQ.SiteID))
	drill = ready(drill)
	if status, resp := f.do("POST", fmt.Sprintf("/api/v1/incidents/%d/actions", drill.ID), so,
		fmt.Sprintf(`{"version": %d, "action": "close", "declared_by": "江文雄"}`, drill.Version)); status != 200 || !strings.Contains(resp, `"state": "unmet"`) {
		t.Fatalf("close the drill early: %d %.500s", status, resp)
	}
	status, resp = f.do("GET", "/api/v1/incidents/ledger?drill=yes", f.tokens[medsec.RoleAuditor], "")
	if status != 200 || !strings.Contains(resp, `"clocks_unmet": `) || strings.Contains(resp, `"clocks_unmet": 0`) {
		t.Errorf("ledger JSON: %d %.800s", status, resp)
	}
	status, resp = f.do("GET", "/api/v1/incidents/ledger?drill=yes&format=csv", f.tokens[medsec.RoleAuditor], "")
	if status != 200 || !strings.Contains(resp, ","+bundle.T("en", "incident.clocks_unmet")+",") {
		t.Errorf("ledger CSV lacks the unmet column: %d %.300s", status, resp)
	}
	_, _, out := getIn(t, soc, f.srv.URL+"/incidents/ledger", "zh-TW")
	if !strings.Contains(out, "<th>"+bundle.T("zh-TW", "incident.clocks_unmet")+"</th>") || !strings.Contains(out, `<td class="clocks-unmet"><span class="tag overdue">`) {
		t.Errorf("ledger page lacks the drill's unmet duties")
	}
	// The export links of a filtered ledger page keep its filter (bt14f M4: the drills'
	// page exported every incident).
	_, _, out = getIn(t, soc, f.srv.URL+"/incidents/ledger?drill=yes", "zh-TW")
	if !strings.Contains(out, `href="/incidents/ledger/export?drill=yes&amp;format=csv" id="ledger-csv"`) {
		t.Fatalf("the drills' ledger page's CSV link does not keep the filter")
	}
	_, _, csv := getIn(t, soc, f.srv.URL+"/incidents/ledger/export?drill=yes&format=csv", "zh-TW")
	if rows := strings.Split(strings.TrimSpace(csv), "\n"); len(rows) != 2 || !strings.HasPrefix(rows[1], fmt.Sprintf("%d,", drill.ID)) {
		t.Errorf("the drills' CSV export, want the drill alone: %.600s", csv)
	}
}

// completeTasks completes, as the security officer, every task of incident id's scenario
// template not done (they hold the close) and returns the incident's version after.
func completeTasks(t *testing.T, f *fixture, id int64) int64 {
	t.Helper()
	inc := readIncident(t, f, id)
	for _, task := range inc.Tasks {
		if task.Key == "" || task.Lesson || !task.DoneAt.IsZero() {
			continue
		}
		status, resp := f.do("POST", fmt.Sprintf("/api/v1/incidents/%d/actions", id), f.tokens[medsec.RoleSecurityOfficer],
			fmt.Sprintf(`{"version": %d, "action": "complete_task", "task_id": %d, "note": "test: done"}`, inc.Version, task.ID))
		if status != 200 {
			t.Fatalf("complete %s: %d %.300s", task.Key, status, resp)
		}
		inc.Version++
	}
	return inc.Version
}

package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// openIncident opens an incident through the API as the SOC analyst (body the create
// request) and returns it.
func openIncident(t *testing.T, f *fixture, body string) medsec.Incident {
	t.Helper()
	status, resp := f.do("POST", "/api/v1/incidents", f.tokens[medsec.RoleSOCAnalyst], body)
	var inc medsec.Incident
	if status != 201 || json.Unmarshal([]byte(resp), &inc) != nil {
		t.Fatalf("open incident: %d %s", status, resp)
	}
	return inc
}

// incidentPageAt opens an incident at the HQ site (title, scenario, level) detected at
// detected, and returns it with its page's path, the SOC analyst's browser session and the
// page as it reads in lang.
func incidentPageAt(t *testing.T, f *fixture, title, scenario string, level int, detected time.Time, lang string) (medsec.Incident, string, *http.Client, string) {
	t.Helper()
	inc := openIncident(t, f, fmt.Sprintf(`{"site_id": %d, "title": %q, "scenario": %q, "level": %d, "level_reason": "as the plan says", "detected_at": %q}`,
		f.assetHQ.SiteID, title, scenario, level, detected.Format(time.RFC3339)))
	page := fmt.Sprintf("/incidents/%d", inc.ID)
	soc := f.session("u-" + string(medsec.RoleSOCAnalyst))
	_, _, out := getIn(t, soc, f.srv.URL+page, lang)
	return inc, page, soc, out
}

// readIncident reads an incident back through the API as the SOC analyst.
func readIncident(t *testing.T, f *fixture, id int64) medsec.Incident {
	t.Helper()
	_, resp := f.do("GET", fmt.Sprintf("/api/v1/incidents/%d", id), f.tokens[medsec.RoleSOCAnalyst], "")
	var inc medsec.Incident
	if err := json.Unmarshal([]byte(resp), &inc); err != nil {
		t.Fatalf("read incident %d: %v %.300s", id, err, resp)
	}
	return inc
}

// setSiteZone sets the time zone of the site of the fixture's HQ asset.
func setSiteZone(t *testing.T, f *fixture, zone string) {
	t.Helper()
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	org := sqlstore.NewOrgService(f.db)
	sites, err := org.FindSites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range sites {
		if x.ID == f.assetHQ.SiteID {
			x.TimeZone = zone
			if err := org.UpdateSite(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// checkMomentAPI checks an incident moment's API action (occurrence: occurred_at;
// restored: restored_at) set to at: refused to a reader (403), without a note (422 naming
// note), taken from a responder with the time in the answer.
func checkMomentAPI(t *testing.T, f *fixture, inc medsec.Incident, action, field string, at time.Time) {
	t.Helper()
	act := func(role medsec.Role, note string) (int, string) {
		return f.do("POST", fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID), f.tokens[role], fmt.Sprintf(`{"version": %d, "action": %q, %q: %q, "note": %q}`,
			inc.Version, action, field, at.Format(time.RFC3339), note))
	}
	if status, resp := act(medsec.RoleAuditor, "log"); status != 403 {
		t.Errorf("auditor: %d %s", status, resp)
	}
	if status, resp := act(medsec.RoleSOCAnalyst, ""); status != 422 || !strings.Contains(resp, `"note"`) {
		t.Errorf("no note: %d %s", status, resp)
	}
	if status, resp := act(medsec.RoleSOCAnalyst, "from the change record"); status != 200 || !strings.Contains(resp, at.Format(time.RFC3339)) {
		t.Errorf("API %s: %d %.500s", action, status, resp)
	}
}

// TestIncidentActionErrorsNameSentFields: each refusal of an incident action names the JSON
// field the client sent (bt14 #8: "clock" for clock_id, "asset_ids" for asset_id, "evidence"
// for sha256, "action" for custody_action, "task" for task_id), and a time sent as the
// zero time says so rather than "required".
func TestIncidentActionErrorsNameSentFields(t *testing.T) {
	f := newFixture(t)
	inc := openIncident(t, f, fmt.Sprintf(`{"site_id": %d, "title": "HIS", "scenario": "ransomware", "level": 3, "level_reason": "one system"}`, f.assetHQ.SiteID))
	act := func(body string) (int, string) {
		t.Helper()
		inc = readIncident(t, f, inc.ID)
		return f.do("POST", fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID), f.tokens[medsec.RoleSOCAnalyst],
			fmt.Sprintf(`{"version": %d, %s}`, inc.Version, body))
	}
	var clock, task int64
	for _, c := range inc.Clocks {
		if c.Key == "first-report" || clock == 0 {
			clock = c.ID
		}
	}
	task = inc.Tasks[0].ID
	if status, resp := act(fmt.Sprintf(`"action": "meet_clock", "clock_id": %d, "note": "done"`, clock)); status != 200 {
		t.Fatalf("meet clock: %d %.300s", status, resp)
	}
	if status, resp := act(fmt.Sprintf(`"action": "complete_task", "task_id": %d, "note": "done"`, task)); status != 200 {
		t.Fatalf("complete task: %d %.300s", status, resp)
	}
	zero := "0001-01-01T00:00:00Z"
	for name, c := range map[string]struct{ body, field, key string }{
		"clock met twice":       {fmt.Sprintf(`"action": "meet_clock", "clock_id": %d, "note": "again"`, clock), "clock_id", "incident.err.clock_done"},
		"task done twice":       {fmt.Sprintf(`"action": "complete_task", "task_id": %d, "note": "again"`, task), "task_id", "incident.err.task_done"},
		"asset of another site": {fmt.Sprintf(`"action": "asset", "asset_id": %d`, f.assetBR.ID), "asset_id", "incident.err.asset_site"},
		"unknown file":          {fmt.Sprintf(`"action": "evidence", "sha256": %q`, strings.Repeat("ab", 32)), "sha256", "err.bad_evidence"},
		"custody action":        {fmt.Sprintf(`"action": "custody", "sha256": %q, "custody_action": "burnt"`, strings.Repeat("ab", 32)), "custody_action", "err.invalid"},
		"zero occurrence":       {fmt.Sprintf(`"action": "occurrence", "occurred_at": %q, "note": "x"`, zero), "occurred_at", "incident.err.time_zero"},
		"zero restoration":      {fmt.Sprintf(`"action": "restored", "restored_at": %q, "note": "x"`, zero), "restored_at", "incident.err.time_zero"},
		"zero met time":         {fmt.Sprintf(`"action": "meet_clock", "clock_id": %d, "met_at": %q`, clock, zero), "met_at", "incident.err.time_zero"},
	} {
		status, resp := act(c.body)
		var e struct {
			Errors []struct{ Field, Key string } `json:"errors"`
		}
		json.Unmarshal([]byte(resp), &e)
		if status != 422 || len(e.Errors) == 0 || e.Errors[0].Field != c.field || e.Errors[0].Key != c.key {
			t.Errorf("%s: %d %.400s, want 422 naming %s (%s)", name, status, resp, c.field, c.key)
		}
	}
	// Left out, the occurrence is still "required".
	if status, resp := act(`"action": "occurrence", "note": "x"`); status != 422 || !strings.Contains(resp, `"err.required"`) {
		t.Errorf("occurrence left out: %d %.300s", status, resp)
	}
}

// TestIncidentLogSearchRepeatedHour: the incident page's sealed-log search refuses a time
// in the hour the clocks pass twice (Europe/Berlin, 2026-10-25 02:30) as the incident's
// forms do (TestIncidentTimeInRepeatedHour), naming both offsets and offering the choice;
// chosen, the search runs. A time the clocks skip is refused too. Was: silently the
// earlier of the two.
func TestIncidentLogSearchRepeatedHour(t *testing.T) {
	f := newFixture(t)
	setSiteZone(t, f, "Europe/Berlin")
	inc := openIncident(t, f, fmt.Sprintf(`{"site_id": %d, "title": "Ausfall KIS", "level": 3, "level_reason": "one system"}`, f.assetHQ.SiteID))
	soc := f.session("u-" + string(medsec.RoleSOCAnalyst))
	page := fmt.Sprintf("%s/incidents/%d?logq=nurse1&logfrom=", f.srv.URL, inc.ID)
	status, _, out := getIn(t, soc, page+"2026-10-25T02:30", "zh-TW")
	out = html.UnescapeString(out)
	if status != 422 || !strings.Contains(out, "在時區 Europe/Berlin 中出現兩次") || !strings.Contains(out, `name="logfrom_offset"`) || strings.Contains(out, `id="log-hits"`) {
		i := max(0, strings.Index(out, `id="log-search"`)-3000)
		t.Errorf("repeated hour without a choice: %d %.5000s", status, out[i:])
	}
	if status, _, out := getIn(t, soc, page+"2026-10-25T02:30&logfrom_offset=%2B01:00", "zh-TW"); status != 200 || !strings.Contains(out, `value="2026-10-25T02:30"`) {
		t.Errorf("with the later offset: %d", status)
	}
	if status, _, _ := getIn(t, soc, page+"2026-03-29T02:30", "en"); status != 422 {
		t.Errorf("skipped hour: %d, want 422", status)
	}
}

package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestIncidentJoinChosenAlert: the alert page offers the open incidents of the alert's
// site (not another site's) for the alert to join; joining one there redirects to the
// incident, whose page shows the alert joined, and the alert page then links the
// incident, and offers no join any more: an alert answers one incident, so the API
// refuses it to another incident; it joins another alert to the incident the caller
// names, and refuses a closed or another site's incident naming incident_id.
func TestIncidentJoinChosenAlert(t *testing.T) {
	f := newFixture(t)
	soc := f.tokens[medsec.RoleSOCAnalyst]
	create := func(siteID int64, title string) int64 {
		t.Helper()
		status, resp := f.do("POST", "/api/v1/incidents", soc, fmt.Sprintf(`{"site_id": %d, "title": %q, "level": 4}`, siteID, title))
		if status != 201 {
			t.Fatalf("create: %d %s", status, resp)
		}
		var inc medsec.Incident
		json.Unmarshal([]byte(resp), &inc)
		return inc.ID
	}
	first := create(f.assetHQ.SiteID, "Suspicious logins at HQ")
	second := create(f.assetHQ.SiteID, "CT-01 slow")
	branch := create(f.assetBR.SiteID, "Branch outage")
	al := raiseAssetAlert(t, f.db, f.assetHQ)
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))
	page := f.page(c, fmt.Sprintf("/alerts/%d", al.ID), "en")
	form := regexp.MustCompile(`(?s)<form[^>]*id="alert-join-incident".*?</form>`).FindString(page)
	if !strings.Contains(form, fmt.Sprintf(`value="%d"`, first)) || !strings.Contains(form, fmt.Sprintf(`value="%d"`, second)) ||
		strings.Contains(form, fmt.Sprintf(`value="%d"`, branch)) || !strings.Contains(form, "Join incident") {
		t.Fatalf("join form on the alert page:\n%s", form)
	}
	status, _ := f.postForm("/incidents/from-alert", medsec.RoleSOCAnalyst, fmt.Sprintf("alert_id=%d&incident_id=%d", al.ID, first))
	if status != 303 {
		t.Fatalf("join from the alert page: %d", status)
	}
	inc := f.page(c, fmt.Sprintf("/incidents/%d", first), "en")
	if !strings.Contains(inc, fmt.Sprintf(`href="/alerts/%d"`, al.ID)) || !strings.Contains(inc, fmt.Sprintf("Alert #%d joined", al.ID)) {
		t.Errorf("incident page does not link the alert or show it joined in the timeline")
	}
	page = f.page(c, fmt.Sprintf("/alerts/%d", al.ID), "en")
	if !strings.Contains(page, fmt.Sprintf(`href="/incidents/%d"`, first)) {
		t.Errorf("alert page does not link the incident it joined")
	}

	// The alert answers that incident: no second one takes it (t14 break-test 3).
	status, resp := f.do("POST", "/api/v1/incidents/from-alert", soc, fmt.Sprintf(`{"alert_id": %d, "incident_id": %d}`, al.ID, second))
	if status != 422 || !strings.Contains(resp, fmt.Sprintf("already answers incident #%d", first)) {
		t.Errorf("API join of an alert already in an incident: %d %.300s", status, resp)
	}
	if page = f.page(c, fmt.Sprintf("/alerts/%d", al.ID), "en"); strings.Contains(page, `id="alert-join-incident"`) {
		t.Errorf("the alert page offers to join an alert already in an incident")
	}
	other := *al
	other.ID, other.DedupKey = 0, al.DedupKey+"|other"
	if _, err := sqlstore.NewDetectionService(f.db).RaiseAlert(medsec.NewContextWithUser(context.Background(), medsec.SystemUser), &other); err != nil {
		t.Fatal(err)
	}
	status, resp = f.do("POST", "/api/v1/incidents/from-alert", soc, fmt.Sprintf(`{"alert_id": %d, "incident_id": %d}`, other.ID, second))
	if status != 200 || !strings.Contains(resp, `"joined": true`) || !strings.Contains(resp, fmt.Sprintf(`"id": %d`, second)) {
		t.Errorf("API join: %d %.300s", status, resp)
	}
	status, resp = f.do("POST", "/api/v1/incidents/from-alert", soc, fmt.Sprintf(`{"alert_id": %d, "incident_id": %d}`, al.ID, branch))
	if status != 422 || !strings.Contains(resp, `"incident_id"`) {
		t.Errorf("API join to another site's incident: %d %.300s", status, resp)
	}
	status, _ = f.do("POST", "/api/v1/incidents/from-alert", f.branchCE, fmt.Sprintf(`{"alert_id": %d, "incident_id": %d}`, al.ID, branch))
	if status != 404 {
		t.Errorf("branch engineer joins an HQ alert: %d, want 404", status)
	}
}

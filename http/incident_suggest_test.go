package http_test

import (
	"fmt"
	"strings"
	"testing"

	"medsec"
)

// TestIncidentSuggestRefusesMinutesOfNoOutage: a suggestion asked for 500 minutes of an
// outage of nothing (outage "none", no affected asset) is refused naming outage_minutes in
// the caller's language, not answered 200 (bt14h #6); the same minutes with an affected
// asset take the scope from it and are answered.
func TestIncidentSuggestRefusesMinutesOfNoOutage(t *testing.T) {
	f := newFixture(t)
	auditor := f.tokens[medsec.RoleAuditor]
	body := fmt.Sprintf(`{"site_id": %d, "title": "x", "outage": "none", "outage_minutes": 500}`, f.assetHQ.SiteID)
	status, resp := f.do("POST", "/api/v1/incidents/suggest", auditor, body)
	if status != 422 || !strings.Contains(resp, `"field": "outage_minutes"`) || !strings.Contains(resp, "incident.err.minutes_without_outage") {
		t.Errorf("500 minutes of no outage: %d %s, want 422 on outage_minutes", status, resp)
	}
	body = fmt.Sprintf(`{"site_id": %d, "title": "x", "outage": "none", "outage_minutes": 500, "asset_ids": [%d]}`, f.assetHQ.SiteID, f.assetHQ.ID)
	if status, resp := f.do("POST", "/api/v1/incidents/suggest", auditor, body); status != 200 {
		t.Errorf("500 minutes of an affected asset: %d %s, want 200", status, resp)
	}
}

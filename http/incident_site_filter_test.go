package http_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"medsec"
)

// TestIncidentLedgerSiteID: the incident list and the ledger take site_id, as every other
// list of the API does (site, the older name, still works): only that site's incidents.
// Was: site_id was ignored and the ledger answered every site's incidents.
func TestIncidentLedgerSiteID(t *testing.T) {
	f := newFixture(t)
	at := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, site := range []int64{f.assetHQ.SiteID, f.assetBR.SiteID} {
		body := fmt.Sprintf(`{"site_id": %d, "title": "site %d", "detected_at": %q}`, site, site, at)
		if status, resp := f.do("POST", "/api/v1/incidents", f.tokens[medsec.RoleSecurityOfficer], body); status != 201 {
			t.Fatalf("open: %d %s", status, resp)
		}
	}
	for _, q := range []string{"site_id", "site"} {
		for _, path := range []string{"/api/v1/incidents/ledger", "/api/v1/incidents"} {
			status, resp := f.do("GET", fmt.Sprintf("%s?%s=%d", path, q, f.assetBR.SiteID), f.tokens[medsec.RoleSecurityOfficer], "")
			var got struct {
				Items []struct {
					SiteID int64 `json:"site_id"`
				} `json:"items"`
			}
			if status != 200 || json.Unmarshal([]byte(resp), &got) != nil || len(got.Items) != 1 || got.Items[0].SiteID != f.assetBR.SiteID {
				t.Errorf("%s?%s: %d %s", path, q, status, resp)
			}
		}
	}
}

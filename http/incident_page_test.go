package http_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"medsec"
)

// TestIncidentListPage: GET /api/v1/incidents answers the page offset and limit ask for,
// newest first, with the total of every incident the filter selects; a limit or offset
// out of the spec's bounds is refused naming it.
func TestIncidentListPage(t *testing.T) {
	f := newFixture(t)
	soc := f.tokens[medsec.RoleSOCAnalyst]
	for i := range 3 {
		if status, resp := f.do("POST", "/api/v1/incidents", soc, fmt.Sprintf(`{"site_id": %d, "title": "incident %d", "level": 4}`, f.assetHQ.SiteID, i)); status != 201 {
			t.Fatalf("create: %d %s", status, resp)
		}
	}
	page := func(query string) (titles []string, total int) {
		t.Helper()
		status, resp := f.do("GET", "/api/v1/incidents"+query, soc, "")
		if status != 200 {
			t.Fatalf("GET %s: %d %s", query, status, resp)
		}
		var out struct {
			Items []medsec.Incident `json:"items"`
			Total int               `json:"total"`
		}
		if err := json.Unmarshal([]byte(resp), &out); err != nil {
			t.Fatal(err)
		}
		for _, inc := range out.Items {
			titles = append(titles, inc.Title)
		}
		return titles, out.Total
	}
	if got, total := page("?limit=2"); strings.Join(got, ",") != "incident 2,incident 1" || total != 3 {
		t.Errorf("limit=2: %v total %d", got, total)
	}
	if got, total := page("?limit=2&offset=2"); strings.Join(got, ",") != "incident 0" || total != 3 {
		t.Errorf("limit=2&offset=2: %v total %d", got, total)
	}
	if got, total := page(""); len(got) != 3 || total != 3 {
		t.Errorf("no page asked: %v total %d", got, total)
	}
	for _, q := range []string{"limit=0", "limit=1001", "offset=-1"} {
		status, resp := f.do("GET", "/api/v1/incidents?"+q, soc, "")
		if name := strings.Split(q, "=")[0]; status != 422 || !strings.Contains(resp, `"`+name+`"`) {
			t.Errorf("%s: %d %.200s, want 422 naming %s", q, status, resp, name)
		}
	}
}

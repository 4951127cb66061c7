package http_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestSensorsPageAndAPI lists the site sensors through the API and the page: a user of
// every site sees both sites' sensors with their state, a branch user only the branch's,
// the page is in the reader's language, and a vendor may not read them at all.
func TestSensorsPageAndAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newScopeFixture(t, engine)
		user := func(name string) *scopeUser {
			for _, u := range f.users {
				if u.user.Username == name {
					return u
				}
			}
			t.Fatalf("no user %s", name)
			return nil
		}
		hq, br := f.sensors[f.sites[0].ID], f.sensors[f.sites[1].ID]
		status, body := f.get(user("all-soc-analyst"), "/api/v1/sensors", false)
		if status != 200 || !strings.Contains(body, hq) || !strings.Contains(body, br) || !strings.Contains(body, `"state": "ok"`) || !strings.Contains(body, `"connected": true`) {
			t.Errorf("all sites: %d %s", status, body)
		}
		status, body = f.get(user("br-soc-analyst"), "/api/v1/sensors", false)
		if status != 200 || strings.Contains(body, hq) || !strings.Contains(body, br) {
			t.Errorf("branch: %d %s", status, body)
		}
		status, body = f.get(user("br-soc-analyst"), fmt.Sprintf("/api/v1/sensors?site_id=%d", f.sites[1].ID), false)
		if status != 200 || !strings.Contains(body, br) {
			t.Errorf("branch, its site: %d %s", status, body)
		}
		if status, _ := f.get(user("br-soc-analyst"), fmt.Sprintf("/api/v1/sensors?site_id=%d", f.sites[0].ID), false); status != 404 {
			t.Errorf("branch, the main site: %d, want 404", status)
		}
		if status, _ := f.get(user("all-vendor"), "/api/v1/sensors", false); status != 403 {
			t.Errorf("vendor: %d, want 403", status)
		}
		status, body = f.get(user("br-auditor"), "/logs/sensors", true)
		if status != 200 || !strings.Contains(body, br) || strings.Contains(body, hq) || !strings.Contains(body, "Site sensors") {
			t.Errorf("page: %d", status)
		}
	})
}

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

// TestMetricsRoute reads GET /metrics as each kind of caller: the administrator and the
// auditor of every site get the Prometheus text, an auditor limited to a site and roles
// without metrics:read are refused, and a caller without a token must log in.
func TestMetricsRoute(t *testing.T) {
	f := newScopeFixture(t, "sqlite")
	for _, tc := range []struct {
		user string
		want int
	}{{"all-admin", 200}, {"all-auditor", 200}, {"br-auditor", 403}, {"all-soc-analyst", 403}, {"all-leadership", 403}, {"all-vendor", 403}} {
		var u *scopeUser
		for _, x := range f.users {
			if x.user.Username == tc.user {
				u = x
			}
		}
		if u == nil {
			t.Fatalf("no user %s", tc.user)
		}
		status, body := doAs(t, f.srv.URL, "GET", "/metrics", u.token, "")
		if status != tc.want {
			t.Errorf("%s: %d, want %d", tc.user, status, tc.want)
		}
		if tc.want == 200 && !strings.Contains(body, "medsec_central_batches_failed_total 0") {
			t.Errorf("%s: body %q", tc.user, body)
		}
	}
	if status, _ := doAs(t, f.srv.URL, "GET", "/metrics", "", ""); status != 401 {
		t.Errorf("anonymous: %d, want 401", status)
	}
}

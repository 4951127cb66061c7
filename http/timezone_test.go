package http_test

import (
	"encoding/json"
	"fmt"
	stdhtml "html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"medsec"
)

// TestTimeZones checks on both engines that a site's time zone follows its jurisdiction
// unless set, that unknown zones and jurisdictions are refused naming the field, that pages
// show times in the zone of the user's first site with the offset, that a user's own zone
// wins and is kept, that the audit export carries ISO 8601 times with that offset, and
// that a site's zone changes through PUT /api/v1/sites/{id} with an audit row.
func TestTimeZones(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixtureOn(t, openEngine(t, engine))
		admin := f.tokens[medsec.RoleAdmin]
		code, body := f.do("POST", "/api/v1/sites", admin, `{"code":"JP","name":"東京分院","jurisdiction":"JP"}`)
		var jp medsec.Site
		if code != http.StatusCreated || json.Unmarshal([]byte(body), &jp) != nil || jp.Jurisdiction != medsec.JurisdictionJP || jp.Zone() != "Asia/Tokyo" {
			t.Fatalf("create a site in Japan: %d %s", code, body)
		}
		for _, tt := range []struct{ body, field string }{
			{`{"code":"X","name":"X","time_zone":"Mars/Olympus"}`, "time_zone"},
			{`{"code":"Y","name":"Y","jurisdiction":"KR"}`, "jurisdiction"},
		} {
			if code, body := f.do("POST", "/api/v1/sites", admin, tt.body); code != http.StatusUnprocessableEntity || !strings.Contains(body, `"`+tt.field+`"`) {
				t.Errorf("POST %s: %d %s, want 422 naming %s", tt.body, code, body, tt.field)
			}
		}
		var sites struct {
			Items []medsec.Site `json:"items"`
		}
		_, body = f.do("GET", "/api/v1/sites", admin, "")
		if err := json.Unmarshal([]byte(body), &sites); err != nil {
			t.Fatal(err)
		}
		var hq medsec.Site
		for _, s := range sites.Items {
			if s.Code == "HQ" {
				hq = s
			}
		}
		if hq.Jurisdiction != medsec.JurisdictionTW || hq.Zone() != "Asia/Taipei" {
			t.Fatalf("a site created without jurisdiction: %+v", hq)
		}
		c := f.session("u-admin")
		page := func(path string) string {
			t.Helper()
			resp, err := c.Get(f.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", path, resp.StatusCode)
			}
			return string(b)
		}
		setZone := func(zone string) {
			t.Helper()
			resp, err := c.PostForm(f.srv.URL+"/account/timezone", url.Values{"time_zone": {zone}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("set time zone %q: %d", zone, resp.StatusCode)
			}
		}
		shown := regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ([+-]\d\d:\d\d)`)
		offsets := func(page string) map[string]bool {
			out := map[string]bool{}
			for _, m := range shown.FindAllStringSubmatch(stdhtml.UnescapeString(page), -1) {
				out[m[1]] = true
			}
			return out
		}
		// The first site, HQ in Taiwan, sets the zone of a user of every site.
		if got := offsets(page("/audit")); !got["+08:00"] || len(got) != 1 {
			t.Errorf("audit trail in Taipei time: offsets %v", got)
		}
		// The user's own zone wins, on pages and in the export.
		setZone("Asia/Tokyo")
		if got := offsets(page("/audit")); !got["+09:00"] || len(got) != 1 {
			t.Errorf("audit trail in the user's zone, Tokyo: offsets %v", got)
		}
		if exp := page("/audit/export"); !regexp.MustCompile(`\n\d+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00,`).MatchString(exp) || strings.Contains(exp, "Z,") {
			t.Errorf("audit export times are not ISO 8601 with +09:00:\n%.400s", exp)
		}
		if !strings.Contains(page("/account"), `<option value="Asia/Tokyo" selected>`) {
			t.Errorf("the account page does not show the chosen zone")
		}
		// A site's own zone overrides its jurisdiction's, through the API, audited.
		code, body = f.do("PUT", fmt.Sprintf("/api/v1/sites/%d", hq.ID), admin, `{"code":"HQ","name":"本院","jurisdiction":"TW","time_zone":"UTC"}`)
		var got medsec.Site
		if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.TimeZone != "UTC" {
			t.Fatalf("PUT site: %d %s", code, body)
		}
		if _, body := f.do("GET", "/api/v1/audit?action=site.update", admin, ""); !regexp.MustCompile(`"total": ?1,`).MatchString(body) {
			t.Errorf("site.update audit rows: %s", body)
		}
		setZone("")
		if got := offsets(page("/audit")); !got["+00:00"] || len(got) != 1 {
			t.Errorf("back to the sites' zone, HQ now UTC: offsets %v", got)
		}
		if code, _ := f.do("PUT", fmt.Sprintf("/api/v1/sites/%d", hq.ID), f.tokens[medsec.RoleSecurityOfficer], `{"code":"HQ","name":"本院"}`); code != http.StatusForbidden {
			t.Errorf("a security officer changed a site: %d", code)
		}
	})
}

package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"medsec"
	"medsec/internal/slapdtest"
)

// TestDirectoryLoginEndToEnd configures directory login through the API as an
// unrestricted administrator, logs a directory user in through the login form against a
// real slapd, and checks the users page, the directory page in every language, the lookup,
// and who may not touch the settings.
func TestDirectoryLoginEndToEnd(t *testing.T) {
	ldap := slapdtest.Start(t)
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	set := ldap.Settings()
	set.StartTLS, set.CAFile = true, ldap.CAFile
	set.Mappings = []medsec.DirectoryMapping{{Group: slapdtest.GroupEngineers, Role: medsec.RoleClinicalEngineer}}
	body, _ := json.Marshal(set)

	for _, who := range []string{f.tokens[medsec.RoleSecurityOfficer], f.tokens[medsec.RoleAuditor], f.branchCE} {
		if status, _ := f.do("PUT", "/api/v1/directory", who, string(body)); status != http.StatusForbidden {
			t.Errorf("PUT by a non-admin: %d, want 403", status)
		}
	}
	status, resp := f.do("PUT", "/api/v1/directory", admin, string(body))
	if status != 200 || strings.Contains(resp, slapdtest.ServicePassword) || !strings.Contains(resp, `"bind_password_set": true`) {
		t.Fatalf("PUT: %d %s", status, resp)
	}
	if status, resp := f.do("PUT", "/api/v1/directory", admin, `{"enabled":true,"url":"http://x","base_dn":""}`); status != 422 || !strings.Contains(resp, "url") || !strings.Contains(resp, "base_dn") {
		t.Errorf("bad settings: %d %s", status, resp)
	}
	status, resp = f.do("POST", "/api/v1/directory/lookup", admin, `{"username":"bob"}`)
	if status != 200 || !strings.Contains(resp, slapdtest.GroupEngineers) || !strings.Contains(resp, `"role": "clinical-engineer"`) {
		t.Errorf("lookup: %d %s", status, resp)
	}
	if status, _ := f.do("POST", "/api/v1/directory/lookup", admin, `{"username":"mallory"}`); status != 404 {
		t.Errorf("lookup of an unknown name: %d", status)
	}

	login := func(user, password string) (*http.Client, int) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.PostForm(f.srv.URL+"/login", url.Values{"username": {user}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return c, resp.StatusCode
	}
	bob, status := login("bob", slapdtest.People["bob"].Password)
	if status != http.StatusSeeOther {
		t.Fatalf("directory login: %d", status)
	}
	page := func(c *http.Client, path, lang string) (int, string) {
		req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
		if lang != "" {
			req.AddCookie(&http.Cookie{Name: "medsec_lang", Value: lang})
			req.Header.Set("Accept-Language", lang)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := page(bob, "/account", "en"); status != 200 || !strings.Contains(body, "directory") || strings.Contains(body, `action="/account/password"`) {
		t.Errorf("directory user's account page: %d, password form shown or directory not said", status)
	}
	if _, status := login("carol", slapdtest.People["carol"].Password); status == http.StatusSeeOther {
		t.Error("a user in no mapped group logged in")
	}
	if _, status := login("u-admin", testPassword); status != http.StatusSeeOther {
		t.Error("a local user could not log in with directory login on")
	}

	adminUI := f.session("u-admin")
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		status, body := page(adminUI, "/users/directory", lang)
		if status != 200 || !strings.Contains(body, slapdtest.GroupEngineers) || strings.Contains(body, slapdtest.ServicePassword) {
			t.Errorf("%s: directory page %d", lang, status)
		}
	}
	if _, body := page(adminUI, "/users", "en"); !strings.Contains(body, ">Directory</span>") {
		t.Error("users page does not mark bob as a directory user")
	}
	if status, _ := page(f.session("branch-ce"), "/users/directory", "en"); status != http.StatusForbidden {
		t.Errorf("clinical engineer on the directory page: %d", status)
	}
	// The mapping form adds a mapping; the lookup form shows the access it gives.
	post := func(path string, form url.Values) (int, string) {
		resp, err := adminUI.PostForm(f.srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, _ := post("/users/directory/mappings", url.Values{"group": {slapdtest.GroupSecurity}, "role": {"security-officer"}, "vendor_id": {"0"}}); status != http.StatusSeeOther {
		t.Fatalf("add mapping: %d", status)
	}
	if status, body := post("/users/directory/lookup", url.Values{"lookup": {"alice"}}); status != 200 || !strings.Contains(body, "Security officer") {
		t.Errorf("lookup form: %d", status)
	}
	if status, _ := post("/users/directory/mappings/7/delete", nil); status != http.StatusNotFound {
		t.Errorf("delete of a missing mapping: %d", status)
	}
	if status, _ := post("/users/directory/mappings/1/delete", nil); status != http.StatusSeeOther {
		t.Errorf("delete mapping: %d", status)
	}
	_, resp = f.do("GET", "/api/v1/directory", admin, "")
	var got medsec.DirectorySettings
	json.Unmarshal([]byte(resp), &got)
	if len(got.Mappings) != 1 || !got.BindPasswordSet || got.URL != ldap.URL {
		t.Errorf("after the form edits: %+v", got)
	}
	if status, body := post("/users/directory", url.Values{"enabled": {"on"}, "url": {"ldaps://x"}, "start_tls": {"on"}, "base_dn": {"dc=x"}}); status != 422 || !strings.Contains(body, "StartTLS") {
		t.Errorf("StartTLS over ldaps: %d", status)
	}
}

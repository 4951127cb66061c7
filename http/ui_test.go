package http_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// session logs in a user of the fixture's role and returns a client carrying the cookie.
func (f *fixture) session(username string) *http.Client {
	f.t.Helper()
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	users := sqlstore.NewUserService(f.db)
	all, err := users.FindUsers(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, u := range all {
		if u.Username == username {
			token, err := users.CreateSession(ctx, u.ID)
			if err != nil {
				f.t.Fatal(err)
			}
			jar := &cookieJar{cookie: &http.Cookie{Name: "medsec_session", Value: token}}
			return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
	}
	f.t.Fatalf("no user %s", username)
	return nil
}

type cookieJar struct{ cookie *http.Cookie }

func (j *cookieJar) SetCookies(*url.URL, []*http.Cookie) {}
func (j *cookieJar) Cookies(*url.URL) []*http.Cookie     { return []*http.Cookie{j.cookie} }

func TestOrganisationPage(t *testing.T) {
	f := newFixture(t)
	get := func(c *http.Client, path string) (int, string) {
		resp, err := c.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(c *http.Client, path string, form url.Values) int {
		resp, err := c.PostForm(f.srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	ce := f.session("u-clinical-engineer")
	if status := post(ce, "/organisation/vendors", url.Values{"name": {"Harbor Infusion"}, "contact": {"王先生"}}); status != http.StatusSeeOther {
		t.Fatalf("create vendor: %d", status)
	}
	if status := post(ce, "/organisation/vendors", url.Values{"name": {"Harbor Infusion"}}); status != http.StatusConflict {
		t.Errorf("duplicate vendor: %d, want 409", status)
	}
	if status := post(ce, "/organisation/sites", url.Values{"code": {"X"}, "name": {"X"}}); status != http.StatusForbidden {
		t.Errorf("clinical engineer creating a site: %d, want 403", status)
	}
	auditor := f.session("u-auditor")
	status, body := get(auditor, "/organisation")
	if status != 200 || !strings.Contains(body, "Harbor Infusion") || !strings.Contains(body, "王先生") {
		t.Errorf("auditor reads the organisation page: %d", status)
	}
	if strings.Contains(body, `action="/organisation/vendors"`) {
		t.Error("auditor sees the create-vendor form")
	}
	if status := post(auditor, "/organisation/vendors", url.Values{"name": {"Sneaky"}}); status != http.StatusForbidden {
		t.Errorf("auditor creating a vendor: %d, want 403", status)
	}
	anonymous := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if status, _ := get(anonymous, "/organisation"); status != http.StatusSeeOther {
		t.Errorf("anonymous: %d, want a redirect to login", status)
	}
}

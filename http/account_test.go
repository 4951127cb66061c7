package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/auth"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestRedirectsStayOnSite posts every known way of leaving the site as the "next" of
// /language and of a successful login: only same-origin paths survive, everything else
// becomes the home page. The browser's own URL parser is the reference: a tab, a newline or
// a backslash after the first slash turns a path into another host.
func TestRedirectsStayOnSite(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		next, want string
	}{
		{"/zones?site=2", "/zones?site=2"},
		{"/assets/3#top", "/assets/3#top"},
		{"", "/"},
		{"assets", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r/evil.example", "/"},
		{"\t//evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/\x00/evil", ""}, // refused whole with 422 before any handler (http/input.go): no redirect at all
		{"/\u2028/evil", "/"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("POST", f.srv.URL+"/language", strings.NewReader(url.Values{"lang": {"en"}, "next": {tt.next}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// The transport, not the client: the client refuses to parse a bad Location.
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != tt.want {
			t.Errorf("/language next=%q: Location %q, want %q", tt.next, got, tt.want)
		}
	}
	// The login form carries next in its query and in the form; both go through the same
	// check. Raw percent-encoded forms as the reviewer sent them.
	for _, raw := range []string{"%09/evil.example", "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "//evil.example", "/%5C/evil.example"} {
		body := "username=u-soc-analyst&password=" + url.QueryEscape(testPassword) + "&next=" + raw
		req, _ := http.NewRequest("POST", f.srv.URL+"/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != "/" {
			t.Errorf("login next=%s: %d Location %q, want 303 /", raw, resp.StatusCode, got)
		}
	}
}

// TestSiteLimitedAdminCannotEscalate replays the review's F3 through the API and the UI: a
// site-limited admin's attempts to widen its limit, make an unrestricted admin or reset an
// unrestricted user's password are refused with 403 and each is an audited denial.
func TestSiteLimitedAdminCannotEscalate(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	users := sqlstore.NewUserService(f.db)
	br := f.assetBR.SiteID
	adminBR := &medsec.User{Username: "admin.br", Role: medsec.RoleAdmin, SiteIDs: []int64{br}}
	if err := users.CreateUser(ctx, adminBR, testPassword); err != nil {
		t.Fatal(err)
	}
	token, err := users.CreateAPIToken(ctx, adminBR.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	denials := func() int {
		_, n, err := sqlstore.NewAuditService(f.db).FindAuditEntries(ctx, medsec.AuditFilter{Action: medsec.ActionDenied})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := denials()
	ciso := userID(t, f, "u-security-officer")
	tests := []struct{ name, method, path, body string }{
		{"own limit removed", "PUT", fmt.Sprintf("/api/v1/users/%d", adminBR.ID), `{"display_name":"AdmBR","role":"admin","site_ids":[]}`},
		{"unrestricted admin created", "POST", "/api/v1/users", `{"username":"escalated","display_name":"e","role":"admin","site_ids":[],"password":"Zr8%kWq2nLp5vT-x"}`},
		{"unrestricted user's password set", "PUT", fmt.Sprintf("/api/v1/users/%d", ciso), `{"display_name":"x","role":"security-officer","site_ids":[],"password":"Tk3!qpZ8wmR4vb-x"}`},
	}
	for _, tt := range tests {
		if status, body := f.do(tt.method, tt.path, token, tt.body); status != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", tt.name, status, body)
		}
	}
	// The same through the user administration page.
	c := f.session("admin.br")
	resp, err := c.PostForm(f.srv.URL+fmt.Sprintf("/users/%d", adminBR.ID), url.Values{"display_name": {"AdmBR"}, "role": {"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("UI: own limit removed: %d, want 403", resp.StatusCode)
	}
	if got, want := denials()-before, len(tests)+1; got != want {
		t.Errorf("%d denials audited, want %d", got, want)
	}
	u, err := users.FindUserByID(ctx, adminBR.ID)
	if err != nil || !slices.Equal(u.SiteIDs, []int64{br}) {
		t.Errorf("admin.br after the attempts: %+v, %v; want sites [%d]", u, err, br)
	}
	if status, _ := f.do("GET", fmt.Sprintf("/api/v1/assets/%d", f.assetHQ.ID), token, ""); status != http.StatusNotFound {
		t.Errorf("admin.br reads a main-site asset: %d, want 404", status)
	}
}

// userID returns the id of the fixture's user with this name.
func userID(t *testing.T, f *fixture, username string) int64 {
	t.Helper()
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	all, err := sqlstore.NewUserService(f.db).FindUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range all {
		if u.Username == username {
			return u.ID
		}
	}
	t.Fatalf("no user %s", username)
	return 0
}

// TestMandatoryTOTPMeansMandatory is the review's F7: with require_totp on, a password-only
// session reaches nothing but enrolment and logout (no API call, no account page, no token),
// an API token of a user who has not enrolled is refused, and after enrolment both work.
func TestMandatoryTOTPMeansMandatory(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	soc := f.tokens[medsec.RoleSOCAnalyst] // made before the setting, user not enrolled
	if status, body := f.do("PUT", "/api/v1/settings", admin, `{"require_totp":true}`); status != 200 {
		t.Fatalf("require_totp: %d %s", status, body)
	}
	// The admin has not enrolled either: its own token now stops too.
	if status, _ := f.do("GET", "/api/v1/me", admin, ""); status != http.StatusForbidden {
		t.Errorf("admin token without TOTP: %d, want 403", status)
	}
	if status, body := f.do("GET", "/api/v1/assets", soc, ""); status != http.StatusForbidden || !strings.Contains(body, "Two-factor") {
		t.Errorf("token of a user who has not enrolled: %d %s, want 403 naming two-factor", status, body)
	}
	c := f.session("u-soc-analyst")
	send := func(method, path string, form url.Values) (int, string, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, f.srv.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	blocked := []struct{ method, path string }{
		{"GET", "/api/v1/me"}, {"GET", "/api/v1/assets?limit=2"}, {"POST", "/api/v1/vendors"},
		{"GET", "/assets"}, {"GET", "/account"}, {"POST", "/account/tokens"}, {"POST", "/account/password"},
	}
	for _, b := range blocked {
		var form url.Values
		if b.method == "POST" {
			form = url.Values{"name": {"x"}}
		}
		status, loc, body := send(b.method, b.path, form)
		switch {
		case strings.HasPrefix(b.path, "/api/") && status != http.StatusForbidden:
			t.Errorf("password-only session: %s %s: %d, want 403", b.method, b.path, status)
		case !strings.HasPrefix(b.path, "/api/") && (status != http.StatusSeeOther || loc != "/account/totp"):
			t.Errorf("password-only session: %s %s: %d %q, want 303 to /account/totp", b.method, b.path, status, loc)
		}
		if strings.Contains(body, "msk_") {
			t.Errorf("%s %s minted a token", b.method, b.path)
		}
	}
	status, _, page := send("GET", "/account/totp", nil)
	secret := between(page, `id="totp-secret">`, "<")
	if status != 200 || secret == "" {
		t.Fatalf("enrolment page: %d, secret %q", status, secret)
	}
	code, err := auth.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if status, loc, _ := send("POST", "/account/totp", url.Values{"code": {code}}); status != http.StatusSeeOther || loc != "/account" {
		t.Fatalf("enrol: %d %q", status, loc)
	}
	if status, _, _ := send("GET", "/api/v1/me", nil); status != 200 {
		t.Errorf("after enrolment, API with the session: %d, want 200", status)
	}
	if status, _ := f.do("GET", "/api/v1/assets", soc, ""); status != 200 {
		t.Errorf("after enrolment, the user's token: %d, want 200", status)
	}
	if status, _, body := send("POST", "/account/tokens", url.Values{"name": {"siem"}}); status != 200 || !strings.Contains(body, "msk_") {
		t.Errorf("after enrolment, token minting: %d", status)
	}
}

// between returns the text after start up to end, or "".
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}

// TestClientGoneIsNotAnError: a client that closes the connection during a login (its
// request context is cancelled) is logged at INFO, not as a failed request at ERROR.
func TestClientGoneIsNotAnError(t *testing.T) {
	f := newFixture(t)
	var log bytes.Buffer
	srv, err := mhttp.NewServer(mhttp.Config{Services: mhttp.Services{Users: sqlstore.NewUserService(f.db), Audit: sqlstore.NewAuditService(f.db), Org: sqlstore.NewOrgService(f.db)},
		Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/login", "/api/v1/me"} {
		ctx, cancel := context.WithCancel(context.Background())
		req := httptest.NewRequest("POST", path, strings.NewReader("username=u-admin&password="+url.QueryEscape(testPassword)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if path != "/login" {
			req = httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+f.tokens[medsec.RoleAdmin])
		}
		cancel() // the client has gone before the server gets to it
		srv.ServeHTTP(httptest.NewRecorder(), req.WithContext(ctx))
	}
	if strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "client went away") {
		t.Errorf("log after clients went away:\n%s", log.String())
	}
}

// TestAPITokensEndToEnd: tokens are made, listed with their last use, and revoked through
// the API and the UI (the user's account page, an admin's page of the user), and a
// password reset through the API kills them (the review's F8).
func TestAPITokensEndToEnd(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	soc := f.tokens[medsec.RoleSOCAnalyst]
	status, body := f.do("POST", "/api/v1/me/tokens", soc, `{"name":"ci","expires_in_days":30}`)
	var made struct {
		Token     string    `json:"token"`
		ID        int64     `json:"id"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(body), &made); status != 201 || err != nil || !strings.HasPrefix(made.Token, "msk_") {
		t.Fatalf("make a token: %d %s", status, body)
	}
	if d := time.Until(made.ExpiresAt); d < 29*24*time.Hour || d > 30*24*time.Hour {
		t.Errorf("30-day token expires in %v", d)
	}
	if status, _ := f.do("POST", "/api/v1/me/tokens", soc, `{"expires_in_days":400}`); status != 422 {
		t.Errorf("400-day token: %d, want 422", status)
	}
	if status, _ := f.do("GET", "/api/v1/me", made.Token, ""); status != 200 {
		t.Fatalf("the new token: %d", status)
	}
	status, body = f.do("GET", "/api/v1/me/tokens", soc, "")
	if status != 200 || !strings.Contains(body, `"name": "ci"`) || !strings.Contains(body, "last_used_at") || strings.Contains(body, made.Token) {
		t.Errorf("my tokens: %d %s", status, body)
	}
	socID := userID(t, f, "u-soc-analyst")
	if status, body := f.do("GET", fmt.Sprintf("/api/v1/users/%d/tokens", socID), admin, ""); status != 200 || !strings.Contains(body, `"name": "ci"`) {
		t.Errorf("admin lists the user's tokens: %d %s", status, body)
	}
	if status, _ := f.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", made.ID), f.tokens[medsec.RoleClinicalEngineer], ""); status != 404 {
		t.Errorf("another user revokes: %d, want 404", status)
	}
	if status, _ := f.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", made.ID), soc, ""); status != 204 {
		t.Errorf("owner revokes: %d, want 204", status)
	}
	if status, _ := f.do("GET", "/api/v1/me", made.Token, ""); status != 401 {
		t.Errorf("revoked token: %d, want 401", status)
	}

	// The account page: make a token, see it listed, revoke it.
	c := f.session("u-soc-analyst")
	resp, err := c.PostForm(f.srv.URL+"/account/tokens", url.Values{"name": {"from the page"}, "expires_in_days": {"30"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	uiToken := between(string(page), `id="new-token">`, "<")
	if resp.StatusCode != 200 || !strings.HasPrefix(uiToken, "msk_") || !strings.Contains(string(page), "from the page") {
		t.Fatalf("account page token: %d %q", resp.StatusCode, uiToken)
	}
	action := between(string(page), `<form method="post" action="/account/tokens/`, `"`)
	resp, err = c.PostForm(f.srv.URL+"/account/tokens/"+action, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("revoke on the account page (%s): %d", action, resp.StatusCode)
	}
	if status, _ := f.do("GET", "/api/v1/me", uiToken, ""); status != 401 {
		t.Errorf("token revoked on the account page: %d, want 401", status)
	}

	// An admin's page of the user: the token listed, revoked from there.
	if _, err := sqlstore.NewUserService(f.db).CreateAPIToken(medsec.NewContextWithUser(context.Background(), medsec.SystemUser), socID, "nightly export"); err != nil {
		t.Fatal(err)
	}
	ac := f.session("u-admin")
	resp, err = ac.Get(fmt.Sprintf("%s/users/%d/tokens", f.srv.URL, socID))
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	action = between(string(page), fmt.Sprintf(`<form method="post" action="/users/%d/tokens/`, socID), `"`)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "nightly export") || action == "" {
		t.Fatalf("admin's token page: %d", resp.StatusCode)
	}
	resp, err = ac.PostForm(fmt.Sprintf("%s/users/%d/tokens/%s", f.srv.URL, socID, action), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, body := f.do("GET", "/api/v1/me/tokens", soc, ""); resp.StatusCode != http.StatusSeeOther || strings.Contains(body, "nightly export") {
		t.Errorf("admin revoke: %d; tokens after: %s", resp.StatusCode, body)
	}

	// F8: a password reset by the admin kills the user's tokens.
	if status, body := f.do("PUT", fmt.Sprintf("/api/v1/users/%d", socID), admin, `{"display_name":"soc","role":"soc-analyst","password":"Nw9!zPq4rTy7Lm-reset"}`); status != 200 {
		t.Fatalf("reset: %d %s", status, body)
	}
	if status, _ := f.do("GET", "/api/v1/me", soc, ""); status != 401 {
		t.Errorf("token after a password reset: %d, want 401", status)
	}
}

package http_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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
		{"", "/assets"},
		{"assets", "/assets"},
		{"//evil.example/", "/assets"},
		{"/\\evil.example", "/assets"},
		{"/\t/evil.example", "/assets"},
		{"/\n/evil.example", "/assets"},
		{"/\r/evil.example", "/assets"},
		{"\t//evil.example", "/assets"},
		{"/ /evil.example", "/assets"},
		{"/%2F/evil.example", "/assets"},
		{"/%5Cevil.example", "/assets"},
		{"https://evil.example/", "/assets"},
		{"javascript:alert(1)", "/assets"},
		{"/\x00/evil", "/assets"},
		{"/\u2028/evil", "/assets"},
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
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != "/assets" {
			t.Errorf("login next=%s: %d Location %q, want 303 /assets", raw, resp.StatusCode, got)
		}
	}
}

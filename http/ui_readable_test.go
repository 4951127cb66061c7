package http_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// getIn fetches a UI page with the client in one language (Accept-Language; the fixture
// users have no stored preference).
func getIn(t *testing.T, c *http.Client, u, lang string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", lang)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// TestCadenceOnPages opens the obligation calendar and the organisational obligations in
// two languages: the weekly and yearly obligations read as words, never as P1W or P1Y.
func TestCadenceOnPages(t *testing.T) {
	f := newFixture(t)
	c := f.browserClient("u-auditor")
	for _, tt := range []struct{ lang, week, year string }{{"en", "every week", "every year"}, {"ja", "毎週", "毎年"}} {
		for _, path := range []string{"/compliance/calendar", "/compliance/organisation?catalog=cn-nhc-2022-measures"} {
			status, _, body := getIn(t, c, f.srv.URL+path, tt.lang)
			if status != 200 {
				t.Fatalf("%s: %d", path, status)
			}
			if !strings.Contains(body, `data-cadence="P1Y">`+tt.year+"<") {
				t.Errorf("%s in %s: no yearly cadence %q", path, tt.lang, tt.year)
			}
			if path == "/compliance/calendar" && !strings.Contains(body, `data-cadence="P1W">`+tt.week+"<") {
				t.Errorf("%s in %s: no weekly cadence %q", path, tt.lang, tt.week)
			}
			for _, raw := range []string{">P1Y<", ">P1W<", ">P3M<"} {
				if strings.Contains(body, raw) {
					t.Errorf("%s in %s shows the raw cadence %s", path, tt.lang, raw)
				}
			}
		}
	}
}

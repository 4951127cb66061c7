package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"medsec"
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
			if !strings.Contains(body, `<span data-status="not-assessed">`) && !strings.Contains(body, `<span class="tag status" data-status="not-assessed">`) {
				t.Errorf("%s in %s: the status carries no data-status for its colour and mark", path, tt.lang)
			}
			for _, raw := range []string{">P1Y<", ">P1W<", ">P3M<"} {
				if strings.Contains(body, raw) {
					t.Errorf("%s in %s shows the raw cadence %s", path, tt.lang, raw)
				}
			}
		}
	}
}

// TestNotFoundPage asks for addresses no route knows: the UI answers with the layout's
// error page in the user's language and status 404, logged in or not; the API keeps its
// JSON error; a known path with a wrong method is still 405.
func TestNotFoundPage(t *testing.T) {
	f := newFixture(t)
	c := f.browserClient("u-auditor")
	anon := &http.Client{}
	for _, tt := range []struct {
		client      *http.Client
		lang, title string
		text        string
	}{
		{c, "en", "<h1>Not found</h1>", "There is no such page or record."},
		{c, "zh-TW", "<h1>找不到頁面</h1>", "找不到這個頁面或紀錄"},
		{anon, "ja", "<h1>見つかりません</h1>", "該当するページまたは記録がありません"},
	} {
		for _, path := range []string{"/no-such-page", "/assets/12/nothing/here", "/compliance/nowhere"} {
			status, h, body := getIn(t, tt.client, f.srv.URL+path, tt.lang)
			if status != http.StatusNotFound {
				t.Errorf("%s in %s: status %d, want 404", path, tt.lang, status)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%s in %s: Content-Type %q", path, tt.lang, ct)
			}
			for _, want := range []string{`<html lang="` + tt.lang + `">`, tt.title, tt.text, `<a href="/" id="home">`} {
				if !strings.Contains(body, want) {
					t.Errorf("%s in %s lacks %q", path, tt.lang, want)
				}
			}
			if strings.Contains(body, "404 page not found") {
				t.Errorf("%s in %s: Go's bare 404", path, tt.lang)
			}
		}
	}
	// A record the user may not see or that does not exist: the same title.
	if status, _, body := getIn(t, c, f.srv.URL+"/assets/999999", "zh-TW"); status != 404 || !strings.Contains(body, "<h1>找不到頁面</h1>") {
		t.Errorf("/assets/999999: %d, title missing", status)
	}
	// The API keeps its JSON error.
	status, body := f.do("GET", "/api/v1/no-such-thing", f.tokens[medsec.RoleAuditor], "")
	var e struct{ Error, Code string }
	if err := json.Unmarshal([]byte(body), &e); status != 404 || err != nil || e.Code != "not_found" {
		t.Errorf("/api/v1/no-such-thing: %d %s", status, body)
	}
	// A known path with a method it does not take stays 405.
	req, _ := http.NewRequest("DELETE", f.srv.URL+"/assets", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /assets: %d, want 405", resp.StatusCode)
	}
}

// TestNotAllowedPage opens pages the auditor's and the vendor's roles do not allow: the
// page is titled "Not allowed" in the user's language, names the role and what it cannot
// do, and links home; never "Something went wrong".
func TestNotAllowedPage(t *testing.T) {
	f := newFixture(t)
	c := f.browserClient("u-auditor")
	for _, tt := range []struct {
		path, lang string
		want       []string
	}{
		{"/users", "en", []string{"<h1>Not allowed</h1>", "Your role, Auditor (read-only), may not manage users, tokens or settings."}},
		{"/users", "zh-TW", []string{"<h1>不允許的操作</h1>", "您的角色「稽核人員(唯讀)」不能管理使用者、權杖或設定。"}},
		{"/assets/new", "en", []string{"<h1>Not allowed</h1>", "Your role, Auditor (read-only), may not change the inventory, assessments, zones or discovery."}},
		{"/assets/new", "ja", []string{"<h1>許可されていません</h1>", "では資産台帳・評価・ゾーン・検出結果を変更できません。"}},
	} {
		status, _, body := getIn(t, c, f.srv.URL+tt.path, tt.lang)
		if status != http.StatusForbidden {
			t.Errorf("%s in %s: status %d, want 403", tt.path, tt.lang, status)
		}
		for _, want := range append(tt.want, `<a href="/" id="home">`) {
			if !strings.Contains(body, want) {
				t.Errorf("%s in %s lacks %q", tt.path, tt.lang, want)
			}
		}
		for _, bad := range []string{"Something went wrong", "發生錯誤", "エラーが発生しました"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s in %s is titled %q", tt.path, tt.lang, bad)
			}
		}
	}
}

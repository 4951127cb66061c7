package http_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/i18n"
	"medsec/sqlstore"
)

// englishSentence finds three English words in a row: a sentence, or part of one, that a
// reader of another language would have to read in English. Single words (a value echoed
// from the request, a field name) pass.
var englishSentence = regexp.MustCompile(`[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}[ ,;:]+[A-Za-z]{2,}`)

// apiErrorBody is the JSON shape of an API error (docs in openapi.json, ErrorResponse).
type apiErrorBody struct {
	Error  string `json:"error"`
	Code   string `json:"code"`
	Key    string `json:"key"`
	Lang   string `json:"lang"`
	Errors []struct {
		Field   string `json:"field"`
		Key     string `json:"key"`
		Message string `json:"message"`
		Value   string `json:"value"`
	} `json:"errors"`
}

// TestAPIErrorsInFourLanguages sends the same bad requests to the assets, incidents,
// vulnerabilities (deadline policies) and logs (search, sources) routes with
// Accept-Language zh-TW, zh-CN, ja and en: the status, code, key and fields are the same
// in every language, the messages are in the asked language, and no message of a
// non-English answer holds an English sentence. Without Accept-Language the user's own
// language setting decides, and without either the answer is English.
func TestAPIErrorsInFourLanguages(t *testing.T) {
	f := newFixture(t)
	// The fixture's server has no vulnerability service; a second server on the same
	// store has, and takes the same tokens.
	srv := newServerWithVulns(t, f)
	admin := f.tokens[medsec.RoleAdmin]
	site := fmt.Sprint(f.assetHQ.SiteID)
	requests := []struct {
		name, method, path, body string
		status                   int
		fields                   []string
	}{
		{"asset", "POST", "/api/v1/assets", `{"name": "", "site_id": ` + site + `, "ips": ["10.0.0.999"], "kind": "toaster"}`, 422, []string{"name", "ips", "kind"}},
		{"asset unknown field", "POST", "/api/v1/assets", `{"name": "x", "site_id": ` + site + `, "nonsense": 1}`, 422, []string{"nonsense"}},
		{"asset wrong type", "POST", "/api/v1/assets", `{"name": 7, "site_id": ` + site + `}`, 422, []string{"name"}},
		{"asset JSON syntax", "POST", "/api/v1/assets", `{"name": `, 422, nil},
		{"asset not found", "GET", "/api/v1/assets/999999", "", 404, nil},
		{"asset stale", "PUT", "/api/v1/assets/" + fmt.Sprint(f.assetHQ.ID), `{"name": "CT-01", "site_id": ` + site + `, "kind": "modality", "version": 99}`, 409, nil},
		{"incident", "POST", "/api/v1/incidents", `{"title": "", "scenario": "alien", "outage_minutes": -3}`, 422, []string{"title", "site_id", "scenario", "outage_minutes"}},
		{"incident not found", "GET", "/api/v1/incidents/999999", "", 404, nil},
		{"deadline policy", "PUT", "/api/v1/deadline-policies/" + site, `{"high_hours": -5, "kev_hours": 99999}`, 422, []string{"high_hours", "kev_hours"}},
		{"finding not found", "GET", "/api/v1/findings/999999", "", 404, nil},
		{"log search", "GET", "/api/v1/logs/search?start=yesterday", "", 422, []string{"start"}},
		{"log source", "POST", "/api/v1/logs/sources", `{"site_id": ` + site + `, "name": "", "address": "not-an-ip", "transport": "pigeon"}`, 422, nil},
		{"limit", "GET", "/api/v1/assets?limit=0", "", 422, []string{"limit"}},
		// Every handler that reads offset, limit, site_id or year with queryInt: a negative
		// or non-number value is refused naming the parameter, not read as the default
		// (bt14b: site_id=abc listed every site's sources).
		{"incident page", "GET", "/api/v1/incidents?offset=-1&limit=abc", "", 422, []string{"offset", "limit"}},
		{"audit page", "GET", "/api/v1/audit?offset=x", "", 422, []string{"offset"}},
		{"deliveries page", "GET", "/api/v1/notifications/deliveries?offset=-5", "", 422, []string{"offset"}},
		{"findings page", "GET", "/api/v1/findings?limit=-1", "", 422, []string{"limit"}},
		{"log sources site", "GET", "/api/v1/logs/sources?site_id=abc", "", 422, []string{"site_id"}},
		{"sensors site", "GET", "/api/v1/sensors?site_id=-1", "", 422, []string{"site_id"}},
		{"risk reviews year", "GET", "/api/v1/risk-reviews?year=twenty", "", 422, []string{"year"}},
		{"no token", "GET", "/api/v1/assets", "", 401, nil},
		// A server without metrics (issue 17: the refusal was English only).
		{"metrics off", "GET", "/metrics", "", 404, nil},
	}
	langs := []string{"en", "zh-TW", "zh-CN", "ja"}
	for _, rq := range requests {
		var first *apiErrorBody
		for _, lang := range langs {
			token := admin
			if rq.name == "no token" {
				token = ""
			}
			status, got := apiErrorIn(t, srv.URL, rq.method, rq.path, token, rq.body, lang)
			if status != rq.status {
				t.Errorf("%s in %s: status %d, want %d (%+v)", rq.name, lang, status, rq.status, got)
				continue
			}
			if got.Lang != lang || got.Code == "" || got.Error == "" {
				t.Errorf("%s in %s: lang %q code %q error %q", rq.name, lang, got.Lang, got.Code, got.Error)
			}
			fields := map[string]bool{}
			for _, fe := range got.Errors {
				fields[fe.Field] = true
				if fe.Key == "" || fe.Message == "" {
					t.Errorf("%s in %s: field %s without key or message", rq.name, lang, fe.Field)
				}
			}
			for _, want := range rq.fields {
				if !fields[want] {
					t.Errorf("%s in %s: no error for field %s in %+v", rq.name, lang, want, got.Errors)
				}
			}
			if lang != "en" {
				texts := []string{got.Error}
				for _, fe := range got.Errors {
					texts = append(texts, fe.Message)
				}
				for _, text := range texts {
					if m := englishSentence.FindString(text); m != "" || !strings.ContainsFunc(text, isCJK) {
						t.Errorf("%s in %s: %q is not in %s (English %q)", rq.name, lang, text, lang, m)
					}
				}
			}
			if first == nil {
				first = got
				continue
			}
			// The machine-readable parts do not depend on the language.
			if got.Code != first.Code || got.Key != first.Key || len(got.Errors) != len(first.Errors) {
				t.Errorf("%s: %s answers code %q key %q %d errors, en %q %q %d", rq.name, lang, got.Code, got.Key, len(got.Errors), first.Code, first.Key, len(first.Errors))
				continue
			}
			for i := range got.Errors {
				if got.Errors[i].Field != first.Errors[i].Field || got.Errors[i].Key != first.Errors[i].Key || got.Errors[i].Value != first.Errors[i].Value {
					t.Errorf("%s: %s error %d is %+v, en %+v", rq.name, lang, i, got.Errors[i], first.Errors[i])
				}
			}
			if got.Error == first.Error {
				t.Errorf("%s: %s says the same as English: %q", rq.name, lang, got.Error)
			}
		}
	}
	// English keeps the exact English detail of each field.
	_, got := apiErrorIn(t, srv.URL, "POST", "/api/v1/assets", admin, `{"name": "", "site_id": `+site+`, "ips": ["10.0.0.999"]}`, "")
	if got.Lang != "en" || got.Error != "Some fields of the request are not valid; see errors." || len(got.Errors) == 0 || got.Errors[0].Message == "" {
		t.Errorf("no Accept-Language: %+v", got)
	}

	// No Accept-Language: the user's own setting.
	users := sqlstore.NewUserService(f.db)
	all, err := users.FindUsers(medsec.NewContextWithUser(t.Context(), medsec.SystemUser))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range all {
		if u.Username == "u-admin" {
			if err := users.SetLanguage(medsec.NewContextWithUser(t.Context(), u), "ja"); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, got = apiErrorIn(t, srv.URL, "GET", "/api/v1/assets/999999", admin, "", "")
	if got.Lang != "ja" || got.Error != "資産が見つかりません。" || got.Key != "err.asset_not_found" {
		t.Errorf("user setting ja, no Accept-Language: %+v", got)
	}
	// Accept-Language still wins over the setting.
	if _, got = apiErrorIn(t, srv.URL, "GET", "/api/v1/assets/999999", admin, "", "zh-CN"); got.Lang != "zh-CN" || got.Error != "找不到此资产。" {
		t.Errorf("user setting ja, Accept-Language zh-CN: %+v", got)
	}
}

// isCJK reports a Han, kana or full-width character.
func isCJK(r rune) bool {
	return (r >= 0x3040 && r <= 0x30FF) || (r >= 0x3400 && r <= 0x9FFF) || (r >= 0xFF00 && r <= 0xFFEF) || (r >= 0x3000 && r <= 0x303F)
}

// apiErrorIn sends a request with Accept-Language lang ("" for none) and decodes the error.
func apiErrorIn(t *testing.T, base, method, path, token, body, lang string) (int, *apiErrorBody) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var e apiErrorBody
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("%s %s in %s: %d %s", method, path, lang, resp.StatusCode, data)
	}
	return resp.StatusCode, &e
}

// newServerWithVulns starts a second server on the fixture's store with the
// vulnerability service as well.
func newServerWithVulns(t *testing.T, f *fixture) *httptest.Server {
	t.Helper()
	db := f.db
	services := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Zones: sqlstore.NewZoneService(db), LogSources: sqlstore.NewLogSourceService(db), Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db)}
	addLogs(t, &services, db)
	srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

// sendLang sends a request as a client in lang (Accept-Language) and returns status,
// headers and body.
func sendLang(t *testing.T, c *http.Client, req *http.Request, lang string) (int, http.Header, string) {
	t.Helper()
	req.Header.Set("Accept-Language", lang)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestCrossOriginRefusalTranslated posts a form and an API call from another site's page
// (what the browser says in Sec-Fetch-Site and Origin): both are refused with 403 and say
// why in the client's language — the page titled "Not allowed", the API as its JSON error
// with code forbidden and key err.cross_origin — never Go's English refusal; nothing is
// stored, and the same post from medsec's own page goes through.
func TestCrossOriginRefusalTranslated(t *testing.T) {
	f := newFixture(t)
	c := f.browserClient("u-admin")
	vendorsBefore := f.count("/api/v1/vendors")
	want := map[string][2]string{
		"en":    {"<h1>Not allowed</h1>", "The request came from another site&#39;s page, so it was refused."},
		"zh-TW": {"<h1>不允許的操作</h1>", "此請求來自其他網站的頁面，已被拒絕。"},
		"zh-CN": {"<h1>", "此请求来自其他网站的页面，已被拒绝。"},
		"ja":    {"<h1>", "このリクエストは他のサイトのページから送信されたため拒否されました。"},
	}
	for lang, w := range want {
		req, _ := http.NewRequest("POST", f.srv.URL+"/organisation/vendors", strings.NewReader("name=Evil+Corp"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		status, h, body := sendLang(t, c, req, lang)
		if status != http.StatusForbidden || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Errorf("%s: cross-site form post: %d %s", lang, status, h.Get("Content-Type"))
		}
		for _, s := range []string{`<html lang="` + lang + `">`, w[0], w[1]} {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the refusal page lacks %q:\n%s", lang, s, body)
			}
		}
		if strings.Contains(body, "cross-origin request detected") {
			t.Errorf("%s: Go's English refusal", lang)
		}

		req, _ = http.NewRequest("POST", f.srv.URL+"/api/v1/vendors", strings.NewReader(`{"name": "Evil Corp"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+f.tokens[medsec.RoleAdmin])
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		status, _, body = sendLang(t, http.DefaultClient, req, lang)
		var e apiErrorBody
		if err := json.Unmarshal([]byte(body), &e); err != nil || status != 403 || e.Code != "forbidden" || e.Key != "err.cross_origin" || e.Lang != lang {
			t.Errorf("%s: cross-site API call: %d %s", lang, status, body)
		}
		if lang != "en" && (englishSentence.MatchString(e.Error) || !strings.ContainsFunc(e.Error, isCJK)) {
			t.Errorf("%s: API refusal %q", lang, e.Error)
		}
	}
	if n := f.count("/api/v1/vendors"); n != vendorsBefore {
		t.Errorf("vendors: %d after the refusals, want %d", n, vendorsBefore)
	}
	req, _ := http.NewRequest("POST", f.srv.URL+"/organisation/vendors", strings.NewReader("name=Good+Corp"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if status, _, body := sendLang(t, c, req, "en"); status != http.StatusSeeOther {
		t.Errorf("same-origin form post: %d %s", status, body)
	}
}

// TestControlCharacterInFormsRefused posts a NUL and other control characters in two
// forms (a vendor and a department on the organisation page) and in the login form, as
// users in each language: the answer is 422, titled "The form was not sent" in that
// language, naming the field by its label and the character by its code point; a
// logged-in user's own language setting decides without Accept-Language; nothing is
// stored.
func TestControlCharacterInFormsRefused(t *testing.T) {
	f := newFixture(t)
	c := f.browserClient("u-admin")
	vendorsBefore, departmentsBefore := f.count("/api/v1/vendors"), f.count("/api/v1/departments")
	titles := map[string][2]string{
		"en":    {"<h1>The form was not sent</h1>", "Name"},
		"zh-TW": {"<h1>表單未送出</h1>", "名稱"},
		"zh-CN": {"<h1>表单未提交</h1>", "名称"},
		"ja":    {"<h1>フォームは送信されませんでした</h1>", "名前"},
	}
	forms := []struct {
		path   string
		values url.Values
		char   string
	}{
		{"/organisation/vendors", url.Values{"name": {"Evil\x00Corp"}}, "U+0000"},
		{"/organisation/departments", url.Values{"name": {"Ward\x07"}, "site_id": {fmt.Sprint(f.assetHQ.SiteID)}}, "U+0007"},
		{"/organisation/departments", url.Values{"name": {"Ward \u0085"}, "site_id": {fmt.Sprint(f.assetHQ.SiteID)}}, "U+0085"},
	}
	for lang, w := range titles {
		for _, form := range forms {
			req, _ := http.NewRequest("POST", f.srv.URL+form.path, strings.NewReader(form.values.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			status, _, body := sendLang(t, c, req, lang)
			body = html.UnescapeString(body)
			if status != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: %d, want 422", lang, form.path, status)
			}
			label := labelOf(t, lang, "field.name")
			for _, s := range []string{`<html lang="` + lang + `">`, w[0], "<td>" + label + "</td>", form.char} {
				if !strings.Contains(body, s) {
					t.Errorf("%s %s: the page lacks %q", lang, form.path, s)
				}
			}
			if lang != "en" {
				if m := englishSentence.FindString(stripTags(body)); m != "" {
					t.Errorf("%s %s: English on the page: %q", lang, form.path, m)
				}
			}
		}
	}
	if v, d := f.count("/api/v1/vendors"), f.count("/api/v1/departments"); v != vendorsBefore || d != departmentsBefore {
		t.Errorf("after the refusals: %d vendors, %d departments; want %d, %d", v, d, vendorsBefore, departmentsBefore)
	}
	// The user's own language, without Accept-Language.
	users := sqlstore.NewUserService(f.db)
	all, _ := users.FindUsers(medsec.NewContextWithUser(t.Context(), medsec.SystemUser))
	for _, u := range all {
		if u.Username == "u-admin" {
			if err := users.SetLanguage(medsec.NewContextWithUser(t.Context(), u), "zh-CN"); err != nil {
				t.Fatal(err)
			}
		}
	}
	req, _ := http.NewRequest("POST", f.srv.URL+"/organisation/vendors", strings.NewReader("name=a%00b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "<h1>表单未提交</h1>") {
		t.Errorf("user setting zh-CN: %d %s", resp.StatusCode, b)
	}
	// The login form, anonymous, in Japanese.
	req, _ = http.NewRequest("POST", f.srv.URL+"/login", strings.NewReader("username=a%00b&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if status, _, body := sendLang(t, http.DefaultClient, req, "ja"); status != 422 || !strings.Contains(body, "<td>ユーザー名</td>") || !strings.Contains(html.UnescapeString(body), "「U+0000」") {
		t.Errorf("login with NUL in ja: %d %s", status, body)
	}
}

// labelOf returns a message in lang, from the bundle the server uses.
func labelOf(t *testing.T, lang, key string) string {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b.T(lang, key)
}

var tagPattern = regexp.MustCompile(`(?s)<[^>]*>`)

// stripTags returns the text of a page's <main>, without its markup.
func stripTags(page string) string {
	if i := strings.Index(page, "<main"); i >= 0 {
		page = page[i:]
	}
	if i := strings.Index(page, "</main>"); i >= 0 {
		page = page[:i]
	}
	return html.UnescapeString(tagPattern.ReplaceAllString(page, " "))
}

// TestErrorPagesTranslated asks for a missing page (404), a page the role may not open
// (403), a path with a method it does not take (405) and a form over the size limit (413)
// in each language: each answers its status with a page (or, under /api/, a JSON error)
// in that language, never Go's English plain text.
func TestErrorPagesTranslated(t *testing.T) {
	f := newFixture(t)
	c := f.browserClient("u-auditor")
	big := "name=" + strings.Repeat("x", 11<<20)
	type want struct{ title, text string }
	pages := map[string]map[int]want{
		"en": {404: {"Not found", "There is no such page or record."}, 403: {"Not allowed", "Your role, Auditor (read-only)"},
			405: {"Not possible here", "This address does not take DELETE requests."}, 413: {"Something went wrong", "The form is larger than the 10 MiB a form may have."}},
		"zh-TW": {404: {"找不到頁面", "找不到這個頁面或紀錄"}, 403: {"不允許的操作", "不能管理使用者"},
			405: {"此處無法執行", "此網址不接受 DELETE 請求。"}, 413: {"發生錯誤", "表單超過單一表單上限 10 MiB。"}},
		"zh-CN": {404: {"", "找不到该页面或记录"}, 403: {"", ""}, 405: {"此处无法执行", "此网址不接受 DELETE 请求。"}, 413: {"发生错误", "表单超过单个表单上限 10 MiB。"}},
		"ja":    {404: {"見つかりません", "該当するページまたは記録がありません"}, 403: {"許可されていません", ""}, 405: {"ここでは実行できません", "このアドレスは DELETE リクエストを受け付けません。"}, 413: {"エラーが発生しました", "フォームが上限の 10 MiB を超えています。"}},
	}
	for lang, byStatus := range pages {
		for status, w := range byStatus {
			var req *http.Request
			switch status {
			case 404:
				req, _ = http.NewRequest("GET", f.srv.URL+"/no-such-page", nil)
			case 403:
				req, _ = http.NewRequest("GET", f.srv.URL+"/users", nil)
			case 405:
				req, _ = http.NewRequest("DELETE", f.srv.URL+"/assets", nil)
			case 413:
				req, _ = http.NewRequest("POST", f.srv.URL+"/organisation/vendors", strings.NewReader(big))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			got, h, body := sendLang(t, c, req, lang)
			if got != status || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("%s %d: status %d, Content-Type %q", lang, status, got, h.Get("Content-Type"))
				continue
			}
			if !strings.Contains(body, "<h1>"+w.title) || !strings.Contains(body, w.text) || !strings.Contains(body, `<html lang="`+lang+`">`) {
				t.Errorf("%s %d: want title %q and %q in\n%s", lang, status, w.title, w.text, stripTags(body))
			}
			if lang != "en" {
				if m := englishSentence.FindString(stripTags(body)); m != "" {
					t.Errorf("%s %d: English on the page: %q", lang, status, m)
				}
			}
			if status == 405 && h.Get("Allow") == "" {
				t.Errorf("%s 405: no Allow header", lang)
			}
		}
	}
	// The API's 405, as JSON in the client's language.
	req, _ := http.NewRequest("PATCH", f.srv.URL+"/api/v1/assets", nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens[medsec.RoleAuditor])
	status, _, body := sendLang(t, http.DefaultClient, req, "zh-TW")
	var e apiErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || status != 405 || e.Code != "method_not_allowed" || e.Error != "此網址不接受 PATCH 請求。" {
		t.Errorf("API 405: %d %s", status, body)
	}
}

// TestForeignRefererRefused: a post with neither Sec-Fetch-Site nor Origin but a Referer
// of another host (a browser or proxy that strips both headers) is refused as a
// cross-origin request (403, err.cross_origin) and stores nothing, as a page form or an
// API call; the same post with medsec's own page as Referer, or with no Referer at all
// (an API client), goes through.
func TestForeignRefererRefused(t *testing.T) {
	f := newFixture(t)
	c := f.browserClient("u-admin")
	before := f.count("/api/v1/vendors")
	post := func(client *http.Client, path, ctype, body, referer, token string) (int, string) {
		req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if referer != "" {
			req.Header.Set("Referer", referer)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		status, _, b := sendLang(t, client, req, "en")
		return status, b
	}
	if status, body := post(c, "/organisation/vendors", "application/x-www-form-urlencoded", "name=Evil+Corp", "https://evil.example/page", ""); status != http.StatusForbidden || !strings.Contains(body, "another site") {
		t.Errorf("form post with a foreign Referer: %d %s", status, body)
	}
	status, body := post(http.DefaultClient, "/api/v1/vendors", "application/json", `{"name": "Evil API"}`, "https://evil.example/", f.tokens[medsec.RoleAdmin])
	var e apiErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || status != http.StatusForbidden || e.Key != "err.cross_origin" {
		t.Errorf("API post with a foreign Referer: %d %s", status, body)
	}
	if status, body := post(c, "/organisation/vendors", "application/x-www-form-urlencoded", "name=Evil+Two", "http://%zz/", ""); status != http.StatusForbidden {
		t.Errorf("form post with an unreadable Referer: %d %s", status, body)
	}
	if n := f.count("/api/v1/vendors"); n != before {
		t.Errorf("vendors: %d after the refusals, want %d", n, before)
	}
	if status, body := post(c, "/organisation/vendors", "application/x-www-form-urlencoded", "name=Good+Corp", f.srv.URL+"/organisation", ""); status != http.StatusSeeOther {
		t.Errorf("form post from medsec's own page: %d %s", status, body)
	}
	if status, body := post(http.DefaultClient, "/api/v1/vendors", "application/json", `{"name": "Good API"}`, "", f.tokens[medsec.RoleAdmin]); status != http.StatusCreated {
		t.Errorf("API post without Referer: %d %s", status, body)
	}
}

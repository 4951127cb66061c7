package http_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
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

// TestIncidentPagesReadable works an incident opened from an alert through the API (level
// change, people, clocks met by hand and by a notification, evidence cited, tasks,
// checklist met and waived, a drill beside it) and opens the incident list, the incident
// page, the ledger and the holiday calendars in Traditional and Simplified Chinese and
// Japanese: no English word, no raw message key and no raw enumeration value may show,
// only what people typed or named (the data below) and the seed clauses.
func TestIncidentPagesReadable(t *testing.T) {
	f := newFixture(t)
	so := f.tokens[medsec.RoleSecurityOfficer]
	al := raiseAssetAlert(t, f.db, f.assetHQ)
	status, resp := f.do("POST", "/api/v1/incidents/from-alert", so, fmt.Sprintf(`{"alert_id": %d}`, al.ID))
	if status != 201 && status != 200 {
		t.Fatalf("from alert: %d %s", status, resp)
	}
	var opened struct{ Incident medsec.Incident }
	if err := json.Unmarshal([]byte(resp), &opened); err != nil {
		t.Fatal(err)
	}
	inc := opened.Incident
	if inc.TitleKey == "" || inc.DescriptionMsg == nil || inc.Description != "" {
		t.Errorf("alert incident stores its title and description as text: %+v", inc)
	}
	upload, err := http.NewRequest("POST", f.srv.URL+"/api/v1/evidence?name=ct01.pcap", strings.NewReader("capture of CT-01"))
	if err != nil {
		t.Fatal(err)
	}
	upload.Header.Set("Authorization", "Bearer "+so)
	res, err := http.DefaultClient.Do(upload)
	if err != nil {
		t.Fatal(err)
	}
	var ev medsec.Evidence
	json.NewDecoder(res.Body).Decode(&ev)
	res.Body.Close()
	path := fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID)
	act := func(body string) {
		t.Helper()
		status, resp := f.do("POST", path, so, fmt.Sprintf(`{"version": %d, %s}`, inc.Version, body))
		if status != 200 {
			t.Fatalf("%s: %d %s", body, status, resp)
		}
		if err := json.Unmarshal([]byte(resp), &inc); err != nil {
			t.Fatal(err)
		}
	}
	clock := func(key string) int64 {
		for _, c := range inc.Clocks {
			if c.Key == key && c.MetAt.IsZero() && c.StoppedAt.IsZero() {
				return c.ID
			}
		}
		t.Fatalf("no running clock %s in %+v", key, inc.Clocks)
		return 0
	}
	act(`"action": "level", "level": 2, "reason": "放射科停擺超過兩小時"`)
	act(`"action": "person", "name": "王大明", "role": "lead"`)
	act(`"action": "add_clock", "label": "通知院長", "minutes": 60`)
	act(fmt.Sprintf(`"action": "meet_clock", "clock_id": %d, "note": "已回報", "evidence": %q`, clock("first-report"), ev.SHA256))
	act(fmt.Sprintf(`"action": "evidence", "sha256": %q, "note": "封存於證物櫃"`, ev.SHA256))
	act(fmt.Sprintf(`"action": "notification", "recipient": "authority", "name": "衛生局", "channel": "phone", "language": "zh-TW", "content": "已通報", "clock_id": %d`, clock("authority-report")))
	act(`"action": "custody", "sha256": "` + ev.SHA256 + `", "custody_action": "transferred", "note": "交予資安長"`)
	act(`"action": "task", "title": "更換交換器", "assignee": "李工程師", "lesson": true`)
	act(fmt.Sprintf(`"action": "complete_task", "task_id": %d, "note": "已隔離"`, inc.Tasks[0].ID))
	act(`"action": "waive_item", "key": "stable-24h", "reason": "穩定"`)
	act(`"action": "waive_item", "key": "no-anomaly-72h", "reason": "演練"`)
	act(`"action": "note", "text": "已關閉外部連線"`)
	holidays, _ := http.NewRequest("PUT", f.srv.URL+"/api/v1/incident-calendars/TW", strings.NewReader("date,name,workday\n2026-10-10,國慶日,\n2026-10-17,補行上班,yes\n"))
	holidays.Header.Set("Authorization", "Bearer "+so)
	holidays.Header.Set("Content-Type", "text/csv")
	if res, err := http.DefaultClient.Do(holidays); err != nil || res.StatusCode != 200 {
		t.Fatalf("calendar import: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	if status, resp := f.do("POST", "/api/v1/incidents", so, fmt.Sprintf(`{"site_id": %d, "title": "年度演練", "scenario": "ddos", "drill": true}`, f.assetHQ.SiteID)); status != 201 {
		t.Fatalf("drill: %d %s", status, resp)
	}

	// What people typed or named, and the data the pages show as it is.
	data := []string{"CT-01", "本院", "ct01.pcap", "attack.t1021", ev.SHA256, ev.SHA256[:12],
		"SHA-256", "UTC", "CSV", "XLSX", "DDoS", "SMS", "ICS", "medsec", "English", // names and abbreviations these languages use as they are
		"Asia/Taipei",               // the site's time zone, named by its IANA identifier
		"ATT&CK",                    // MITRE's name, as the alert pages use it
		"HIS", "EMR", "PACS", "NTA", // the core systems and network traffic analysis' names, as ja writes them in a task's title (the ledger lists the tasks without a clock)
		"date,name,workday", "workday=yes", "iCalendar", ".ics"} // the calendar file's columns and format, typed as they are
	for _, r := range medsec.Roles {
		data = append(data, "u-"+string(r))
	}
	tag := regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)
	attr := regexp.MustCompile(`(?:placeholder|aria-label|title)="([^"]*)"`)
	word := regexp.MustCompile(`[A-Za-z][A-Za-z_.\-]*[A-Za-z]`)
	c := f.session("u-security-officer")
	for _, lang := range []string{"zh-TW", "zh-CN", "ja"} {
		for _, p := range []string{"/incidents", fmt.Sprintf("/incidents/%d", inc.ID), "/incidents/ledger", "/incidents/calendars"} {
			status, _, body := getIn(t, c, f.srv.URL+p, lang)
			if p == "/incidents/calendars" && (!strings.Contains(body, "國慶日") || !strings.Contains(body, "2026-10-17")) {
				t.Errorf("calendars in %s lack the imported days", lang)
			}
			if status != 200 {
				t.Errorf("%s in %s: %d", p, lang, status)
				continue
			}
			if strings.HasPrefix(p, "/incidents/1") && lang == "zh-TW" {
				// The level change's entry names "level" once, in its tag (was "等級 四級 → 二級" after the tag 等級,
				// "Level Level 4 → Level 2": bt14b).
				if li := regexp.MustCompile(`(?s)<li data-kind="level">.*?</li>`).FindString(body); li == "" || strings.Count(li, "等級") != 1 || !strings.Contains(li, "→ 二級") {
					t.Errorf("level entry %q: want the word 等級 once, in its tag", li)
				}
				for _, want := range []string{"跨區流量未經任何管道", "由告警 #", "放射科停擺超過兩小時", "經通報 ", "引用以達成時限"} {
					if !strings.Contains(body, want) {
						t.Errorf("%s in %s lacks %q", p, lang, want)
					}
				}
			}
			text := body
			for _, m := range attr.FindAllStringSubmatch(body, -1) {
				text += " " + m[1]
			}
			text = html.UnescapeString(tag.ReplaceAllString(text, " "))
			for _, d := range data {
				text = strings.ReplaceAll(text, d, " ")
			}
			seen := map[string]bool{}
			for _, w := range word.FindAllString(text, -1) {
				if len(w) > 2 && !seen[w] {
					seen[w] = true
					t.Errorf("%s in %s shows %q (English, a raw key or a raw value)", p, lang, w)
				}
			}
		}
	}
}

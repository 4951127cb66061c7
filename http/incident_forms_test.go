package http_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"medsec"
	"medsec/i18n"
)

// openIncidentAt opens an incident at HQ (Taiwan, Asia/Taipei) through the API, found at
// detected.
func openIncidentAt(t *testing.T, f *fixture, title string, detected time.Time) medsec.Incident {
	t.Helper()
	body := fmt.Sprintf(`{"site_id": %d, "title": %q, "detected_at": %q}`, f.assetHQ.SiteID, title, detected.UTC().Format(time.RFC3339))
	status, resp := f.do("POST", "/api/v1/incidents", f.tokens[medsec.RoleSOCAnalyst], body)
	var inc medsec.Incident
	if status != 201 || json.Unmarshal([]byte(resp), &inc) != nil {
		t.Fatalf("open incident: %d %s", status, resp)
	}
	return inc
}

// TestIncidentTimesInSiteZone: the incident's times were entered in the site's local time,
// so the list, the incident page (summary, clocks, timeline, the notification template),
// the ledger page and its CSV and XLSX show them in the site's zone, naming it
// ("2026-11-30 14:05 (Asia/Taipei)"), never in UTC.
func TestIncidentTimesInSiteZone(t *testing.T) {
	f := newFixture(t)
	detected := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Minute)
	inc := openIncidentAt(t, f, "夜間 PACS 異常", detected)
	if inc.TimeZone != "Asia/Taipei" {
		t.Errorf("API time_zone %q, want Asia/Taipei", inc.TimeZone)
	}
	taipei, _ := time.LoadLocation("Asia/Taipei")
	want := detected.In(taipei).Format("2006-01-02 15:04") + " (Asia/Taipei)"
	utc := detected.Format("2006-01-02 15:04")
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))
	for _, path := range []string{"/incidents", fmt.Sprintf("/incidents/%d", inc.ID), "/incidents/ledger"} {
		_, _, body := getIn(t, c, f.srv.URL+path, "zh-TW")
		if !strings.Contains(body, want) {
			t.Errorf("%s does not show the detection time as %q", path, want)
		}
		if strings.Contains(body, utc) || strings.Contains(body, " UTC") {
			t.Errorf("%s shows a UTC time", path)
		}
	}
	// The notification template the page fills in, in each language.
	for _, lang := range []string{"en", "ja", "zh-CN", "zh-TW"} {
		_, _, body := getIn(t, c, f.srv.URL+fmt.Sprintf("/incidents/%d?tpl=authority&tpl_lang=%s", inc.ID, lang), lang)
		if i := strings.Index(body, `name="content"`); i < 0 || !strings.Contains(body[i:], want) {
			t.Errorf("%s notification template lacks %q", lang, want)
		}
	}
	auditor := f.tokens[medsec.RoleAuditor]
	status, csv := f.do("GET", "/api/v1/incidents/ledger?format=csv", auditor, "")
	if status != 200 || !strings.Contains(csv, want) || strings.Contains(csv, " UTC") {
		t.Errorf("ledger CSV: %d %s", status, csv)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/incidents/ledger?format=xlsx", nil)
	req.Header.Set("Authorization", "Bearer "+auditor)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	io.Copy(&buf, resp.Body)
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	if len(rows) != 2 || rows[1][len(rows[1])-1] != "Asia/Taipei" || !strings.HasPrefix(rows[1][slices.Index(rows[0], "Detected")], detected.In(taipei).Format("2006-01-02 15:04")) {
		t.Errorf("ledger XLSX rows %q: want the detection time in Asia/Taipei and the zone named", rows)
	}
}

// TestIncidentFormAllProblemsAtOnce: the incident form shows every problem at once, each
// beside its field (aria-invalid, described by the problem's text) and in the summary at
// the top, in the user's language, keeping what was typed; problems only the service
// finds (a level without its reason, a detection in the future) come together too.
func TestIncidentFormAllProblemsAtOnce(t *testing.T) {
	f := newFixture(t)
	b := loadBundle(t)
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))
	taipei, _ := time.LoadLocation("Asia/Taipei")
	future := time.Now().Add(5 * time.Hour).In(taipei).Format("2006-01-02T15:04")
	site := fmt.Sprint(f.assetHQ.SiteID)
	status, body := postFormIn(t, c, f.srv.URL+"/incidents", url.Values{"site_id": {site}, "title": {""}, "outage_minutes": {"3h"},
		"detected_at": {"yesterday"}, "occurred_at": {future}, "description": {"夜班發現 PACS 無法存取"}}, "ja")
	if status != 422 {
		t.Fatalf("status %d", status)
	}
	for _, p := range []struct{ field, label, key string }{
		{"title", "incident.title", "err.required"},
		{"outage_minutes", "incident.outage_minutes", "err.bad_number"},
		{"detected_at", "incident.detected_at", "incident.err.bad_time"},
		{"occurred_at", "incident.occurred_at", "incident.err.time_future"},
	} {
		if row := "<td>" + b.T("ja", p.label) + "</td><td>" + b.T("ja", p.key); !strings.Contains(body, row) {
			t.Errorf("summary lacks %s: %q", p.field, row)
		}
		id := "err-create-" + strings.ReplaceAll(p.field, "_", "-")
		if !strings.Contains(body, `aria-describedby="`+id+`"`) || !strings.Contains(body, `<span class="field-error" id="`+id+`">`+b.T("ja", p.key)) {
			t.Errorf("no problem beside %s: %s", p.field, between(body, `id="`+id+`"`, "</span>"))
		}
	}
	for _, kept := range []string{`value="3h"`, "夜班發現 PACS 無法存取", `value="` + future + `"`} {
		if !strings.Contains(body, kept) {
			t.Errorf("the form lost %s", kept)
		}
	}
	// What only the service finds (the suggested level needs the facts): beside its field.
	status, body = postFormIn(t, c, f.srv.URL+"/incidents", url.Values{"site_id": {site}, "title": {"PACS"}, "level": {"1"}}, "zh-TW")
	if status != 422 || !strings.Contains(body, `id="err-create-level-reason">`+b.T("zh-TW", "incident.err.level_reason")) {
		t.Errorf("level without its reason: %d %s", status, between(body, `id="err-create-level-reason"`, "</span>"))
	}
	// The API names both problems the service finds at once.
	status, resp := f.do("POST", "/api/v1/incidents", f.tokens[medsec.RoleSOCAnalyst], fmt.Sprintf(`{"site_id": %s, "title": "PACS", "level": 1, "detected_at": %q}`,
		site, time.Now().Add(5*time.Hour).UTC().Format(time.RFC3339)))
	if status != 422 || !strings.Contains(resp, `"level_reason"`) || !strings.Contains(resp, `"detected_at"`) {
		t.Errorf("API with two problems: %d %s", status, resp)
	}
}

// TestIncidentConflictKeepsTyped: a change refused because someone else saved the incident
// first (409) shows the form again with what the user typed, says what the other person
// changed (their timeline entries since the page was shown), and the form then goes
// through on the version shown.
func TestIncidentConflictKeepsTyped(t *testing.T) {
	f := newFixture(t)
	inc := openIncidentAt(t, f, "PACS 勒索軟體", time.Now().Add(-time.Hour))
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))
	path := fmt.Sprintf("/incidents/%d", inc.ID)
	_, _, page := getIn(t, c, f.srv.URL+path, "zh-TW")
	seen := between(page, `name="seen" value="`, `"`)
	if seen == "" {
		t.Fatal("the forms do not send the newest timeline entry back")
	}
	// Someone else adds a note meanwhile.
	if status, resp := f.do("POST", fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID), f.tokens[medsec.RoleSecurityOfficer],
		fmt.Sprintf(`{"version": %d, "action": "note", "text": "已通知放射科主任"}`, inc.Version)); status != 200 {
		t.Fatalf("other change: %d %s", status, resp)
	}
	form := url.Values{"version": {fmt.Sprint(inc.Version)}, "seen": {seen}, "action": {"record"}, "cause": {"釣魚郵件夾帶勒索軟體"},
		"actions": {"隔離 PACS 伺服器"}, "result": {""}}
	status, body := postFormIn(t, c, f.srv.URL+path, form, "zh-TW")
	if status != 409 {
		t.Fatalf("stale version: %d", status)
	}
	b := loadBundle(t)
	for _, want := range []string{">釣魚郵件夾帶勒索軟體</textarea>", ">隔離 PACS 伺服器</textarea>", `id="conflict-changes"`, "已通知放射科主任", "u-security-officer",
		b.T("zh-TW", "incident.err.conflict_kept", 1)} {
		if !strings.Contains(body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	version := between(body[strings.Index(body, `id="incident-record"`):], `name="version" value="`, `"`)
	if version != fmt.Sprint(inc.Version+1) {
		t.Fatalf("the form shown again names version %q, want %d", version, inc.Version+1)
	}
	form.Set("version", version)
	if status, _ := postFormIn(t, c, f.srv.URL+path, form, "zh-TW"); status != 303 {
		t.Fatalf("re-submitted: %d", status)
	}
	_, resp := f.do("GET", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), f.tokens[medsec.RoleAuditor], "")
	if !strings.Contains(resp, "釣魚郵件夾帶勒索軟體") {
		t.Errorf("the re-submitted record was not saved: %.300s", resp)
	}
}

func loadBundle(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIncidentEvidenceUpload: the SOC analyst (who may not upload inventory evidence)
// uploads a file on the incident page: it is stored under its base name, listed with its
// SHA-256 and uploader, its chain of custody starts with the analyst, the upload is
// audited; an empty file is refused beside the field; a user of another site gets "not
// found", the auditor and the vendor are refused, and a cross-site post is refused.
func TestIncidentEvidenceUpload(t *testing.T) {
	f := newFixture(t)
	inc := openIncidentAt(t, f, "PACS 勒索軟體", time.Now().Add(-time.Hour))
	upload := func(user, name, content, lang string, header map[string]string) (int, string) {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("version", fmt.Sprint(inc.Version))
		mw.WriteField("note", "取自 PACS 伺服器")
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(content))
		mw.Close()
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/incidents/%d/evidence", f.srv.URL, inc.ID), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		for k, v := range header {
			req.Header.Set(k, v)
		}
		return sendIn(t, f.session(user), req, lang)
	}
	const content = "ransom note captured from PACS-01"
	sum := sha256.Sum256([]byte(content))
	digest := hex.EncodeToString(sum[:])
	if status, body := upload("u-soc-analyst", `..\..\C:\temp\ransom<note>.txt`, content, "zh-TW", nil); status != 303 {
		t.Fatalf("upload: %d %.2000s", status, body)
	}
	_, _, page := getIn(t, f.session("u-soc-analyst"), fmt.Sprintf("%s/incidents/%d", f.srv.URL, inc.ID), "zh-TW")
	row := between(page, `<tr data-sha256="`+digest+`">`, "</tr>")
	for _, want := range []string{"<code>" + digest + "</code>", "<td>u-soc-analyst</td>", "取自 PACS 伺服器", ">ransom_note_.txt</a>"} {
		if !strings.Contains(row, want) {
			t.Errorf("evidence row lacks %q: %s", want, row)
		}
	}
	if strings.Contains(row, "temp") || strings.Contains(row, "<note>") || strings.Contains(row, `\\`) {
		t.Errorf("unsafe name kept: %s", row)
	}
	_, resp := f.do("GET", "/api/v1/audit?action=evidence.upload", f.tokens[medsec.RoleAdmin], "")
	if !strings.Contains(resp, digest) {
		t.Errorf("upload not audited: %.500s", resp)
	}
	if status, body := upload("u-soc-analyst", "empty.pcap", "", "ja", nil); status != 422 || !strings.Contains(body, `id="err-upload-file">空のファイルです`) {
		t.Errorf("empty file: %d %s", status, between(body, `id="err-upload-file"`, "</span>"))
	}
	for user, want := range map[string]int{"branch-ce": 404, "u-auditor": 403, "u-vendor": 403} {
		if status, _ := upload(user, "x.txt", "x", "en", nil); status != want {
			t.Errorf("%s uploads: %d, want %d", user, status, want)
		}
	}
	if status, _ := upload("u-soc-analyst", "y.txt", "y", "en", map[string]string{"Sec-Fetch-Site": "cross-site"}); status != 403 {
		t.Errorf("cross-site upload: %d, want 403", status)
	}
}

package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"medsec"
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
	rows, _ := x.GetRows("網絡安全事件臺賬")
	if len(rows) != 2 || rows[1][len(rows[1])-1] != "Asia/Taipei" || !strings.HasPrefix(rows[1][7], detected.In(taipei).Format("2006-01-02 15:04")) {
		t.Errorf("ledger XLSX rows %q: want the detection time in Asia/Taipei and the zone named", rows)
	}
}

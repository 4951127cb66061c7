package http_test

import (
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
)

// TestIncidentSetOccurrence: the incident page offers "set occurrence time" to a
// responder; a time after the detection is refused beside the field in the user's
// language, and a right one (typed in the site's local time), before the detection,
// leaves the authority report (事件發生後1小時內, 003 ch.2) counting from the detection and
// saying so (bt14h #2), with a timeline entry; the API takes the
// same action, refused to a reader (403) and without a note (422 naming note).
func TestIncidentSetOccurrence(t *testing.T) {
	f := newFixture(t)
	now := time.Now().UTC().Truncate(time.Minute)
	detected := now.Add(-30 * time.Minute)
	inc, page, soc, html := incidentPageAt(t, f, "急診 HIS 中斷", "other", 2, detected, "ja")
	if !strings.Contains(html, `id="occurrence-set"`) || !strings.Contains(html, "発生時刻を設定") {
		t.Fatal("page lacks the occurrence form")
	}
	// The exposure form's time says when the exposure was found, not "when it was done".
	if !strings.Contains(html, `name="found_at" title="データの露出が判明した時刻`) {
		t.Error("found_at tooltip is not the exposure's")
	}
	taipei, _ := time.LoadLocation("Asia/Taipei")
	status, out := postFormIn(t, soc, f.srv.URL+page, url.Values{"version": {fmt.Sprint(inc.Version)}, "action": {"occurrence"},
		"occurred_at": {now.Add(-10 * time.Minute).In(taipei).Format("2006-01-02T15:04")}, "note": {"防火牆日誌"}}, "ja")
	if status != 422 || !strings.Contains(out, "はインシデントの検知") {
		t.Errorf("occurrence after detection: %d %.3000s", status, out)
	}
	occurred := now.Add(-2 * time.Hour)
	status, out = postFormIn(t, soc, f.srv.URL+page, url.Values{"version": {fmt.Sprint(inc.Version)}, "action": {"occurrence"},
		"occurred_at": {occurred.In(taipei).Format("2006-01-02T15:04")}, "note": {"防火牆日誌顯示首次加密"}}, "ja")
	if status != 303 {
		t.Fatalf("occurrence form: %d %.2000s", status, out)
	}
	inc = readIncident(t, f, inc.ID)
	if !inc.OccurredAt.Equal(occurred) {
		t.Errorf("occurred %v, want %v", inc.OccurredAt, occurred)
	}
	for _, c := range inc.Clocks {
		// From the detection, the event being earlier (bt14h #2): still running.
		if c.Key == "authority-report" && (!c.Start.Equal(detected) || c.Basis != medsec.BasisDetectedAfterOccurrence || c.State != medsec.ClockRunning) {
			t.Errorf("authority report: %v %s %s", c.Start, c.Basis, c.State)
		}
	}
	_, _, html = getIn(t, soc, f.srv.URL+page, "zh-TW")
	if !strings.Contains(html, "事件發生時間設為") || !strings.Contains(html, "防火牆日誌顯示首次加密") {
		t.Error("timeline lacks the occurrence entry")
	}
	checkMomentAPI(t, f, inc, "occurrence", "occurred_at", occurred.Add(-time.Hour))
}

// TestIncidentTimeInRepeatedHour: at a site on Europe/Berlin, an occurrence typed in the
// hour the clocks pass twice (2026-10-25 02:30) is refused beside the field, in the user's
// language, naming both offsets, and the form offers the choice; chosen, the later
// (UTC+01:00) is taken. Was: silently the earlier of the two.
func TestIncidentTimeInRepeatedHour(t *testing.T) {
	f := newFixture(t)
	setSiteZone(t, f, "Europe/Berlin")
	detected := time.Date(2026, 10, 25, 3, 0, 0, 0, time.UTC)
	body := fmt.Sprintf(`{"site_id": %d, "title": "Ausfall KIS", "level": 3, "level_reason": "one system", "detected_at": %q}`,
		f.assetHQ.SiteID, detected.Format(time.RFC3339))
	inc := openIncident(t, f, body)
	page := fmt.Sprintf("/incidents/%d", inc.ID)
	soc := f.session("u-" + string(medsec.RoleSOCAnalyst))
	form := url.Values{"version": {fmt.Sprint(inc.Version)}, "action": {"occurrence"}, "occurred_at": {"2026-10-25T02:30"}, "note": {"Firewall-Log"}}
	status, out := postFormIn(t, soc, f.srv.URL+page, form, "zh-TW")
	out = html.UnescapeString(out)
	if status != 422 || !strings.Contains(out, "在時區 Europe/Berlin 中出現兩次") || !strings.Contains(out, `name="occurred_at_offset"`) ||
		!strings.Contains(out, `較晚者（UTC+01:00，標準時間）</option>`) || !strings.Contains(out, `value="2026-10-25T02:30"`) {
		i := max(0, strings.Index(out, "occurred_at_offset")-2000)
		t.Errorf("repeated hour without a choice: %d %.4000s", status, out[i:])
	}
	form.Set("occurred_at_offset", "+01:00")
	if status, out = postFormIn(t, soc, f.srv.URL+page, form, "zh-TW"); status != 303 {
		t.Fatalf("with the later offset: %d %.2000s", status, out)
	}
	inc = readIncident(t, f, inc.ID)
	if want := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC); !inc.OccurredAt.Equal(want) {
		t.Errorf("occurred %v, want %v (the later 02:30)", inc.OccurredAt, want)
	}
}

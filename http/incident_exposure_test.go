package http_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
)

// TestIncidentExposureFoundPage: the incident page says what each clock counts from (the
// detection for the authority report, the event being earlier, recorded two hours after
// it was found: late at once),
// and a responder records patient data found exposed on its form, in the site's local
// time: the leak reports start from that time, shown as such, with a timeline entry; the
// correction is offered to and accepted from the security officer only, with a reason,
// through the page and the API.
func TestIncidentExposureFoundPage(t *testing.T) {
	f := newFixture(t)
	now := time.Now().UTC().Truncate(time.Minute)
	body := fmt.Sprintf(`{"site_id": %d, "title": "急診 HIS 中斷", "level": 2, "level_reason": "key department down", "occurred_at": %q, "detected_at": %q}`,
		f.assetHQ.SiteID, now.Add(-3*time.Hour).Format(time.RFC3339), now.Add(-2*time.Hour).Format(time.RFC3339))
	status, resp := f.do("POST", "/api/v1/incidents", f.tokens[medsec.RoleSOCAnalyst], body)
	var inc medsec.Incident
	if status != 201 || json.Unmarshal([]byte(resp), &inc) != nil {
		t.Fatalf("open incident: %d %s", status, resp)
	}
	for _, c := range inc.Clocks {
		if c.Key == "authority-report" && (c.Basis != medsec.BasisDetectedAfterOccurrence || c.State != medsec.ClockLate) {
			t.Errorf("API authority report: %s %s", c.Basis, c.State)
		}
	}
	page := fmt.Sprintf("/incidents/%d", inc.ID)
	soc := f.session("u-" + string(medsec.RoleSOCAnalyst))
	_, _, html := getIn(t, soc, f.srv.URL+page, "zh-TW")
	for _, want := range []string{`data-basis="detected-after-occurrence">自發現事件起算（事件發生早於發現`, `data-basis="detected">自發現事件起算`, `id="exposure-found"`, "起算</th>"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, `id="exposure-correct"`) {
		t.Error("the analyst is offered the correction")
	}
	// Found an hour ago, typed in Taipei time.
	taipei, _ := time.LoadLocation("Asia/Taipei")
	found := now.Add(-time.Hour)
	status, out := postFormIn(t, soc, f.srv.URL+page, url.Values{"version": {fmt.Sprint(inc.Version)}, "action": {"exposure_found"}, "exposure": {"ordinary"},
		"found_at": {found.In(taipei).Format("2006-01-02T15:04")}, "note": {"病歷摘要出現在外部論壇"}}, "zh-TW")
	if status != 303 {
		t.Fatalf("exposure form: %d %.2000s", status, out)
	}
	_, resp = f.do("GET", "/api/v1"+page, f.tokens[medsec.RoleSOCAnalyst], "")
	inc = medsec.Incident{}
	json.Unmarshal([]byte(resp), &inc)
	var leak int
	for _, c := range inc.Clocks {
		if strings.HasPrefix(c.Key, "leak-") {
			leak++
			if !c.Start.Equal(found) || c.Basis != medsec.BasisExposure || !c.Due.Equal(found.Add(24*time.Hour)) {
				t.Errorf("%s: %v (%s) due %v, want from %v", c.Key, c.Start, c.Basis, c.Due, found)
			}
		}
	}
	if leak != 2 || inc.Exposure != medsec.ExposureOrdinary { // health authority and patients (003 §5.3.3); 網信辦 only in mainland China
		t.Errorf("%d leak duties, exposure %s", leak, inc.Exposure)
	}
	_, _, html = getIn(t, soc, f.srv.URL+page, "zh-TW")
	for _, want := range []string{"發現個人資料暴露：一般資料外洩", `data-basis="exposure">自發現個人資料暴露起算`, "病歷摘要出現在外部論壇"} {
		if !strings.Contains(html, want) {
			t.Errorf("page after the finding lacks %q", want)
		}
	}
	// The correction: refused to the analyst, offered to the security officer, who must
	// give a reason.
	correct := func(role medsec.Role, note string) (int, string) {
		return f.do("POST", "/api/v1"+page+"/actions", f.tokens[role], fmt.Sprintf(`{"version": %d, "action": "exposure_correct", "exposure": "none", "note": %q}`, inc.Version, note))
	}
	if status, resp := correct(medsec.RoleSOCAnalyst, "mistake"); status != 403 {
		t.Errorf("analyst's correction: %d %s", status, resp)
	}
	if status, resp := correct(medsec.RoleSecurityOfficer, ""); status != 422 || !strings.Contains(resp, `"note"`) {
		t.Errorf("correction without a reason: %d %s", status, resp)
	}
	ciso := f.session("u-" + string(medsec.RoleSecurityOfficer))
	if _, _, html := getIn(t, ciso, f.srv.URL+page, "en"); !strings.Contains(html, `id="exposure-correct"`) {
		t.Error("the security officer is not offered the correction")
	}
	status, resp = correct(medsec.RoleSecurityOfficer, "synthetic test records")
	if status != 200 || !strings.Contains(resp, `"stop_reason": "corrected"`) || !strings.Contains(resp, `"kind": "exposure.corrected"`) {
		t.Errorf("correction: %d %.600s", status, resp)
	}
}

package http_test

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
)

// TestIncidentCloseFormDeclaredBy: the close form asks who of the leading group declared
// the end of the response and when, with a hint citing 003 §4.4.4 (當滿足終止條件時，由領導
// 小組宣布應急響應結束) in the user's language; a close without the name is refused beside
// the field (422, aria-invalid) and the incident stays open; with it the incident closes
// and the page and the timeline say who declared it.
func TestIncidentCloseFormDeclaredBy(t *testing.T) {
	f := newFixture(t)
	inc := openIncidentAt(t, f, "PACS 勒索軟體", time.Now().Add(-time.Hour))
	so := f.tokens[medsec.RoleSecurityOfficer]
	api := fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID)
	version := inc.Version
	act := func(body string) {
		t.Helper()
		status, resp := f.do("POST", api, so, fmt.Sprintf(`{"version": %d, %s}`, version, body))
		if status != 200 {
			t.Fatalf("%s: %d %s", body, status, resp)
		}
		version++
	}
	for _, it := range inc.Checklist {
		act(fmt.Sprintf(`"action": "waive_item", "key": %q, "reason": "test"`, it.Key))
	}
	act(`"action": "record", "cause": "c", "actions": "a", "result": "r"`)
	version = completeTasks(t, f, inc.ID)
	b := loadBundle(t)
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))
	path := fmt.Sprintf("/incidents/%d", inc.ID)
	_, _, page := getIn(t, c, f.srv.URL+path, "zh-TW")
	for _, want := range []string{`name="declared_by"`, `name="declared_at"`, template.HTMLEscapeString(b.T("zh-TW", "incident.end_declared_help")), "003 §4.4.4"} {
		if !strings.Contains(page, want) {
			t.Errorf("the close form lacks %q", want)
		}
	}
	seen := between(page, `name="seen" value="`, `"`)
	form := url.Values{"version": {fmt.Sprint(version)}, "seen": {seen}, "action": {"close"}, "declared_by": {""}}
	status, body := postFormIn(t, c, f.srv.URL+path, form, "zh-TW")
	if status != 422 || !strings.Contains(body, template.HTMLEscapeString(b.T("zh-TW", "incident.err.declared_by_required"))) ||
		!strings.Contains(body, `name="declared_by" maxlength="200" required`) || !strings.Contains(body, `aria-invalid="true" aria-describedby="err-close-declared-by"`) {
		t.Fatalf("close without declared_by: %d %s", status, between(body, `id="close-incident"`, `</form>`))
	}
	form.Set("declared_by", "江文雄")
	loc, err := time.LoadLocation(inc.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	// The site's local time, to the minute: not before the conditions were met just now
	// (bt14f H2), which a declaration ten minutes ago is.
	form.Set("declared_at", time.Now().Add(-10*time.Minute).In(loc).Format("2006-01-02T15:04"))
	if status, body := postFormIn(t, c, f.srv.URL+path, form, "zh-TW"); status != 422 ||
		!strings.Contains(body, "早於終止條件滿足的時間：最後滿足的「"+template.HTMLEscapeString(b.T("zh-TW", "incident.check."+inc.Checklist[len(inc.Checklist)-1].Key))+"」") {
		t.Fatalf("declared before the conditions were met: %d %s", status, between(body, `id="close-incident"`, `</form>`))
	}
	form.Set("declared_at", time.Now().In(loc).Format("2006-01-02T15:04"))
	if status, body := postFormIn(t, c, f.srv.URL+path, form, "zh-TW"); status != 303 {
		t.Fatalf("close: %d %.2000s", status, body)
	}
	_, _, page = getIn(t, c, f.srv.URL+path, "en")
	if !strings.Contains(page, `id="end-declared">江文雄`) || !strings.Contains(page, "declared by 江文雄 (leading group)") || strings.Contains(page, `id="close-incident"`) {
		t.Errorf("the closed page lacks the declaration: %.3000s", between(page, `id="timeline"`, `</ol>`))
	}
}

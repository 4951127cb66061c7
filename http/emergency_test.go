package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/account"
	"medsec/detection"
	"medsec/i18n"
	"medsec/sqlstore"
)

// TestEmergencyUses follows an emergency account's login from the event stream to its
// closed reset task through the API and the pages: detection records the use on the
// system's account; the list and the accounts page show it, in four languages, to the
// users of its site only; a vendor is refused; the reset cannot be confirmed before a
// justification; the justification and the confirmation go through the forms, after which
// the use cannot change (409).
func TestEmergencyUses(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	imp := account.ReadAccounts([]byte("username,type\nor-break,emergency\ndr.wu,personal\n"), "ct.csv")
	imp.AssetID = f.assetHQ.ID
	if _, err := sqlstore.NewAccountService(f.db).ImportAccounts(ctx, imp); err != nil {
		t.Fatal(err)
	}
	det := sqlstore.NewDetectionService(f.db)
	uses := sqlstore.NewEmergencyUseService(f.db)
	svc := detection.New(detection.Stores{Rules: det, Alerts: det, Suppressions: det, Events: sqlstore.NewEventService(f.db), Accounts: uses, Followers: []medsec.AlertFollower{uses}}, nil)
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	ev := medsec.Event{ID: "t:or-break", Time: time.Date(2026, 11, 28, 2, 40, 0, 0, time.UTC), SiteID: f.assetHQ.SiteID, AssetID: f.assetHQ.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent},
		Fields: map[string]any{"event.category": "authentication", "event.outcome": "success", "user.name": "or-break", "source.ip": "10.1.77.5"}}
	if err := svc.Handle(ctx, []medsec.Event{ev}); err != nil {
		t.Fatal(err)
	}
	admin := f.tokens[medsec.RoleAdmin]
	st, body := f.do("GET", "/api/v1/emergency-uses?open=true", admin, "")
	var got struct {
		Items []medsec.EmergencyUse
		Total int
	}
	if err := json.Unmarshal([]byte(body), &got); st != 200 || err != nil || got.Total != 1 || got.Items[0].Username != "or-break" || got.Items[0].AccountID == 0 ||
		got.Items[0].AssetID != f.assetHQ.ID || got.Items[0].SourceIP != "10.1.77.5" {
		t.Fatalf("list: %d %s", st, body)
	}
	id := got.Items[0].ID
	path := fmt.Sprintf("/api/v1/emergency-uses/%d", id)
	if _, body := f.do("GET", "/api/v1/emergency-uses", f.branchCE, ""); !strings.Contains(body, `"total": 0`) {
		t.Errorf("branch user's list: %s", body)
	}
	if st, _ := f.do("GET", path, f.branchCE, ""); st != 404 {
		t.Errorf("branch user's GET: %d", st)
	}
	if st, _ := f.do("GET", path, f.tokens[medsec.RoleVendor], ""); st != 403 {
		t.Errorf("vendor's GET: %d", st)
	}
	if st, _ := f.do("PUT", path+"/justification", f.tokens[medsec.RoleAuditor], `{"justification":"x"}`); st != 403 {
		t.Errorf("auditor's justification: %d", st)
	}
	if st, body := f.do("POST", path+"/reset", admin, ""); st != 422 || !strings.Contains(body, "justification") {
		t.Errorf("reset before the justification: %d %s", st, body)
	}
	if st, body := f.do("PUT", path+"/justification", admin, `{"justification":""}`); st != 422 || !strings.Contains(body, `"field": "justification"`) {
		t.Errorf("empty justification: %d %s", st, body)
	}

	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := f.session("u-admin")
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, "/accounts", lang)
		for _, key := range []string{"emergency.open_title", "emergency.no_justification"} {
			if !strings.Contains(page, template.HTMLEscapeString(b.T(lang, key))) {
				t.Errorf("%s: /accounts lacks %s", lang, key)
			}
		}
		if !strings.Contains(page, fmt.Sprintf(`href="/accounts/emergency/%d"`, id)) {
			t.Errorf("%s: /accounts does not link the use", lang)
		}
	}
	if page := f.page(f.session("u-auditor"), fmt.Sprintf("/accounts/emergency/%d", id), "en"); strings.Contains(page, `id="emergency-justify"`) || !strings.Contains(page, "or-break") {
		t.Error("the auditor's page has the forms, or lacks the use")
	}
	form := func(path string, v url.Values) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	page := fmt.Sprintf("/accounts/emergency/%d", id)
	if st, body := form(page+"/reset", url.Values{"note": {"ticket 12"}}); st != 422 || !strings.Contains(body, `id="form-errors"`) {
		t.Errorf("reset form before the justification: %d %.500s", st, body)
	}
	if st, _ := form(page+"/justify", url.Values{"justification": {"OR login server down during a Caesarean section"}}); st != 303 {
		t.Errorf("justify form: %d", st)
	}
	if st, _ := form(page+"/reset", url.Values{"note": {"ticket 12"}}); st != 303 {
		t.Errorf("reset form: %d", st)
	}
	if body := f.page(c, page, "en"); !strings.Contains(body, "Caesarean") || !strings.Contains(body, "ticket 12") || strings.Contains(body, `id="emergency-reset-form"`) {
		t.Errorf("closed use's page: %.1500s", body)
	}
	if st, _ := f.do("PUT", path+"/justification", admin, `{"justification":"later"}`); st != 409 {
		t.Errorf("justify a closed use: %d", st)
	}
	if _, body := f.do("GET", "/api/v1/emergency-uses?open=true", admin, ""); !strings.Contains(body, `"total": 0`) {
		t.Errorf("open uses after the reset: %s", body)
	}
}

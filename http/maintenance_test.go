package http_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestMaintenancePlans enters vendors' plans over the API and the page's form: the
// approver is the caller, a branch user cannot enter one on the main site's system (404),
// a vendor is refused, a window ending before it starts is 422 naming the field, and the
// page lists the plans in four languages.
func TestMaintenancePlans(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	body := fmt.Sprintf(`{"vendor_id":%d,"asset_ids":[%d],"engineer":"Wu Chien","purpose":"CT firmware 4.1","start":"2026-12-03T06:00:00Z","end":"2026-12-03T09:00:00Z"}`, f.vendorID, f.assetHQ.ID)
	if st, out := f.do("POST", "/api/v1/maintenance-plans", admin, body); st != 201 || !strings.Contains(out, `"approved_by": "u-admin"`) {
		t.Fatalf("create: %d %s", st, out)
	}
	if st, _ := f.do("POST", "/api/v1/maintenance-plans", f.branchCE, body); st != 404 {
		t.Errorf("branch user's plan on the main site: %d", st)
	}
	if st, _ := f.do("POST", "/api/v1/maintenance-plans", f.tokens[medsec.RoleVendor], body); st != 403 {
		t.Errorf("vendor's plan: %d", st)
	}
	bad := strings.Replace(body, "09:00:00Z", "05:00:00Z", 1)
	if st, out := f.do("POST", "/api/v1/maintenance-plans", admin, bad); st != 422 || !strings.Contains(out, `"field": "end"`) {
		t.Errorf("end before start: %d %s", st, out)
	}
	if _, out := f.do("GET", "/api/v1/maintenance-plans", f.branchCE, ""); !strings.Contains(out, `"total": 0`) {
		t.Errorf("branch user's plans: %s", out)
	}
	c := f.session("u-admin")
	form := url.Values{"vendor_id": {fmt.Sprint(f.vendorID)}, "asset_id": {fmt.Sprint(f.assetHQ.ID)}, "engineer": {"Lin"}, "purpose": {"UPS swap"},
		"start": {"2026-12-05T09:00"}, "end": {"2026-12-05T11:00"}}
	post := func(v url.Values) int {
		req, _ := http.NewRequest("POST", f.srv.URL+"/accounts/maintenance", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post(form); st != 303 {
		t.Errorf("form: %d", st)
	}
	form.Set("end", "soon")
	if st := post(form); st != 422 {
		t.Errorf("form with a bad end: %d", st)
	}
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, "/accounts/maintenance", lang)
		if !strings.Contains(page, template.HTMLEscapeString(b.T(lang, "maintenance.outside_title"))) || !strings.Contains(page, "CT firmware 4.1") || !strings.Contains(page, "UPS swap") {
			t.Errorf("%s: the plans page lacks its plans or title", lang)
		}
	}
}

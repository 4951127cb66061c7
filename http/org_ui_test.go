package http_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"medsec"
)

// TestOrgMasterDataPages edits and deletes departments, people and vendors on the
// organisation pages, on both engines: each row links to its edit and delete pages; an
// edit is saved and audited with before and after; the delete page of a vendor an asset
// refers to names what blocks it (Assets: 1, in the user's language) and offers no
// button, and posting the delete anyway is 409 with the same list, nothing deleted; an
// unreferenced person is deleted after confirmation and audited; an auditor may not open
// the pages (403), a site-limited engineer may not see another site's department (404) nor
// change a vendor every site shares (403, no links).
func TestOrgMasterDataPages(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			f := newFixtureOn(t, openEngine(t, engine))
			admin := f.tokens[medsec.RoleAdmin]
			hq := f.assetHQ.SiteID
			dept := f.mustCreate("/api/v1/departments", fmt.Sprintf(`{"site_id": %d, "name": "放射科"}`, hq))
			person := f.mustCreate("/api/v1/people", fmt.Sprintf(`{"name": "林醫工", "department_id": %d}`, dept))
			loner := f.mustCreate("/api/v1/people", `{"name": "離職者"}`)
			c := f.session("u-admin")
			get := func(path, lang string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
				status, _, body := sendLang(t, c, req, lang)
				return status, html.UnescapeString(body)
			}
			post := func(path string, form url.Values, lang string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				status, _, body := sendLang(t, c, req, lang)
				return status, html.UnescapeString(body)
			}

			status, body := get("/organisation", "en")
			for _, link := range []string{fmt.Sprintf("/organisation/departments/%d/edit", dept), fmt.Sprintf("/organisation/people/%d/delete", person),
				fmt.Sprintf("/organisation/vendors/%d/edit", f.vendorID)} {
				if status != 200 || !strings.Contains(body, `href="`+link+`"`) {
					t.Errorf("organisation page: %d, no link %s", status, link)
				}
			}

			// Edit a department: the form shows it, the change is saved and audited.
			if status, body := get(fmt.Sprintf("/organisation/departments/%d/edit", dept), "zh-TW"); status != 200 || !strings.Contains(body, "編輯部門「放射科」") || !strings.Contains(body, `value="放射科"`) {
				t.Errorf("department edit page: %d %s", status, stripTags(body))
			}
			if status, body := post(fmt.Sprintf("/organisation/departments/%d/edit", dept), url.Values{"site_id": {fmt.Sprint(hq)}, "name": {"影像醫學科"}}, "en"); status != http.StatusSeeOther {
				t.Errorf("save department: %d %s", status, stripTags(body))
			}
			if _, body := f.do("GET", "/api/v1/departments", admin, ""); !strings.Contains(body, "影像醫學科") {
				t.Errorf("department not renamed: %s", body)
			}
			// A refused field shows the form again with the problem, in the language.
			if status, body := post(fmt.Sprintf("/organisation/vendors/%d/edit", f.vendorID), url.Values{"name": {""}}, "ja"); status != 422 || !strings.Contains(body, "ベンダー「Aurora Medical Systems」の編集") || !strings.Contains(body, "は必須です") {
				t.Errorf("vendor without a name: %d %s", status, stripTags(body))
			}
			if status, body := post(fmt.Sprintf("/organisation/vendors/%d/edit", f.vendorID), url.Values{"name": {"Aurora Medical"}, "email": {"psirt@aurora.example"}}, "en"); status != http.StatusSeeOther {
				t.Errorf("save vendor: %d %s", status, stripTags(body))
			}

			// The vendor an asset refers to: the delete page names what blocks it.
			for lang, want := range map[string][2]string{"en": {"Assets", "cannot be deleted"}, "zh-TW": {"資產", "無法刪除「Aurora Medical」"}, "zh-CN": {"资产", "无法删除“Aurora Medical”"}, "ja": {"資産", "「Aurora Medical」は削除できません"}} {
				status, body := get(fmt.Sprintf("/organisation/vendors/%d/delete", f.vendorID), lang)
				if status != 200 || !strings.Contains(body, `<tr data-table="assets"><td>`+want[0]+`</td><td>1</td></tr>`) || !strings.Contains(body, want[1]) || strings.Contains(body, `id="org-delete"`) {
					t.Errorf("%s: delete page of a vendor in use: %d %s", lang, status, stripTags(body))
				}
			}
			if status, body := post(fmt.Sprintf("/organisation/vendors/%d/delete", f.vendorID), nil, "zh-CN"); status != http.StatusConflict || !strings.Contains(body, `<tr data-table="assets"><td>资产</td><td>1</td></tr>`) {
				t.Errorf("delete a vendor in use: %d %s", status, stripTags(body))
			}
			// The department: one person refers to it.
			if status, body := get(fmt.Sprintf("/organisation/departments/%d/delete", dept), "en"); status != 200 || !strings.Contains(body, `<tr data-table="people"><td>People</td><td>1</td></tr>`) {
				t.Errorf("delete page of a department in use: %d %s", status, stripTags(body))
			}
			// The unreferenced person: confirmed, deleted, audited.
			if status, body := get(fmt.Sprintf("/organisation/people/%d/delete", loner), "en"); status != 200 || !strings.Contains(body, `id="org-delete"`) || !strings.Contains(body, "Delete 離職者?") {
				t.Errorf("delete page of an unused person: %d %s", status, stripTags(body))
			}
			if status, body := post(fmt.Sprintf("/organisation/people/%d/delete", loner), nil, "en"); status != http.StatusSeeOther {
				t.Errorf("delete an unused person: %d %s", status, stripTags(body))
			}
			if _, body := f.do("GET", "/api/v1/people", admin, ""); strings.Contains(body, "離職者") || !strings.Contains(body, "林醫工") {
				t.Errorf("people after the delete: %s", body)
			}
			if _, body := f.do("GET", "/api/v1/vendors", admin, ""); !strings.Contains(body, "psirt@aurora.example") {
				t.Errorf("vendor deleted or not saved: %s", body)
			}
			_, audit := f.do("GET", "/api/v1/audit?limit=1000", admin, "")
			for _, action := range []string{`"department.update"`, `"vendor.update"`, `"person.delete"`} {
				if !strings.Contains(audit, action) {
					t.Errorf("audit lacks %s", action)
				}
			}

			// Roles and scope.
			aud := f.session("u-auditor")
			req, _ := http.NewRequest("GET", f.srv.URL+fmt.Sprintf("/organisation/departments/%d/edit", dept), nil)
			if status, _, _ := sendLang(t, aud, req, "en"); status != http.StatusForbidden {
				t.Errorf("auditor opens an edit page: %d", status)
			}
			ce := f.session("branch-ce")
			req, _ = http.NewRequest("GET", f.srv.URL+fmt.Sprintf("/organisation/departments/%d/edit", dept), nil)
			if status, _, _ := sendLang(t, ce, req, "en"); status != http.StatusNotFound {
				t.Errorf("branch engineer opens a headquarters department: %d", status)
			}
			req, _ = http.NewRequest("POST", f.srv.URL+fmt.Sprintf("/organisation/vendors/%d/edit", f.vendorID), strings.NewReader("name=Hijacked"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if status, _, _ := sendLang(t, ce, req, "en"); status != http.StatusForbidden {
				t.Errorf("branch engineer changes a vendor: %d", status)
			}
			req, _ = http.NewRequest("GET", f.srv.URL+"/organisation", nil)
			if _, _, body := sendLang(t, ce, req, "en"); strings.Contains(body, "/organisation/vendors/") {
				t.Errorf("branch engineer is offered vendor changes")
			}
		})
	}
}

// TestSiteRetire retires a site over the API and the UI: refused with 409 while an asset
// that is not retired is there (naming how many, in the client's language), allowed once
// it is retired; the site keeps its record, marked retired_at, and its row says so; a
// second retire is 409; roles without site:admin are refused; the audit trail has
// site.retire with before and after. On both engines.
func TestSiteRetire(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) { testSiteRetire(t, newFixtureOn(t, openEngine(t, engine))) })
	}
}

func testSiteRetire(t *testing.T, f *fixture) {
	admin := f.tokens[medsec.RoleAdmin]
	br := f.assetBR.SiteID
	path := fmt.Sprintf("/api/v1/sites/%d/retire", br)
	for _, tt := range []struct{ lang, want string }{{"en", "1 assets that are not retired are still at the site 分院"}, {"zh-TW", "院區「分院」仍有 1 項未除役的資產"}, {"ja", "拠点「分院」には廃棄されていない資産がまだ 1 件あります"}} {
		status, e := apiErrorIn(t, f.srv.URL, "POST", path, admin, "", tt.lang)
		if status != 409 || e.Key != "err.site_has_assets" || !strings.Contains(e.Error, tt.want) {
			t.Errorf("%s: retire a site with an active asset: %d %+v", tt.lang, status, e)
		}
	}
	for _, role := range []medsec.Role{medsec.RoleAuditor, medsec.RoleClinicalEngineer} {
		if status, _ := f.do("POST", path, f.tokens[role], ""); status != 403 {
			t.Errorf("%s retires a site: %d", role, status)
		}
	}
	if status, body := f.do("POST", fmt.Sprintf("/api/v1/assets/%d/retire", f.assetBR.ID), admin, ""); status >= 300 {
		t.Fatalf("retire the asset: %d %s", status, body)
	}
	// The UI: the row's button retires it.
	c := f.session("u-admin")
	req, _ := http.NewRequest("POST", f.srv.URL+fmt.Sprintf("/organisation/sites/%d/retire", br), nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if status, _, body := sendLang(t, c, req, "en"); status != http.StatusSeeOther {
		t.Fatalf("retire from the page: %d %s", status, stripTags(body))
	}
	status, body := f.do("GET", "/api/v1/sites", admin, "")
	if status != 200 || strings.Count(body, `"retired_at"`) != 1 {
		t.Errorf("sites after the retire: %s", body)
	}
	req, _ = http.NewRequest("GET", f.srv.URL+"/organisation", nil)
	_, _, page := sendLang(t, c, req, "zh-TW")
	if !strings.Contains(page, fmt.Sprintf(`<tr id="site-%d" class="retired">`, br)) || !strings.Contains(page, "已停用") {
		t.Errorf("the retired site's row: %s", stripTags(page))
	}
	if status, e := apiErrorIn(t, f.srv.URL, "POST", path, admin, "", "en"); status != 409 || e.Key != "err.site_retired" {
		t.Errorf("retire twice: %d %+v", status, e)
	}
	// The other site, with its active asset, stays as it was.
	if status, e := apiErrorIn(t, f.srv.URL, "POST", fmt.Sprintf("/api/v1/sites/%d/retire", f.assetHQ.SiteID), admin, "", "en"); status != 409 || e.Key != "err.site_has_assets" {
		t.Errorf("retire headquarters: %d %+v", status, e)
	}
	_, audit := f.do("GET", "/api/v1/audit?object_type=site", admin, "")
	if strings.Count(audit, `"site.retire"`) != 1 {
		t.Errorf("audit: want one site.retire: %s", audit)
	}
}

package http_test

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestSystemAccounts imports a clinical system's account list over the API and through the
// accounts page's system chooser: the accounts and their findings name the system, an
// import naming both an asset and a system is refused with the field in the user's
// language, a clinical engineer of the branch gets 404 and a vendor user 403; the system's
// access review is opened over the API, a second one through the page is a conflict.
func TestSystemAccounts(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	admin := f.tokens[medsec.RoleAdmin]
	st, body := f.do("POST", "/api/v1/systems", admin, fmt.Sprintf(`{"site_id":%d,"name":"HIS","members":[{"asset_id":%d}]}`, f.assetHQ.SiteID, f.assetHQ.ID))
	if st != 201 {
		t.Fatalf("create system: %d %s", st, body)
	}
	var his medsec.ClinicalSystem
	json.Unmarshal([]byte(body), &his)
	upload := f.uploadCSV
	if st, body := upload("/api/v1/roster/import", admin, "roster.csv", "employee_no,name,status,effective\nE1,Dr Lin,left,2026-01-31\n"); st != 200 {
		t.Fatalf("roster: %d %s", st, body)
	}
	path := fmt.Sprintf("/api/v1/systems/%d/accounts/import", his.ID)
	if st, body := upload(path, admin, "his.csv", "username,person,type\ndr.lin,E1,personal\n"); st != 200 || !strings.Contains(body, `"created": 1`) {
		t.Fatalf("import: %d %s", st, body)
	}
	if st, _ := upload(path, f.branchCE, "his.csv", "username\nx\n"); st != 404 {
		t.Errorf("branch user's import: %d", st)
	}
	if st, _ := upload(path, f.tokens[medsec.RoleVendor], "his.csv", "username\nx\n"); st != 403 {
		t.Errorf("vendor's import: %d", st)
	}
	st, body = f.do("GET", fmt.Sprintf("/api/v1/accounts/findings?system_id=%d", his.ID), admin, "")
	if st != 200 || !strings.Contains(body, `"kind": "departed"`) || !strings.Contains(body, `"system_name": "HIS"`) || !strings.Contains(body, "000 帳號管理(中) 一") {
		t.Errorf("findings: %d %s", st, body)
	}
	if st, _ := f.do("GET", fmt.Sprintf("/api/v1/accounts?system_id=%d", his.ID), f.branchCE, ""); st != 404 {
		t.Errorf("branch user's HIS accounts: %d", st)
	}

	pc := f.pages("u-admin", "zh-TW")
	sys := fmt.Sprint(his.ID)
	st, body = pc.upload("/accounts/import", map[string]string{"system_id": sys}, "his.csv", "帳號,類型\ndr.lin,個人\nward,共用\n")
	if st != 200 || !strings.Contains(body, "新增 1 筆") || !strings.Contains(body, `href="/accounts?system_id=`+sys+`">HIS</a>`) {
		t.Errorf("page import: %d %.800s", st, body)
	}
	st, body = pc.upload("/accounts/import", map[string]string{"system_id": sys, "asset_id": fmt.Sprint(f.assetHQ.ID)}, "his.csv", "帳號\nx\n")
	if st != 422 || !strings.Contains(body, b.T("zh-TW", "err.asset_or_system")) {
		t.Errorf("both an asset and a system: %d %.800s", st, body)
	}
	// The system owner's campaign: opened for the system, listed on the reviews page.
	rpath := fmt.Sprintf("/api/v1/systems/%d/access-reviews", his.ID)
	if st, _ := f.do("POST", rpath, f.branchCE, ""); st != 404 {
		t.Errorf("branch user opens the HIS review: %d", st)
	}
	if st, body := f.do("POST", rpath, admin, ""); st != 201 || !strings.Contains(body, `"system_name": "HIS"`) || !strings.Contains(body, `"username": "dr.lin"`) {
		t.Errorf("open the HIS review: %d %s", st, body)
	}
	if st, body := pc.form("/accounts/reviews", map[string][]string{"system_id": {sys}}); st != 409 || !strings.Contains(body, b.T("zh-TW", "err.access_review_exists")) {
		t.Errorf("a second HIS review through the page: %d %.600s", st, body)
	}
	if page := f.page(pc.c, "/accounts/reviews", "ja"); !strings.Contains(page, "<td>HIS</td>") || !strings.Contains(page, `name="system_id"`) {
		t.Errorf("the reviews page lacks the HIS review or the system chooser")
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		// The system's page counts its own accounts and links to them.
		if page := f.page(pc.c, "/systems/"+sys, lang); !strings.Contains(page, template.HTMLEscapeString(b.T(lang, "systems.own_accounts"))) ||
			!strings.Contains(page, `<dd id="system-own-accounts"><a href="/accounts?system_id=`+sys+`">2</a></dd>`) {
			t.Errorf("%s: the system page does not count the HIS's two own accounts", lang)
		}
		page := f.page(pc.c, "/accounts?system_id="+sys, lang)
		if !strings.Contains(page, b.T(lang, "accounts.clinical_system")) || !strings.Contains(page, `<option value="`+sys+`" selected>HIS</option>`) {
			t.Errorf("%s: the page has no system chooser with the HIS chosen", lang)
		}
	}
}

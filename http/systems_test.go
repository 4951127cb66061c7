package http_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestSystemPages records a PACS of the main site through the page's form, adds a member
// asset, refuses the branch's asset with the field's name in the user's language, shows
// the system in the four languages, shows the change in the audit trail as a readable
// diff, and checks through the API that a user of the branch neither sees nor changes it.
func TestSystemPages(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	pc := f.pages("u-admin", "zh-TW")
	c, form := pc.c, pc.form
	sys := url.Values{"site_id": {fmt.Sprint(f.assetHQ.SiteID)}, "name": {"PACS"}, "rto_hours": {"four"}, "rpo_hours": {"1"}, "fallback": {"film and paper request forms"}}
	if st, body := form("/systems", sys); st != 422 || !strings.Contains(body, `id="form-errors"`) || !strings.Contains(body, b.T("zh-TW", "backups.rto_hours")) {
		t.Errorf("an RTO that is not a number: %d %.600s", st, body)
	}
	sys.Set("rto_hours", "4")
	st, _ := form("/systems", sys)
	if st != 303 {
		t.Fatalf("create system: %d", st)
	}
	_, body := f.do("GET", "/api/v1/systems", f.tokens[medsec.RoleAdmin], "")
	var list struct{ Items []medsec.ClinicalSystem }
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Items) != 1 {
		t.Fatalf("systems = %s", body)
	}
	id := list.Items[0].ID
	if st, _ := form(fmt.Sprintf("/systems/%d/members", id), url.Values{"add": {fmt.Sprint(f.assetHQ.ID)}}); st != 303 {
		t.Errorf("add member: %d", st)
	}
	st, body = form(fmt.Sprintf("/systems/%d/members", id), url.Values{"add": {fmt.Sprint(f.assetBR.ID)}})
	if st != 422 || !strings.Contains(body, b.T("zh-TW", "systems.members")) || !strings.Contains(body, b.T("zh-TW", "err.system_member_site")) {
		t.Errorf("a member of the branch: %d %.800s", st, body)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, fmt.Sprintf("/systems/%d", id), lang)
		for _, want := range []string{f.assetHQ.Name, "film and paper request forms", b.T(lang, "systems.members"), b.T(lang, "backups.rto_hours")} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the system page lacks %q", lang, want)
			}
		}
		if list := f.page(c, "/systems", lang); !strings.Contains(list, "PACS") || !strings.Contains(list, b.T(lang, "systems.new")) {
			t.Errorf("%s: the systems page lacks the system or its form", lang)
		}
	}
	// The audit trail tells the member change by the assets' names.
	if page := f.page(c, "/audit?action="+medsec.ActionSystemMembers, "en"); !strings.Contains(page, b.T("en", "audit.act.system.members")) {
		t.Errorf("the audit trail lacks the member change: %.600s", page)
	}

	// A user of the branch sees none of it and changes nothing; the auditor reads it.
	path := fmt.Sprintf("/api/v1/systems/%d", id)
	if st, _ := f.do("GET", path, f.branchCE, ""); st != 404 {
		t.Errorf("branch user reads the main site's system: %d", st)
	}
	if st, _ := f.do("PUT", path, f.branchCE, `{"name":"mine"}`); st != 404 {
		t.Errorf("branch user changes the main site's system: %d", st)
	}
	if st, _ := f.do("POST", path+"/members", f.branchCE, fmt.Sprintf(`{"remove":[%d]}`, f.assetHQ.ID)); st != 404 {
		t.Errorf("branch user removes a member: %d", st)
	}
	if _, body := f.do("GET", "/api/v1/systems", f.branchCE, ""); strings.Contains(body, "PACS") {
		t.Errorf("branch user's list shows the main site's system: %s", body)
	}
	if st, _ := f.do("GET", path, f.tokens[medsec.RoleAuditor], ""); st != 200 {
		t.Errorf("auditor reads: %d", st)
	}
	if st, _ := f.do("DELETE", path, f.tokens[medsec.RoleAuditor], ""); st != 403 {
		t.Errorf("auditor deletes: %d", st)
	}
	if st, _ := f.do("GET", path, f.tokens[medsec.RoleVendor], ""); st != 403 {
		t.Errorf("vendor reads: %d", st)
	}
	st, body = f.do("POST", "/api/v1/systems", f.tokens[medsec.RoleAdmin], fmt.Sprintf(`{"site_id":%d,"name":"HIS","members":[{"asset_id":%d}]}`, f.assetHQ.SiteID, f.assetBR.ID))
	if st != 422 || !strings.Contains(body, `"members"`) {
		t.Errorf("API create with a member of the branch: %d %s", st, body)
	}
}

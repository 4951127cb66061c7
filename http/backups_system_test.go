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

// TestSystemBackupPlanPages records a backup plan of a clinical system through the
// backups page's system chooser and through the API: the plan's page names the system
// (linked to it) with the system's tolerable outage in four languages, the system's page
// lists the plan, the list API filters by system_id, a plan naming both an asset and a
// system is refused naming the field in the user's language, and the branch's clinical
// engineer neither reads the plan nor records one of the main site's system.
func TestSystemBackupPlanPages(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	pc := f.pages("u-admin", "zh-TW")
	c, form := pc.c, pc.form
	if st, _ := form("/systems", url.Values{"site_id": {fmt.Sprint(f.assetHQ.SiteID)}, "name": {"HIS"}, "rto_hours": {"4"}, "rpo_hours": {"12"},
		"fallback": {"paper prescriptions"}}); st != 303 {
		t.Fatalf("create system: %d", st)
	}
	_, body := f.do("GET", "/api/v1/systems", f.tokens[medsec.RoleAdmin], "")
	var systems struct{ Items []medsec.ClinicalSystem }
	if err := json.Unmarshal([]byte(body), &systems); err != nil || len(systems.Items) != 1 {
		t.Fatalf("systems = %s", body)
	}
	sys := systems.Items[0].ID
	if page := f.page(c, "/backups", "zh-TW"); !strings.Contains(page, `name="system_id"`) || !strings.Contains(page, b.T("zh-TW", "backups.asset_or_system_help")) {
		t.Errorf("the backups page has no system chooser")
	}
	plan := url.Values{"system_id": {fmt.Sprint(sys)}, "name": {"HIS database"}, "job_name": {"HIS-Nightly"}, "frequency_hours": {"24"},
		"generations": {"14"}, "immutable_from": {"3"}, "restore_test_days": {"7"}, "copy_label_0": {"NAS"}, "copy_medium_0": {"disk"}}
	both := url.Values{"asset_id": {fmt.Sprint(f.assetHQ.ID)}}
	for k, v := range plan {
		both[k] = v
	}
	if st, body := form("/backups", both); st != 422 || !strings.Contains(body, b.T("zh-TW", "err.plan_asset_or_system")) {
		t.Errorf("a plan of an asset and a system: %d %.600s", st, body)
	}
	if st, _ := form("/backups", plan); st != 303 {
		t.Fatalf("create the system's plan: %d", st)
	}
	st, body := f.do("GET", fmt.Sprintf("/api/v1/backup-plans?system_id=%d", sys), f.tokens[medsec.RoleAdmin], "")
	var plans struct{ Items []medsec.BackupPlan }
	if err := json.Unmarshal([]byte(body), &plans); st != 200 || err != nil || len(plans.Items) != 1 || plans.Items[0].SystemName != "HIS" || plans.Items[0].AssetID != 0 {
		t.Fatalf("plans of the system = %d %s", st, body)
	}
	id := plans.Items[0].ID
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, fmt.Sprintf("/backups/%d", id), lang)
		for _, want := range []string{fmt.Sprintf(`href="/systems/%d">HIS</a>`, sys), b.T(lang, "backups.of_clinical_system"), "paper prescriptions"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the plan's page lacks %q", lang, want)
			}
		}
		if list := f.page(c, "/backups", lang); !strings.Contains(list, fmt.Sprintf(`href="/systems/%d">HIS</a>`, sys)) {
			t.Errorf("%s: the backups page does not name the system", lang)
		}
	}
	if page := f.page(c, fmt.Sprintf("/systems/%d", sys), "en"); !strings.Contains(page, "HIS — HIS database") {
		t.Errorf("the system's page does not list its plan")
	}

	// The API: a plan of the system recorded by JSON; the branch's engineer is refused.
	st, body = f.do("POST", "/api/v1/backup-plans", f.tokens[medsec.RoleAdmin],
		fmt.Sprintf(`{"system_id": %d, "name": "HIS documents", "frequency_hours": 24, "generations": 7}`, sys))
	if st != 201 || !strings.Contains(body, `"system_name": "HIS"`) {
		t.Errorf("API create = %d %s", st, body)
	}
	if st, body := f.do("GET", fmt.Sprintf("/api/v1/backup-plans/%d", id), f.branchCE, ""); st != 404 {
		t.Errorf("branch engineer reads the HIS plan: %d %s", st, body)
	}
	if st, body := f.do("POST", "/api/v1/backup-plans", f.branchCE,
		fmt.Sprintf(`{"system_id": %d, "name": "mine", "frequency_hours": 24, "generations": 7}`, sys)); st != 404 {
		t.Errorf("branch engineer records a plan of the HIS: %d %s", st, body)
	}
	if st, body := f.do("GET", "/api/v1/backup-plans", f.branchCE, ""); st != 200 || strings.Contains(body, "HIS") {
		t.Errorf("branch engineer's plans: %d %s", st, body)
	}
}

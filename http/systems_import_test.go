package http_test

import (
	"encoding/json"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestSystemImport imports a spreadsheet of clinical systems over the API and through the
// systems page's upload form: a member no asset is, is refused (422 naming line 3 and the
// column as written; in zh-TW on the page) and nothing is stored; a good file creates the
// system with its member found by name; a vendor and the auditor are refused, and a user
// of the other site may not import into the main site.
func TestSystemImport(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	admin := f.tokens[medsec.RoleAdmin]
	site := "本院"
	bad := "系統名稱,院區,成員資產\nHIS," + site + "," + f.assetHQ.Name + "\nPACS," + site + ",NO-SUCH-HOST\n"
	if st, body := f.uploadCSV("/api/v1/systems/import", admin, "systems.csv", bad); st != 422 || !strings.Contains(body, `"line": 3`) ||
		!strings.Contains(body, `"field": "成員資產"`) || !strings.Contains(body, "err.system_member_not_found") {
		t.Errorf("bad import: %d %s", st, body)
	}
	if _, body := f.do("GET", "/api/v1/systems", admin, ""); !strings.Contains(body, `"total": 0`) {
		t.Errorf("a refused import stored systems: %s", body)
	}
	for _, tok := range []string{f.tokens[medsec.RoleVendor], f.tokens[medsec.RoleAuditor]} {
		if st, _ := f.uploadCSV("/api/v1/systems/import", tok, "systems.csv", "name,site\nHIS,"+site+"\n"); st != 403 {
			t.Errorf("import by a role without account:write: %d", st)
		}
	}
	if st, body := f.uploadCSV("/api/v1/systems/import", f.branchCE, "systems.csv", "name,site\nHIS,"+site+"\n"); st != 422 || !strings.Contains(body, "err.forbidden_site") {
		t.Errorf("import by a user of the other site: %d %s", st, body)
	}

	pc := f.pages("u-admin", "zh-TW")
	st, body := pc.upload("/systems/import", nil, "systems.csv", bad)
	if st != 422 || !strings.Contains(body, `id="form-errors"`) || !strings.Contains(body, b.T("zh-TW", "err.system_member_not_found")) || !strings.Contains(body, "NO-SUCH-HOST") {
		t.Errorf("page import of a bad file: %d %.1200s", st, body)
	}
	good := "\ufeff系統名稱,院區,可容忍中斷時間,成員資產\r\nHIS," + site + ",4," + f.assetHQ.Name + "\r\n"
	st, body = pc.upload("/systems/import", nil, "systems.csv", good)
	if st != 200 || !strings.Contains(body, b.T("zh-TW", "systems.imported", 1, 0, 0)) || !strings.Contains(body, `id="system-import"`) {
		t.Errorf("page import: %d %.1200s", st, body)
	}
	_, body = f.do("GET", "/api/v1/systems", admin, "")
	var list struct{ Items []medsec.ClinicalSystem }
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Items) != 1 || list.Items[0].RTOHours != 4 || len(list.Items[0].Members) != 1 ||
		list.Items[0].Members[0].AssetID != f.assetHQ.ID {
		t.Errorf("systems after the import = %s", body)
	}
}

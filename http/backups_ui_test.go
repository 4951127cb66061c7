package http_test

import (
	"fmt"
	"html/template"
	"net/url"
	"os"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestBackupPages records a backup plan through the page's form, imports a Veeam session
// export and records a restore test through the plan's form, shows the plans, findings,
// jobs and tests in the four languages, and shows refused input with its field or line
// in the user's language; the auditor reads without forms and the API answers the record.
func TestBackupPages(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	pc := f.pages("u-admin", "zh-TW")
	c, form := pc.c, pc.form
	plan := url.Values{"asset_id": {fmt.Sprint(f.assetHQ.ID)}, "name": {"PACS database"}, "job_name": {"PACS-Daily"}, "frequency_hours": {"24"},
		"generations": {"2"}, "immutable_from": {"0"}, "restore_test_days": {"7"}, "copy_label_0": {"NAS"}, "copy_medium_0": {"disk"}}
	bad := url.Values{}
	for k, v := range plan {
		bad[k] = v
	}
	bad.Set("frequency_hours", "daily")
	if st, body := form("/backups", bad); st != 422 || !strings.Contains(body, `id="form-errors"`) || !strings.Contains(body, b.T("zh-TW", "backups.frequency_hours")) {
		t.Errorf("a frequency that is not a number: %d %.600s", st, body)
	}
	st, _ := form("/backups", plan)
	if st != 303 {
		t.Fatalf("create plan: %d", st)
	}
	ps := f.backupPlans()
	if len(ps) != 1 {
		t.Fatalf("plans = %d", len(ps))
	}
	id := ps[0].ID

	upload := func(name, content string) (int, string) {
		return pc.upload("/backups/import", nil, name, content)
	}
	veeam, err := os.ReadFile("../backup/testdata/veeam-sessions.csv")
	if err != nil {
		t.Fatal(err)
	}
	if st, body := upload("veeam-sessions.csv", string(veeam)); st != 200 || !strings.Contains(body, "HIS-Nightly") {
		t.Errorf("import: %d %.600s", st, body)
	}
	if st, body := upload("jobs.csv", "作業名稱,開始時間,狀態\nPACS-Daily,昨天,成功\n"); st != 422 || !strings.Contains(body, "昨天") || !strings.Contains(body, "開始時間") {
		t.Errorf("bad import: %d %.800s", st, body)
	}

	test := url.Values{"tested_at": {"2026-11-22T10:00"}, "what": {"full backup of 22 Nov"}, "target": {"standby VM"}, "duration_minutes": {"95"},
		"hash_match": {"no"}, "result": {"pass"}, "evidence": {"ticket 4411"}}
	if st, body := form(fmt.Sprintf("/backups/%d/restore-tests", id), test); st != 422 || !strings.Contains(body, b.T("zh-TW", "err.restore_hash_mismatch")) {
		t.Errorf("pass with mismatching hashes: %d %.800s", st, body)
	}
	test.Set("hash_match", "yes")
	if st, _ := form(fmt.Sprintf("/backups/%d/restore-tests", id), test); st != 303 {
		t.Errorf("record test: %d", st)
	}

	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, "/backups", lang)
		for _, key := range []string{"backups.title", "backup_finding.copies", "backup_finding.generations", "backup_finding.job-failed", "backups.import"} {
			if !strings.Contains(page, template.HTMLEscapeString(b.T(lang, key))) {
				t.Errorf("%s: /backups lacks %s %q", lang, key, b.T(lang, key))
			}
		}
		if !strings.Contains(page, "003 §3.1.3") || !strings.Contains(page, "004 §18.1") {
			t.Errorf("%s: the findings do not cite their clauses", lang)
		}
		show := f.page(c, fmt.Sprintf("/backups/%d", id), lang)
		for _, want := range []string{"ticket 4411", "standby VM", b.T(lang, "backup_status.failed"), b.T(lang, "restore_result.pass"), "veeam-sessions.csv"} {
			if !strings.Contains(show, template.HTMLEscapeString(want)) {
				t.Errorf("%s: the plan page lacks %q", lang, want)
			}
		}
	}
	if page := f.page(f.session("u-auditor"), fmt.Sprintf("/backups/%d", id), "en"); strings.Contains(page, `id="restore-test-form"`) || !strings.Contains(page, "ticket 4411") {
		t.Error("the auditor's page has the restore-test form or lacks the test")
	}
	st, body := f.do("GET", "/api/v1/backup-record?since=2026-11-01&until=2026-11-30", f.tokens[medsec.RoleAuditor], "")
	var rec medsec.BackupRecord
	if err := jsonUnmarshal(body, &rec); st != 200 || err != nil || len(rec.Plans) != 1 || len(rec.Tests) != 1 || len(rec.Runs) != 3 {
		t.Errorf("record: %d %v %.400s", st, err, body)
	}
	if st, body := form(fmt.Sprintf("/backups/%d/delete", id), url.Values{}); st != 409 || !strings.Contains(body, "1筆還原測試") {
		t.Errorf("delete a plan with a record: %d %.600s", st, body)
	}
}

// backupPlans returns the backup plans, as the admin sees them.
func (f *fixture) backupPlans() []medsec.BackupPlan {
	_, body := f.do("GET", "/api/v1/backup-plans", f.tokens[medsec.RoleAdmin], "")
	var l struct{ Items []medsec.BackupPlan }
	if err := jsonUnmarshal(body, &l); err != nil {
		f.t.Fatal(err)
	}
	return l.Items
}

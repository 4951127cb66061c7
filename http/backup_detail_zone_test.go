package http_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"medsec"
)

// TestBackupDetailInSiteZone: a restore test that failed at 17:30 UTC, 01:30 the next day
// in Taipei, is told in the rules broken of the backup pages and of the backup record
// report at the site's time (bt16 M3: "the last restore test, <UTC day>, failed" named the
// day before in UTC); the API's English detail keeps the UTC time it names.
func TestBackupDetailInSiteZone(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	status, body := f.do("POST", "/api/v1/backup-plans", admin, fmt.Sprintf(`{"asset_id":%d,"name":"PACS DB","job_name":"PACS-Daily","frequency_hours":24,
		"generations":3,"immutable_from":3,"restore_test_days":7,"copies":[{"label":"NAS","medium":"disk"}]}`, f.assetHQ.ID))
	if status != 201 {
		t.Fatalf("plan: %d %s", status, body)
	}
	var plan medsec.BackupPlan
	jsonUnmarshal(body, &plan)
	tested := time.Now().UTC().AddDate(0, 0, -2).Truncate(24 * time.Hour).Add(17*time.Hour + 30*time.Minute)
	status, body = f.do("POST", fmt.Sprintf("/api/v1/backup-plans/%d/restore-tests", plan.ID), admin, fmt.Sprintf(`{"tested_at":%q,"what":"full","target":"VM",
		"duration_minutes":30,"hash_match":"no","result":"fail","evidence":"T-1"}`, tested.Format(time.RFC3339)))
	if status != 201 {
		t.Fatalf("restore test: %d %s", status, body)
	}
	taipei, _ := time.LoadLocation("Asia/Taipei")
	local := tested.In(taipei)
	status, body = f.do("GET", "/api/v1/backup-findings", admin, "")
	if utc := tested.Format("2006-01-02 15:04 UTC"); status != 200 || !strings.Contains(body, "the last restore test, "+utc+", failed") {
		t.Errorf("API findings: %d, want the detail naming %s: %.600s", status, utc, body)
	}
	want := local.Format("2006-01-02 15:04")
	page := f.page(f.session("u-admin"), "/backups", "ja")
	if !strings.Contains(page, "直近の復元テスト（"+want) || strings.Contains(page, tested.Format("2006-01-02 15:04 UTC")) {
		t.Errorf("/backups: the failed test is not told at %s, the site's time", want)
	}
	if show := f.page(f.session("u-admin"), fmt.Sprintf("/backups/%d", plan.ID), "en"); !strings.Contains(show, "the last restore test, "+want) {
		t.Errorf("plan page: the failed test is not told at %s", want)
	}
	rep := generateReport(t, f, admin, "backup-record", f.assetHQ.SiteID, local.Format("2006-01"))
	if !strings.Contains(rep, "the last restore test, "+local.Format("2006-01-02 15:04 -07:00")+", failed") {
		t.Errorf("backup record: the failed test is not told at %s", local.Format("2006-01-02 15:04 -07:00"))
	}
}

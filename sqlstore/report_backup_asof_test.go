package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/report"
	"medsec/sqlstore"
)

// TestClosedYearBackupsAsOfItsEnd: the branch's archive holds personal data and is backed
// up by the 3-2-1 rule, its jobs succeeding and its restore tested at the end of 2025. In
// December 2026 the archive moves to the main site, its plan keeps fewer generations and
// today's job fails. The 2025 data security assessment and the 2025 backup record of
// either site, as the administrator and as a branch user, are unchanged (the same content
// hash) and agree: the plan met every rule at the end of 2025, at the branch (bt16d #2:
// both changed with the move, and the assessment judged 2025 by today's failed job while
// the record said the plan met every rule). The 2026 record shows today's state.
func TestClosedYearBackupsAsOfItsEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 9)
		at("2025-01-10")
		f := newAssessFixture(t, db)
		assets, backups := sqlstore.NewAssetService(db), sqlstore.NewBackupService(db)
		archive, plan := branchArchive(t, db, f)
		job := func(day string, status string) {
			t.Helper()
			start, _ := time.Parse(time.DateOnly, day)
			start = start.Add(time.Hour)
			res, err := backups.ImportBackupRuns(system, medsec.BackupRunImport{Source: "test.csv", Rows: []medsec.BackupRunRow{
				{Line: 2, Job: plan.JobName, Started: start, Finished: start.Add(time.Hour), Status: status, Bytes: 1 << 30}}})
			if err != nil || res.Recorded != 1 {
				t.Fatalf("job of %s: %+v, %v", day, res, err)
			}
		}
		at("2025-12-31")
		job("2025-12-30", medsec.BackupSuccess)
		job("2025-12-31", medsec.BackupSuccess)
		if err := backups.RecordRestoreTest(system, &medsec.RestoreTest{PlanID: plan.ID, TestedAt: time.Date(2025, 12, 29, 10, 0, 0, 0, time.UTC),
			What: "full backup of 28 Dec", Target: "standby VM", DurationMinutes: 60, HashMatch: medsec.Yes, Result: medsec.RestorePass, Evidence: "IT-2025-88"}); err != nil {
			t.Fatal(err)
		}

		rig := newReportRig(t, db, report.Sources{Assets: assets, Assessments: f.svc, Vulns: sqlstore.NewVulnService(db),
			Incidents: sqlstore.NewIncidentService(db), Backups: backups})
		mainSite, branch := rig.site(f.hq.SiteID), rig.site(f.br.SiteID)
		users := map[string]context.Context{"administrator": system, "branch user": f.branchCE}
		// said returns what each 2025 report says of the archive's backups, by report and
		// site: the backup cell of the assessment's row, the state of the record's plan row
		// with its site ("" when the report has no row of it); and the reports' hashes.
		said := func(ctx context.Context) (map[string]string, map[string]string) {
			t.Helper()
			out, hashes := map[string]string{}, map[string]string{}
			for _, site := range []*medsec.Site{mainSite, branch} {
				if ctx != system && site == mainSite {
					continue
				}
				data := rig.build(ctx, report.DataSecurity, "2025", "en", site)
				rec := rig.build(ctx, report.BackupRecord, "2025", "en", site)
				hashes[report.DataSecurity+" "+site.Code], hashes[report.BackupRecord+" "+site.Code] = data.ContentHash(), rec.ContentHash()
				for _, r := range tableRows(data, "Assets holding medical data") {
					if r[0] == archive.Name {
						out[report.DataSecurity+" "+site.Code] = r[1].(string) + ": " + r[5].(report.Status).Text
					}
				}
				for _, r := range tableRows(rec, "Backup plans") {
					if r[1] == archive.Name {
						out[report.BackupRecord+" "+site.Code] = r[0].(string) + ": " + r[17].(report.Status).Text
					}
				}
			}
			return out, hashes
		}
		at("2026-12-01")
		want := map[string]string{report.DataSecurity + " BR": branch.Name + ": Meets every rule", report.BackupRecord + " BR": branch.Name + ": Meets every rule"}
		before := map[string]map[string]string{}
		for who, ctx := range users {
			got, hashes := said(ctx)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("before the move: %s's 2025 reports say %v, want %v", who, got, want)
			}
			before[who] = hashes
		}

		at("2026-12-02")
		archive.SiteID = f.hq.SiteID
		if err := assets.UpdateAsset(system, archive); err != nil {
			t.Fatal(err)
		}
		plan.Generations, plan.ImmutableFrom = 2, 2
		if err := backups.UpdateBackupPlan(system, plan); err != nil {
			t.Fatal(err)
		}
		job("2026-12-02", medsec.BackupFailed)
		at("2026-12-03")
		for who, ctx := range users {
			got, hashes := said(ctx)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("after the move: %s's 2025 reports say %v, want %v", who, got, want)
			}
			for k, h := range hashes {
				if h != before[who][k] {
					t.Errorf("after the move: %s's 2025 %s changed", who, k)
				}
			}
		}
		// Today's record shows the move, the change and the failed job.
		now := rig.build(system, report.BackupRecord, "2026", "en", mainSite)
		var findings []string
		for _, r := range tableRows(now, "Rules broken") {
			if r[1] == archive.Name {
				findings = append(findings, r[3].(report.Status).Text)
			}
		}
		if !slices.Contains(findings, "Last backup job failed") || !slices.Contains(findings, "Fewer than 3 generations") {
			t.Errorf("2026 record of the main site: the archive's rules broken %q, want the failed job and the generations", findings)
		}
	})
}

// TestClosedMonthKeepsBackdatedResults: on 2 December 2026 the branch enters its archive's
// backup plan and imports November's job log and restore test, and a restore test of June
// 2025 from its paper records. November's record and 2025's, periods that ended before the
// plan was entered, hold the plan as first recorded with the results dated in them, and
// agree with the 2026 record; a change to the plan the next day leaves them as they were
// (bt16e H2: the closed month's record was empty while the year's listed the month's jobs).
func TestClosedMonthKeepsBackdatedResults(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 9)
		at("2026-12-02")
		f := newAssessFixture(t, db)
		backups := sqlstore.NewBackupService(db)
		archive, plan := branchArchive(t, db, f)
		var rows []medsec.BackupRunRow
		for i, day := range []int{20, 21} {
			start := time.Date(2026, 11, day, 17, 0, 0, 0, time.UTC)
			rows = append(rows, medsec.BackupRunRow{Line: i + 2, Job: plan.JobName, Started: start, Finished: start.Add(time.Hour), Status: medsec.BackupSuccess, Bytes: 1 << 30})
		}
		if res, err := backups.ImportBackupRuns(system, medsec.BackupRunImport{Source: "veeam-sessions.csv", Rows: rows}); err != nil || res.Recorded != 2 {
			t.Fatalf("import November's jobs: %+v, %v", res, err)
		}
		for _, tested := range []time.Time{time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), time.Date(2025, 6, 2, 1, 0, 0, 0, time.UTC)} {
			if err := backups.RecordRestoreTest(system, &medsec.RestoreTest{PlanID: plan.ID, TestedAt: tested, What: "full backup", Target: "standby VM",
				DurationMinutes: 60, HashMatch: medsec.Yes, Result: medsec.RestorePass, Evidence: "IT-88"}); err != nil {
				t.Fatal(err)
			}
		}
		record := func(from, to time.Time) string {
			t.Helper()
			rec, err := backups.BackupRecord(f.branchCE, medsec.BackupRecordFilter{From: from, To: to, SiteID: f.br.SiteID})
			if err != nil {
				t.Fatal(err)
			}
			var plans []string
			for _, p := range rec.Plans {
				plans = append(plans, fmt.Sprintf("%s@%s generations %d", p.Name, p.AssetName, p.Generations))
			}
			return fmt.Sprintf("plans %v, runs %d, tests %d", plans, len(rec.Runs), len(rec.Tests))
		}
		november := func() string {
			return record(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		}
		year2025 := func() string {
			return record(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		}
		first := "plans [影像與資料庫@分院 影像歸檔 generations 14], "
		if got, want := november(), first+"runs 2, tests 1"; got != want {
			t.Errorf("November's record: %s, want %s", got, want)
		}
		if got, want := year2025(), first+"runs 0, tests 1"; got != want {
			t.Errorf("2025's record: %s, want %s", got, want)
		}
		if got, want := record(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)), first+"runs 2, tests 1"; got != want {
			t.Errorf("2026's record: %s, want %s", got, want)
		}

		at("2026-12-03")
		plan.Generations = 7
		if err := backups.UpdateBackupPlan(system, plan); err != nil {
			t.Fatal(err)
		}
		if got, want := november(), first+"runs 2, tests 1"; got != want {
			t.Errorf("November's record after the plan changed: %s, want %s", got, want)
		}
		// A plan entered today with nothing dated in a closed period stays out of it.
		other := &medsec.BackupPlan{AssetID: archive.ID, Name: "設定檔", JobName: "BR-CONF", FrequencyHours: 24, Generations: 3, ImmutableFrom: 3,
			Copies: []medsec.BackupCopy{{Label: "NAS", Medium: medsec.MediumDisk}}}
		if err := backups.CreateBackupPlan(system, other); err != nil {
			t.Fatal(err)
		}
		if got, want := november(), first+"runs 2, tests 1"; got != want {
			t.Errorf("November's record after a new plan: %s, want %s", got, want)
		}
	})
}

// branchArchive creates the branch's image archive, holding personal data, and its 3-2-1
// backup plan (14 generations, the third and older immutable, a tape copy off-site and
// offline).
func branchArchive(t *testing.T, db *sqlstore.DB, f *assessFixture) (*medsec.Asset, *medsec.BackupPlan) {
	t.Helper()
	archive := &medsec.Asset{SiteID: f.br.SiteID, Name: "分院 影像歸檔", Kind: medsec.KindPACS, DataClass: medsec.DataSensitivePersonal}
	if err := sqlstore.NewAssetService(db).CreateAsset(system, archive); err != nil {
		t.Fatal(err)
	}
	plan := &medsec.BackupPlan{AssetID: archive.ID, Name: "影像與資料庫", JobName: "BR-ARCHIVE", FrequencyHours: 24, Generations: 14, ImmutableFrom: 3,
		RTOHours: 8, RPOHours: 24, Fallback: "紙本申請單",
		Copies: []medsec.BackupCopy{{Label: "NAS", Medium: medsec.MediumDisk}, {Label: "LTO", Medium: medsec.MediumTape, Offsite: true, Offline: true, Immutable: true}}}
	if err := sqlstore.NewBackupService(db).CreateBackupPlan(system, plan); err != nil {
		t.Fatal(err)
	}
	return archive, plan
}

// TestClosedYearRestoreTestsAsOfItsEnd: the branch's archive has its restore tested at the
// end of 2025; in December 2026 the archive is renamed and moved to the main site and its
// plan renamed. The 2025 backup record's restore tests, and its plan's last test, carry
// the archive's name and site and the plan's name as they were at the end of 2025, as its
// plans do (bt16: /api/v1/backup-record gave a closed period's tests today's asset name
// and site); the 2026 record carries today's.
func TestClosedYearRestoreTestsAsOfItsEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 9)
		at("2025-01-10")
		f := newAssessFixture(t, db)
		assets, backups := sqlstore.NewAssetService(db), sqlstore.NewBackupService(db)
		archive, plan := branchArchive(t, db, f)
		at("2025-12-30")
		if err := backups.RecordRestoreTest(system, &medsec.RestoreTest{PlanID: plan.ID, TestedAt: time.Date(2025, 12, 29, 10, 0, 0, 0, time.UTC),
			What: "full backup of 28 Dec", Target: "standby VM", DurationMinutes: 60, HashMatch: medsec.Yes, Result: medsec.RestorePass, Evidence: "IT-2025-88"}); err != nil {
			t.Fatal(err)
		}
		at("2026-12-02")
		oldName, oldPlan := archive.Name, plan.Name
		archive.Name, archive.SiteID = "總院 影像歸檔", f.hq.SiteID
		if err := assets.UpdateAsset(system, archive); err != nil {
			t.Fatal(err)
		}
		plan.Name = "影像歸檔 全備份"
		if err := backups.UpdateBackupPlan(system, plan); err != nil {
			t.Fatal(err)
		}
		at("2026-12-03")
		tests := func(from, to time.Time, site int64) string {
			t.Helper()
			rec, err := backups.BackupRecord(system, medsec.BackupRecordFilter{From: from, To: to, SiteID: site})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, x := range rec.Tests {
				out = append(out, fmt.Sprintf("%s@%s site %d", x.PlanName, x.AssetName, x.SiteID))
			}
			for _, p := range rec.Plans {
				if p.LastTest != nil {
					out = append(out, fmt.Sprintf("last %s@%s site %d", p.LastTest.PlanName, p.LastTest.AssetName, p.LastTest.SiteID))
				}
			}
			return fmt.Sprint(out)
		}
		y2025 := tests(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), f.br.SiteID)
		then := fmt.Sprintf("%s@%s site %d", oldPlan, oldName, f.br.SiteID)
		if want := fmt.Sprintf("[%s last %s]", then, then); y2025 != want {
			t.Errorf("2025 record's restore tests: %s, want %s", y2025, want)
		}
		now := fmt.Sprintf("%s@%s site %d", plan.Name, archive.Name, f.hq.SiteID)
		if got, want := tests(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), f.hq.SiteID), "[last "+now+"]"; got != want {
			t.Errorf("2026 record: %s, want %s", got, want)
		}
	})
}

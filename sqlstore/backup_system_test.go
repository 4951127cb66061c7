package sqlstore_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/backup"
	"medsec/notify"
	"medsec/sqlstore"
)

// TestSystemBackupPlans backs up an HIS as a clinical system on both engines (migration
// 0112): the plan takes the system's site, name and continuity targets (RTO 4 h, RPO 12 h,
// its fallback), so no no-continuity finding, and a 6-hour restore is rto-exceeded and a
// daily job rpo-unmet against the system's targets; job results are matched by job name
// and restore tests recorded; the plan's findings fail the backup checks of a member
// asset; the record of a closed period lists it by the system's name, as it stood at the
// period's end; a plan naming both an asset and a system, or neither, is refused; a
// branch user sees none of it; the system cannot be deleted while it has the plan; each
// change is in the audit trail.
func TestSystemBackupPlans(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		created := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return created }
		assets := sqlstore.NewAssetService(db)
		app := &medsec.Asset{SiteID: main.ID, Name: "HIS-APP-01", Kind: medsec.KindApplicationServer}
		if err := assets.CreateAsset(system, app); err != nil {
			t.Fatal(err)
		}
		systems := sqlstore.NewClinicalSystemService(db)
		his := &medsec.ClinicalSystem{SiteID: main.ID, Name: "HIS 醫院資訊系統", RTOHours: 4, RPOHours: 12, Fallback: "paper prescriptions",
			Members: []medsec.SystemMember{{AssetID: app.ID}}}
		if err := systems.CreateClinicalSystem(system, his); err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewBackupService(db)
		for _, bad := range []*medsec.BackupPlan{
			{AssetID: app.ID, SystemID: his.ID, Name: "both", FrequencyHours: 24, Generations: 3},
			{Name: "neither", FrequencyHours: 24, Generations: 3},
		} {
			if err := svc.CreateBackupPlan(system, bad); medsec.ErrorCode(err) != medsec.EINVALID {
				t.Errorf("plan %q: err = %v, want EINVALID", bad.Name, err)
			}
		}
		plan := &medsec.BackupPlan{SystemID: his.ID, Name: "HIS database", JobName: "HIS-Nightly", FrequencyHours: 24, Generations: 14, ImmutableFrom: 3,
			Copies: []medsec.BackupCopy{{Label: "NAS", Medium: medsec.MediumDisk}, {Label: "LTO vault", Medium: medsec.MediumTape, Offsite: true, Offline: true, Immutable: true}}}
		if err := svc.CreateBackupPlan(system, plan); err != nil {
			t.Fatal(err)
		}
		if plan.SiteID != main.ID || plan.SystemName != his.Name || plan.AssetID != 0 || plan.Holder() != his.Name {
			t.Errorf("stored plan = %+v", plan)
		}
		if rto, rpo, fb := plan.Continuity(); rto != 4 || rpo != 12 || fb != "paper prescriptions" {
			t.Errorf("continuity = %d h, %d h, %q; want the system's 4 h, 12 h, paper prescriptions", rto, rpo, fb)
		}

		// A night's job matched by its name; a 6-hour restore test.
		now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		start := now.Add(-8 * time.Hour)
		res, err := svc.ImportBackupRuns(system, medsec.BackupRunImport{Source: "veeam.csv", Rows: []medsec.BackupRunRow{
			{Line: 2, Job: "his-nightly", Started: start, Finished: start.Add(time.Hour), Status: medsec.BackupSuccess}}})
		if err != nil || res.Recorded != 1 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		test := &medsec.RestoreTest{PlanID: plan.ID, TestedAt: now.Add(-2 * time.Hour), What: "full backup", Target: "standby VM", DurationMinutes: 360,
			HashMatch: medsec.Yes, Result: medsec.RestorePass, Evidence: "IT-4411"}
		if err := svc.RecordRestoreTest(system, test); err != nil {
			t.Fatal(err)
		}
		if test.SystemID != his.ID || test.SystemName != his.Name || test.SiteID != main.ID || test.Holder() != his.Name {
			t.Errorf("recorded test = %+v", test)
		}
		fs, err := svc.BackupFindings(system, medsec.BackupPlanFilter{SystemID: his.ID})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []medsec.BackupFindingKind
		for _, f := range fs {
			kinds = append(kinds, f.Kind)
			if f.SystemName != his.Name || f.Holder() != his.Name {
				t.Errorf("finding %s names %q", f.Kind, f.Holder())
			}
		}
		if want := []medsec.BackupFindingKind{medsec.FindingRTOExceeded, medsec.FindingRPOUnmet}; !slices.Equal(kinds, want) {
			t.Errorf("findings = %v, want %v (the system's targets; its fallback counts)", kinds, want)
		}
		// Three days on, the nightly job is missed: the scheduler's notice names the system,
		// as the findings do (was the empty asset name of a system plan).
		db.Now = func() time.Time { return now.Add(72 * time.Hour) }
		n := &notes{}
		if err := (&notify.Backups{Backups: svc, Notifier: n}).Run(context.Background(), time.Time{}); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return now }
		if len(n.got) == 0 {
			t.Error("no notice of the missed nightly job")
		}
		for _, x := range n.got {
			if x.Args[0].Text != his.Name {
				t.Errorf("notice %s names %q, want the system %q", x.Key, x.Args[0].Text, his.Name)
			}
		}

		// The member asset's continuity check fails on the system's plan.
		controls, err := newAssessmentService(t, db).AssetControls(system, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range controls.Checks {
			if c.CheckID == "continuity-targets-met" && c.Outcome != medsec.CheckFail {
				t.Errorf("member's %s = %q, want fail", c.CheckID, c.Outcome)
			}
		}
		if ids := backup.CheckIDs(); len(ids) == 0 {
			t.Fatal("no backup checks")
		}

		// November's record, read in December after the plan was renamed: the plan as it
		// stood on 1 December, by the system's name, with its job and test.
		db.Now = func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }
		renamed := *plan
		renamed.Name, renamed.Generations = "HIS database and documents", 30
		if err := svc.UpdateBackupPlan(system, &renamed); err != nil {
			t.Fatal(err)
		}
		// In December the system, too, is renamed, its target relaxed, its member
		// replaced: November's record keeps the system as it stood on 1 December.
		ws := &medsec.Asset{SiteID: main.ID, Name: "HIS-WS-01", Kind: medsec.KindWorkstation}
		if err := assets.CreateAsset(system, ws); err != nil {
			t.Fatal(err)
		}
		if _, err := systems.SetSystemMembers(system, his.ID, []int64{ws.ID}, []int64{app.ID}); err != nil {
			t.Fatal(err)
		}
		hisNow := *his
		hisNow.Name, hisNow.RTOHours = "HIS 2027", 8
		if err := systems.UpdateClinicalSystem(system, &hisNow); err != nil {
			t.Fatal(err)
		}
		rec, err := svc.BackupRecord(system, medsec.BackupRecordFilter{SiteID: main.ID, From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Plans) != 1 || rec.Plans[0].Name != "HIS database" || rec.Plans[0].Generations != 14 || rec.Plans[0].Holder() != his.Name ||
			len(rec.Runs) != 1 || len(rec.Tests) != 1 || len(rec.Plans[0].Systems) != 1 {
			t.Fatalf("November's record = %+v", rec)
		}
		if !slices.ContainsFunc(rec.Findings, func(f medsec.BackupFinding) bool { return f.Kind == medsec.FindingRTOExceeded && f.SystemID == his.ID }) {
			t.Errorf("November's findings = %+v, want rto-exceeded of the HIS (its 4-hour target then)", rec.Findings)
		}
		if p := rec.Plans[0]; p.SystemName != "HIS 醫院資訊系統" || !slices.Equal(p.MemberIDs, []int64{app.ID}) || p.Systems[0].Name != "HIS 醫院資訊系統" || p.Systems[0].RTOHours != 4 ||
			rec.Tests[0].SystemName != "HIS 醫院資訊系統" {
			t.Errorf("November's plan names the system %q with members %v and targets %+v, its test %q; want the system as it stood on 1 December",
				p.SystemName, p.MemberIDs, p.Systems, rec.Tests[0].SystemName)
		}
		if now, err := svc.FindBackupPlan(system, plan.ID); err != nil || now.SystemName != "HIS 2027" || !slices.Equal(now.MemberIDs, []int64{ws.ID}) {
			t.Errorf("the plan today = %+v, %v", now, err)
		}
		if rec, err := svc.BackupRecord(system, medsec.BackupRecordFilter{SiteID: branch.ID, From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}); err != nil || len(rec.Plans) != 0 {
			t.Errorf("the branch's record = %+v, %v", rec, err)
		}

		// Scope: a branch user neither sees nor tests nor creates; a main-site user does.
		branchUser := as(&medsec.User{ID: 99, Username: "br", Role: medsec.RoleITOperations, SiteIDs: []int64{branch.ID}})
		mainUser := as(&medsec.User{ID: 97, Username: "it", Role: medsec.RoleITOperations, SiteIDs: []int64{main.ID}})
		if _, err := svc.FindBackupPlan(branchUser, plan.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reads: err = %v", err)
		}
		if ps, err := svc.FindBackupPlans(branchUser, medsec.BackupPlanFilter{}); err != nil || len(ps) != 0 {
			t.Errorf("branch user sees %d plans (%v)", len(ps), err)
		}
		if ps, err := svc.FindBackupPlans(mainUser, medsec.BackupPlanFilter{}); err != nil || len(ps) != 1 {
			t.Errorf("main-site user sees %d plans (%v)", len(ps), err)
		}
		if err := svc.CreateBackupPlan(branchUser, &medsec.BackupPlan{SystemID: his.ID, Name: "mine", FrequencyHours: 24, Generations: 3}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user creates a plan of the HIS: err = %v", err)
		}
		if err := svc.RecordRestoreTest(branchUser, &medsec.RestoreTest{PlanID: plan.ID, TestedAt: now, What: "x", Target: "y", Result: medsec.RestorePass,
			Evidence: "z"}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user records a test: err = %v", err)
		}
		if tests, err := svc.FindRestoreTests(branchUser, medsec.BackupPlanFilter{}); err != nil || len(tests) != 0 {
			t.Errorf("branch user sees %d tests (%v)", len(tests), err)
		}

		// The system keeps its plan; the audit trail holds the plan with its system.
		if err := systems.DeleteClinicalSystem(system, his.ID); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("delete the HIS with a backup plan: err = %v", err)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionBackupPlanCreate})
		if err != nil || len(entries) != 1 || entries[0].SiteID != main.ID {
			t.Fatalf("create audit = %+v, %v", entries, err)
		}
		var after medsec.BackupPlan
		if err := json.Unmarshal(entries[0].After, &after); err != nil || after.SystemID != his.ID {
			t.Errorf("create audit after = %s", entries[0].After)
		}
	})
}

// TestSystemBackupPlansMigration reruns migration 0112 over the rows a version before it
// left — an asset's plan with a job result and a restore test, another asset's plan with
// a job (no plan of a system: none could exist) —: on SQLite it rebuilds backup_plans,
// backup_runs and restore_tests, and every row, the unique job start and the triggers that
// keep a restore test unchanged must survive it; after it, on both engines, a plan names
// exactly one of an asset and a system, a clinical system's plan is recorded and takes a
// new ID, and its job results are matched to it.
func TestSystemBackupPlansMigration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		pacs := &medsec.Asset{SiteID: main.ID, Name: "PACS-01", Kind: medsec.KindPACS}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, pacs); err != nil {
			t.Fatal(err)
		}
		his := &medsec.ClinicalSystem{SiteID: main.ID, Name: "HIS", RTOHours: 4, Members: []medsec.SystemMember{{AssetID: pacs.ID}}}
		if err := sqlstore.NewClinicalSystemService(db).CreateClinicalSystem(system, his); err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewBackupService(db)
		lis := &medsec.Asset{SiteID: main.ID, Name: "LIS-01", Kind: medsec.KindLIS}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, lis); err != nil {
			t.Fatal(err)
		}
		assetPlan := &medsec.BackupPlan{AssetID: pacs.ID, Name: "PACS archive", JobName: "PACS-Nightly", FrequencyHours: 24, Generations: 7, ImmutableFrom: 3,
			Copies: []medsec.BackupCopy{{Label: "LTO vault", Medium: medsec.MediumTape, Offsite: true, Offline: true, Immutable: true}}}
		lisPlan := &medsec.BackupPlan{AssetID: lis.ID, Name: "LIS database", JobName: "LIS-Nightly", FrequencyHours: 24, Generations: 14}
		for _, p := range []*medsec.BackupPlan{assetPlan, lisPlan} {
			if err := svc.CreateBackupPlan(system, p); err != nil {
				t.Fatal(err)
			}
		}
		start := now.Add(-8 * time.Hour)
		if res, err := svc.ImportBackupRuns(system, medsec.BackupRunImport{Source: "veeam.csv", Rows: []medsec.BackupRunRow{
			{Line: 2, Job: "PACS-Nightly", Started: start, Finished: start.Add(time.Hour), Status: medsec.BackupSuccess},
			{Line: 3, Job: "LIS-Nightly", Started: start, Finished: start.Add(2 * time.Hour), Status: medsec.BackupWarning}}}); err != nil || res.Recorded != 2 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		test := &medsec.RestoreTest{PlanID: assetPlan.ID, TestedAt: now.Add(-time.Hour), What: "one study", Target: "test PACS", DurationMinutes: 30,
			HashMatch: medsec.Yes, Result: medsec.RestorePass, Evidence: "IT-1"}
		if err := svc.RecordRestoreTest(system, test); err != nil {
			t.Fatal(err)
		}

		if err := db.RerunMigrationForTest("0112_system_backup_plans.sql"); err != nil {
			t.Fatal(err)
		}

		for _, want := range []*medsec.BackupPlan{assetPlan, lisPlan} {
			got, err := svc.FindBackupPlan(system, want.ID)
			if err != nil {
				t.Fatalf("plan %q after the migration: %v", want.Name, err)
			}
			if got.Name != want.Name || got.AssetID != want.AssetID || got.SystemID != want.SystemID || got.Generations != want.Generations ||
				got.ImmutableFrom != want.ImmutableFrom || len(got.Copies) != len(want.Copies) || got.LastRun == nil || !got.LastRun.Started.Equal(start) {
				t.Errorf("plan after the migration = %+v, want %+v with its job", got, want)
			}
		}
		tests, err := svc.FindRestoreTests(system, medsec.BackupPlanFilter{AssetID: pacs.ID})
		if err != nil || len(tests) != 1 || tests[0].ID != test.ID || tests[0].Evidence != "IT-1" {
			t.Fatalf("restore tests after the migration = %+v, %v", tests, err)
		}
		ctx := context.Background()
		if err := db.ExecRaw(ctx, `UPDATE restore_tests SET result = 'fail' WHERE id = ?`, test.ID); err == nil {
			t.Error("the migration lost the trigger keeping a restore test unchanged")
		}
		if err := db.ExecRaw(ctx, `DELETE FROM restore_tests WHERE id = ?`, test.ID); err == nil {
			t.Error("the migration lost the trigger keeping a restore test")
		}
		if err := db.ExecRaw(ctx, `INSERT INTO backup_runs (plan_id, started, status) VALUES (?, ?, 'success')`, assetPlan.ID, start); err == nil {
			t.Error("the migration lost the unique start of a plan's job")
		}
		for _, ids := range [][2]any{{nil, nil}, {pacs.ID, his.ID}} {
			if err := db.ExecRaw(ctx, `INSERT INTO backup_plans (asset_id, system_id, name, frequency_hours, generations, restore_test_days, created_at, updated_at)
				VALUES (?, ?, 'x', 24, 3, 7, ?, ?)`, ids[0], ids[1], now, now); err == nil {
				t.Errorf("a plan of asset %v and system %v was stored", ids[0], ids[1])
			}
		}
		systemPlan := &medsec.BackupPlan{SystemID: his.ID, Name: "HIS database", JobName: "HIS-Nightly", FrequencyHours: 24, Generations: 14}
		if err := svc.CreateBackupPlan(system, systemPlan); err != nil || systemPlan.ID <= lisPlan.ID || systemPlan.SystemName != "HIS" {
			t.Fatalf("a system's plan after the migration = %+v, %v (want an ID above %d)", systemPlan, err, lisPlan.ID)
		}
		if res, err := svc.ImportBackupRuns(system, medsec.BackupRunImport{Source: "veeam.csv", Rows: []medsec.BackupRunRow{
			{Line: 2, Job: "his-nightly", Started: start, Finished: start.Add(time.Hour), Status: medsec.BackupSuccess}}}); err != nil || res.Recorded != 1 {
			t.Errorf("the system plan's job after the migration = %+v, %v", res, err)
		}
	})
}

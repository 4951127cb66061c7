package sqlstore_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/backup"
	"medsec/i18n"
	"medsec/notify"
	"medsec/sqlstore"
)

// TestBackupPlans records two plans of a PACS on both engines — one that keeps a single
// on-site copy of two generations, one by 3-2-1 with a WORM tape off site — imports a
// Veeam session export, records restore tests, and checks the findings, the compliance
// checks they feed, the period record, the audit trail, immutability and site scope.
func TestBackupPlans(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		pacs := &medsec.Asset{SiteID: main.ID, Name: "PACS-01", Kind: medsec.KindPACS}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, pacs); err != nil {
			t.Fatal(err)
		}
		created := testNow.AddDate(0, 0, -10)
		db.Now = func() time.Time { return created }
		svc := sqlstore.NewBackupService(db)
		weak := &medsec.BackupPlan{AssetID: pacs.ID, Name: "PACS configuration", FrequencyHours: 24, Generations: 2,
			Copies: []medsec.BackupCopy{{Label: "NAS", Medium: medsec.MediumDisk}}}
		strong := &medsec.BackupPlan{AssetID: pacs.ID, Name: "PACS database and images", JobName: "PACS-Daily", FrequencyHours: 24, Generations: 14, ImmutableFrom: 3,
			RTOHours: 8, RPOHours: 24, Fallback: "film and paper request forms",
			Copies: []medsec.BackupCopy{{Label: "NAS", Medium: medsec.MediumDisk}, {Label: "LTO vault, branch", Medium: medsec.MediumTape, Offsite: true, Offline: true, Immutable: true}}}
		for _, p := range []*medsec.BackupPlan{weak, strong} {
			if err := svc.CreateBackupPlan(system, p); err != nil {
				t.Fatal(err)
			}
		}
		if strong.RestoreTestDays != medsec.DefaultRestoreTestDays || strong.SiteID != main.ID {
			t.Errorf("stored plan = %+v", strong)
		}
		dup := &medsec.BackupPlan{AssetID: pacs.ID, Name: "again", JobName: "pacs-daily", FrequencyHours: 24, Generations: 3}
		if err := svc.CreateBackupPlan(system, dup); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("a second plan with the job name: err = %v", err)
		}

		// The backup software's export: two good nights, then a failure; another job no
		// plan names. Importing it twice records nothing new.
		db.Now = func() time.Time { return testNow }
		data, err := os.ReadFile("../backup/testdata/veeam-sessions.csv")
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.ImportBackupRuns(system, backup.ReadRuns(data, "veeam-sessions.csv"))
		if err != nil || res.Recorded != 3 || res.Unmatched != 1 || !slices.Equal(res.Jobs, []string{"HIS-Nightly"}) {
			t.Fatalf("import = %+v, %v", res, err)
		}
		if res, err = svc.ImportBackupRuns(system, backup.ReadRuns(data, "veeam-sessions.csv")); err != nil || res.Recorded != 0 || res.Duplicate != 3 {
			t.Errorf("re-import = %+v, %v", res, err)
		}

		// A restore test whose hashes did not match cannot pass; a good one is recorded.
		bad := &medsec.RestoreTest{PlanID: strong.ID, TestedAt: testNow.Add(-2 * time.Hour), What: "full backup of 22 Nov", Target: "standby VM", DurationMinutes: 95,
			HashMatch: medsec.No, Result: medsec.RestorePass, Evidence: "ticket 4411"}
		if err := svc.RecordRestoreTest(system, bad); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("pass with mismatching hashes: err = %v", err)
		}
		good := *bad
		good.HashMatch = medsec.Yes
		if err := svc.RecordRestoreTest(system, &good); err != nil {
			t.Fatal(err)
		}
		if good.ID == 0 || good.RecordedBy != medsec.SystemUser.Username || good.AssetName != "PACS-01" {
			t.Errorf("recorded test = %+v", good)
		}
		if err := db.ExecRaw(context.Background(), `UPDATE restore_tests SET result = 'fail' WHERE id = ?`, good.ID); err == nil {
			t.Error("the table let a recorded restore test change")
		}

		fs, err := svc.BackupFindings(system, medsec.BackupPlanFilter{AssetID: pacs.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]medsec.BackupFindingKind{}
		for _, f := range fs {
			got[f.PlanName] = append(got[f.PlanName], f.Kind)
		}
		wantWeak := []medsec.BackupFindingKind{medsec.FindingBackupCopies, medsec.FindingBackupMedia, medsec.FindingBackupOffsite, medsec.FindingBackupOffline,
			medsec.FindingBackupGenerations, medsec.FindingBackupWritable, medsec.FindingBackupMissed, medsec.FindingRestoreOverdue, medsec.FindingNoContinuity}
		if !slices.Equal(got[weak.Name], wantWeak) {
			t.Errorf("weak plan's findings = %v\nwant %v", got[weak.Name], wantWeak)
		}
		if !slices.Equal(got[strong.Name], []medsec.BackupFindingKind{medsec.FindingBackupFailed}) {
			t.Errorf("strong plan's findings = %v", got[strong.Name])
		}
		p, err := svc.FindBackupPlan(system, strong.ID)
		if err != nil || p.LastRun == nil || p.LastRun.Status != medsec.BackupFailed || p.LastTest == nil || p.LastTest.ID != good.ID ||
			!p.LastSuccess.Equal(time.Date(2026, 11, 22, 2, 39, 12, 0, time.UTC)) {
			t.Fatalf("plan = %+v, %v", p, err)
		}

		// The scheduler's job tells of the failed job and the weak plan's missed backups and
		// overdue test, not of its shape; the same state gives the same keys.
		n := &notes{}
		job := &notify.Backups{Backups: svc, Notifier: n}
		for range 2 {
			if err := job.Run(context.Background(), time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		var told []string
		for _, x := range n.got[:len(n.got)/2] {
			told = append(told, x.Args[1].Text+" "+x.Args[2].Key)
			if x.Kind != medsec.KindBackupProblem || x.Scope.SiteID != main.ID || x.Perm != medsec.PermBackupRead || x.Link == "" {
				t.Errorf("notification %+v", x)
			}
		}
		slices.Sort(told)
		if want := []string{"PACS configuration backup_finding.missed", "PACS configuration backup_finding.restore-overdue", "PACS database and images backup_finding.job-failed"}; !slices.Equal(told, want) ||
			n.got[0].DedupKey != n.got[len(n.got)/2].DedupKey {
			t.Errorf("told %q, want %q", told, want)
		}
		// The detail is told in the recipient's language: the Japanese notice has the
		// finding's values and not its English text.
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range n.got[:len(n.got)/2] {
			d := x.Args[3]
			m := notify.Render(bundle, &x, "ja", "")
			own := make([]any, len(d.Args))
			for i, a := range d.Args {
				own[i] = a
			}
			if d.Key == "" || len(d.Args) == 0 || strings.Contains(m.Body, d.Text) || !strings.Contains(m.Body, bundle.T("ja", d.Key, own...)) {
				t.Errorf("ja notice of %s: %q", d.Key, m.Body)
			}
		}

		// The findings fail the backup checks of the asset's controls.
		controls, err := newAssessmentService(t, db).AssetControls(system, pacs.ID)
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]medsec.CheckOutcome{}
		for _, c := range controls.Checks {
			outcomes[c.CheckID] = c.Outcome
		}
		for _, id := range backup.CheckIDs() {
			if outcomes[id] != medsec.CheckFail {
				t.Errorf("check %s = %q, want fail", id, outcomes[id])
			}
		}

		// The record of the week: the three jobs and the test, the plans, the findings.
		rec, err := svc.BackupRecord(system, medsec.BackupRecordFilter{SiteID: main.ID, From: testNow.AddDate(0, 0, -7), To: testNow.Add(time.Hour)})
		if err != nil || len(rec.Plans) != 2 || len(rec.Runs) != 3 || len(rec.Tests) != 1 || len(rec.Findings) != len(fs) {
			t.Fatalf("record = %+v, %v", rec, err)
		}
		// Before the first job the record has none, and the strong plan had not failed.
		early, err := svc.BackupRecord(system, medsec.BackupRecordFilter{From: created, To: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)})
		if err != nil || len(early.Runs) != 0 || len(early.Tests) != 0 || slices.ContainsFunc(early.Findings, func(f medsec.BackupFinding) bool { return f.Kind == medsec.FindingBackupFailed }) {
			t.Errorf("early record = %+v, %v", early, err)
		}

		// Deleting: a plan with a record stays, one without goes; both audited.
		if err := svc.DeleteBackupPlan(system, strong.ID); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("delete a plan with results: err = %v", err)
		}
		if err := svc.DeleteBackupPlan(system, weak.ID); err != nil {
			t.Fatal(err)
		}
		for _, action := range []string{medsec.ActionBackupPlanCreate, medsec.ActionBackupRunImport, medsec.ActionRestoreTestRecord, medsec.ActionBackupPlanDelete} {
			entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: action})
			if err != nil || len(entries) == 0 {
				t.Errorf("audit %s = %v, %v", action, entries, err)
			}
		}

		// A user of the branch sees none of it; a vendor has no permission.
		branchUser := as(&medsec.User{ID: 99, Username: "br", Role: medsec.RoleITOperations, SiteIDs: []int64{branch.ID}})
		if _, err := svc.FindBackupPlan(branchUser, strong.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user: err = %v", err)
		}
		if ps, err := svc.FindBackupPlans(branchUser, medsec.BackupPlanFilter{}); err != nil || len(ps) != 0 {
			t.Errorf("branch user sees %d plans (%v)", len(ps), err)
		}
		if err := svc.RecordRestoreTest(branchUser, &good); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user records a test: err = %v", err)
		}
		if res, err := svc.ImportBackupRuns(branchUser, backup.ReadRuns(data, "veeam-sessions.csv")); err != nil || res.Unmatched != 4 {
			t.Errorf("branch user's import matched another site's plan: %+v, %v", res, err)
		}
		vendor := as(&medsec.User{ID: 98, Username: "v", Role: medsec.RoleVendor, VendorID: 1})
		if _, err := svc.FindBackupPlans(vendor, medsec.BackupPlanFilter{}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("vendor: err = %v", err)
		}
	})
}

package backup_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/backup"
	"medsec/i18n"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func kinds(fs []medsec.BackupFinding) []medsec.BackupFindingKind {
	var out []medsec.BackupFindingKind
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}

// TestFindings holds plans against the 3-2-1, generation, offline, job, restore-test and
// continuity rules, one broken rule at a time.
func TestFindings(t *testing.T) {
	good := func() *medsec.BackupPlan {
		return &medsec.BackupPlan{ID: 1, AssetID: 2, Name: "PACS", FrequencyHours: 24, Generations: 7, ImmutableFrom: 3, RestoreTestDays: 7,
			RTOHours: 8, RPOHours: 24, Fallback: "paper request forms", CreatedAt: now.AddDate(0, -1, 0),
			Copies:      []medsec.BackupCopy{{Label: "NAS", Medium: medsec.MediumDisk}, {Label: "LTO vault", Medium: medsec.MediumTape, Offsite: true, Offline: true, Immutable: true}},
			LastSuccess: now.Add(-8 * time.Hour), LastRun: &medsec.BackupRun{Started: now.Add(-10 * time.Hour), Status: medsec.BackupSuccess},
			LastTest: &medsec.RestoreTest{TestedAt: now.AddDate(0, 0, -3), Result: medsec.RestorePass, DurationMinutes: 95}}
	}
	cases := []struct {
		name   string
		change func(p *medsec.BackupPlan)
		want   []medsec.BackupFindingKind
	}{
		{"meets every rule", func(p *medsec.BackupPlan) {}, nil},
		{"two copies", func(p *medsec.BackupPlan) { p.Copies = p.Copies[1:] }, []medsec.BackupFindingKind{medsec.FindingBackupCopies}},
		{"disk only", func(p *medsec.BackupPlan) { p.Copies[1].Medium = medsec.MediumDisk }, []medsec.BackupFindingKind{medsec.FindingBackupMedia}},
		{"nothing off site or off line", func(p *medsec.BackupPlan) { p.Copies[1].Offsite, p.Copies[1].Offline = false, false },
			[]medsec.BackupFindingKind{medsec.FindingBackupOffsite, medsec.FindingBackupOffline}},
		{"two generations", func(p *medsec.BackupPlan) { p.Generations, p.ImmutableFrom = 2, 2 }, []medsec.BackupFindingKind{medsec.FindingBackupGenerations}},
		{"writable until the fourth", func(p *medsec.BackupPlan) { p.ImmutableFrom = 4 }, []medsec.BackupFindingKind{medsec.FindingBackupWritable}},
		{"all writable", func(p *medsec.BackupPlan) { p.ImmutableFrom = 0 }, []medsec.BackupFindingKind{medsec.FindingBackupWritable}},
		{"last job failed", func(p *medsec.BackupPlan) { p.LastRun.Status = medsec.BackupFailed }, []medsec.BackupFindingKind{medsec.FindingBackupFailed}},
		{"no success for 49 h", func(p *medsec.BackupPlan) { p.LastSuccess = now.Add(-49 * time.Hour) }, []medsec.BackupFindingKind{medsec.FindingBackupMissed}},
		{"never a success", func(p *medsec.BackupPlan) { p.LastSuccess, p.LastRun = time.Time{}, nil }, []medsec.BackupFindingKind{medsec.FindingBackupMissed}},
		{"new plan, nothing yet", func(p *medsec.BackupPlan) {
			p.CreatedAt, p.LastSuccess, p.LastRun, p.LastTest = now.Add(-time.Hour), time.Time{}, nil, nil
		}, nil},
		{"test 8 days ago", func(p *medsec.BackupPlan) { p.LastTest.TestedAt = now.AddDate(0, 0, -8) }, []medsec.BackupFindingKind{medsec.FindingRestoreOverdue}},
		{"monthly tests allowed", func(p *medsec.BackupPlan) { p.LastTest.TestedAt, p.RestoreTestDays = now.AddDate(0, 0, -8), 31 }, nil},
		{"never tested", func(p *medsec.BackupPlan) { p.LastTest = nil }, []medsec.BackupFindingKind{medsec.FindingRestoreOverdue}},
		{"test failed", func(p *medsec.BackupPlan) { p.LastTest.Result = medsec.RestoreFail }, []medsec.BackupFindingKind{medsec.FindingRestoreFailed}},
		{"restore slower than the RTO", func(p *medsec.BackupPlan) { p.LastTest.DurationMinutes = 8*60 + 1 }, []medsec.BackupFindingKind{medsec.FindingRTOExceeded}},
		{"RPO shorter than the frequency", func(p *medsec.BackupPlan) { p.RPOHours = 4 }, []medsec.BackupFindingKind{medsec.FindingRPOUnmet}},
		{"no fallback", func(p *medsec.BackupPlan) { p.Fallback = "" }, []medsec.BackupFindingKind{medsec.FindingNoContinuity}},
		{"no RTO", func(p *medsec.BackupPlan) { p.RTOHours = 0 }, []medsec.BackupFindingKind{medsec.FindingNoContinuity}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := good()
			c.change(p)
			fs := backup.Findings(p, now)
			if got := kinds(fs); !slices.Equal(got, c.want) {
				t.Errorf("findings = %v, want %v", got, c.want)
			}
			for _, f := range fs {
				if f.Clause == "" || f.Detail == "" || f.PlanID != 1 || f.AssetID != 2 {
					t.Errorf("finding %+v lacks its clause, detail or plan", f)
				}
			}
		})
	}
}

// TestChecks turns findings into the compliance checks: unknown without a plan, failed
// by a finding of the check's kinds, passed otherwise.
func TestChecks(t *testing.T) {
	plan := &medsec.BackupPlan{ID: 1, AssetID: 2, Name: "PACS"}
	out := map[string]medsec.CheckOutcome{}
	for _, r := range backup.Checks(2, []*medsec.BackupPlan{plan}, []medsec.BackupFinding{{Kind: medsec.FindingBackupOffsite, AssetID: 2, PlanName: "PACS"}}, now) {
		out[r.CheckID] = r.Outcome
		if len(r.Controls) == 0 {
			t.Errorf("%s cites no control", r.CheckID)
		}
	}
	want := map[string]medsec.CheckOutcome{"backups-3-2-1": medsec.CheckFail, "backups-generations-offline": medsec.CheckPass,
		"backups-jobs-succeed": medsec.CheckPass, "backups-restore-tested": medsec.CheckPass, "continuity-targets-met": medsec.CheckPass}
	for id, w := range want {
		if out[id] != w {
			t.Errorf("%s = %q, want %q", id, out[id], w)
		}
	}
	for _, r := range backup.Checks(2, nil, nil, now) {
		if r.Outcome != medsec.CheckUnknown {
			t.Errorf("%s without a plan = %q", r.CheckID, r.Outcome)
		}
	}
}

// TestReadVeeamSessions reads Veeam Backup & Replication sessions as Windows PowerShell's
// Export-Csv writes them (Get-VBRBackupSession | Export-Csv): the #TYPE line, quoted
// cells, US dates with AM/PM, columns medsec does not read left out.
func TestReadVeeamSessions(t *testing.T) {
	data, err := os.ReadFile("testdata/veeam-sessions.csv")
	if err != nil {
		t.Fatal(err)
	}
	trimmed := backup.ReadRuns(data, "veeam-sessions.csv")
	if len(trimmed.Problems) != 0 || len(trimmed.Rows) != 4 {
		t.Fatalf("problems %+v, %d rows", trimmed.Problems, len(trimmed.Rows))
	}
	r := trimmed.Rows[0]
	if r.Line != 3 || r.Job != "PACS-Daily" || r.Status != medsec.BackupSuccess || r.Bytes != 1288490188800 ||
		!r.Started.Equal(time.Date(2026, 11, 21, 1, 0, 4, 0, time.UTC)) || !r.Finished.Equal(time.Date(2026, 11, 21, 2, 41, 37, 0, time.UTC)) {
		t.Errorf("row = %+v", r)
	}
	if trimmed.Rows[2].Status != medsec.BackupWarning || trimmed.Rows[3].Status != medsec.BackupFailed || trimmed.Rows[3].Bytes != 0 {
		t.Errorf("statuses = %+v", trimmed.Rows)
	}
}

// TestReadRunsProblems names the line, column and value of every bad cell of a Japanese
// export.
func TestReadRunsProblems(t *testing.T) {
	imp := backup.ReadRuns([]byte("ジョブ名,開始日時,終了日時,結果,サイズ\nPACS,2026-11-22 01:00,2026-11-22 00:59,成功,10\n,yesterday,,??,-1\n"), "jobs.csv")
	type p struct {
		line         int
		field, value string
	}
	var got []p
	for _, x := range imp.Problems {
		got = append(got, p{x.Line, x.Field, x.Value})
	}
	want := []p{{2, "終了日時", "2026-11-22 00:59"}, {3, "ジョブ名", ""}, {3, "開始日時", "yesterday"}, {3, "結果", "??"}, {3, "サイズ", "-1"}}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %+v\nwant %+v", got, want)
	}
	if miss := backup.ReadRuns([]byte("job,status\nA,ok\n"), "x.csv"); len(miss.Problems) != 1 || miss.Problems[0].Key != "err.missing_column" {
		t.Errorf("missing start column: %+v", miss.Problems)
	}
}

// TestFindingDetailsInEveryLanguage breaks every rule at once and holds each finding's
// detail key to the locales: the key is in every language, its values fill the message
// exactly (no missing or extra argument), and the Chinese and Japanese texts differ from
// the English one.
func TestFindingDetailsInEveryLanguage(t *testing.T) {
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	bad := []*medsec.BackupPlan{
		{ID: 1, Name: "bare", FrequencyHours: 24, Generations: 1, RPOHours: 4, CreatedAt: now.AddDate(0, -1, 0)},
		{ID: 2, Name: "tested", FrequencyHours: 24, Generations: 7, ImmutableFrom: 5, RTOHours: 1, CreatedAt: now.AddDate(0, -1, 0),
			LastSuccess: now.AddDate(0, 0, -5), LastRun: &medsec.BackupRun{Started: now.Add(-time.Hour), Status: medsec.BackupFailed},
			LastTest: &medsec.RestoreTest{TestedAt: now.AddDate(0, 0, -9), Result: medsec.RestoreFail, DurationMinutes: 90}},
	}
	seen := map[string]bool{}
	for _, p := range bad {
		for _, f := range backup.Findings(p, now) {
			seen[f.DetailKey] = true
			if !bundle.Has(f.DetailKey) {
				t.Errorf("%s: %s is not in every language", f.Kind, f.DetailKey)
				continue
			}
			args := make([]any, len(f.DetailArgs))
			for i, a := range f.DetailArgs {
				args[i] = a
			}
			en := bundle.T("en", f.DetailKey, args...)
			if en != f.Detail {
				t.Errorf("%s: English message %q, detail %q", f.DetailKey, en, f.Detail)
			}
			for _, lang := range i18n.Languages {
				got := bundle.T(lang, f.DetailKey, args...)
				if strings.Contains(got, "%!") {
					t.Errorf("%s in %s: arguments do not fit: %q", f.DetailKey, lang, got)
				}
				for _, a := range f.DetailArgs {
					if !strings.Contains(got, a) {
						t.Errorf("%s in %s: %q lacks the value %q", f.DetailKey, lang, got, a)
					}
				}
				if lang != "en" && got == en {
					t.Errorf("%s in %s is the English text", f.DetailKey, lang)
				}
			}
		}
	}
	for _, k := range backup.DetailKeys() {
		if !seen[k] {
			t.Errorf("no plan of the test gives %s", k)
		}
	}
}

package medsec

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Permissions of the backups of the clinical systems [M10]: PermBackupRead reads the
// backup plans of the assets of the caller's sites, their job results, restore tests and
// findings; PermBackupWrite records plans, imports job results and records restore tests.
// These are the hospital's backups of its clinical systems, not medsec's own backup
// (cmd/medsec backup).
const (
	PermBackupRead  Permission = "backup:read"
	PermBackupWrite Permission = "backup:write"
)

// BackupMedium is the kind of storage a backup copy is on; the 3-2-1 rule counts kinds
// [003 §3.1.3: 2種存儲介質(磁盤+磁帶)].
type BackupMedium string

// Backup media.
const (
	// MediumDisk is a disk: the system's own disks, a NAS, a backup server's disks.
	MediumDisk BackupMedium = "disk"
	// MediumTape is a tape (LTO).
	MediumTape BackupMedium = "tape"
	// MediumObject is object storage (an S3 bucket, a cloud archive).
	MediumObject BackupMedium = "object"
	// MediumOptical is an optical disc (Blu-ray, DVD).
	MediumOptical BackupMedium = "optical"
	// MediumRemovable is a removable disk or cartridge (RDX, USB disk).
	MediumRemovable BackupMedium = "removable"
)

// BackupMedia lists the media in display order.
var BackupMedia = []BackupMedium{MediumDisk, MediumTape, MediumObject, MediumOptical, MediumRemovable}

// BackupCopy is one copy of a system's data that a backup plan keeps besides the data on
// the system itself.
type BackupCopy struct {
	// Label says where the copy is ("NAS in server room B", "LTO vault at the branch").
	Label  string       `json:"label"`
	Medium BackupMedium `json:"medium"`
	// Offsite is true for a copy kept at another site or building [003 §3.1.3: 1份異地存儲].
	Offsite bool `json:"offsite"`
	// Offline is true for a copy disconnected from the terminals, servers and network
	// [004 §18.1: 端末及びサーバ装置やネットワークから切り離したバックアップ].
	Offline bool `json:"offline"`
	// Immutable is true for a copy that cannot be written once made (WORM tape, object
	// lock) [004 §18.1: 追記不能設定がなされた記録媒体].
	Immutable bool `json:"immutable"`
}

// BackupPlan is how one clinical system — an asset (AssetID) or a clinical system of
// assets (SystemID), exactly one of the two — is backed up and how long it may be out
// [M10; 003 §3.1.3; 004 §11 ①, §12.2, §18.1; 000 tw-cp-1]: what is copied, how often, the
// copies besides the system's own data, the generations kept and from which one they are
// not writable, the restore-test interval, and the system's continuity targets. Last*
// fields are read from its job results and restore tests.
type BackupPlan struct {
	ID int64 `json:"id"`
	// AssetID is the asset the plan is of, 0 for a clinical system's plan; AssetName its
	// name.
	AssetID   int64  `json:"asset_id"`
	SiteID    int64  `json:"site_id"`
	AssetName string `json:"asset_name"`
	// SystemID is the clinical system the plan is of (an HIS backed up as a whole), 0 for
	// an asset's plan; SystemName its name. The system's continuity targets stand for the
	// plan's unless it sets its own (Continuity).
	SystemID   int64  `json:"system_id,omitempty"`
	SystemName string `json:"system_name,omitempty"`
	// Name says what is backed up ("PACS database and image archive").
	Name string `json:"name"`
	// JobName is the job's name in the backup software; imported job results are matched
	// to the plan by it (case-insensitively). Empty: results are recorded by plan ID only.
	JobName string `json:"job_name,omitempty"`
	// FrequencyHours is how often a backup runs, in hours (24: daily).
	FrequencyHours int `json:"frequency_hours"`
	// Copies are the copies kept besides the system's own data, which the 3-2-1 rule
	// counts as the first copy, on disk.
	Copies []BackupCopy `json:"copies"`
	// Generations is how many generations of the backup are kept.
	Generations int `json:"generations"`
	// ImmutableFrom is the first generation that is not writable (1: every one; 3: the
	// third and older [004 §18.1: 遅くとも3世代目以降は…書き込み不可]); 0: none is.
	ImmutableFrom int `json:"immutable_from"`
	// RestoreTestDays is the longest time, in days, between restore tests (default
	// DefaultRestoreTestDays, weekly [003 §3.1.3]).
	RestoreTestDays int `json:"restore_test_days"`
	// RTOHours is the tolerable outage of the system, in hours (the recovery time
	// objective; 000 tw-cp-1.l 可容忍時間); 0: not set.
	RTOHours int `json:"rto_hours"`
	// RPOHours is the tolerable data loss, in hours (the recovery point objective); 0:
	// not set.
	RPOHours int `json:"rpo_hours"`
	// Fallback is the manual procedure while the system is down (paper forms, a standby
	// system) [000 tw-cp-1.l 替代流程; 004 §11 ① 紙での運用等の代替手段].
	Fallback string `json:"fallback,omitempty"`
	Notes    string `json:"notes,omitempty"`
	// LastSuccess is when the last successful (or warning) job ended; zero for none.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastRun is the last job result, nil for none.
	LastRun *BackupRun `json:"last_run,omitempty"`
	// LastTest is the last restore test, nil for none.
	LastTest *RestoreTest `json:"last_test,omitempty"`
	// Systems are the clinical systems the plan's asset is a member of — for a system's
	// plan, that system —, with their continuity targets: a system's continuity plan
	// covers the plan when the plan sets none of its own [issue 15 M10 "Continuity plans
	// per clinical system"]. Read only.
	Systems []PlanSystem `json:"systems,omitempty"`
	// MemberIDs are, for a clinical system's plan, the system's member assets: the plan
	// backs up each of them (their compliance checks, the data security assessment). Read
	// only.
	MemberIDs []int64   `json:"member_ids,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Covers returns the assets the plan backs up: its asset, or its clinical system's members.
func (p *BackupPlan) Covers() []int64 {
	if p.SystemID != 0 {
		return p.MemberIDs
	}
	return []int64{p.AssetID}
}

// Holder names what the plan backs up: the clinical system's name for a system's plan,
// else the asset's.
func (p *BackupPlan) Holder() string {
	if p.SystemID != 0 {
		return p.SystemName
	}
	return p.AssetName
}

// PlanSystem is a clinical system a backup plan's asset is a member of, with the
// system's continuity targets (ClinicalSystem).
type PlanSystem struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	RTOHours int    `json:"rto_hours"`
	RPOHours int    `json:"rpo_hours"`
	Fallback string `json:"fallback,omitempty"`
}

// Continuity returns the plan's tolerable outage and data loss in hours and its manual
// fallback: the plan's own where it sets them, else those of the clinical systems its
// asset is a member of (the strictest target of those that set one, the first fallback).
func (p *BackupPlan) Continuity() (rto, rpo int, fallback string) {
	rto, rpo, fallback = p.RTOHours, p.RPOHours, p.Fallback
	for _, s := range p.Systems {
		if p.RTOHours == 0 && s.RTOHours > 0 && (rto == 0 || s.RTOHours < rto) {
			rto = s.RTOHours
		}
		if p.RPOHours == 0 && s.RPOHours > 0 && (rpo == 0 || s.RPOHours < rpo) {
			rpo = s.RPOHours
		}
		if fallback == "" {
			fallback = s.Fallback
		}
	}
	return rto, rpo, fallback
}

// DefaultRestoreTestDays is the restore-test interval of a plan that sets none: weekly
// [003 §3.1.3: 備份數據每周進行恢復測試; catalog parameter ir-3.1.3-4_restore-test-interval].
const DefaultRestoreTestDays = 7

// Validate checks a plan before it is stored: a name, a frequency of 1 hour to a year,
// known media, 1 to 1000 generations, an immutable generation within those kept, a
// restore-test interval of 1 to 366 days, targets of 0 to 8760 hours, and exactly one
// of an asset and a clinical system (a new plan; an update keeps its holder).
func (p *BackupPlan) Validate() error {
	var errs []FieldError
	add := func(field, key, value, msg string) {
		errs = append(errs, FieldError{Field: field, Key: key, Value: value, Message: msg})
	}
	if p.AssetID != 0 && p.SystemID != 0 {
		add("system_id", "err.plan_asset_or_system", fmt.Sprint(p.SystemID), "a plan is of an asset or of a clinical system, not both")
	}
	p.Name, p.JobName = strings.TrimSpace(p.Name), strings.TrimSpace(p.JobName)
	if p.Name == "" {
		add("name", "err.required", "", "is required")
	}
	for _, f := range []struct {
		field, value string
		multi        bool
		max          int
	}{{"name", p.Name, false, 200}, {"job_name", p.JobName, false, 200}, {"fallback", p.Fallback, true, 2000}, {"notes", p.Notes, true, 2000}} {
		if fe := CheckText(f.field, f.value, f.multi); fe != nil {
			errs = append(errs, *fe)
		} else if fe := CheckLength(f.field, f.value, f.max); fe != nil {
			errs = append(errs, *fe)
		}
	}
	rng := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			add(field, "err.out_of_range", fmt.Sprint(v), fmt.Sprintf("must be %d to %d", lo, hi))
		}
	}
	rng("frequency_hours", p.FrequencyHours, 1, 8760)
	rng("generations", p.Generations, 1, 1000)
	rng("immutable_from", p.ImmutableFrom, 0, max(p.Generations, 1))
	if p.RestoreTestDays == 0 {
		p.RestoreTestDays = DefaultRestoreTestDays
	}
	rng("restore_test_days", p.RestoreTestDays, 1, 366)
	rng("rto_hours", p.RTOHours, 0, 8760)
	rng("rpo_hours", p.RPOHours, 0, 8760)
	if len(p.Copies) > 20 {
		add("copies", "err.too_many", fmt.Sprint(len(p.Copies)), "at most 20 copies")
	}
	for i, c := range p.Copies {
		f := fmt.Sprintf("copies.%d.", i)
		if !ValidBackupMedium(c.Medium) {
			errs = append(errs, FieldError{Field: f + "medium", Key: "err.unknown_value", Value: string(c.Medium), Enum: "backup_medium",
				Allowed: stringsOfMedia(), Message: "unknown medium"})
		}
		if fe := CheckText(f+"label", c.Label, false); fe != nil {
			errs = append(errs, *fe)
		} else if fe := CheckLength(f+"label", c.Label, 200); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if p.Copies == nil {
		p.Copies = []BackupCopy{}
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// ValidBackupMedium reports whether m is one of BackupMedia.
func ValidBackupMedium(m BackupMedium) bool {
	for _, x := range BackupMedia {
		if x == m {
			return true
		}
	}
	return false
}

func stringsOfMedia() []string {
	out := make([]string, len(BackupMedia))
	for i, m := range BackupMedia {
		out[i] = string(m)
	}
	return out
}

// Backup job statuses, as backup software reports them (Veeam: Success, Warning, Failed).
const (
	BackupSuccess = "success"
	BackupWarning = "warning"
	BackupFailed  = "failed"
)

// BackupRun is one run of a plan's backup job as the backup software reported it.
type BackupRun struct {
	ID      int64     `json:"id"`
	PlanID  int64     `json:"plan_id"`
	Started time.Time `json:"started"`
	// Finished is when the job ended; zero while unknown.
	Finished time.Time `json:"finished,omitzero"`
	// Status is BackupSuccess, BackupWarning or BackupFailed.
	Status string `json:"status"`
	// Bytes is the size the job wrote, 0 when unknown.
	Bytes int64 `json:"bytes,omitempty"`
	// Source names the file (or "api") the result came from.
	Source string `json:"source"`
}

// BackupRunRow is one job result of an import with its line and the job's name in the
// backup software.
type BackupRunRow struct {
	Line     int       `json:"line"`
	Job      string    `json:"job"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	Status   string    `json:"status"`
	Bytes    int64     `json:"bytes,omitempty"`
}

// BackupRunImport is one export of job results (many jobs) with its reader's problems.
type BackupRunImport struct {
	Source   string
	Rows     []BackupRunRow
	Problems []FieldError
}

// BackupRunImportResult counts what an import of job results did.
type BackupRunImportResult struct {
	Recorded int `json:"recorded"`
	// Duplicate counts results already recorded (same plan and start).
	Duplicate int `json:"duplicate"`
	// Unmatched counts rows whose job no plan of the caller's sites names; Jobs lists
	// those jobs' names.
	Unmatched int      `json:"unmatched"`
	Jobs      []string `json:"unmatched_jobs"`
}

// Restore test results.
const (
	RestorePass = "pass"
	RestoreFail = "fail"
)

// RestoreTest is one test of restoring a plan's backup [003 §3.1.3: 每周進行恢復測試; §4.3.2:
// 在備用服務器上恢復…驗證數據完整性; 000 tw-cp-1.hm 一 確認備份完整性]: what was restored,
// where, whether the restored data's hashes matched those recorded, how long it took, the
// result and its evidence. A recorded test never changes.
type RestoreTest struct {
	ID        int64  `json:"id"`
	PlanID    int64  `json:"plan_id"`
	AssetID   int64  `json:"asset_id"`
	SiteID    int64  `json:"site_id"`
	AssetName string `json:"asset_name"`
	// SystemID and SystemName are the clinical system of a system's plan (AssetID 0).
	SystemID   int64  `json:"system_id,omitempty"`
	SystemName string `json:"system_name,omitempty"`
	PlanName   string `json:"plan_name"`
	// TestedAt is when the restore ran.
	TestedAt time.Time `json:"tested_at"`
	// What is what was restored ("yesterday's full backup of the PACS database").
	What string `json:"what"`
	// Target is where it was restored (a standby server, an isolated VM).
	Target string `json:"target"`
	// DurationMinutes is how long the restore took, in minutes.
	DurationMinutes int `json:"duration_minutes"`
	// HashMatch says whether the restored data's hashes matched those recorded at backup.
	HashMatch Tristate `json:"hash_match"`
	// Result is RestorePass or RestoreFail; a hash mismatch cannot pass.
	Result string `json:"result"`
	// Evidence names the record that proves the test (a ticket, a log file and its hash).
	Evidence   string    `json:"evidence"`
	Notes      string    `json:"notes,omitempty"`
	RecordedBy string    `json:"recorded_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// Holder names what the tested plan backs up: the clinical system's name for a system's
// plan, else the asset's.
func (t *RestoreTest) Holder() string {
	if t.SystemID != 0 {
		return t.SystemName
	}
	return t.AssetName
}

// Validate checks a restore test before it is recorded: a time, what and where, a
// duration of 0 to 30 days, a known result that a hash mismatch does not pass, evidence.
func (t *RestoreTest) Validate(now time.Time) error {
	var errs []FieldError
	t.What, t.Target, t.Evidence = strings.TrimSpace(t.What), strings.TrimSpace(t.Target), strings.TrimSpace(t.Evidence)
	if t.TestedAt.IsZero() {
		errs = append(errs, FieldError{Field: "tested_at", Key: "err.required", Message: "is required"})
	} else if t.TestedAt.After(now.Add(time.Hour)) {
		errs = append(errs, FieldError{Field: "tested_at", Key: "err.future_date", Value: t.TestedAt.Format(time.RFC3339), Message: "is in the future"})
	}
	for _, f := range []struct{ field, value string }{{"what", t.What}, {"target", t.Target}, {"evidence", t.Evidence}} {
		if f.value == "" {
			errs = append(errs, FieldError{Field: f.field, Key: "err.required", Message: "is required"})
		}
	}
	for _, f := range []struct {
		field, value string
		multi        bool
		max          int
	}{{"what", t.What, false, 500}, {"target", t.Target, false, 200}, {"evidence", t.Evidence, true, 2000}, {"notes", t.Notes, true, 2000}} {
		if fe := CheckText(f.field, f.value, f.multi); fe != nil {
			errs = append(errs, *fe)
		} else if fe := CheckLength(f.field, f.value, f.max); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if t.DurationMinutes < 0 || t.DurationMinutes > 43200 {
		errs = append(errs, FieldError{Field: "duration_minutes", Key: "err.out_of_range", Value: fmt.Sprint(t.DurationMinutes), Message: "must be 0 to 43200 minutes"})
	}
	if t.HashMatch == "" {
		t.HashMatch = Unknown
	}
	if t.HashMatch != Yes && t.HashMatch != No && t.HashMatch != Unknown {
		errs = append(errs, FieldError{Field: "hash_match", Key: "err.unknown_value", Value: string(t.HashMatch), Enum: "tristate",
			Allowed: []string{string(Yes), string(No), string(Unknown)}, Message: "must be yes, no or unknown"})
	}
	switch t.Result {
	case RestorePass:
		if t.HashMatch == No {
			errs = append(errs, FieldError{Field: "result", Key: "err.restore_hash_mismatch", Value: t.Result, Message: "a restore whose hashes did not match cannot pass"})
		}
	case RestoreFail:
	default:
		errs = append(errs, FieldError{Field: "result", Key: "err.unknown_value", Value: t.Result, Enum: "restore_result",
			Allowed: []string{RestorePass, RestoreFail}, Message: "must be pass or fail"})
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// BackupFindingKind names what is wrong with a backup plan.
type BackupFindingKind string

// Backup finding kinds, each with the clause it carries out (BackupFinding.Clause).
const (
	// FindingBackupCopies: fewer than 3 copies of the data, the system's own included
	// [003 §3.1.3: 3份數據副本].
	FindingBackupCopies BackupFindingKind = "copies"
	// FindingBackupMedia: the copies are on fewer than 2 kinds of media [003 §3.1.3].
	FindingBackupMedia BackupFindingKind = "media"
	// FindingBackupOffsite: no copy is kept off site [003 §3.1.3: 1份異地存儲].
	FindingBackupOffsite BackupFindingKind = "offsite"
	// FindingBackupOffline: no copy is disconnected from the network [004 §11 ①, §18.1].
	FindingBackupOffline BackupFindingKind = "offline"
	// FindingBackupGenerations: fewer than 3 generations are kept [004 §18.1: 少なくとも3世代].
	FindingBackupGenerations BackupFindingKind = "generations"
	// FindingBackupWritable: the third generation (or an older one kept) is still writable
	// [004 §18.1: 遅くとも3世代目以降は…書き込み不可の状態にする].
	FindingBackupWritable BackupFindingKind = "writable"
	// FindingBackupFailed: the last backup job failed [004 §12.2 ④].
	FindingBackupFailed BackupFindingKind = "job-failed"
	// FindingBackupMissed: no successful backup within twice the plan's frequency [004
	// §12.2 ④].
	FindingBackupMissed BackupFindingKind = "missed"
	// FindingRestoreOverdue: no restore test within the plan's interval [003 §3.1.3].
	FindingRestoreOverdue BackupFindingKind = "restore-overdue"
	// FindingRestoreFailed: the last restore test failed [003 §3.1.3; 000 tw-cp-1.hm 一].
	FindingRestoreFailed BackupFindingKind = "restore-failed"
	// FindingRTOExceeded: the last restore took longer than the tolerable outage [000
	// tw-cp-1.l 一 可容忍時間].
	FindingRTOExceeded BackupFindingKind = "rto-exceeded"
	// FindingRPOUnmet: backups run less often than the tolerable data loss allows.
	FindingRPOUnmet BackupFindingKind = "rpo-unmet"
	// FindingNoContinuity: no tolerable outage time or no manual fallback is set [000
	// tw-cp-1.l 一; 004 §11 ①].
	FindingNoContinuity BackupFindingKind = "no-continuity"
)

// BackupFindingKinds lists the kinds in display order.
var BackupFindingKinds = []BackupFindingKind{FindingBackupCopies, FindingBackupMedia, FindingBackupOffsite, FindingBackupOffline,
	FindingBackupGenerations, FindingBackupWritable, FindingBackupFailed, FindingBackupMissed, FindingRestoreOverdue, FindingRestoreFailed,
	FindingRTOExceeded, FindingRPOUnmet, FindingNoContinuity}

// BackupFinding is one rule a backup plan breaks, with the clause that makes it one.
type BackupFinding struct {
	Kind      BackupFindingKind `json:"kind"`
	PlanID    int64             `json:"plan_id"`
	PlanName  string            `json:"plan_name"`
	AssetID   int64             `json:"asset_id"`
	SiteID    int64             `json:"site_id"`
	AssetName string            `json:"asset_name"`
	// SystemID and SystemName are the clinical system of a system's plan (AssetID 0).
	SystemID   int64  `json:"system_id,omitempty"`
	SystemName string `json:"system_name,omitempty"`
	// Clause cites the seed ("003 §3.1.3").
	Clause string `json:"clause"`
	// Detail says in English what was found; DetailKey and DetailArgs say the same as a
	// message key ("backup_detail.copies") and its values in order (numbers; times in
	// UTC as 2026-11-30 09:30 UTC, backup.DetailTime, which pages and reports write in the
	// site's time zone), for pages and reports in the reader's language. Since is when the cause began (the last test's due date, the failed job's
	// start), zero when there is none.
	Detail     string    `json:"detail"`
	DetailKey  string    `json:"detail_key"`
	DetailArgs []string  `json:"detail_args"`
	Since      time.Time `json:"since,omitzero"`
}

// Holder names what the plan backs up: the clinical system's name for a system's plan,
// else the asset's.
func (f *BackupFinding) Holder() string {
	if f.SystemID != 0 {
		return f.SystemName
	}
	return f.AssetName
}

// BackupPlanFilter selects backup plans. Zero fields do not filter.
type BackupPlanFilter struct {
	SiteID  int64
	AssetID int64
	// SystemID keeps the plans of one clinical system.
	SystemID int64
}

// BackupRecordFilter selects the backup record of a period: the plans of the caller's
// sites (of SiteID when set) with their job results and restore tests in [From, To).
type BackupRecordFilter struct {
	SiteID int64
	From   time.Time
	To     time.Time
}

// BackupRecord is the backup and restore-test record of a period [003 §3.1.3; 004 §12.2]:
// every plan (with its generations and copies) as it stands — as it stood at the period's
// end, for a period that has ended —, its findings at the end of the period, and the job results and restore tests of the period, oldest first.
type BackupRecord struct {
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Plans    []*BackupPlan   `json:"plans"`
	Findings []BackupFinding `json:"findings"`
	Runs     []BackupRun     `json:"runs"`
	Tests    []RestoreTest   `json:"tests"`
}

// Audit actions of the backups of clinical systems.
const (
	ActionBackupPlanCreate  = "backup_plan.create"
	ActionBackupPlanUpdate  = "backup_plan.update"
	ActionBackupPlanDelete  = "backup_plan.delete"
	ActionBackupRunImport   = "backup_run.import"
	ActionRestoreTestRecord = "restore_test.record"
)

// BackupService keeps the backup plans of the clinical systems, their job results and
// restore tests, and finds the rules they break. Reads need PermBackupRead, changes
// PermBackupWrite; every method sees only the assets of the caller's sites (another
// site's plan is ENOTFOUND), and every change is audited in its transaction.
type BackupService interface {
	// FindBackupPlans returns the plans the filter selects with their last job and
	// restore test, by asset then name.
	FindBackupPlans(ctx context.Context, f BackupPlanFilter) ([]*BackupPlan, error)
	// FindBackupPlan returns one plan or ENOTFOUND.
	FindBackupPlan(ctx context.Context, id int64) (*BackupPlan, error)
	// CreateBackupPlan stores a new plan of an asset or of a clinical system, exactly one
	// (EINVALID per Validate, or naming field asset_id when neither is given; ENOTFOUND
	// for an asset or system the caller does not see; ECONFLICT when another plan has its
	// job name).
	CreateBackupPlan(ctx context.Context, p *BackupPlan) error
	// UpdateBackupPlan replaces a plan's fields (not its asset or system).
	UpdateBackupPlan(ctx context.Context, p *BackupPlan) error
	// DeleteBackupPlan deletes a plan with no job result or restore test (ECONFLICT
	// otherwise: the record stays).
	DeleteBackupPlan(ctx context.Context, id int64) error
	// ImportBackupRuns records job results, matching each row's job to a plan by its job
	// name; all rows or none (any problem is one *ValidationError naming line and field);
	// results already recorded are counted, not repeated.
	ImportBackupRuns(ctx context.Context, imp BackupRunImport) (BackupRunImportResult, error)
	// FindBackupRuns returns a plan's job results, newest first, at most limit (0: 100).
	FindBackupRuns(ctx context.Context, planID int64, limit int) ([]BackupRun, error)
	// RecordRestoreTest records a restore test of a plan (EINVALID per Validate).
	RecordRestoreTest(ctx context.Context, t *RestoreTest) error
	// FindRestoreTests returns the restore tests of the plans the filter selects, newest
	// first.
	FindRestoreTests(ctx context.Context, f BackupPlanFilter) ([]RestoreTest, error)
	// BackupFindings returns the findings of the plans the filter selects at now.
	BackupFindings(ctx context.Context, f BackupPlanFilter) ([]BackupFinding, error)
	// BackupRecord returns the backup and restore-test record of a period (EINVALID when
	// To is not after From). For a period that has ended, the plans are those of the
	// assets at SiteID at its end, as they then stood, and their findings those of the
	// end: a later move, plan change or job result leaves the record as it was.
	BackupRecord(ctx context.Context, f BackupRecordFilter) (*BackupRecord, error)
}

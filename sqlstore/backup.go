package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/assetio"
	"medsec/backup"
)

// BackupService implements medsec.BackupService on the backup_plans, backup_runs and
// restore_tests tables; the rules come from package backup.
type BackupService struct {
	db *DB
}

var _ medsec.BackupService = (*BackupService)(nil)

// NewBackupService returns the backup service of db.
func NewBackupService(db *DB) *BackupService { return &BackupService{db: db} }

// planColumns and planFrom read a plan of an asset or of a clinical system (exactly one;
// migration 0112): the site is the asset's or the system's.
const planColumns = `p.id, COALESCE(p.asset_id, 0), COALESCE(a.site_id, cs.site_id), COALESCE(a.name, ''), COALESCE(p.system_id, 0), COALESCE(cs.name, ''), p.name, p.job_name, p.frequency_hours, p.copies, p.generations, p.immutable_from,
	p.restore_test_days, p.rto_hours, p.rpo_hours, p.fallback, p.notes, p.created_at, p.updated_at`

const planFrom = ` FROM backup_plans p LEFT JOIN assets a ON a.id = p.asset_id LEFT JOIN clinical_systems cs ON cs.id = p.system_id`

func scanPlan(scan func(dest ...any) error) (*medsec.BackupPlan, error) {
	var p medsec.BackupPlan
	var copies string
	if err := scan(&p.ID, &p.AssetID, &p.SiteID, &p.AssetName, &p.SystemID, &p.SystemName, &p.Name, &p.JobName, &p.FrequencyHours, &copies, &p.Generations, &p.ImmutableFrom,
		&p.RestoreTestDays, &p.RTOHours, &p.RPOHours, &p.Fallback, &p.Notes, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(copies), &p.Copies); err != nil {
		return nil, fmt.Errorf("backup plan %d: copies: %w", p.ID, err)
	}
	if p.Copies == nil {
		p.Copies = []medsec.BackupCopy{}
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

func errBackupPlanNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Backup plan not found.", Key: "err.backup_plan_not_found"}
}

// planWhere returns the condition of the filter within the scope: an asset's plan is in
// scope with its asset, a clinical system's with the system's site (and never for a
// vendor user, as the system itself is not: systemScope).
func planWhere(sc scope, f medsec.BackupPlanFilter) (string, []any) {
	return planWhereMembers(sc, f, false)
}

// planWhereMembers is planWhere; with members, f.AssetID keeps the asset's plans and those
// of the clinical systems it is a member of (its compliance checks: backupChecks).
func planWhereMembers(sc scope, f medsec.BackupPlanFilter, members bool) (string, []any) {
	conds, args := []string{"1 = 1"}, []any(nil)
	ac, aa := sc.assetCond("a")
	sysc, sysa := sc.siteCond("cs.site_id")
	if sc.vendor() != 0 {
		sysc, sysa = "1 = 0", nil
	}
	if ac != "" || sysc != "" {
		if ac == "" {
			ac = "1 = 1"
		}
		if sysc == "" {
			sysc = "1 = 1"
		}
		conds = append(conds, "((p.asset_id IS NOT NULL AND "+ac+") OR (p.system_id IS NOT NULL AND "+sysc+"))")
		args = append(append(args, aa...), sysa...)
	}
	if f.SiteID != 0 {
		conds, args = append(conds, "COALESCE(a.site_id, cs.site_id) = ?"), append(args, f.SiteID)
	}
	switch {
	case f.AssetID != 0 && members:
		conds = append(conds, "(p.asset_id = ? OR p.system_id IN (SELECT system_id FROM clinical_system_assets WHERE asset_id = ?))")
		args = append(args, f.AssetID, f.AssetID)
	case f.AssetID != 0:
		conds, args = append(conds, "p.asset_id = ?"), append(args, f.AssetID)
	}
	if f.SystemID != 0 {
		conds, args = append(conds, "p.system_id = ?"), append(args, f.SystemID)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// findPlans returns the plans of the filter within the scope with their last job, last
// success and last test before cutoff.
func (s *BackupService) findPlans(ctx context.Context, q querier, sc scope, f medsec.BackupPlanFilter, cutoff time.Time) ([]*medsec.BackupPlan, error) {
	out, err := s.readPlans(ctx, q, sc, f, false)
	if err != nil {
		return nil, err
	}
	return out, s.fillLast(ctx, q, out, cutoff)
}

// readPlans returns the plans of the filter within the scope as they stand, without
// their last job and test, by holder (asset or system) name; members as planWhereMembers.
func (s *BackupService) readPlans(ctx context.Context, q querier, sc scope, f medsec.BackupPlanFilter, members bool) ([]*medsec.BackupPlan, error) {
	where, args := planWhereMembers(sc, f, members)
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+planColumns+planFrom+where+
		` ORDER BY COALESCE(a.name, cs.name), COALESCE(p.asset_id, 0), COALESCE(p.system_id, 0), p.name, p.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("find backup plans: %w", err)
	}
	defer rows.Close()
	out := []*medsec.BackupPlan{}
	for rows.Next() {
		p, err := scanPlan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find backup plans: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find backup plans: %w", err)
	}
	return out, nil
}

// fillLast sets each plan's LastRun, LastSuccess and LastTest from the jobs and tests
// that began before cutoff.
func (s *BackupService) fillLast(ctx context.Context, q querier, plans []*medsec.BackupPlan, cutoff time.Time) error {
	if len(plans) == 0 {
		return nil
	}
	byID := map[int64]*medsec.BackupPlan{}
	ids := make([]any, len(plans))
	for i, p := range plans {
		byID[p.ID], ids[i] = p, p.ID
	}
	in := placeholders(len(ids))
	last := func(cond string) string {
		return `SELECT ` + runColumns + ` FROM backup_runs r WHERE r.id = (SELECT r2.id FROM backup_runs r2 WHERE r2.plan_id = r.plan_id AND r2.started < ?` + cond +
			` ORDER BY r2.started DESC, r2.id DESC LIMIT 1) AND r.plan_id IN (` + in + `)`
	}
	for _, success := range []bool{false, true} {
		cond := ""
		if success {
			cond = ` AND r2.status <> 'failed'`
		}
		runs, err := s.queryRuns(ctx, q, last(cond), append([]any{cutoff}, ids...)...)
		if err != nil {
			return err
		}
		for _, r := range runs {
			p := byID[r.PlanID]
			if !success {
				r := r
				p.LastRun = &r
				continue
			}
			p.LastSuccess = r.Finished
			if p.LastSuccess.IsZero() {
				p.LastSuccess = r.Started
			}
		}
	}
	tests, err := s.queryTests(ctx, q, `WHERE t.id = (SELECT t2.id FROM restore_tests t2 WHERE t2.plan_id = t.plan_id AND t2.tested_at < ?
		ORDER BY t2.tested_at DESC, t2.id DESC LIMIT 1) AND t.plan_id IN (`+in+`)`, append([]any{cutoff}, ids...)...)
	if err != nil {
		return err
	}
	for _, t := range tests {
		t := t
		testOfPlan(&t, byID[t.PlanID])
		byID[t.PlanID].LastTest = &t
	}
	return fillPlanSystems(ctx, q, s.db.dialect, plans)
}

// fillPlanSystems reads the clinical systems the plans' assets are members of, with their
// continuity targets; a system's plan has its system.
func fillPlanSystems(ctx context.Context, q querier, d dialect, plans []*medsec.BackupPlan) error {
	assets, systems := map[int64]bool{}, map[int64]bool{}
	ids, sids := []any{int64(0)}, []any{int64(0)}
	for _, p := range plans {
		if p.SystemID != 0 && !systems[p.SystemID] {
			systems[p.SystemID] = true
			sids = append(sids, p.SystemID)
		}
		if p.AssetID != 0 && !assets[p.AssetID] {
			assets[p.AssetID] = true
			ids = append(ids, p.AssetID)
		}
	}
	// A system's own plan is read under asset key -system ID, apart from the assets.
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT m.asset_id, c.id, c.name, c.rto_hours, c.rpo_hours, c.fallback FROM clinical_system_assets m
		JOIN clinical_systems c ON c.id = m.system_id WHERE m.asset_id IN (`+placeholders(len(ids))+`)
		UNION ALL SELECT -c.id, c.id, c.name, c.rto_hours, c.rpo_hours, c.fallback FROM clinical_systems c WHERE c.id IN (`+placeholders(len(sids))+`)
		ORDER BY 3, 2`), append(ids, sids...)...)
	if err != nil {
		return fmt.Errorf("backup plans' clinical systems: %w", err)
	}
	defer rows.Close()
	byAsset := map[int64][]medsec.PlanSystem{}
	for rows.Next() {
		var asset int64
		var c medsec.PlanSystem
		if err := rows.Scan(&asset, &c.ID, &c.Name, &c.RTOHours, &c.RPOHours, &c.Fallback); err != nil {
			return fmt.Errorf("backup plans' clinical systems: %w", err)
		}
		byAsset[asset] = append(byAsset[asset], c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("backup plans' clinical systems: %w", err)
	}
	members := map[int64][]int64{}
	if len(sids) > 1 {
		rows, err := q.QueryContext(ctx, d.rebind(`SELECT system_id, asset_id FROM clinical_system_assets WHERE system_id IN (`+placeholders(len(sids))+`)
			ORDER BY system_id, asset_id`), sids...)
		if err != nil {
			return fmt.Errorf("backup plans' clinical systems: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var sid, aid int64
			if err := rows.Scan(&sid, &aid); err != nil {
				return fmt.Errorf("backup plans' clinical systems: %w", err)
			}
			members[sid] = append(members[sid], aid)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("backup plans' clinical systems: %w", err)
		}
	}
	for _, p := range plans {
		if p.SystemID != 0 {
			p.Systems, p.MemberIDs = byAsset[-p.SystemID], members[p.SystemID]
			continue
		}
		p.Systems = byAsset[p.AssetID]
	}
	return nil
}

const runColumns = `r.id, r.plan_id, r.started, r.finished, r.status, r.bytes, r.source`

func (s *BackupService) queryRuns(ctx context.Context, q querier, query string, args ...any) ([]medsec.BackupRun, error) {
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("backup runs: %w", err)
	}
	defer rows.Close()
	out := []medsec.BackupRun{}
	for rows.Next() {
		var r medsec.BackupRun
		var fin sql.NullTime
		if err := rows.Scan(&r.ID, &r.PlanID, &r.Started, &fin, &r.Status, &r.Bytes, &r.Source); err != nil {
			return nil, fmt.Errorf("backup runs: %w", err)
		}
		r.Started = r.Started.UTC()
		if fin.Valid {
			r.Finished = fin.Time.UTC()
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const testSelect = `SELECT t.id, t.plan_id, COALESCE(p.asset_id, 0), COALESCE(a.site_id, cs.site_id), COALESCE(a.name, ''), COALESCE(p.system_id, 0),
	COALESCE(cs.name, ''), p.name, t.tested_at, t.what, t.target, t.duration_minutes, t.hash_match, t.result, t.evidence, t.notes, t.recorded_by, t.created_at
	FROM restore_tests t JOIN backup_plans p ON p.id = t.plan_id LEFT JOIN assets a ON a.id = p.asset_id LEFT JOIN clinical_systems cs ON cs.id = p.system_id `

func (s *BackupService) queryTests(ctx context.Context, q querier, where string, args ...any) ([]medsec.RestoreTest, error) {
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(testSelect+where), args...)
	if err != nil {
		return nil, fmt.Errorf("restore tests: %w", err)
	}
	defer rows.Close()
	out := []medsec.RestoreTest{}
	for rows.Next() {
		var t medsec.RestoreTest
		var hash string
		if err := rows.Scan(&t.ID, &t.PlanID, &t.AssetID, &t.SiteID, &t.AssetName, &t.SystemID, &t.SystemName, &t.PlanName, &t.TestedAt, &t.What, &t.Target, &t.DurationMinutes,
			&hash, &t.Result, &t.Evidence, &t.Notes, &t.RecordedBy, &t.CreatedAt); err != nil {
			return nil, fmt.Errorf("restore tests: %w", err)
		}
		t.HashMatch, t.TestedAt, t.CreatedAt = medsec.Tristate(hash), t.TestedAt.UTC(), t.CreatedAt.UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// FindBackupPlans implements medsec.BackupService.
func (s *BackupService) FindBackupPlans(ctx context.Context, f medsec.BackupPlanFilter) ([]*medsec.BackupPlan, error) {
	sc, err := authorize(ctx, medsec.PermBackupRead)
	if err != nil {
		return nil, err
	}
	return s.findPlans(ctx, s.db.read, sc, f, s.db.Now().UTC().Add(time.Hour))
}

// plan returns one plan of the scope or ENOTFOUND.
func (s *BackupService) plan(ctx context.Context, q querier, sc scope, id int64) (*medsec.BackupPlan, error) {
	p, err := scanPlan(q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+planColumns+planFrom+` WHERE p.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errBackupPlanNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("backup plan %d: %w", id, err)
	}
	if !s.seesPlan(ctx, q, sc, p) {
		return nil, medsec.NotInScope("Backup plan not found.", "err.backup_plan_not_found", fmt.Sprintf("backup plan %d", id), p.SiteID)
	}
	return p, s.fillLast(ctx, q, []*medsec.BackupPlan{p}, s.db.Now().UTC().Add(time.Hour))
}

// seesPlan reports whether the scope holds the plan: its asset, or its clinical system's
// site (no vendor user sees a system).
func (s *BackupService) seesPlan(ctx context.Context, q querier, sc scope, p *medsec.BackupPlan) bool {
	if p.SystemID != 0 {
		return sc.vendor() == 0 && sc.seesSite(p.SiteID)
	}
	a, err := findAssetByID(ctx, q, s.db.dialect, p.AssetID)
	return err == nil && sc.seesAsset(a)
}

// FindBackupPlan implements medsec.BackupService.
func (s *BackupService) FindBackupPlan(ctx context.Context, id int64) (*medsec.BackupPlan, error) {
	sc, err := authorize(ctx, medsec.PermBackupRead)
	if err != nil {
		return nil, err
	}
	return s.plan(ctx, s.db.read, sc, id)
}

// checkJobName refuses a job name another plan has (case-insensitively): results are
// matched to plans by it.
func checkJobName(ctx context.Context, tx *Tx, p *medsec.BackupPlan) error {
	if p.JobName == "" {
		return nil
	}
	rows, err := tx.query(ctx, `SELECT job_name FROM backup_plans WHERE job_name <> '' AND id <> ?`, p.ID)
	if err != nil {
		return fmt.Errorf("backup plan job name: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return fmt.Errorf("backup plan job name: %w", err)
		}
		if assetio.Fold(n) == assetio.Fold(p.JobName) {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "job_name", Key: "err.backup_job_taken", Value: p.JobName,
				Message: "another backup plan has this job name"}}}
		}
	}
	return rows.Err()
}

// CreateBackupPlan implements medsec.BackupService.
func (s *BackupService) CreateBackupPlan(ctx context.Context, p *medsec.BackupPlan) error {
	sc, err := authorize(ctx, medsec.PermBackupWrite)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var assetID, systemID any
	switch {
	case p.SystemID != 0:
		c, err := (&ClinicalSystemService{db: s.db}).system(ctx, tx, sc, p.SystemID)
		if err != nil {
			return err
		}
		if sc.vendor() != 0 {
			return errSystemNotFound()
		}
		systemID = c.ID
	case p.AssetID != 0:
		a, err := findAssetByID(ctx, tx, s.db.dialect, p.AssetID)
		if err != nil {
			return err
		}
		if !sc.seesAsset(a) {
			return assetOutOfScope(a.ID, a.SiteID)
		}
		assetID = a.ID
	default:
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "asset_id", Key: "err.plan_asset_or_system", Message: "a plan is of an asset or of a clinical system"}}}
	}
	if err := checkJobName(ctx, tx, p); err != nil {
		return err
	}
	copies, _ := json.Marshal(p.Copies)
	id, err := tx.insert(ctx, `INSERT INTO backup_plans (asset_id, system_id, name, job_name, frequency_hours, copies, generations, immutable_from, restore_test_days,
		rto_hours, rpo_hours, fallback, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		assetID, systemID, p.Name, p.JobName, p.FrequencyHours, string(copies), p.Generations, p.ImmutableFrom, p.RestoreTestDays, p.RTOHours, p.RPOHours,
		p.Fallback, p.Notes, tx.now, tx.now)
	if err != nil {
		return fmt.Errorf("create backup plan: %w", err)
	}
	after, err := commitChange(ctx, tx, "create backup plan", medsec.ActionBackupPlanCreate, "backup_plan", id, nil,
		func() (*medsec.BackupPlan, error) { return s.plan(ctx, tx, sc, id) }, planSite)
	if err != nil {
		return err
	}
	*p = *after
	return nil
}

// planSite is the site of a backup plan, for its audit row.
func planSite(p *medsec.BackupPlan) int64 { return p.SiteID }

// UpdateBackupPlan implements medsec.BackupService.
func (s *BackupService) UpdateBackupPlan(ctx context.Context, p *medsec.BackupPlan) error {
	sc, err := authorize(ctx, medsec.PermBackupWrite)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := s.plan(ctx, tx, sc, p.ID)
	if err != nil {
		return err
	}
	if err := checkJobName(ctx, tx, p); err != nil {
		return err
	}
	copies, _ := json.Marshal(p.Copies)
	if _, err := tx.exec(ctx, `UPDATE backup_plans SET name = ?, job_name = ?, frequency_hours = ?, copies = ?, generations = ?, immutable_from = ?,
		restore_test_days = ?, rto_hours = ?, rpo_hours = ?, fallback = ?, notes = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.JobName, p.FrequencyHours, string(copies), p.Generations, p.ImmutableFrom, p.RestoreTestDays, p.RTOHours, p.RPOHours,
		p.Fallback, p.Notes, tx.now, p.ID); err != nil {
		return fmt.Errorf("update backup plan: %w", err)
	}
	after, err := commitChange(ctx, tx, "update backup plan", medsec.ActionBackupPlanUpdate, "backup_plan", p.ID, before,
		func() (*medsec.BackupPlan, error) { return s.plan(ctx, tx, sc, p.ID) }, planSite)
	if err != nil {
		return err
	}
	*p = *after
	return nil
}

// DeleteBackupPlan implements medsec.BackupService.
func (s *BackupService) DeleteBackupPlan(ctx context.Context, id int64) error {
	sc, err := authorize(ctx, medsec.PermBackupWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := s.plan(ctx, tx, sc, id)
	if err != nil {
		return err
	}
	var runs, tests int
	if err := tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM backup_runs WHERE plan_id = ?), (SELECT COUNT(*) FROM restore_tests WHERE plan_id = ?)`, id, id).Scan(&runs, &tests); err != nil {
		return fmt.Errorf("delete backup plan: %w", err)
	}
	if runs+tests > 0 {
		return &medsec.Error{Code: medsec.ECONFLICT, Key: "err.backup_plan_in_use", Args: []any{runs, tests},
			Message: fmt.Sprintf("The plan has %d job results and %d restore tests on record; it stays.", runs, tests)}
	}
	if _, err := tx.exec(ctx, `DELETE FROM backup_plans WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete backup plan: %w", err)
	}
	if err := tx.auditChange(ctx, medsec.ActionBackupPlanDelete, "backup_plan", id, before.SiteID, before, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// ImportBackupRuns implements medsec.BackupService.
func (s *BackupService) ImportBackupRuns(ctx context.Context, imp medsec.BackupRunImport) (medsec.BackupRunImportResult, error) {
	res := medsec.BackupRunImportResult{Jobs: []string{}}
	sc, err := authorize(ctx, medsec.PermBackupWrite)
	if err != nil {
		return res, err
	}
	if len(imp.Problems) > 0 {
		return res, &medsec.ValidationError{Source: imp.Source, Errors: imp.Problems}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	plans, err := s.findPlans(ctx, tx, sc, medsec.BackupPlanFilter{}, tx.now)
	if err != nil {
		return res, err
	}
	byJob := map[string]*medsec.BackupPlan{}
	for _, p := range plans {
		if p.JobName != "" {
			byJob[assetio.Fold(p.JobName)] = p
		}
	}
	type key struct {
		plan    int64
		started time.Time
	}
	seen, unmatched, sites := map[key]int{}, map[string]bool{}, map[int64]bool{}
	var problems []medsec.FieldError
	for _, r := range imp.Rows {
		p := byJob[assetio.Fold(r.Job)]
		if p == nil {
			res.Unmatched++
			if !unmatched[r.Job] {
				unmatched[r.Job], res.Jobs = true, append(res.Jobs, r.Job)
			}
			continue
		}
		k := key{p.ID, r.Started.Truncate(time.Microsecond)}
		if first, dup := seen[k]; dup {
			problems = append(problems, medsec.FieldError{Line: r.Line, Field: "started", Key: "err.duplicate_row", Value: r.Started.Format(time.RFC3339),
				Message: fmt.Sprintf("the same job and start are also on line %d", first)})
			continue
		}
		seen[k] = r.Line
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM backup_runs WHERE plan_id = ? AND started = ?`, p.ID, k.started).Scan(&n); err != nil {
			return res, fmt.Errorf("import backup results: line %d: %w", r.Line, err)
		}
		if n > 0 {
			res.Duplicate++
			continue
		}
		if _, err := tx.exec(ctx, `INSERT INTO backup_runs (plan_id, started, finished, status, bytes, source) VALUES (?, ?, ?, ?, ?, ?)`,
			p.ID, k.started, nullTime(r.Finished.Truncate(time.Microsecond)), r.Status, r.Bytes, imp.Source); err != nil {
			return res, fmt.Errorf("import backup results: line %d: %w", r.Line, err)
		}
		res.Recorded++
		sites[p.SiteID] = true
	}
	if len(problems) > 0 {
		return res, &medsec.ValidationError{Source: imp.Source, Errors: problems}
	}
	var site int64
	if len(sites) == 1 {
		for id := range sites {
			site = id
		}
	}
	if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionBackupRunImport, ObjectType: "backup_runs", SiteID: site,
		Detail: truncateDetail(fmt.Sprintf("%s: %d recorded, %d already recorded, %d of jobs no plan names", imp.Source, res.Recorded, res.Duplicate, res.Unmatched))}); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// FindBackupRuns implements medsec.BackupService.
func (s *BackupService) FindBackupRuns(ctx context.Context, planID int64, limit int) ([]medsec.BackupRun, error) {
	sc, err := authorize(ctx, medsec.PermBackupRead)
	if err != nil {
		return nil, err
	}
	if _, err := s.plan(ctx, s.db.read, sc, planID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > medsec.MaxPageSize {
		limit = 100
	}
	return s.queryRuns(ctx, s.db.read, `SELECT `+runColumns+` FROM backup_runs r WHERE r.plan_id = ? ORDER BY r.started DESC, r.id DESC LIMIT ?`, planID, limit)
}

// RecordRestoreTest implements medsec.BackupService.
func (s *BackupService) RecordRestoreTest(ctx context.Context, t *medsec.RestoreTest) error {
	sc, err := authorize(ctx, medsec.PermBackupWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	p, err := s.plan(ctx, tx, sc, t.PlanID)
	if err != nil {
		return err
	}
	if err := t.Validate(tx.now); err != nil {
		return err
	}
	id, err := tx.insert(ctx, `INSERT INTO restore_tests (plan_id, tested_at, what, target, duration_minutes, hash_match, result, evidence, notes, recorded_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, t.TestedAt.UTC().Truncate(time.Microsecond), t.What, t.Target, t.DurationMinutes, string(t.HashMatch), t.Result,
		t.Evidence, t.Notes, sc.user.Username, tx.now)
	if err != nil {
		return fmt.Errorf("record restore test: %w", err)
	}
	got, err := s.queryTests(ctx, tx, `WHERE t.id = ?`, id)
	if err != nil || len(got) != 1 {
		return fmt.Errorf("record restore test: %d rows: %w", len(got), err)
	}
	if err := tx.auditChange(ctx, medsec.ActionRestoreTestRecord, "restore_test", id, p.SiteID, nil, got[0]); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record restore test: %w", err)
	}
	*t = got[0]
	return nil
}

// FindRestoreTests implements medsec.BackupService.
func (s *BackupService) FindRestoreTests(ctx context.Context, f medsec.BackupPlanFilter) ([]medsec.RestoreTest, error) {
	sc, err := authorize(ctx, medsec.PermBackupRead)
	if err != nil {
		return nil, err
	}
	where, args := planWhere(sc, f)
	return s.queryTests(ctx, s.db.read, where+` ORDER BY t.tested_at DESC, t.id DESC`, args...)
}

// BackupFindings implements medsec.BackupService.
func (s *BackupService) BackupFindings(ctx context.Context, f medsec.BackupPlanFilter) ([]medsec.BackupFinding, error) {
	sc, err := authorize(ctx, medsec.PermBackupRead)
	if err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	plans, err := s.findPlans(ctx, s.db.read, sc, f, now.Add(time.Hour))
	if err != nil {
		return nil, err
	}
	return planFindings(plans, now), nil
}

func planFindings(plans []*medsec.BackupPlan, now time.Time) []medsec.BackupFinding {
	out := []medsec.BackupFinding{}
	for _, p := range plans {
		out = append(out, backup.Findings(p, now)...)
	}
	return out
}

// BackupRecord implements medsec.BackupService: the plans as they stand now — for a
// period that has ended, as they stood at its end (plansAt) —, each with its last job and
// test before the period's end, the findings at the end of the period (or now, when that
// is earlier), and the period's job results and restore tests.
func (s *BackupService) BackupRecord(ctx context.Context, f medsec.BackupRecordFilter) (*medsec.BackupRecord, error) {
	sc, err := authorize(ctx, medsec.PermBackupRead)
	if err != nil {
		return nil, err
	}
	if !f.To.After(f.From) {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "to", Key: "err.log_range", Message: "the end of the period must be after its start"}}}
	}
	from, to := f.From.UTC(), f.To.UTC()
	at := to
	if now := s.db.Now().UTC(); now.Before(at) {
		at = now
	}
	pf := medsec.BackupPlanFilter{SiteID: f.SiteID}
	var plans []*medsec.BackupPlan
	if at.Equal(to) {
		plans, err = s.plansAt(ctx, s.db.read, sc, pf, from, at)
	} else {
		plans, err = s.findPlans(ctx, s.db.read, sc, pf, at)
	}
	if err != nil {
		return nil, err
	}
	rec := &medsec.BackupRecord{From: from, To: to, Plans: plans, Findings: planFindings(plans, at), Runs: []medsec.BackupRun{}, Tests: []medsec.RestoreTest{}}
	if len(plans) == 0 {
		return rec, nil
	}
	ids := make([]any, len(plans))
	for i, p := range plans {
		ids[i] = p.ID
	}
	in := placeholders(len(ids))
	if rec.Runs, err = s.queryRuns(ctx, s.db.read, `SELECT `+runColumns+` FROM backup_runs r WHERE r.plan_id IN (`+in+`) AND r.started >= ? AND r.started < ?
		ORDER BY r.started, r.id`, append(ids, from, to)...); err != nil {
		return nil, err
	}
	if rec.Tests, err = s.queryTests(ctx, s.db.read, `WHERE t.plan_id IN (`+in+`) AND t.tested_at >= ? AND t.tested_at < ? ORDER BY t.tested_at, t.id`,
		append(ids, from, to)...); err != nil {
		return nil, err
	}
	byID := map[int64]*medsec.BackupPlan{}
	for _, p := range plans {
		byID[p.ID] = p
	}
	for i := range rec.Tests {
		testOfPlan(&rec.Tests[i], byID[rec.Tests[i].PlanID])
	}
	return rec, nil
}

// testOfPlan gives a restore test its plan's name, asset, asset name and site as the plan
// holds them: for a closed period, as they stood at its end (plansAt), not today's (bt16:
// a closed period's restore tests carried the asset's name and site of today while its
// plans were rewound).
func testOfPlan(t *medsec.RestoreTest, p *medsec.BackupPlan) {
	if p != nil {
		t.PlanName, t.AssetID, t.AssetName, t.SiteID, t.SystemID, t.SystemName = p.Name, p.AssetID, p.AssetName, p.SiteID, p.SystemID, p.SystemName
	}
}

// plansAt returns the plans of f within sc as they stood at at, the end of the period from
// to at that has ended, each with its last job and test before at (issue 16, bt16d #2: a
// closed period's record changed when an asset moved to another site). A plan created
// since is left out unless it has job results or restore tests dated in the period (last
// month's backup log imported with the plan entered today): it is then as first recorded,
// so the month's record and its year's agree (bt16e H2). One changed or deleted since is
// as its audit row's "before" says
// (backup_plan.create, .update, .delete hold the whole plan); its asset's site and name
// are the asset's at at (assetsAt), and the site filter and the caller's scope are
// judged on that site, as a closed period's asset list is (inUseAt).
func (s *BackupService) plansAt(ctx context.Context, q querier, sc scope, f medsec.BackupPlanFilter, from, at time.Time) ([]*medsec.BackupPlan, error) {
	plans, err := s.readPlans(ctx, q, scope{user: medsec.SystemUser}, medsec.BackupPlanFilter{AssetID: f.AssetID, SystemID: f.SystemID}, false)
	if err != nil {
		return nil, err
	}
	before, err := recordedBefore(ctx, q, s.db.dialect, "backup_plan",
		[]string{medsec.ActionBackupPlanCreate, medsec.ActionBackupPlanUpdate, medsec.ActionBackupPlanDelete}, at, 0)
	if err != nil {
		return nil, err
	}
	if err := s.keepBackdated(ctx, q, before, from, at); err != nil {
		return nil, err
	}
	// Every plan deleted since is added back (site 0 for all): its site is judged below.
	if plans, err = rewind(plans, before, func(p *medsec.BackupPlan) int64 { return p.ID }, func(*medsec.BackupPlan) int64 { return 0 }, 0); err != nil {
		return nil, err
	}
	if len(plans) == 0 {
		return plans, nil
	}
	ids, seen := []any{int64(0)}, map[int64]bool{}
	systems, err := s.systemsAt(ctx, q, plans, at)
	if err != nil {
		return nil, err
	}
	for _, p := range plans {
		if p.AssetID != 0 && !seen[p.AssetID] {
			seen[p.AssetID] = true
			ids = append(ids, p.AssetID)
		}
	}
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+assetColumns+assetFrom+` WHERE a.id IN (`+placeholders(len(ids))+`)`), ids...)
	if err != nil {
		return nil, fmt.Errorf("find backup plans: %w", err)
	}
	var assets []*medsec.Asset
	for rows.Next() {
		a, err := scanAsset(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find backup plans: %w", err)
		}
		assets = append(assets, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find backup plans: %w", err)
	}
	if assets, err = assetsAt(ctx, q, s.db.dialect, assets, at); err != nil {
		return nil, err
	}
	then := map[int64]*medsec.Asset{}
	for _, a := range assets {
		then[a.ID] = a
	}
	out := plans[:0]
	for _, p := range plans {
		// A plan rewound from the audit trail carries what was read when it was written.
		p.LastRun, p.LastSuccess, p.LastTest, p.Systems, p.MemberIDs = nil, time.Time{}, nil, nil, nil
		if p.SystemID != 0 {
			// A clinical system never changes site, and one with plans is not deleted:
			// its name is as it stood at at (systemsAt).
			c := systems[p.SystemID]
			if c == nil || sc.vendor() != 0 || !sc.seesSite(c.SiteID) || f.SiteID != 0 && c.SiteID != f.SiteID || f.AssetID != 0 ||
				f.SystemID != 0 && p.SystemID != f.SystemID {
				continue
			}
			p.SiteID, p.SystemName = c.SiteID, c.Name
			out = append(out, p)
			continue
		}
		a := then[p.AssetID]
		if a == nil || !sc.user.CanSeeAsset(a) || f.SiteID != 0 && a.SiteID != f.SiteID || f.AssetID != 0 && p.AssetID != f.AssetID || f.SystemID != 0 {
			continue
		}
		p.SiteID, p.AssetName = a.SiteID, a.Name
		out = append(out, p)
	}
	slices.SortFunc(out, func(x, y *medsec.BackupPlan) int {
		return cmp.Or(strings.Compare(x.Holder(), y.Holder()), cmp.Compare(x.AssetID, y.AssetID), cmp.Compare(x.SystemID, y.SystemID),
			strings.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
	})
	if err := s.fillLast(ctx, q, out, at); err != nil {
		return nil, err
	}
	// fillLast read the clinical systems as they stand: a closed period's plans have them
	// as they stood at at — a system's name, members and continuity targets, and the
	// systems each asset was a member of.
	sids := slices.Sorted(maps.Keys(systems))
	for _, p := range out {
		if p.SystemID != 0 {
			c := systems[p.SystemID]
			p.Systems, p.MemberIDs = []medsec.PlanSystem{planSystem(c)}, c.MemberIDs()
			slices.Sort(p.MemberIDs)
			continue
		}
		p.Systems = nil
		for _, id := range sids {
			if c := systems[id]; slices.Contains(c.MemberIDs(), p.AssetID) {
				p.Systems = append(p.Systems, planSystem(c))
			}
		}
		slices.SortFunc(p.Systems, func(x, y medsec.PlanSystem) int {
			return cmp.Or(strings.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
		})
	}
	return out, nil
}

// planSystem is a clinical system as a backup plan lists it.
func planSystem(c *medsec.ClinicalSystem) medsec.PlanSystem {
	return medsec.PlanSystem{ID: c.ID, Name: c.Name, RTOHours: c.RTOHours, RPOHours: c.RPOHours, Fallback: c.Fallback}
}

// systemsAt returns every clinical system, by ID, as it stood at at, with its members and
// continuity targets: one changed since as the "before" of its first audited change
// (system.create, .update, .members, .delete hold the whole system; the import writes
// them too), one deleted since added back. A system created since that a plan of plans
// names (a plan entered with last month's job log) is as it stands.
func (s *BackupService) systemsAt(ctx context.Context, q querier, plans []*medsec.BackupPlan, at time.Time) (map[int64]*medsec.ClinicalSystem, error) {
	all, err := (&ClinicalSystemService{db: s.db}).findSystems(ctx, q, scope{user: medsec.SystemUser}, medsec.ClinicalSystemFilter{})
	if err != nil {
		return nil, err
	}
	current := map[int64]*medsec.ClinicalSystem{}
	for _, c := range all {
		current[c.ID] = c
	}
	before, err := recordedBefore(ctx, q, s.db.dialect, "system",
		[]string{medsec.ActionSystemCreate, medsec.ActionSystemUpdate, medsec.ActionSystemMembers, medsec.ActionSystemDelete}, at, 0)
	if err != nil {
		return nil, err
	}
	then, err := rewind(all, before, func(c *medsec.ClinicalSystem) int64 { return c.ID }, func(*medsec.ClinicalSystem) int64 { return 0 }, 0)
	if err != nil {
		return nil, err
	}
	out := map[int64]*medsec.ClinicalSystem{}
	for _, c := range then {
		out[c.ID] = c
	}
	for _, p := range plans {
		if c := current[p.SystemID]; p.SystemID != 0 && out[p.SystemID] == nil && c != nil {
			out[p.SystemID] = c
		}
	}
	return out, nil
}

// keepBackdated gives each plan created at or after at (a nil "before") that has job
// results or restore tests dated from from to at its state as first recorded (the
// backup_plan.create row's "after"), so that rewind keeps it.
func (s *BackupService) keepBackdated(ctx context.Context, q querier, before map[int64][]byte, from, at time.Time) error {
	var created []any
	for id, b := range before {
		if b == nil {
			created = append(created, id)
		}
	}
	if len(created) == 0 {
		return nil
	}
	in := placeholders(len(created))
	args := append(append(append(append([]any{}, created...), from, at), created...), from, at)
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT a.object_id, a.after_json FROM audit_log a WHERE a.object_type = 'backup_plan' AND a.action = '`+
		medsec.ActionBackupPlanCreate+`' AND a.object_id IN (SELECT plan_id FROM backup_runs WHERE plan_id IN (`+in+`) AND started >= ? AND started < ?
		UNION SELECT plan_id FROM restore_tests WHERE plan_id IN (`+in+`) AND tested_at >= ? AND tested_at < ?)`), args...)
	if err != nil {
		return fmt.Errorf("read backup plan history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var after string
		if err := rows.Scan(&id, &after); err != nil {
			return fmt.Errorf("read backup plan history: %w", err)
		}
		if after != "" && after != "null" {
			before[id] = []byte(after)
		}
	}
	return rows.Err()
}

// backupChecks returns the backup check results of one asset (package backup's Checks
// over the findings of its plans and of the plans of the clinical systems it is a member
// of), for the compliance checks (runChecks).
func backupChecks(ctx context.Context, db *DB, a *medsec.Asset, now time.Time) ([]medsec.CheckResult, error) {
	s := &BackupService{db: db}
	plans, err := s.readPlans(ctx, db.read, scope{user: medsec.SystemUser}, medsec.BackupPlanFilter{AssetID: a.ID}, true)
	if err != nil {
		return nil, err
	}
	if err := s.fillLast(ctx, db.read, plans, now.Add(time.Hour)); err != nil {
		return nil, err
	}
	return backup.Checks(a.ID, plans, planFindings(plans, now), now), nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"medsec"
)

// GovernanceService implements medsec.GovernanceService on the governance_items,
// training_sessions and training_attendance tables.
type GovernanceService struct {
	db *DB
}

var _ medsec.GovernanceService = (*GovernanceService)(nil)

// NewGovernanceService returns the governance calendar and training service of db.
func NewGovernanceService(db *DB) *GovernanceService { return &GovernanceService{db: db} }

// EnsureGovernanceItems implements medsec.GovernanceService.
func (s *GovernanceService) EnsureGovernanceItems(ctx context.Context, now time.Time) (int, error) {
	sc, err := authorize(ctx, medsec.PermGovernanceWrite)
	if err != nil {
		return 0, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	cond, args := sc.siteCond("id")
	q := `SELECT id FROM sites`
	if cond != "" {
		q += " WHERE " + cond
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("governance calendar: %w", err)
	}
	var sites []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("governance calendar: %w", err)
		}
		sites = append(sites, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("governance calendar: %w", err)
	}
	chosen, err := siteCadences(ctx, tx, 0)
	if err != nil {
		return 0, err
	}
	day := medsec.DateOf(now)
	created := 0
	for _, site := range sites {
		for _, d := range medsec.Duties {
			if m := chosen[siteKind{site, d.Kind}]; m > 0 && !d.FromSeed {
				d.CadenceMonths = m
			}
			start, due := d.PeriodOf(day)
			res, err := tx.exec(ctx, `INSERT INTO governance_items (site_id, kind, period_start, due, created_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (site_id, kind, period_start, event_id) DO NOTHING`, site, string(d.Kind), start.String(), due.String(), tx.now)
			if err != nil {
				return 0, fmt.Errorf("governance calendar: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				created++
			}
		}
	}
	if created > 0 {
		if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionGovernanceEnsure, ObjectType: "governance_item",
			Detail: fmt.Sprintf("%d items of the periods holding %s", created, day)}); err != nil {
			return 0, err
		}
	}
	return created, tx.Commit()
}

const governanceColumns = `g.id, g.site_id, s.name, g.kind, g.period_start, g.due, g.done_on, g.done_by, g.record, g.evidence,
	g.event_id, COALESCE(e.system, ''), COALESCE(e.level, 0), COALESCE(c.months, 0),
	g.drill_id, COALESCE(cd.scenario, ''), COALESCE(cd.result, ''), COALESCE(cd.findings, '')
	FROM governance_items g JOIN sites s ON s.id = g.site_id LEFT JOIN mlps_events e ON e.id = g.event_id
	LEFT JOIN governance_cadences c ON c.site_id = g.site_id AND c.kind = g.kind
	LEFT JOIN continuity_drills cd ON cd.id = g.drill_id`

func scanGovernanceItem(scan func(...any) error, today medsec.Date) (*medsec.GovernanceItem, error) {
	it := &medsec.GovernanceItem{}
	var kind, start, due, done string
	var level, chosen int64
	if err := scan(&it.ID, &it.SiteID, &it.SiteName, &kind, &start, &due, &done, &it.DoneBy, &it.Record, &it.Evidence, &it.EventID, &it.System, &level, &chosen, &it.DrillID, &it.DrillScenario, &it.DrillResult, &it.DrillFindings); err != nil {
		return nil, err
	}
	it.Kind, it.Level = medsec.DutyKind(kind), int(level)
	if it.DrillID == 0 {
		it.DrillScenario, it.DrillResult, it.DrillFindings = "", "", ""
	}
	if d, ok := medsec.DutyOf(it.Kind); ok {
		it.Clause = d.Clause
		if d.Event == "" {
			it.CadenceMonths, it.CadenceBasis = cadenceOf(d, int(chosen))
		}
	}
	it.PeriodStart, _ = medsec.ParseDate(start)
	it.Due, _ = medsec.ParseDate(due)
	it.DoneOn, _ = medsec.ParseDate(done)
	it.State = it.StateOn(today)
	return it, nil
}

// FindGovernanceItems implements medsec.GovernanceService.
func (s *GovernanceService) FindGovernanceItems(ctx context.Context, f medsec.GovernanceFilter) ([]*medsec.GovernanceItem, error) {
	sc, err := authorize(ctx, medsec.PermGovernanceRead)
	if err != nil {
		return nil, err
	}
	where, args, err := sc.siteWhere("g.site_id", f.SiteID)
	if err != nil {
		return nil, err
	}
	if f.Kind != "" {
		where, args = where+" AND g.kind = ?", append(args, string(f.Kind))
	}
	if f.Year != 0 {
		where, args = where+" AND g.period_start >= ? AND g.period_start < ?", append(args, fmt.Sprintf("%04d-01-01", f.Year), fmt.Sprintf("%04d-01-01", f.Year+1))
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+governanceColumns+` WHERE `+where+` ORDER BY g.due, g.kind, s.name, g.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("governance items: %w", err)
	}
	defer rows.Close()
	today := medsec.DateOf(s.db.Now())
	out := []*medsec.GovernanceItem{}
	for rows.Next() {
		it, err := scanGovernanceItem(rows.Scan, today)
		if err != nil {
			return nil, fmt.Errorf("governance items: %w", err)
		}
		if f.State != "" && it.State != f.State {
			continue
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// CompleteGovernanceItem implements medsec.GovernanceService.
func (s *GovernanceService) CompleteGovernanceItem(ctx context.Context, id int64, c medsec.GovernanceCompletion) (*medsec.GovernanceItem, error) {
	sc, err := authorize(ctx, medsec.PermGovernanceWrite)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	today := medsec.DateOf(tx.now)
	before, err := scanGovernanceItem(tx.queryRow(ctx, `SELECT `+governanceColumns+` WHERE g.id = ?`, id).Scan, today)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.governance_item_not_found", "Governance item not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("governance item %d: %w", id, err)
	}
	if !sc.seesSite(before.SiteID) {
		return nil, medsec.NotInScope("Governance item not found.", "err.governance_item_not_found", fmt.Sprintf("governance item %d", id), before.SiteID)
	}
	if before.State == medsec.GovernanceDone {
		return nil, medsec.ErrorWithKey(medsec.ECONFLICT, "err.governance_done", "This duty is already recorded as done.")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.DoneOn.Time().After(tx.now) {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "done_on", Key: "err.date_in_future", Value: c.DoneOn.String(), Message: "is in the future"}}}
	}
	if _, err := tx.exec(ctx, `UPDATE governance_items SET done_on = ?, done_by = ?, record = ?, evidence = ? WHERE id = ?`,
		c.DoneOn.String(), sc.user.Username, c.Record, c.Evidence, id); err != nil {
		return nil, fmt.Errorf("governance item %d: %w", id, err)
	}
	after, err := scanGovernanceItem(tx.queryRow(ctx, `SELECT `+governanceColumns+` WHERE g.id = ?`, id).Scan, today)
	if err != nil {
		return nil, fmt.Errorf("governance item %d: %w", id, err)
	}
	if err := tx.auditChange(ctx, medsec.ActionGovernanceDone, "governance_item", id, after.SiteID, before, after); err != nil {
		return nil, err
	}
	return after, tx.Commit()
}

// ImportTraining implements medsec.GovernanceService.
func (s *GovernanceService) ImportTraining(ctx context.Context, imp medsec.TrainingImport) (medsec.TrainingImportResult, error) {
	var res medsec.TrainingImportResult
	sc, err := authorize(ctx, medsec.PermGovernanceWrite)
	if err != nil {
		return res, err
	}
	if imp.SiteID == 0 {
		return res, &medsec.ValidationError{Source: imp.Source, Errors: []medsec.FieldError{{Field: "site_id", Key: "err.required", Message: "is required"}}}
	}
	if !sc.seesSite(imp.SiteID) {
		return res, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", imp.SiteID), imp.SiteID)
	}
	if len(imp.Problems) > 0 {
		return res, &medsec.ValidationError{Source: imp.Source, Errors: imp.Problems}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE id = ?`, imp.SiteID).Scan(&n); err != nil {
		return res, fmt.Errorf("import training: %w", err)
	}
	if n == 0 {
		return res, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.site_not_found", "Site not found.")
	}
	byNo, byName := map[string]int64{}, map[string]int64{}
	rows, err := tx.query(ctx, `SELECT id, name, employee_no FROM people`)
	if err != nil {
		return res, fmt.Errorf("import training: %w", err)
	}
	for rows.Next() {
		var id int64
		var name, no string
		if err := rows.Scan(&id, &name, &no); err != nil {
			rows.Close()
			return res, fmt.Errorf("import training: %w", err)
		}
		byName[strings.ToLower(name)] = id
		if no != "" {
			byNo[strings.ToLower(no)] = id
		}
	}
	rows.Close()
	type sessionKey struct{ course, day string }
	type session struct {
		minutes  int64
		trainer  string
		evidence string
		line     int
		people   []int64
	}
	sessions := map[sessionKey]*session{}
	var order []sessionKey
	var problems []medsec.FieldError
	for _, r := range imp.Rows {
		var person int64
		var ok bool
		switch {
		case r.EmployeeNo != "":
			if person, ok = byNo[strings.ToLower(r.EmployeeNo)]; !ok {
				problems = append(problems, medsec.FieldError{Line: r.Line, Field: "employee_no", Key: "err.unknown_person", Value: r.EmployeeNo, Message: "no person of the roster has this employee number"})
				continue
			}
		default:
			if person, ok = byName[strings.ToLower(r.Name)]; !ok {
				problems = append(problems, medsec.FieldError{Line: r.Line, Field: "name", Key: "err.unknown_person", Value: r.Name, Message: "no person of the roster has this name"})
				continue
			}
		}
		k := sessionKey{r.Course, r.Date.String()}
		minutes := int64(math.Round(r.Hours * 60))
		ss, seen := sessions[k]
		if !seen {
			ss = &session{minutes: minutes, trainer: r.Trainer, evidence: r.Evidence, line: r.Line}
			sessions[k] = ss
			order = append(order, k)
		} else if ss.minutes != minutes {
			problems = append(problems, medsec.FieldError{Line: r.Line, Field: "hours", Key: "err.training_hours_differ", Value: fmt.Sprint(r.Hours),
				Message: fmt.Sprintf("the same course on the same day has other hours on line %d", ss.line)})
			continue
		}
		ss.people = append(ss.people, person)
	}
	if len(problems) > 0 {
		return res, &medsec.ValidationError{Source: imp.Source, Errors: problems}
	}
	for _, k := range order {
		ss := sessions[k]
		var id, minutes int64
		err := tx.queryRow(ctx, `SELECT id, minutes FROM training_sessions WHERE site_id = ? AND course = ? AND day = ?`, imp.SiteID, k.course, k.day).Scan(&id, &minutes)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if id, err = tx.insert(ctx, `INSERT INTO training_sessions (site_id, course, day, minutes, trainer, evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				imp.SiteID, k.course, k.day, ss.minutes, ss.trainer, ss.evidence, tx.now); err != nil {
				return res, fmt.Errorf("import training: %w", err)
			}
			res.Sessions++
		case err != nil:
			return res, fmt.Errorf("import training: %w", err)
		case minutes != ss.minutes:
			return res, &medsec.ValidationError{Source: imp.Source, Errors: []medsec.FieldError{{Line: ss.line, Field: "hours", Key: "err.training_hours_differ", Value: fmt.Sprint(float64(ss.minutes) / 60),
				Message: fmt.Sprintf("this session is recorded with %g hours", float64(minutes)/60)}}}
		}
		for _, p := range ss.people {
			r, err := tx.exec(ctx, `INSERT INTO training_attendance (session_id, person_id) VALUES (?, ?) ON CONFLICT (session_id, person_id) DO NOTHING`, id, p)
			if err != nil {
				return res, fmt.Errorf("import training: %w", err)
			}
			if n, _ := r.RowsAffected(); n > 0 {
				res.Attendances++
			} else {
				res.Unchanged++
			}
		}
	}
	if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionTrainingImport, ObjectType: "training_session", SiteID: imp.SiteID,
		Detail: fmt.Sprintf("%s: %d sessions, %d attendances, %d unchanged", imp.Source, res.Sessions, res.Attendances, res.Unchanged)}); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// FindTrainingSessions implements medsec.GovernanceService.
func (s *GovernanceService) FindTrainingSessions(ctx context.Context, siteID int64, year int) ([]*medsec.TrainingSession, error) {
	sc, err := authorize(ctx, medsec.PermGovernanceRead)
	if err != nil {
		return nil, err
	}
	where, args, err := sc.siteWhere("t.site_id", siteID)
	if err != nil {
		return nil, err
	}
	if year != 0 {
		where, args = where+" AND t.day >= ? AND t.day < ?", append(args, fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1))
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT t.id, t.site_id, t.course, t.day, t.minutes, t.trainer, t.evidence FROM training_sessions t WHERE `+where+` ORDER BY t.day DESC, t.id DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("training sessions: %w", err)
	}
	out := []*medsec.TrainingSession{}
	byID := map[int64]*medsec.TrainingSession{}
	for rows.Next() {
		t := &medsec.TrainingSession{Attendees: []medsec.TrainingAttendee{}}
		var day string
		var minutes int64
		if err := rows.Scan(&t.ID, &t.SiteID, &t.Course, &day, &minutes, &t.Trainer, &t.Evidence); err != nil {
			rows.Close()
			return nil, fmt.Errorf("training sessions: %w", err)
		}
		t.Date, _ = medsec.ParseDate(day)
		t.Hours = float64(minutes) / 60
		out, byID[t.ID] = append(out, t), t
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	arows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT a.session_id, p.id, p.name, p.employee_no FROM training_attendance a JOIN people p ON p.id = a.person_id
		JOIN training_sessions t ON t.id = a.session_id WHERE `+where+` ORDER BY p.name`), args...)
	if err != nil {
		return nil, fmt.Errorf("training sessions: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var sid int64
		var a medsec.TrainingAttendee
		if err := arows.Scan(&sid, &a.PersonID, &a.Name, &a.EmployeeNo); err != nil {
			return nil, fmt.Errorf("training sessions: %w", err)
		}
		if t := byID[sid]; t != nil {
			t.Attendees = append(t.Attendees, a)
		}
	}
	return out, arows.Err()
}

// TrainingHoursOf implements medsec.GovernanceService. Only sessions at the caller's sites
// count; a person of another site who attended one is listed with those hours.
func (s *GovernanceService) TrainingHoursOf(ctx context.Context, siteID int64, year int) ([]medsec.TrainingHours, error) {
	sc, err := authorize(ctx, medsec.PermGovernanceRead)
	if err != nil {
		return nil, err
	}
	sessWhere, sessArgs, err := sc.siteWhere("t.site_id", siteID)
	if err != nil {
		return nil, err
	}
	from, to := fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1)
	minutes := map[int64]int64{}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT a.person_id, SUM(t.minutes) FROM training_attendance a JOIN training_sessions t ON t.id = a.session_id
		WHERE `+sessWhere+` AND t.day >= ? AND t.day < ? GROUP BY a.person_id`), append(sessArgs, from, to)...)
	if err != nil {
		return nil, fmt.Errorf("training hours: %w", err)
	}
	for rows.Next() {
		var p, m int64
		if err := rows.Scan(&p, &m); err != nil {
			rows.Close()
			return nil, fmt.Errorf("training hours: %w", err)
		}
		minutes[p] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("training hours: %w", err)
	}
	// The people of the scope: by department at a site of the scope (or the site asked
	// for); people of no department only for a caller of every site.
	peopleWhere, peopleArgs, err := sc.siteWhere("d.site_id", siteID)
	if err != nil {
		return nil, err
	}
	cond := "p.department_id IN (SELECT d.id FROM departments d WHERE " + peopleWhere + ")"
	if siteID == 0 && len(sc.user.SiteIDs) == 0 {
		cond = "1 = 1"
	}
	prows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT p.id, p.name, p.employee_no, p.key_role, p.joined, p.status FROM people p WHERE `+cond+` ORDER BY p.name`), peopleArgs...)
	if err != nil {
		return nil, fmt.Errorf("training hours: %w", err)
	}
	defer prows.Close()
	var out []medsec.TrainingHours
	listed := map[int64]bool{}
	add := func(id int64, name, no string, key int64, joined, status string) {
		j, _ := medsec.ParseDate(joined)
		h := medsec.TrainingHours{PersonID: id, Name: name, EmployeeNo: no, KeyRole: key != 0, Year: year, Hours: float64(minutes[id]) / 60}
		h.NewStaff = !j.IsZero() && j.Time().Year() == year
		if status != string(medsec.PersonLeft) {
			h.Required = medsec.RequiredTrainingHours(h.KeyRole, j, year)
		}
		if h.Required > 0 {
			h.Clause = medsec.TrainingClause
		}
		h.Short = math.Max(0, h.Required-h.Hours)
		out, listed[id] = append(out, h), true
	}
	for prows.Next() {
		var id, key int64
		var name, no, joined, status string
		if err := prows.Scan(&id, &name, &no, &key, &joined, &status); err != nil {
			return nil, fmt.Errorf("training hours: %w", err)
		}
		add(id, name, no, key, joined, status)
	}
	if err := prows.Err(); err != nil {
		return nil, fmt.Errorf("training hours: %w", err)
	}
	for id := range minutes {
		if listed[id] {
			continue
		}
		var key int64
		var name, no, joined, status string
		if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT name, employee_no, key_role, joined, status FROM people WHERE id = ?`), id).Scan(&name, &no, &key, &joined, &status); err != nil {
			return nil, fmt.Errorf("training hours: %w", err)
		}
		add(id, name, no, key, joined, status)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// SetKeyRole implements medsec.GovernanceService.
func (s *GovernanceService) SetKeyRole(ctx context.Context, personID int64, keyRole bool) error {
	sc, err := authorize(ctx, medsec.PermGovernanceWrite)
	if err != nil {
		return err
	}
	if err := sc.writesShared(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var before int64
	var name string
	err = tx.queryRow(ctx, `SELECT name, key_role FROM people WHERE id = ?`, personID).Scan(&name, &before)
	if errors.Is(err, sql.ErrNoRows) {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.person_not_found", "Person not found.")
	}
	if err != nil {
		return fmt.Errorf("key role: %w", err)
	}
	v := int64(0)
	if keyRole {
		v = 1
	}
	if v == before {
		return tx.Commit()
	}
	if _, err := tx.exec(ctx, `UPDATE people SET key_role = ? WHERE id = ?`, v, personID); err != nil {
		return fmt.Errorf("key role: %w", err)
	}
	type state struct {
		Name    string `json:"name"`
		KeyRole bool   `json:"key_role"`
	}
	if err := tx.auditChange(ctx, medsec.ActionTrainingKeyRole, "person", personID, 0, state{name, before != 0}, state{name, keyRole}); err != nil {
		return err
	}
	return tx.Commit()
}

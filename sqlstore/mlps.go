package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"medsec"
	"medsec/incident"
)

var _ medsec.MLPSService = (*GovernanceService)(nil)

const mlpsColumns = `e.id, e.site_id, s.name, e.system, e.kind, e.level, e.people, e.day, e.note, e.recorded_by
	FROM mlps_events e JOIN sites s ON s.id = e.site_id`

func scanMLPSEvent(scan func(...any) error) (*medsec.MLPSEvent, error) {
	e := &medsec.MLPSEvent{Items: []*medsec.GovernanceItem{}}
	var kind, day string
	var level int64
	if err := scan(&e.ID, &e.SiteID, &e.SiteName, &e.System, &kind, &level, &e.People, &day, &e.Note, &e.RecordedBy); err != nil {
		return nil, err
	}
	e.Kind, e.Level = medsec.MLPSEventKind(kind), int(level)
	e.On, _ = medsec.ParseDate(day)
	return e, nil
}

// FindMLPSEvents implements medsec.MLPSService.
func (s *GovernanceService) FindMLPSEvents(ctx context.Context, siteID int64) ([]*medsec.MLPSEvent, error) {
	sc, err := authorize(ctx, medsec.PermGovernanceRead)
	if err != nil {
		return nil, err
	}
	where, args, err := sc.siteWhere("e.site_id", siteID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+mlpsColumns+` WHERE `+where+` ORDER BY e.day DESC, e.id DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("mlps events: %w", err)
	}
	out := []*medsec.MLPSEvent{}
	byID := map[int64]*medsec.MLPSEvent{}
	for rows.Next() {
		e, err := scanMLPSEvent(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("mlps events: %w", err)
		}
		out = append(out, e)
		byID[e.ID] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mlps events: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	where, args, _ = sc.siteWhere("g.site_id", siteID)
	items, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+governanceColumns+` WHERE `+where+` AND g.event_id <> 0 ORDER BY g.due, g.kind`), args...)
	if err != nil {
		return nil, fmt.Errorf("mlps events: %w", err)
	}
	defer items.Close()
	today := medsec.DateOf(s.db.Now())
	for items.Next() {
		it, err := scanGovernanceItem(items.Scan, today)
		if err != nil {
			return nil, fmt.Errorf("mlps events: %w", err)
		}
		if e := byID[it.EventID]; e != nil {
			e.Items = append(e.Items, it)
		}
	}
	return out, items.Err()
}

// mlpsDue returns the day n working days after day on the calendar: the day itself never
// counts [002 第六条(二): 10个工作日内].
func mlpsDue(cal *incident.Calendar, day medsec.Date, n int) medsec.Date {
	t := day.Time()
	noon := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, cal.Loc)
	return medsec.DateOf(cal.AddWorkingDays(noon, n).In(cal.Loc))
}

// RecordMLPSEvent implements medsec.MLPSService.
func (s *GovernanceService) RecordMLPSEvent(ctx context.Context, e *medsec.MLPSEvent) error {
	sc, err := authorize(ctx, medsec.PermGovernanceWrite)
	if err != nil {
		return err
	}
	if e.SiteID != 0 && !sc.seesSite(e.SiteID) {
		return medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", e.SiteID), e.SiteID)
	}
	if err := e.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE id = ?`, e.SiteID).Scan(&n); err != nil {
		return fmt.Errorf("mlps event: %w", err)
	}
	if n == 0 {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.site_not_found", "Site not found.")
	}
	j, err := jurisdictionOf(ctx, tx, tx.db.dialect, e.SiteID)
	if err != nil {
		return err
	}
	if j != medsec.JurisdictionCN {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "site_id", Key: "err.mlps_not_cn", Value: string(j),
			Message: "is not in mainland China: graded protection (等保) applies to networks there [002 第三条]"}}}
	}
	cal, err := calendar(ctx, tx, tx.db.dialect, j)
	if err != nil {
		return err
	}
	// The site's own days: "today" and the working days are the site's dates.
	cal = cal.In(siteLocation(ctx, tx, e.SiteID, j))
	if e.On.Time().After(medsec.DateOf(tx.now.In(cal.Loc)).Time()) {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "on", Key: "err.date_in_future", Value: e.On.String(), Message: "is in the future"}}}
	}
	// The system's level now: its latest event's, -1 when it was never graded here.
	prior := -1
	err = tx.queryRow(ctx, `SELECT level FROM mlps_events WHERE site_id = ? AND system = ? ORDER BY day DESC, id DESC LIMIT 1`, e.SiteID, e.System).Scan(&prior)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("mlps event: %w", err)
	}
	switch {
	case e.Kind == medsec.MLPSGrading && prior > 0:
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "system", Key: "err.mlps_already_graded", Value: e.System,
			Message: fmt.Sprintf("is already graded at level %d; record a change instead", prior)}}}
	case e.Kind == medsec.MLPSChange && prior < 0:
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "system", Key: "err.mlps_not_graded", Value: e.System,
			Message: "has no grading recorded at this site; record its grading first"}}}
	case e.Kind == medsec.MLPSChange && prior == 0:
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "system", Key: "err.mlps_withdrawn", Value: e.System,
			Message: "was withdrawn; record a new grading instead"}}}
	}
	e.RecordedBy = sc.user.Username
	if e.ID, err = tx.insert(ctx, `INSERT INTO mlps_events (site_id, system, kind, level, people, day, note, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.SiteID, e.System, string(e.Kind), e.Level, e.People, e.On.String(), e.Note, e.RecordedBy, tx.now); err != nil {
		return fmt.Errorf("mlps event: %w", err)
	}
	type owed struct {
		kind medsec.DutyKind
		due  medsec.Date
	}
	var items []owed
	switch e.Kind {
	case medsec.MLPSGrading:
		// Filing from level 2 [002 第六条(二): 第二级以上网络]; the first assessment by level.
		if e.Level >= 2 {
			items = append(items, owed{medsec.DutyMLPSFiling, mlpsDue(cal, e.On, medsec.MLPSFilingWorkingDays)})
		}
		if m := medsec.MLPSAssessmentMonths(e.Level, e.People); m > 0 {
			items = append(items, owed{medsec.DutyMLPSAssessment, medsec.DateOf(e.On.Time().AddDate(0, m, 0))})
		}
	case medsec.MLPSChange:
		// The filing with the original authority is changed or withdrawn when the system
		// was or becomes one that is filed (level 2 or above).
		if prior >= 2 || e.Level >= 2 {
			items = append(items, owed{medsec.DutyMLPSRefiling, mlpsDue(cal, e.On, medsec.MLPSFilingWorkingDays)})
		}
	}
	for _, o := range items {
		id, err := tx.insert(ctx, `INSERT INTO governance_items (site_id, kind, period_start, due, created_at, event_id) VALUES (?, ?, ?, ?, ?, ?)`,
			e.SiteID, string(o.kind), e.On.String(), o.due.String(), tx.now, e.ID)
		if err != nil {
			return fmt.Errorf("mlps event: %w", err)
		}
		it, err := scanGovernanceItem(tx.queryRow(ctx, `SELECT `+governanceColumns+` WHERE g.id = ?`, id).Scan, medsec.DateOf(tx.now))
		if err != nil {
			return fmt.Errorf("mlps event: %w", err)
		}
		e.Items = append(e.Items, it)
	}
	if e.Items == nil {
		e.Items = []*medsec.GovernanceItem{}
	}
	var site string
	if err := tx.queryRow(ctx, `SELECT name FROM sites WHERE id = ?`, e.SiteID).Scan(&site); err != nil {
		return fmt.Errorf("mlps event: %w", err)
	}
	e.SiteName = site
	if err := tx.auditChange(ctx, medsec.ActionMLPSRecord, "mlps_event", e.ID, e.SiteID, nil, e); err != nil {
		return err
	}
	return tx.Commit()
}

package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/logstore"
)

// LogAlertService implements medsec.LogAlertService on the log_alerts,
// log_alert_thresholds and log_seal_verifications tables.
type LogAlertService struct{ db *DB }

var _ medsec.LogAlertService = (*LogAlertService)(nil)

// NewLogAlertService returns the log alert service of db.
func NewLogAlertService(db *DB) *LogAlertService { return &LogAlertService{db: db} }

const logAlertColumns = `id, kind, subject, site_id, source_id, message_key, args_json, raised_at, last_seen_at, resolved_at`

func scanLogAlert(scan func(...any) error) (*medsec.LogAlert, error) {
	var a medsec.LogAlert
	var args string
	var resolved sql.NullTime
	if err := scan(&a.ID, &a.Kind, &a.Subject, &a.SiteID, &a.SourceID, &a.Key, &args, &a.RaisedAt, &a.LastSeen, &resolved); err != nil {
		return nil, err
	}
	a.RaisedAt, a.LastSeen = a.RaisedAt.UTC(), a.LastSeen.UTC()
	if resolved.Valid {
		a.ResolvedAt = resolved.Time.UTC()
	}
	a.Active = !resolved.Valid
	if err := fromJSON(args, &a.Args); err != nil {
		return nil, err
	}
	if a.Args == nil {
		a.Args = []string{}
	}
	return &a, nil
}

// FindLogAlerts implements medsec.LogAlertService.
func (s *LogAlertService) FindLogAlerts(ctx context.Context, f medsec.LogAlertFilter) ([]*medsec.LogAlert, error) {
	sc, err := authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	where, args := "1 = 1", []any{}
	if len(sc.user.SiteIDs) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(sc.user.SiteIDs)), ", ")
		where = "site_id IN (0, " + ph + ")"
		for _, id := range sc.user.SiteIDs {
			args = append(args, id)
		}
	}
	if f.SiteID != 0 {
		if !sc.seesSite(f.SiteID) {
			return nil, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", f.SiteID), f.SiteID)
		}
		where, args = where+" AND site_id IN (0, ?)", append(args, f.SiteID)
	}
	if f.Active {
		where += " AND resolved_at IS NULL"
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+logAlertColumns+` FROM log_alerts WHERE `+where+
		fmt.Sprintf(` ORDER BY raised_at DESC, id DESC LIMIT %d`, limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("log alerts: %w", err)
	}
	defer rows.Close()
	out := []*medsec.LogAlert{}
	for rows.Next() {
		a, err := scanLogAlert(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("log alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SyncLogAlerts implements medsec.LogAlertService.
func (s *LogAlertService) SyncLogAlerts(ctx context.Context, now time.Time, kinds []medsec.NotificationKind, conds []medsec.LogAlertCondition) (raised, resolved []*medsec.LogAlert, err error) {
	sc, err := authorize(ctx, medsec.PermLogAdmin)
	if err != nil {
		return nil, nil, err
	}
	if err := sc.writesShared(); err != nil {
		return nil, nil, err
	}
	for _, c := range conds {
		if !slices.Contains(kinds, c.Kind) || c.Subject == "" || c.Key == "" {
			return nil, nil, fmt.Errorf("log alerts: condition %q of kind %q outside the kinds checked or without subject or key", c.Subject, c.Kind)
		}
	}
	now = now.UTC()
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")
	kargs := make([]any, len(kinds))
	for i, k := range kinds {
		kargs[i] = string(k)
	}
	rows, err := tx.query(ctx, `SELECT `+logAlertColumns+` FROM log_alerts WHERE resolved_at IS NULL AND kind IN (`+ph+`)`, kargs...)
	if err != nil {
		return nil, nil, fmt.Errorf("log alerts: %w", err)
	}
	open := map[string]*medsec.LogAlert{}
	for rows.Next() {
		a, err := scanLogAlert(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("log alerts: %w", err)
		}
		open[string(a.Kind)+"\x00"+a.Subject] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, c := range conds {
		key := string(c.Kind) + "\x00" + c.Subject
		if seen[key] {
			continue
		}
		seen[key] = true
		if c.Args == nil {
			c.Args = []string{}
		}
		if a := open[key]; a != nil {
			if _, err := tx.exec(ctx, `UPDATE log_alerts SET last_seen_at = ?, message_key = ?, args_json = ?, site_id = ?, source_id = ? WHERE id = ?`,
				now, c.Key, toJSON(c.Args), c.SiteID, c.SourceID, a.ID); err != nil {
				return nil, nil, fmt.Errorf("log alert %d: %w", a.ID, err)
			}
			continue
		}
		id, err := tx.insert(ctx, `INSERT INTO log_alerts (kind, subject, site_id, source_id, message_key, args_json, raised_at, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, string(c.Kind), c.Subject, c.SiteID, c.SourceID, c.Key, toJSON(c.Args), now, now)
		if err != nil {
			return nil, nil, fmt.Errorf("log alert %s: %w", c.Subject, err)
		}
		a := &medsec.LogAlert{ID: id, LogAlertCondition: c, RaisedAt: now, LastSeen: now, Active: true}
		if err := tx.auditChange(ctx, medsec.ActionLogAlertRaise, "log_alert", id, c.SiteID, nil, a); err != nil {
			return nil, nil, err
		}
		raised = append(raised, a)
	}
	for key, a := range open {
		if seen[key] {
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE log_alerts SET resolved_at = ? WHERE id = ?`, now, a.ID); err != nil {
			return nil, nil, fmt.Errorf("log alert %d: %w", a.ID, err)
		}
		after := *a
		after.ResolvedAt, after.Active = now, false
		if err := tx.auditChange(ctx, medsec.ActionLogAlertResolve, "log_alert", a.ID, a.SiteID, a, &after); err != nil {
			return nil, nil, err
		}
		resolved = append(resolved, &after)
	}
	slices.SortFunc(resolved, func(a, b *medsec.LogAlert) int { return int(a.ID - b.ID) })
	return raised, resolved, tx.Commit()
}

// LogAlertThresholds implements medsec.LogAlertService.
func (s *LogAlertService) LogAlertThresholds(ctx context.Context) ([]medsec.LogAlertThreshold, error) {
	if _, err := authorize(ctx, medsec.PermLogRead); err != nil {
		return nil, err
	}
	return logAlertThresholds(ctx, s.db.read, s.db.dialect)
}

func logAlertThresholds(ctx context.Context, q querier, d dialect) ([]medsec.LogAlertThreshold, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT class, silent_after, max_skew FROM log_alert_thresholds`))
	if err != nil {
		return nil, fmt.Errorf("log alert thresholds: %w", err)
	}
	defer rows.Close()
	set := map[string]medsec.LogAlertThreshold{}
	for rows.Next() {
		var t medsec.LogAlertThreshold
		if err := rows.Scan(&t.Class, &t.SilentAfter, &t.MaxSkew); err != nil {
			return nil, fmt.Errorf("log alert thresholds: %w", err)
		}
		set[t.Class] = t
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]medsec.LogAlertThreshold, len(medsec.LogSourceClasses))
	for i, c := range medsec.LogSourceClasses {
		out[i] = medsec.DefaultLogAlertThreshold(c)
		if t, ok := set[c]; ok {
			out[i] = t
		}
	}
	return out, nil
}

// SetLogAlertThreshold implements medsec.LogAlertService.
func (s *LogAlertService) SetLogAlertThreshold(ctx context.Context, t medsec.LogAlertThreshold) error {
	sc, err := authorize(ctx, medsec.PermLogAdmin)
	if err != nil {
		return err
	}
	if err := sc.writesShared(); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	all, err := logAlertThresholds(ctx, tx, s.db.dialect)
	if err != nil {
		return err
	}
	before := all[slices.Index(medsec.LogSourceClasses, t.Class)]
	if _, err := tx.exec(ctx, `DELETE FROM log_alert_thresholds WHERE class = ?`, t.Class); err != nil {
		return fmt.Errorf("log alert threshold: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO log_alert_thresholds (class, silent_after, max_skew, updated_at) VALUES (?, ?, ?, ?)`,
		t.Class, t.SilentAfter, t.MaxSkew, tx.now); err != nil {
		return fmt.Errorf("log alert threshold: %w", err)
	}
	if err := tx.auditChange(ctx, medsec.ActionLogAlertThreshold, "log_alert_threshold", 0, 0, before, t); err != nil {
		return err
	}
	return tx.Commit()
}

// LogVerifications implements medsec.LogAlertService.
func (s *LogAlertService) LogVerifications(ctx context.Context) ([]medsec.LogVerification, error) {
	sc, err := authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	return latestVerifications(ctx, s.db.read, s.db.dialect, sc)
}

func latestVerifications(ctx context.Context, q querier, d dialect, sc scope) ([]medsec.LogVerification, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT v.site_id, v.at, v.user_id, v.checked, v.problems, v.first_kind, v.first_index
		FROM log_seal_verifications v WHERE v.id = (SELECT MAX(w.id) FROM log_seal_verifications w WHERE w.site_id = v.site_id) ORDER BY v.site_id`))
	if err != nil {
		return nil, fmt.Errorf("log verifications: %w", err)
	}
	defer rows.Close()
	out := []medsec.LogVerification{}
	for rows.Next() {
		var v medsec.LogVerification
		if err := rows.Scan(&v.SiteID, &v.At, &v.UserID, &v.Checked, &v.Problems, &v.FirstKind, &v.FirstIndex); err != nil {
			return nil, fmt.Errorf("log verifications: %w", err)
		}
		v.At = v.At.UTC()
		if sc.seesSite(v.SiteID) {
			out = append(out, v)
		}
	}
	return out, rows.Err()
}

// recordVerification stores the result of a verification per site it covered.
func (s *LogService) recordVerification(ctx context.Context, u *medsec.User, rep *logstore.Report) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, sr := range rep.Sites {
		var n int
		var first *logstore.Problem
		for i := range rep.Problems {
			if rep.Problems[i].Site == sr.Site {
				if first == nil {
					first = &rep.Problems[i]
				}
				n++
			}
		}
		kind, idx := "", int64(0)
		if first != nil {
			kind, idx = first.Kind, first.Index
		}
		if _, err := tx.exec(ctx, `INSERT INTO log_seal_verifications (site_id, at, user_id, checked, problems, first_kind, first_index) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			sr.Site, tx.now, u.ID, sr.Checked, n, kind, idx); err != nil {
			return fmt.Errorf("log verification: %w", err)
		}
	}
	return tx.Commit()
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"medsec"
)

var _ medsec.SuppressionService = (*DetectionService)(nil)

func suppressionNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Suppression not found.", Key: "suppression.err.not_found"}
}

const suppressionColumns = `x.id, x.rule_id, r.rule_uid, r.title, x.site_id, COALESCE(s.name, ''), x.host, x.user_name, x.source, x.reason,
	x.expires_at, COALESCE(x.created_by, 0), COALESCE(NULLIF(u.display_name, ''), u.username, ''), x.created_at, x.suppressed, x.last_suppressed_at`

const suppressionFrom = ` FROM detection_suppressions x JOIN detection_rules r ON r.id = x.rule_id
	LEFT JOIN sites s ON s.id = x.site_id LEFT JOIN users u ON u.id = x.created_by`

func scanSuppression(scan func(...any) error, now time.Time) (*medsec.Suppression, error) {
	var x medsec.Suppression
	var expires, last sql.NullTime
	if err := scan(&x.ID, &x.RuleID, &x.RuleUID, &x.RuleTitle, &x.SiteID, &x.SiteName, &x.Host, &x.User, &x.Source, &x.Reason,
		&expires, &x.CreatedBy, &x.CreatedByName, &x.CreatedAt, &x.Suppressed, &last); err != nil {
		return nil, err
	}
	x.CreatedAt = x.CreatedAt.UTC()
	if expires.Valid {
		x.ExpiresAt = expires.Time.UTC()
	}
	if last.Valid {
		x.LastSuppressedAt = last.Time.UTC()
	}
	x.Expired = !x.ActiveAt(now)
	return &x, nil
}

// FindSuppressions lists the suppressions of the caller's sites (the organisation's for
// a user not limited to sites), those still applying first, newest first.
func (s *DetectionService) FindSuppressions(ctx context.Context, f medsec.SuppressionFilter) ([]*medsec.Suppression, error) {
	sc, err := authorize(ctx, medsec.PermRuleRead)
	if err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	var where []string
	var args []any
	if f.RuleID != 0 {
		where, args = append(where, "x.rule_id = ?"), append(args, f.RuleID)
	}
	switch {
	case f.SiteID != 0 || !f.AnySite:
		if !sc.seesSite(f.SiteID) || f.SiteID == 0 && !sc.seesUnattached() {
			return nil, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", f.SiteID), f.SiteID)
		}
		where, args = append(where, "x.site_id = ?"), append(args, f.SiteID)
	case !sc.seesUnattached():
		cond, cargs := sc.siteCond("x.site_id")
		if cond == "" {
			cond = "x.site_id <> 0"
		}
		where, args = append(where, cond), append(args, cargs...)
	}
	if f.Active {
		where, args = append(where, "(x.expires_at IS NULL OR x.expires_at > ?)"), append(args, now)
	}
	if !f.ActiveFrom.IsZero() {
		where, args = append(where, "(x.expires_at IS NULL OR x.expires_at > ?)"), append(args, f.ActiveFrom.UTC())
	}
	q := `SELECT ` + suppressionColumns + suppressionFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY CASE WHEN x.expires_at IS NULL OR x.expires_at > ? THEN 0 ELSE 1 END, x.id DESC`
	args = append(args, now)
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("find suppressions: %w", err)
	}
	defer rows.Close()
	out := []*medsec.Suppression{}
	for rows.Next() {
		x, err := scanSuppression(rows.Scan, now)
		if err != nil {
			return nil, fmt.Errorf("find suppressions: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// FindSuppressionByID returns one suppression of the caller's scope.
func (s *DetectionService) FindSuppressionByID(ctx context.Context, id int64) (*medsec.Suppression, error) {
	sc, err := authorize(ctx, medsec.PermRuleRead)
	if err != nil {
		return nil, err
	}
	return findSuppression(ctx, s.db.read, s.db.dialect, sc, id, s.db.Now().UTC())
}

func findSuppression(ctx context.Context, q querier, d dialect, sc scope, id int64, now time.Time) (*medsec.Suppression, error) {
	x, err := scanSuppression(q.QueryRowContext(ctx, d.rebind(`SELECT `+suppressionColumns+suppressionFrom+` WHERE x.id = ?`), id).Scan, now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, suppressionNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("find suppression %d: %w", id, err)
	}
	if !sc.seesSite(x.SiteID) || x.SiteID == 0 && !sc.seesUnattached() {
		return nil, medsec.NotInScope("Suppression not found.", "suppression.err.not_found", fmt.Sprintf("suppression %d", id), x.SiteID)
	}
	return x, nil
}

// CreateSuppression stores a suppression of a rule at a site of the caller's scope.
func (s *DetectionService) CreateSuppression(ctx context.Context, x *medsec.Suppression) error {
	sc, err := authorize(ctx, medsec.PermRuleAdmin)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := x.Validate(tx.now); err != nil {
		return err
	}
	if !sc.seesSite(x.SiteID) || x.SiteID == 0 && !sc.seesUnattached() {
		return medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", x.SiteID), x.SiteID)
	}
	if err := tx.queryRow(ctx, `SELECT rule_uid, title FROM detection_rules WHERE id = ?`, x.RuleID).Scan(&x.RuleUID, &x.RuleTitle); errors.Is(err, sql.ErrNoRows) {
		return ruleNotFound()
	} else if err != nil {
		return fmt.Errorf("create suppression: %w", err)
	}
	if x.SiteID != 0 {
		if err := tx.queryRow(ctx, `SELECT name FROM sites WHERE id = ?`, x.SiteID).Scan(&x.SiteName); errors.Is(err, sql.ErrNoRows) {
			return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Site not found.", Key: "err.site_not_found"}
		} else if err != nil {
			return fmt.Errorf("create suppression: %w", err)
		}
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM detection_suppressions WHERE expires_at IS NULL OR expires_at > ?`, tx.now).Scan(&n); err != nil {
		return fmt.Errorf("create suppression: %w", err)
	}
	if n >= medsec.MaxSuppressions {
		return &medsec.Error{Code: medsec.EINVALID, Key: "suppression.err.too_many", Message: fmt.Sprintf("At most %d suppressions may apply at once; expire one first.", medsec.MaxSuppressions)}
	}
	u := medsec.UserFromContext(ctx)
	x.CreatedBy, x.CreatedAt, x.Suppressed, x.LastSuppressedAt, x.Expired = u.ID, tx.now, 0, time.Time{}, false
	x.CreatedByName = u.Username
	x.ID, err = tx.insert(ctx, `INSERT INTO detection_suppressions (rule_id, site_id, host, user_name, source, reason, expires_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, x.RuleID, x.SiteID, x.Host, x.User, x.Source, x.Reason, nullTime(x.ExpiresAt), nullID(x.CreatedBy), tx.now)
	if err != nil {
		return fmt.Errorf("create suppression: %w", referenceError(err))
	}
	if err := tx.auditChange(ctx, "suppression.create", "detection_suppression", x.ID, x.SiteID, nil, x); err != nil {
		return err
	}
	return tx.Commit()
}

// ExpireSuppression ends a suppression of the caller's scope now.
func (s *DetectionService) ExpireSuppression(ctx context.Context, id int64) error {
	sc, err := authorize(ctx, medsec.PermRuleAdmin)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := findSuppression(ctx, tx, s.db.dialect, sc, id, tx.now)
	if err != nil {
		return err
	}
	if before.Expired {
		return &medsec.Error{Code: medsec.EINVALID, Key: "suppression.err.expired", Message: "The suppression has already expired."}
	}
	if _, err := tx.exec(ctx, `UPDATE detection_suppressions SET expires_at = ? WHERE id = ?`, tx.now, id); err != nil {
		return fmt.Errorf("expire suppression: %w", err)
	}
	after := *before
	after.ExpiresAt, after.Expired = tx.now, true
	if err := tx.auditChange(ctx, "suppression.expire", "detection_suppression", id, before.SiteID, before, after); err != nil {
		return err
	}
	return tx.Commit()
}

// AddSuppressionHits counts findings a suppression silenced. Statistics: not audited.
func (s *DetectionService) AddSuppressionHits(ctx context.Context, id int64, n int64, at time.Time) error {
	if _, err := authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `UPDATE detection_suppressions SET suppressed = suppressed + ?,
		last_suppressed_at = CASE WHEN last_suppressed_at IS NULL OR last_suppressed_at < ? THEN ? ELSE last_suppressed_at END WHERE id = ?`,
		n, at.UTC(), at.UTC(), id)
	if err != nil {
		return fmt.Errorf("suppression hits: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return suppressionNotFound()
	}
	return tx.Commit()
}

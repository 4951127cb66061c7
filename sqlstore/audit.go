package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"medsec"
)

// AuditService reads medsec's audit trail and records events that are not changes.
type AuditService struct{ db *DB }

// NewAuditService returns the audit service of db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

// AuditListValueMax is the largest before or after value, in characters, that
// FindAuditEntries returns; a larger one is left out and the entry marked Truncated, so that
// a page of the trail stays small however large one change was. FindAuditEntry returns
// the whole entry.
const AuditListValueMax = 8192

// FindAuditEntries returns entries newest first. Needs PermAuditRead; a user limited to
// sites sees the entries of those sites and the entries with no site. Limit must be
// 1-medsec.MaxPageSize (0 means 100). Before and after values longer than
// AuditListValueMax characters are left out and the entry marked Truncated.
func (s *AuditService) FindAuditEntries(ctx context.Context, f medsec.AuditFilter) ([]*medsec.AuditEntry, int, error) {
	u, err := medsec.Authorize(ctx, medsec.PermAuditRead)
	if err != nil {
		return nil, 0, err
	}
	limit, err := medsec.PageLimit(f.Limit, 100)
	if err != nil {
		return nil, 0, err
	}
	cond, args := auditWhere(u, f)
	d := s.db.dialect
	var total int
	if err := s.db.read.QueryRowContext(ctx, d.rebind("SELECT COUNT(*) FROM audit_log"+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit entries: %w", err)
	}
	// The long values are not even read: LENGTH decides, and only short values are fetched.
	short := func(col string) string {
		return fmt.Sprintf("CASE WHEN LENGTH(%[1]s) > %[2]d THEN '' ELSE %[1]s END, LENGTH(%[1]s) > %[2]d", col, AuditListValueMax)
	}
	rows, err := s.db.read.QueryContext(ctx, d.rebind(`SELECT id, at, COALESCE(user_id, 0), username, action, object_type, object_id, site_id, `+
		short("before_json")+`, `+short("after_json")+`, remote_addr, detail
		FROM audit_log`+cond+` ORDER BY id DESC LIMIT ? OFFSET ?`), append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find audit entries: %w", err)
	}
	defer rows.Close()
	var entries []*medsec.AuditEntry
	for rows.Next() {
		var e medsec.AuditEntry
		var before, after string
		var longBefore, longAfter bool
		if err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.Username, &e.Action, &e.ObjectType, &e.ObjectID, &e.SiteID,
			&before, &longBefore, &after, &longAfter, &e.RemoteAddr, &e.Detail); err != nil {
			return nil, 0, fmt.Errorf("find audit entries: %w", err)
		}
		setAuditValues(&e, before, after)
		e.Truncated = longBefore || longAfter
		entries = append(entries, &e)
	}
	return entries, total, rows.Err()
}

// FindAuditEntry returns one whole entry, or ENOTFOUND if there is none the caller may
// read. Needs PermAuditRead.
func (s *AuditService) FindAuditEntry(ctx context.Context, id int64) (*medsec.AuditEntry, error) {
	u, err := medsec.Authorize(ctx, medsec.PermAuditRead)
	if err != nil {
		return nil, err
	}
	var found *medsec.AuditEntry
	err = s.eachAuditEntry(ctx, u, medsec.AuditFilter{}, id, func(e *medsec.AuditEntry) error { found = e; return nil })
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.audit_entry_not_found", "Audit entry not found.")
	}
	return found, nil
}

// EachAuditEntry calls fn with every entry the filter selects, newest first, whole
// (Offset and Limit are ignored), reading them as it goes so that memory does not grow
// with the trail. It stops at fn's first error and returns it. Needs PermAuditRead.
func (s *AuditService) EachAuditEntry(ctx context.Context, f medsec.AuditFilter, fn func(*medsec.AuditEntry) error) error {
	u, err := medsec.Authorize(ctx, medsec.PermAuditRead)
	if err != nil {
		return err
	}
	return s.eachAuditEntry(ctx, u, f, 0, fn)
}

// eachAuditEntry reads the entries of f (only entry id if id != 0) in one query.
func (s *AuditService) eachAuditEntry(ctx context.Context, u *medsec.User, f medsec.AuditFilter, id int64, fn func(*medsec.AuditEntry) error) error {
	cond, args := auditWhere(u, f)
	if id != 0 {
		if cond == "" {
			cond = " WHERE id = ?"
		} else {
			cond += " AND id = ?"
		}
		args = append(args, id)
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT id, at, COALESCE(user_id, 0), username, action, object_type, object_id, site_id, before_json, after_json, remote_addr, detail
		FROM audit_log`+cond+` ORDER BY id DESC`), args...)
	if err != nil {
		return fmt.Errorf("read audit entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e medsec.AuditEntry
		var before, after string
		if err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.Username, &e.Action, &e.ObjectType, &e.ObjectID, &e.SiteID, &before, &after, &e.RemoteAddr, &e.Detail); err != nil {
			return fmt.Errorf("read audit entries: %w", err)
		}
		setAuditValues(&e, before, after)
		if err := fn(&e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit entries: %w", err)
	}
	return nil
}

func setAuditValues(e *medsec.AuditEntry, before, after string) {
	e.At = e.At.UTC()
	if before != "" {
		e.Before = json.RawMessage(before)
	}
	if after != "" {
		e.After = json.RawMessage(after)
	}
}

// auditWhere builds the WHERE clause of a filter, always limited to what u may read.
func auditWhere(u *medsec.User, f medsec.AuditFilter) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where = append(where, cond); args = append(args, arg) }
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Username != "" {
		add("username = ?", f.Username)
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != 0 {
		add("object_id = ?", f.ObjectID)
	}
	if f.AssetID != 0 {
		where = append(where, "((object_type = 'asset' AND object_id = ?) OR (object_type = 'assessment' AND object_id IN (SELECT id FROM assessments WHERE asset_id = ?)))")
		args = append(args, f.AssetID, f.AssetID)
	}
	if !f.Since.IsZero() {
		add("at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add("at < ?", f.Until.UTC())
	}
	if len(u.SiteIDs) > 0 {
		// Group-wide entries (site 0) are everyone's but evidence uploads: a file belongs
		// to no site until an assessment or incident cites it, and its name and hash tell
		// of that site, so a site-scoped reader sees only the uploads they made.
		where = append(where, "(site_id IN ("+placeholders(len(u.SiteIDs))+") OR (site_id = 0 AND (object_type <> 'evidence' OR user_id = ?)))")
		for _, id := range u.SiteIDs {
			args = append(args, id)
		}
		args = append(args, u.ID)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// RecordEvent appends an event that is not part of a change, such as a permission denial.
func (s *AuditService) RecordEvent(ctx context.Context, e *medsec.AuditEntry) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.audit(ctx, e); err != nil {
		return err
	}
	return tx.Commit()
}

// audit appends e in the transaction, filling time, user and address from tx and ctx.
func (tx *Tx) audit(ctx context.Context, e *medsec.AuditEntry) error {
	e.At = tx.now
	if u := medsec.UserFromContext(ctx); u != nil && e.Username == "" {
		e.UserID, e.Username = u.ID, u.Username
	}
	if e.Username == "" {
		e.Username = "system"
	}
	if e.RemoteAddr == "" {
		e.RemoteAddr = medsec.RemoteAddrFromContext(ctx)
	}
	var userID any
	if e.UserID != 0 {
		userID = e.UserID
	}
	id, err := tx.insert(ctx, `INSERT INTO audit_log (at, user_id, username, action, object_type, object_id, site_id, before_json, after_json, remote_addr, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.At, userID, e.Username, e.Action, e.ObjectType, e.ObjectID, e.SiteID, string(e.Before), string(e.After), e.RemoteAddr, e.Detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	e.ID = id
	return nil
}

// auditChange appends a change of an object, with its state before and after as JSON.
func (tx *Tx) auditChange(ctx context.Context, action, objectType string, objectID, siteID int64, before, after any) error {
	e := &medsec.AuditEntry{Action: action, ObjectType: objectType, ObjectID: objectID, SiteID: siteID}
	var err error
	if before != nil {
		if e.Before, err = json.Marshal(before); err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
	}
	if after != nil {
		if e.After, err = json.Marshal(after); err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
	}
	return tx.audit(ctx, e)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// nullTime maps the zero time to NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// nullID maps the zero id to NULL, for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullText is NULL for the empty string, else the string (a nullable unique key).
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// commitChange ends a change of one record the way every change of the store ends: it reads
// the record back (read), writes the audit row of action with the record before (nil for a
// creation) and after, at the record's site (site), and commits, naming what in a failed
// commit. It returns the record as stored.
func commitChange[T any](ctx context.Context, tx *Tx, what, action, objectType string, id int64, before any, read func() (*T, error), site func(*T) int64) (*T, error) {
	after, err := read()
	if err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, action, objectType, id, site(after), before, after); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return after, nil
}

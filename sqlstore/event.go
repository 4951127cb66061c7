package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"medsec"
)

// emit stores one of medsec's own events in the transaction (the events table is the
// outbox of the event stream) and queues it for publication when the transaction
// commits. A stored event with the same key is kept as it is: emitting is idempotent.
func (tx *Tx) emit(ctx context.Context, e medsec.Event) error {
	if e.Time.IsZero() {
		e.Time = tx.now
	}
	e.Time = e.Time.UTC()
	if e.ID == "" {
		e.ID = e.Ref.Key()
	}
	if err := e.Validate(); err != nil {
		return fmt.Errorf("emit event %s: %w", e.ID, err)
	}
	fields, err := json.Marshal(e.Fields)
	if err != nil {
		return fmt.Errorf("emit event %s: %w", e.ID, err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO events (event_key, at, site_id, asset_id, dataset, action, ref_type, ref_id, fields_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING`,
		e.ID, e.Time, e.SiteID, e.AssetID, e.Text("event.dataset"), e.Text("event.action"), e.Ref.Type, e.Ref.ID, string(fields)); err != nil {
		return fmt.Errorf("emit event %s: %w", e.ID, err)
	}
	tx.events = append(tx.events, e)
	return nil
}

// Commit commits the transaction and then publishes the events it emitted to the
// store's event stream, if one is set: within PublishWait, else through the outbox queue
// in the background, never giving up on them (see outbox).
func (tx *Tx) Commit() error {
	if err := tx.Tx.Commit(); err != nil {
		return err
	}
	if tx.changes {
		tx.db.changes.n.Add(1)
	}
	if len(tx.events) > 0 && tx.db.Events != nil {
		tx.db.publish(tx.events)
	}
	tx.events = nil
	return nil
}

// EventService reads medsec's own stored events (medsec.EventStore).
type EventService struct {
	db *DB
}

// NewEventService returns the event store of db.
func NewEventService(db *DB) *EventService { return &EventService{db: db} }

var _ medsec.EventStore = (*EventService)(nil)

func eventWhere(f medsec.EventFilter) (string, []any) {
	var where []string
	var args []any
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, f.Since.UTC())
	}
	if !f.Until.IsZero() {
		where, args = append(where, "at < ?"), append(args, f.Until.UTC())
	}
	if f.SiteID != 0 {
		where, args = append(where, "site_id = ?"), append(args, f.SiteID)
	}
	if f.Dataset != "" {
		where, args = append(where, "dataset = ?"), append(args, f.Dataset)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// FindEvents returns a page of stored events of the caller's sites, oldest first, and the
// total count. Needs PermInventoryRead; a vendor user sees the events of its company's
// assets only. EINVALID for a bad limit.
func (s *EventService) FindEvents(ctx context.Context, f medsec.EventFilter) ([]*medsec.Event, int, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, 0, err
	}
	limit, err := medsec.PageLimit(f.Limit, 100)
	if err != nil {
		return nil, 0, err
	}
	where, args := eventWhere(f)
	if cond, cargs := sc.siteCond("site_id"); cond != "" {
		where, args = andWhere(where, cond), append(args, cargs...)
	}
	if v := sc.vendor(); v != 0 {
		where, args = andWhere(where, "asset_id IN (SELECT id FROM assets WHERE vendor_id = ?)"), append(args, v)
	}
	var total int
	if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT COUNT(*) FROM events`+where), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("find events: %w", err)
	}
	var out []*medsec.Event
	err = s.each(ctx, where+fmt.Sprintf(" ORDER BY at, id LIMIT %d OFFSET %d", limit, max(f.Offset, 0)), args, func(e *medsec.Event) error {
		out = append(out, e)
		return nil
	})
	return out, total, err
}

// EachEvent calls fn with every stored event the filter selects, oldest first, as the
// system: it serves the detection service (rule tests and retro-hunts), which applies the
// caller's scope to what it reports.
func (s *EventService) EachEvent(ctx context.Context, f medsec.EventFilter, fn func(*medsec.Event) error) error {
	where, args := eventWhere(f)
	return s.each(ctx, where+" ORDER BY at, id", args, fn)
}

// AppendEvents stores and publishes events from outside medsec's services, in one
// transaction.
func (s *EventService) AppendEvents(ctx context.Context, events ...medsec.Event) error {
	if _, err := authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return err
	}
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return err
		}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, e := range events {
		if err := tx.emit(ctx, e); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *EventService) each(ctx context.Context, tail string, args []any, fn func(*medsec.Event) error) error {
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT id, event_key, at, site_id, asset_id, ref_type, ref_id, fields_json FROM events`+tail), args...)
	if err != nil {
		return fmt.Errorf("find events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows.Scan)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanEvent(scan func(...any) error) (*medsec.Event, error) {
	var e medsec.Event
	var id int64
	var fields string
	if err := scan(&id, &e.ID, &e.Time, &e.SiteID, &e.AssetID, &e.Ref.Type, &e.Ref.ID, &fields); err != nil {
		return nil, fmt.Errorf("find events: %w", err)
	}
	e.Time = e.Time.UTC()
	if e.Ref.Type == "" {
		e.Ref = medsec.EventRef{Type: medsec.EventRefEvent, ID: id}
	}
	var err error
	if e.Fields, err = medsec.DecodeEventFields([]byte(fields)); err != nil {
		return nil, fmt.Errorf("find events: event %d: %w", id, err)
	}
	return &e, nil
}

func andWhere(where, cond string) string {
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

// authEvent is the event of a login to medsec, from its audit row [003 §3.2.1: many
// failed logins in a short time; 004: emergency-account use].
func authEvent(e *medsec.AuditEntry) medsec.Event {
	ev := medsec.Event{Time: e.At, Ref: medsec.EventRef{Type: medsec.EventRefAudit, ID: e.ID}}
	ev.ID = ev.Ref.Key()
	outcome, action := "success", medsec.EventLoginSucceeded
	if e.Action == medsec.ActionLoginFailed {
		outcome, action = "failure", medsec.EventLoginFailed
	}
	ev.Set("event.kind", "event").Set("event.category", []string{"authentication"}).Set("event.type", []string{"start"}).
		Set("event.action", action).Set("event.outcome", outcome).Set("event.dataset", medsec.DatasetAuth).
		Set("event.provider", "medsec").Set("user.name", e.Username)
	if e.UserID != 0 {
		ev.Set("user.id", fmt.Sprint(e.UserID))
	}
	if e.RemoteAddr != "" {
		ev.Set("source.ip", e.RemoteAddr)
	}
	if e.Detail != "" {
		ev.Set("event.reason", e.Detail)
	}
	return ev
}

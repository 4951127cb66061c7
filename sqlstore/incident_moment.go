package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"medsec"
	"medsec/incident"
)

// moment is one of an incident's moments a person sets or corrects after the incident
// was opened — when it occurred (SetOccurrence), when its systems were restored
// (SetRestored) — and the clocks that count from it.
type moment struct {
	// action is the change's kind (timeline, audit "incident."+action); field the input
	// (occurred_at); column the incidents column that keeps it.
	action, field, column string
	// closedKey and closedMsg refuse a person who is not a security officer on a closed
	// incident, whose record [003 §3.3.3] only the security officer amends.
	closedKey, closedMsg string
	// bound refuses a time on the wrong side of the detection (det, the detection in
	// the site's zone), nil when at is right.
	bound func(at, detected time.Time, det string) *medsec.FieldError
	// move moves the clocks that count from the moment to at; it returns how many moved.
	move func(ctx context.Context, tx *Tx, r incidentRow, at time.Time) (int, error)
	// timeline is the timeline message's key: its arguments the time in the site's zone
	// and how many clocks moved.
	timeline string
	// was is the moment as recorded before (zero when not known).
	was func(r incidentRow) time.Time
}

// location is the time zone of the incident's site as its page shows times: the site's
// own, else its current jurisdiction's (Incident.TimeZone); UTC if that will not load.
// Every message of an incident names its times in it.
func (r incidentRow) location() *time.Location {
	if loc, err := medsec.LoadZone("time_zone", r.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// zoned is t as the incident's messages name a time: in its site's zone, naming it
// ("2026-11-30 14:05 (Asia/Taipei)"), never raw UTC.
func (r incidentRow) zoned(t time.Time) string { return medsec.ZonedTime(t, r.location().String()) }

// setMoment sets or corrects moment m of incident id to at with note (required): the time
// is checked (required, not in the future, m.bound), every problem said at once, the
// clocks that count from it moved in the same transaction, each change on the timeline
// and in the audit row with the time before.
func (s *IncidentService) setMoment(ctx context.Context, id, version int64, at time.Time, note string, m moment) (*medsec.Incident, error) {
	at = at.UTC().Truncate(time.Microsecond)
	return s.change(ctx, id, version, m.action, false, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		if r.Status != medsec.IncidentOpen && !incident.CanWaive(u) {
			return entry{}, &medsec.Error{Code: medsec.EFORBIDDEN, Key: m.closedKey, Message: m.closedMsg}
		}
		var atErr error
		switch {
		case at.IsZero():
			atErr = invalid(m.field, "err.required", "is required")
		case at.After(tx.now.Add(clockSkew)):
			atErr = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: m.field, Key: "incident.err.time_future", Message: "is in the future", Value: r.zoned(at)}}}
		default:
			if fe := m.bound(at, r.DetectedAt, r.zoned(r.DetectedAt)); fe != nil {
				fe.Field, fe.Value = m.field, r.zoned(at)
				atErr = &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
			}
		}
		// Every problem at once: the time's and the note's.
		if err := problems(atErr, checkText("note", note, true, medsec.MaxTextLength)); err != nil {
			return entry{}, err
		}
		moved, err := m.move(ctx, tx, r, at)
		if err != nil {
			return entry{}, fmt.Errorf("%s: %w", m.action, err)
		}
		if _, err := tx.exec(ctx, `UPDATE incidents SET `+m.column+` = ? WHERE id = ?`, at, id); err != nil {
			return entry{}, fmt.Errorf("%s: %w", m.action, err)
		}
		before := map[string]any{m.column: nullTime(m.was(r))}
		msg := medsec.Msg(m.timeline, medsec.ArgText(r.zoned(at)), num(moved))
		return entry{msg: msg, text: strings.TrimSpace(note), before: before}, nil
	})
}

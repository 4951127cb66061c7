package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/incident"
)

// moment is one of an incident's moments a person sets or corrects after the incident
// was opened — when it occurred (SetOccurrence), when its systems were restored
// (SetRestored) — and the clocks that count from it.
type moment struct {
	// action is the change's kind (timeline, audit "incident."+action); column the
	// incidents column that keeps it, and the input that sets it (occurred_at).
	action, column string
	// closedKey and closedMsg refuse a person who is not a security officer on a closed
	// incident, whose record [003 §3.3.3] only the security officer amends.
	closedKey, closedMsg string
	// timeline is the timeline message's key: its arguments the time in the site's zone
	// and how many clocks started or moved.
	timeline string
	// bound refuses a time on the wrong side of the detection (det, the detection in
	// the site's zone), nil when at is right.
	bound func(at, detected time.Time, det string) *medsec.FieldError
	// from are the bases of the clocks that count from the moment; they count from it
	// as basis once it is set.
	from  []string
	basis string
	// start, when set, is where and as what basis a clock counts from the moment set to
	// at for incident r (nil: from at, as basis).
	start func(at time.Time, r incidentRow) (time.Time, string)
	// due is the due time of clock c counting from at (zero for none); skip leaves the
	// clock as it is.
	due func(c *medsec.Clock, at time.Time) (due time.Time, skip bool)
	// countMet: the timeline counts the met or stopped clocks moved too; else only those
	// that run from the moment.
	countMet bool
	// was is the moment as recorded before (zero when not known).
	was func(r incidentRow) time.Time
	// spans: the termination checklist's spans of calm count from the moment, so those
	// ticked before their end as it now falls are reopened (reopenSpans).
	spans bool
}

// move moves the clocks that count from the moment m to at, in the same transaction; it
// returns how many the timeline counts (moment.countMet).
func (m moment) move(ctx context.Context, tx *Tx, r incidentRow, at time.Time) (int, error) {
	moved := 0
	for _, c := range r.Clocks {
		if !slices.Contains(m.from, c.Basis) {
			continue
		}
		start, basis := at, m.basis
		if m.start != nil {
			start, basis = m.start(at, r)
		}
		due, skip := m.due(c, start)
		if skip {
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE incident_clocks SET start_at = ?, basis = ?, due_at = ? WHERE id = ?`,
			start, basis, nullTime(due), c.ID); err != nil {
			return 0, err
		}
		if m.countMet || (c.MetAt.IsZero() && c.StoppedAt.IsZero()) {
			moved++
		}
	}
	return moved, nil
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
			atErr = invalid(m.column, "err.required", "is required")
		case at.After(tx.now.Add(clockSkew)):
			atErr = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: m.column, Key: "incident.err.time_future", Message: "is in the future", Value: r.zoned(at)}}}
		default:
			if fe := m.bound(at, r.DetectedAt, r.zoned(r.DetectedAt)); fe != nil {
				fe.Field, fe.Value = m.column, r.zoned(at)
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
		if m.spans && r.Status == medsec.IncidentOpen && !r.Drill {
			if err := reopenSpans(ctx, tx, r, at); err != nil {
				return entry{}, fmt.Errorf("%s: %w", m.action, err)
			}
		}
		before := map[string]any{m.column: nullTime(m.was(r))}
		if m.spans {
			// The restoration gives the outage its length: the level is suggested again
			// from it, no longer "outage not restored" (bt14f M1).
			before["suggested_level"], before["level_reasons"] = r.SuggestedLevel, r.LevelReasons
			r.RestoredAt = at
			level, reasons, err := resuggest(ctx, tx, r, r.Exposure)
			if err != nil {
				return entry{}, fmt.Errorf("%s: %w", m.action, err)
			}
			text, err := jsonText(reasons)
			if err != nil {
				return entry{}, err
			}
			if _, err := tx.exec(ctx, `UPDATE incidents SET suggested_level = ?, level_reasons = ? WHERE id = ?`, int(level), text, id); err != nil {
				return entry{}, fmt.Errorf("%s: %w", m.action, err)
			}
		}
		msg := medsec.Msg(m.timeline, medsec.ArgText(r.zoned(at)), num(moved))
		return entry{msg: msg, text: strings.TrimSpace(note), before: before}, nil
	})
}

// SetOccurrence sets or corrects the time the incident occurred and moves the clocks that
// count from it (or from the detection for want of it), each keeping its span
// (IncidentService.SetOccurrence), as ImportHolidays moves the working-day clocks: in the
// same transaction, each move on the timeline and in the audit row.
func (s *IncidentService) SetOccurrence(ctx context.Context, id, version int64, at time.Time, note string) (*medsec.Incident, error) {
	return s.setMoment(ctx, id, version, at, note, occurrence)
}

// occurrence is when the incident occurred (SetOccurrence).
var occurrence = moment{action: "occurrence", column: "occurred_at", timeline: "incident.tl.occurrence_set",
	closedKey: "incident.err.occurrence_closed", closedMsg: "Only a security officer may correct when a closed incident occurred.",
	bound: func(at, detected time.Time, det string) *medsec.FieldError {
		if at.Before(medsec.MinIncidentTime) {
			return &medsec.FieldError{Key: "incident.err.time_too_old",
				Message: "is before 2000-01-01: an incident's times are from 2000 on (a year such as 1970 is a missing or mistyped date)"}
		}
		if at.After(detected) {
			return &medsec.FieldError{Key: "incident.err.occurred_after_detected",
				Message: "is after the incident was detected (" + det + ")", Args: []string{det}}
		}
		return nil
	},
	from: []string{medsec.BasisOccurred, medsec.BasisDetectedNoOccurrence, medsec.BasisDetectedAfterOccurrence}, basis: medsec.BasisOccurred, countMet: true,
	start: func(at time.Time, r incidentRow) (time.Time, string) {
		// An occurrence before the detection: the duty counts from the detection, no
		// duty falling due before the hospital knew (medsec.BasisDetectedAfterOccurrence).
		if at.Before(r.DetectedAt) {
			return r.DetectedAt, medsec.BasisDetectedAfterOccurrence
		}
		return at, medsec.BasisOccurred
	},
	due: func(c *medsec.Clock, at time.Time) (time.Time, bool) {
		if c.Due.IsZero() {
			return time.Time{}, false // no due time yet: it starts from at, still without one
		}
		return at.Add(c.Due.Sub(c.Start)), false
	},
	was: func(r incidentRow) time.Time { return r.OccurredAt },
}

// SetRestored records or corrects when the affected systems were restored
// (IncidentService.SetRestored): the task clocks that count from the restoration
// (技術工作組在系統恢復後…高危漏洞需在24小時內完成補丁更新，中危漏洞48小時內修復, 003 §4.3.4)
// start, or move, in the same transaction, each due its task's time after it
// (RestoredTaskMinutes); the timeline and the audit row say so. A clock already met keeps
// its met time: met before at, it was met early (Clock.MetEarly), never late, and the
// timeline does not count it among the clocks started.
func (s *IncidentService) SetRestored(ctx context.Context, id, version int64, at time.Time, note string) (*medsec.Incident, error) {
	return s.setMoment(ctx, id, version, at, note, restoration)
}

// restoration is when the affected systems were restored (SetRestored).
var restoration = moment{action: "restored", column: "restored_at", timeline: "incident.tl.restored_set",
	closedKey: "incident.err.restored_closed", closedMsg: "Only a security officer may correct when a closed incident's systems were restored.",
	bound: func(at, detected time.Time, det string) *medsec.FieldError {
		if at.Before(detected) {
			return &medsec.FieldError{Key: "incident.err.restored_before_detected",
				Message: "is before the incident was detected (" + det + ")", Args: []string{det}}
		}
		return nil
	},
	from: []string{medsec.BasisAwaitingRestored, medsec.BasisRestored}, basis: medsec.BasisRestored,
	due: func(c *medsec.Clock, at time.Time) (time.Time, bool) {
		minutes := incident.RestoredTaskMinutes(c.Key)
		return at.Add(time.Duration(minutes) * time.Minute), minutes <= 0
	},
	was:   func(r incidentRow) time.Time { return r.RestoredAt },
	spans: true,
}

// reopenSpans clears the spans of calm of open incident r ticked (not waived) before they
// could be met with the systems restored at restored [003 §4.4.1, §4.4.3: counted from
// the restoration], and says so on the timeline: a restoration corrected to a later time
// must not leave "stable 24 h" ticked minutes after it (bt14d), and they are met again
// only once their span has passed (incident.CheckMeetItem).
func reopenSpans(ctx context.Context, tx *Tx, r incidentRow, restored time.Time) error {
	var reopened []string
	for _, it := range r.Checklist {
		if !it.Done() || it.Waived || incident.CheckMeetItem(it.Key, r.DetectedAt, restored, r.Outage, it.MetAt, r.location()) == nil {
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE incident_checklist SET met_at = NULL, met_by = '', note = '' WHERE incident_id = ? AND key = ?`, r.ID, it.Key); err != nil {
			return err
		}
		reopened = append(reopened, "incident.check."+it.Key)
	}
	if len(reopened) == 0 {
		return nil
	}
	return timeline(ctx, tx, r.ID, "checklist.reopened", entry{msg: medsec.Msg("incident.tl.items_reopened", medsec.MessageArg{Keys: reopened})})
}

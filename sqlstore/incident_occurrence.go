package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"medsec"
	"medsec/incident"
)

// SetOccurrence sets or corrects the time the incident occurred and moves the clocks that
// count from it (IncidentService.SetOccurrence), as ImportHolidays moves the working-day
// clocks: in the same transaction, each move on the timeline and in the audit row.
func (s *IncidentService) SetOccurrence(ctx context.Context, id, version int64, at time.Time, note string) (*medsec.Incident, error) {
	at = at.UTC().Truncate(time.Microsecond)
	return s.change(ctx, id, version, "occurrence", false, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		// A closed incident's ledger line [003 §3.3.3] is amended only by the security
		// officer, as its record is.
		if r.Status != medsec.IncidentOpen && !incident.CanWaive(u) {
			return entry{}, &medsec.Error{Code: medsec.EFORBIDDEN, Key: "incident.err.occurrence_closed",
				Message: "Only a security officer may correct when a closed incident occurred."}
		}
		loc := siteLocation(ctx, tx, r.SiteID, r.Jurisdiction)
		var atErr error
		switch {
		case at.IsZero():
			atErr = invalid("occurred_at", "err.required", "is required")
		case at.After(tx.now.Add(clockSkew)):
			atErr = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "occurred_at", Key: "incident.err.time_future",
				Message: "is in the future", Value: at.Format(time.RFC3339)}}}
		case at.Before(medsec.MinIncidentTime):
			atErr = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "occurred_at", Key: "incident.err.time_too_old",
				Message: "is before 2000-01-01: an incident's times are from 2000 on (a year such as 1970 is a missing or mistyped date)", Value: at.Format(time.RFC3339)}}}
		case at.After(r.DetectedAt):
			det := medsec.ZonedTime(r.DetectedAt, loc.String())
			atErr = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "occurred_at", Key: "incident.err.occurred_after_detected",
				Message: "is after the incident was detected (" + det + ")", Args: []string{det}, Value: at.Format(time.RFC3339)}}}
		}
		// Every problem at once: the time's and the note's.
		if err := problems(atErr, checkText("note", note, true, medsec.MaxTextLength)); err != nil {
			return entry{}, err
		}
		moved := 0
		for _, c := range r.Clocks {
			if c.Basis != medsec.BasisOccurred && c.Basis != medsec.BasisDetectedNoOccurrence {
				continue
			}
			var due any
			if !c.Due.IsZero() {
				due = at.Add(c.Due.Sub(c.Start))
			}
			if _, err := tx.exec(ctx, `UPDATE incident_clocks SET start_at = ?, basis = ?, due_at = ? WHERE id = ?`,
				at, medsec.BasisOccurred, due, c.ID); err != nil {
				return entry{}, fmt.Errorf("occurrence: %w", err)
			}
			moved++
		}
		if _, err := tx.exec(ctx, `UPDATE incidents SET occurred_at = ? WHERE id = ?`, at, id); err != nil {
			return entry{}, fmt.Errorf("occurrence: %w", err)
		}
		before := map[string]any{"occurred_at": nullTime(r.OccurredAt)}
		msg := medsec.Msg("incident.tl.occurrence_set", medsec.ArgText(medsec.ZonedTime(at, r.TimeZone)), num(moved))
		return entry{msg: msg, text: strings.TrimSpace(note), before: before}, nil
	})
}

package sqlstore

import (
	"context"
	"time"

	"medsec"
)

// SetOccurrence sets or corrects the time the incident occurred and moves the clocks that
// count from it (IncidentService.SetOccurrence), as ImportHolidays moves the working-day
// clocks: in the same transaction, each move on the timeline and in the audit row.
func (s *IncidentService) SetOccurrence(ctx context.Context, id, version int64, at time.Time, note string) (*medsec.Incident, error) {
	return s.setMoment(ctx, id, version, at, note, moment{action: "occurrence", field: "occurred_at", column: "occurred_at",
		closedKey: "incident.err.occurrence_closed", closedMsg: "Only a security officer may correct when a closed incident occurred.",
		bound: func(at, detected time.Time, det string) *medsec.FieldError {
			switch {
			case at.Before(medsec.MinIncidentTime):
				return &medsec.FieldError{Key: "incident.err.time_too_old",
					Message: "is before 2000-01-01: an incident's times are from 2000 on (a year such as 1970 is a missing or mistyped date)"}
			case at.After(detected):
				return &medsec.FieldError{Key: "incident.err.occurred_after_detected",
					Message: "is after the incident was detected (" + det + ")", Args: []string{det}}
			}
			return nil
		},
		move:     moveOccurred,
		timeline: "incident.tl.occurrence_set",
		was:      func(r incidentRow) time.Time { return r.OccurredAt },
	})
}

// moveOccurred moves the clocks that count from the occurrence (or from the detection
// for want of it) to count from at, each keeping its span.
func moveOccurred(ctx context.Context, tx *Tx, r incidentRow, at time.Time) (int, error) {
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
			return 0, err
		}
		moved++
	}
	return moved, nil
}

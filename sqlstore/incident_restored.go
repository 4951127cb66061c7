package sqlstore

import (
	"context"
	"time"

	"medsec"
	"medsec/incident"
)

// SetRestored records or corrects when the affected systems were restored
// (IncidentService.SetRestored): the task clocks that count from the restoration
// (技術工作組在系統恢復後…高危漏洞需在24小時內完成補丁更新，中危漏洞48小時內修復, 003 §4.3.4)
// start, or move, in the same transaction; the timeline and the audit row say so.
func (s *IncidentService) SetRestored(ctx context.Context, id, version int64, at time.Time, note string) (*medsec.Incident, error) {
	return s.setMoment(ctx, id, version, at, note, moment{action: "restored", field: "restored_at", column: "restored_at",
		closedKey: "incident.err.restored_closed", closedMsg: "Only a security officer may correct when a closed incident's systems were restored.",
		bound: func(at, detected time.Time, det string) *medsec.FieldError {
			if at.Before(detected) {
				return &medsec.FieldError{Key: "incident.err.restored_before_detected",
					Message: "is before the incident was detected (" + det + ")", Args: []string{det}}
			}
			return nil
		},
		move:     startRestored,
		timeline: "incident.tl.restored_set",
		was:      func(r incidentRow) time.Time { return r.RestoredAt },
	})
}

// startRestored starts, or moves, the clocks that count from the systems restored at:
// each due its task's time after it (RestoredTaskMinutes). A clock already met keeps its
// met time: met before at, it was met early (Clock.MetEarly), never late.
func startRestored(ctx context.Context, tx *Tx, r incidentRow, at time.Time) (int, error) {
	started := 0
	for _, c := range r.Clocks {
		if c.Basis != medsec.BasisAwaitingRestored && c.Basis != medsec.BasisRestored {
			continue
		}
		minutes := incident.RestoredTaskMinutes(c.Key)
		if minutes <= 0 {
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE incident_clocks SET start_at = ?, basis = ?, due_at = ? WHERE id = ?`,
			at, medsec.BasisRestored, at.Add(time.Duration(minutes)*time.Minute), c.ID); err != nil {
			return 0, err
		}
		started++
	}
	return started, nil
}

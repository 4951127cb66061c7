package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"medsec"
	"medsec/incident"
)

// SetRestored records or corrects when the affected systems were restored
// (IncidentService.SetRestored): the task clocks that count from the restoration
// (技術工作組在系統恢復後…高危漏洞需在24小時內完成補丁更新，中危漏洞48小時內修復, 003 §4.3.4)
// start, or move, in the same transaction; the timeline and the audit row say so.
func (s *IncidentService) SetRestored(ctx context.Context, id, version int64, at time.Time, note string) (*medsec.Incident, error) {
	at = at.UTC().Truncate(time.Microsecond)
	return s.change(ctx, id, version, "restored", false, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		// A closed incident's record [003 §3.3.3] is amended only by the security officer,
		// as its occurrence is.
		if r.Status != medsec.IncidentOpen && !incident.CanWaive(u) {
			return entry{}, &medsec.Error{Code: medsec.EFORBIDDEN, Key: "incident.err.restored_closed",
				Message: "Only a security officer may correct when a closed incident's systems were restored."}
		}
		loc := siteLocation(ctx, tx, r.SiteID, r.Jurisdiction)
		var atErr error
		switch {
		case at.IsZero():
			atErr = invalid("restored_at", "err.required", "is required")
		case at.After(tx.now.Add(clockSkew)):
			atErr = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "restored_at", Key: "incident.err.time_future",
				Message: "is in the future", Value: at.Format(time.RFC3339)}}}
		case at.Before(r.DetectedAt):
			det := medsec.ZonedTime(r.DetectedAt, loc.String())
			atErr = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "restored_at", Key: "incident.err.restored_before_detected",
				Message: "is before the incident was detected (" + det + ")", Args: []string{det}, Value: at.Format(time.RFC3339)}}}
		}
		if err := problems(atErr, checkText("note", note, true, medsec.MaxTextLength)); err != nil {
			return entry{}, err
		}
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
				return entry{}, fmt.Errorf("restored: %w", err)
			}
			started++
		}
		if _, err := tx.exec(ctx, `UPDATE incidents SET restored_at = ? WHERE id = ?`, at, id); err != nil {
			return entry{}, fmt.Errorf("restored: %w", err)
		}
		before := map[string]any{"restored_at": nullTime(r.RestoredAt)}
		msg := medsec.Msg("incident.tl.restored_set", medsec.ArgText(medsec.ZonedTime(at, r.TimeZone)), num(started))
		return entry{msg: msg, text: strings.TrimSpace(note), before: before}, nil
	})
}

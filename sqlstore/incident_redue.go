package sqlstore

import (
	"context"
	"fmt"
	"time"

	"medsec"
	"medsec/incident"
)

// redueClocks moves the due times of the running working-day clocks (not met, not
// stopped) of the incidents on jurisdiction j's calendar to what cal now gives, counted
// in each incident's site's zone, in tx:
// each incident whose clocks move gets a new version, a timeline entry per clock (the
// clock, its new and old due times in the site's zone) and an audit row with the due
// times before and after. Met and stopped clocks keep theirs. It returns how many clocks
// moved.
func redueClocks(ctx context.Context, tx *Tx, j medsec.Jurisdiction, cal *incident.Calendar) (int, error) {
	type target struct {
		id, siteID int64
		zone       string
		loc        *time.Location // the site's zone, the working days' (Calendar.In)
	}
	rows, err := tx.query(ctx, `SELECT DISTINCT i.id, i.site_id, s.time_zone FROM incidents i JOIN sites s ON s.id = i.site_id
		JOIN incident_clocks c ON c.incident_id = i.id
		WHERE i.jurisdiction = ? AND c.met_at IS NULL AND c.stopped_at IS NULL AND c.due_at IS NOT NULL AND c.custom = 0 AND c.task_id IS NULL
		ORDER BY i.id`, string(j))
	if err != nil {
		return 0, fmt.Errorf("holidays %s: running clocks: %w", j, err)
	}
	var targets []target
	for rows.Next() {
		var t target
		if err := rows.Scan(&t.id, &t.siteID, &t.zone); err != nil {
			rows.Close()
			return 0, fmt.Errorf("holidays %s: running clocks: %w", j, err)
		}
		t.zone = (&medsec.Site{TimeZone: t.zone, Jurisdiction: j}).Zone()
		if t.loc, err = medsec.LoadZone("time_zone", t.zone); err != nil {
			t.loc = cal.Loc
		}
		targets = append(targets, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("holidays %s: running clocks: %w", j, err)
	}
	moved := 0
	for _, t := range targets {
		clocks, err := loadClocks(ctx, tx, tx.db.dialect, t.id, tx.now)
		if err != nil {
			return 0, err
		}
		before, after := map[string]any{}, map[string]any{}
		for _, c := range clocks {
			if !c.MetAt.IsZero() || !c.StoppedAt.IsZero() || c.Due.IsZero() {
				continue
			}
			due, ok := incident.WorkingDayDue(c, cal.In(t.loc))
			if !ok || due.Equal(c.Due) {
				continue
			}
			if _, err := tx.exec(ctx, `UPDATE incident_clocks SET due_at = ? WHERE id = ?`, due, c.ID); err != nil {
				return 0, fmt.Errorf("incident %d clock %d: %w", t.id, c.ID, err)
			}
			msg := medsec.Msg("incident.tl.clock_redue", clockArg(c), medsec.ArgText(medsec.ZonedTime(due, t.zone)),
				medsec.ArgText(medsec.ZonedTime(c.Due, t.zone)), medsec.ArgText(string(j)))
			if err := timeline(ctx, tx, t.id, "clock.due", entry{msg: msg}); err != nil {
				return 0, err
			}
			key := fmt.Sprintf("clock %d (%s) due", c.ID, c.Key)
			before[key], after[key] = c.Due.Format(time.RFC3339), due.Format(time.RFC3339)
			moved++
		}
		if len(after) == 0 {
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE incidents SET version = version + 1 WHERE id = ?`, t.id); err != nil {
			return 0, fmt.Errorf("incident %d: %w", t.id, err)
		}
		after["calendar"] = string(j)
		if err := tx.auditChange(ctx, "incident.clock_due", "incident", t.id, t.siteID, before, after); err != nil {
			return 0, err
		}
	}
	return moved, nil
}

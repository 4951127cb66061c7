package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"medsec"
	"medsec/incident"
)

// exposureRank orders the exposures from none to the most serious.
func exposureRank(e medsec.DataExposure) int { return slices.Index(medsec.DataExposures, e) }

// RecordExposure records patient or personal data found exposed, or (the security
// officer) corrects such a finding: the leak duties start from the time it was found
// [003 §5.3.3], the level is suggested again, and the timeline and the audit say so.
func (s *IncidentService) RecordExposure(ctx context.Context, id, version int64, f medsec.ExposureFinding) (*medsec.Incident, error) {
	if f.Correction {
		// Who may correct comes before what the correction says: a caller who may not
		// correct at all is told so (403), not that the reason is missing (422).
		sc, err := authorize(ctx, medsec.PermIncidentWrite)
		if err != nil {
			return nil, err
		}
		if !incident.CanWaive(sc.user) {
			return nil, exposureCorrectionForbidden()
		}
	}
	var exposureErr error
	if !slices.Contains(medsec.DataExposures, f.Exposure) || (f.Exposure == medsec.ExposureNone && !f.Correction) {
		// Say what is wrong and what is allowed, in the user's language: a finding is
		// of some exposure; only a correction may say there was none.
		msg, key, allowed := "must be ordinary, important or large-scale: a finding is of data exposed", "incident.err.exposure_value", medsec.DataExposures[1:]
		if f.Correction {
			msg, key, allowed = "must be none, ordinary, important or large-scale: the exposure as it really was", "incident.err.exposure_correction_value", medsec.DataExposures
		}
		names := make([]string, len(allowed))
		for i, e := range allowed {
			names[i] = string(e)
		}
		exposureErr = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "exposure", Key: key, Message: msg, Value: string(f.Exposure),
			Allowed: names, Enum: "exposure"}}}
	}
	if err := problems(exposureErr, checkText("note", f.Note, f.Correction, medsec.MaxTextLength)); err != nil {
		return nil, err
	}
	action := "exposure"
	if f.Correction {
		action = "exposure.corrected"
	}
	return s.change(ctx, id, version, action, false, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		found, err := metTime(ctx, tx, "found_at", f.FoundAt, r)
		if err != nil {
			return entry{}, err
		}
		if f.Correction && f.FoundAt.IsZero() && !r.ExposureFoundAt.IsZero() {
			// A correction of the severity alone keeps the time it was found: the leak
			// duties keep counting, late ones stay late [003 §5.3.3].
			found = r.ExposureFoundAt
		}
		before := map[string]any{"exposure": r.Exposure, "exposure_found_at": nullTime(r.ExposureFoundAt),
			"suggested_level": r.SuggestedLevel, "level_reasons": r.LevelReasons}
		known := r.Exposure != medsec.ExposureNone
		start := found // what the leak duties count from
		switch {
		case f.Correction:
			// Undoing or moving a finding is the security officer's, with a reason
			// [003 ch.2: 信息安全組 answers for data security and compliance].
			if !incident.CanWaive(u) {
				return entry{}, exposureCorrectionForbidden()
			}
		case known && exposureRank(f.Exposure) < exposureRank(r.Exposure):
			return entry{}, invalid("exposure", "incident.err.exposure_lower",
				fmt.Sprintf("%s is already recorded: a lesser exposure is a correction, by the security officer with a reason", r.Exposure))
		case known:
			// More found, or the same again: the duties count from the first finding,
			// whichever of the two was found first.
			start = r.ExposureFoundAt
			if start.IsZero() {
				start = r.DetectedAt
			}
			if found.Before(start) {
				start = found
			}
		}
		exposure := f.Exposure
		if !f.Correction && known && exposureRank(exposure) < exposureRank(r.Exposure) {
			exposure = r.Exposure
		}
		cal, err := r.calendar(ctx, tx)
		if err != nil {
			return entry{}, err
		}
		situation := incident.Situation{Level: r.Level, Jurisdiction: r.Jurisdiction, Scenario: r.Scenario, Exposure: exposure}
		stop, add := incident.Exposed(r.Clocks, situation, start, cal)
		for _, i := range stop {
			if _, err := tx.exec(ctx, `UPDATE incident_clocks SET stopped_at = ?, stop_reason = ? WHERE id = ?`, tx.now, medsec.StopCorrected, r.Clocks[i].ID); err != nil {
				return entry{}, fmt.Errorf("exposure: %w", err)
			}
		}
		for _, c := range add {
			if err := insertClock(ctx, tx, id, c); err != nil {
				return entry{}, err
			}
		}
		// The level the facts now suggest [003 §3.3.1]; the level itself is a person's to
		// change (ChangeLevel), which the page offers with the suggestion chosen.
		suggested, reasons, err := resuggest(ctx, tx, r, exposure)
		if err != nil {
			return entry{}, err
		}
		reasonsJSON, err := jsonText(reasons)
		if err != nil {
			return entry{}, err
		}
		var foundAt any
		if exposure != medsec.ExposureNone {
			foundAt = start
		}
		if _, err := tx.exec(ctx, `UPDATE incidents SET exposure = ?, exposure_found_at = ?, suggested_level = ?, level_reasons = ? WHERE id = ?`,
			string(exposure), foundAt, int(suggested), reasonsJSON, id); err != nil {
			return entry{}, fmt.Errorf("exposure: %w", err)
		}
		when := r.zoned(found)
		key := "incident.tl.exposure_found"
		if f.Correction {
			key = "incident.tl.exposure_corrected"
		}
		msg := medsec.Msg(key, medsec.ArgKey("exposure."+string(exposure)), medsec.ArgText(when), num(len(add)), num(len(stop)),
			levelArg(suggested), medsec.MessageArg{Keys: reasonKeys(reasons)})
		return entry{msg: msg, text: strings.TrimSpace(f.Note), before: before}, nil
	})
}

// exposureCorrectionForbidden is the refusal of an exposure correction to a caller who is
// not a security officer [003 ch.2: 信息安全組 answers for data security and compliance].
func exposureCorrectionForbidden() error {
	return &medsec.Error{Code: medsec.EFORBIDDEN, Key: "incident.err.exposure_correction",
		Message: "Only a security officer may correct an exposure finding."}
}

// resuggest returns the level the incident's facts suggest with exposure as now known:
// its outage and affected assets, and the SIEM's level-1 warning when an alert made it
// one [003 §3.3.2].
func resuggest(ctx context.Context, tx *Tx, r incidentRow, exposure medsec.DataExposure) (medsec.IncidentLevel, []string, error) {
	f := medsec.IncidentFacts{Exposure: exposure, Outage: r.Outage}
	began := r.OccurredAt
	if began.IsZero() {
		began = r.DetectedAt
	}
	f.OutageMinutes, f.OutageOngoing = incident.OutageLength(r.Outage, r.OutageMinutes, began, r.RestoredAt, tx.now)
	f.OutageOngoing = f.OutageOngoing && r.RestoredAt.IsZero()
	rows, err := tx.query(ctx, `SELECT a.id, a.site_id, a.name, a.kind, a.class, a.level, a.data_class FROM incident_assets ia
		JOIN assets a ON a.id = ia.asset_id WHERE ia.incident_id = ? ORDER BY a.id`, r.ID)
	if err != nil {
		return 0, nil, fmt.Errorf("incident %d assets: %w", r.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		a := &medsec.Asset{}
		if err := rows.Scan(&a.ID, &a.SiteID, &a.Name, &a.Kind, &a.Class, &a.Level, &a.DataClass); err != nil {
			return 0, nil, fmt.Errorf("incident %d assets: %w", r.ID, err)
		}
		f.Assets = append(f.Assets, a)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	level, reasons := incident.Suggest(f)
	if slices.Contains(r.LevelReasons, incident.ReasonSIEMLevel1) {
		level, reasons = medsec.IncidentLevel1, append(reasons, incident.ReasonSIEMLevel1)
	}
	return level, reasons, nil
}

// jsonText is a list of reason codes as its column holds it.
func jsonText(v []string) (string, error) {
	if v == nil {
		v = []string{}
	}
	b, err := json.Marshal(v)
	return string(b), err
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"medsec"
)

var _ medsec.ContinuityDrillService = (*GovernanceService)(nil)

const drillColumns = `d.id, d.site_id, s.name, COALESCE(d.asset_id, 0), COALESCE(a.name, ''), d.scenario, d.planned, d.run_on, d.result, d.findings, d.recorded_by
	FROM continuity_drills d JOIN sites s ON s.id = d.site_id LEFT JOIN assets a ON a.id = d.asset_id`

func scanDrill(scan func(...any) error) (*medsec.ContinuityDrill, error) {
	d := &medsec.ContinuityDrill{}
	var planned, run string
	if err := scan(&d.ID, &d.SiteID, &d.SiteName, &d.AssetID, &d.AssetName, &d.Scenario, &planned, &run, &d.Result, &d.Findings, &d.RecordedBy); err != nil {
		return nil, err
	}
	d.Planned, _ = medsec.ParseDate(planned)
	d.RunOn, _ = medsec.ParseDate(run)
	return d, nil
}

// FindContinuityDrills implements medsec.ContinuityDrillService.
func (s *GovernanceService) FindContinuityDrills(ctx context.Context, siteID int64) ([]*medsec.ContinuityDrill, error) {
	sc, err := authorize(ctx, medsec.PermGovernanceRead)
	if err != nil {
		return nil, err
	}
	where, args, err := sc.siteWhere("d.site_id", siteID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+drillColumns+` WHERE `+where+` ORDER BY d.planned DESC, d.id DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("continuity drills: %w", err)
	}
	defer rows.Close()
	out := []*medsec.ContinuityDrill{}
	for rows.Next() {
		d, err := scanDrill(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("continuity drills: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// PlanContinuityDrill implements medsec.ContinuityDrillService.
func (s *GovernanceService) PlanContinuityDrill(ctx context.Context, d *medsec.ContinuityDrill) error {
	sc, err := authorize(ctx, medsec.PermGovernanceWrite)
	if err != nil {
		return err
	}
	if err := d.ValidatePlan(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var asset any
	if d.AssetID != 0 {
		a, err := findAssetByID(ctx, tx, s.db.dialect, d.AssetID)
		if err != nil {
			return err
		}
		if !sc.seesAsset(a) {
			return assetOutOfScope(a.ID, a.SiteID)
		}
		d.SiteID, asset = a.SiteID, a.ID
	}
	if !sc.seesSite(d.SiteID) {
		return medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", d.SiteID), d.SiteID)
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE id = ?`, d.SiteID).Scan(&n); err != nil || n == 0 {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.site_not_found", "Site not found.")
	}
	if d.ID, err = tx.insert(ctx, `INSERT INTO continuity_drills (site_id, asset_id, scenario, planned, created_at) VALUES (?, ?, ?, ?, ?)`,
		d.SiteID, asset, d.Scenario, d.Planned.String(), tx.now); err != nil {
		return fmt.Errorf("plan continuity drill: %w", err)
	}
	saved, err := scanDrill(tx.queryRow(ctx, `SELECT `+drillColumns+` WHERE d.id = ?`, d.ID).Scan)
	if err != nil {
		return fmt.Errorf("plan continuity drill: %w", err)
	}
	*d = *saved
	if err := tx.auditChange(ctx, medsec.ActionDrillPlan, "continuity_drill", d.ID, d.SiteID, nil, d); err != nil {
		return err
	}
	return tx.Commit()
}

// RecordDrillResult implements medsec.ContinuityDrillService.
func (s *GovernanceService) RecordDrillResult(ctx context.Context, id int64, r medsec.DrillResult) (*medsec.ContinuityDrill, error) {
	sc, err := authorize(ctx, medsec.PermGovernanceWrite)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	before, err := scanDrill(tx.queryRow(ctx, `SELECT `+drillColumns+` WHERE d.id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.drill_not_found", "Continuity drill not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("continuity drill %d: %w", id, err)
	}
	if !sc.seesSite(before.SiteID) {
		return nil, medsec.NotInScope("Continuity drill not found.", "err.drill_not_found", fmt.Sprintf("continuity drill %d", id), before.SiteID)
	}
	if before.Result != "" {
		return nil, medsec.ErrorWithKey(medsec.ECONFLICT, "err.drill_recorded", "This drill's result is already recorded.")
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if r.RunOn.Time().After(tx.now) {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "run_on", Key: "err.date_in_future", Value: r.RunOn.String(), Message: "is in the future"}}}
	}
	if _, err := tx.exec(ctx, `UPDATE continuity_drills SET run_on = ?, result = ?, findings = ?, recorded_by = ? WHERE id = ?`,
		r.RunOn.String(), r.Result, r.Findings, sc.user.Username, id); err != nil {
		return nil, fmt.Errorf("continuity drill %d: %w", id, err)
	}
	after, err := scanDrill(tx.queryRow(ctx, `SELECT `+drillColumns+` WHERE d.id = ?`, id).Scan)
	if err != nil {
		return nil, fmt.Errorf("continuity drill %d: %w", id, err)
	}
	if err := tx.auditChange(ctx, medsec.ActionDrillResult, "continuity_drill", id, after.SiteID, before, after); err != nil {
		return nil, err
	}
	// The calendar's continuity-drill item of the run's period, if the calendar has it and
	// it is open, is done by this drill.
	// The item is the one whose period holds the run's day, whatever cadence the site
	// chose for its drills.
	// Its record is the drill's scenario, words the users typed; the result and findings
	// stay on the drill, which pages show with the item in the reader's language.
	record := after.Scenario
	if len(record) > 4000 {
		record = record[:4000]
	}
	res, err := tx.exec(ctx, `UPDATE governance_items SET done_on = ?, done_by = ?, record = ?, evidence = ?, drill_id = ? WHERE site_id = ? AND kind = ? AND period_start <= ? AND due >= ? AND event_id = 0 AND done_on = ''`,
		r.RunOn.String(), sc.user.Username, strings.ToValidUTF8(record, ""), medsec.DrillEvidence(id), id, after.SiteID, string(medsec.DutyContinuityDrill), r.RunOn.String(), r.RunOn.String())
	if err != nil {
		return nil, fmt.Errorf("continuity drill %d: calendar: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionGovernanceDone, ObjectType: "governance_item", SiteID: after.SiteID,
			Detail: fmt.Sprintf("continuity drill %d done on %s", id, r.RunOn)}); err != nil {
			return nil, err
		}
	}
	return after, tx.Commit()
}

package sqlstore

import (
	"context"
	"fmt"
	"time"

	"medsec"
)

var _ medsec.CadenceService = (*GovernanceService)(nil)

type siteKind struct {
	site int64
	kind medsec.DutyKind
}

// cadenceOf returns a recurring duty's cadence and its basis given the site's choice
// (0: none): the seed's own cadence stays the seed's whatever is stored.
func cadenceOf(d medsec.Duty, chosen int) (int, string) {
	switch {
	case d.FromSeed:
		return d.CadenceMonths, medsec.CadenceSeed
	case chosen > 0:
		return chosen, medsec.CadenceHospital
	}
	return d.CadenceMonths, medsec.CadenceMedsecDefault
}

// siteCadences returns the sites' chosen cadences (of one site, or every site for 0).
func siteCadences(ctx context.Context, tx *Tx, siteID int64) (map[siteKind]int, error) {
	q, args := `SELECT site_id, kind, months FROM governance_cadences`, []any{}
	if siteID != 0 {
		q, args = q+` WHERE site_id = ?`, append(args, siteID)
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("duty cadences: %w", err)
	}
	defer rows.Close()
	out := map[siteKind]int{}
	for rows.Next() {
		var site, months int64
		var kind string
		if err := rows.Scan(&site, &kind, &months); err != nil {
			return nil, fmt.Errorf("duty cadences: %w", err)
		}
		out[siteKind{site, medsec.DutyKind(kind)}] = int(months)
	}
	return out, rows.Err()
}

// findDutyCadences reads a site's cadences inside tx.
func findDutyCadences(ctx context.Context, tx *Tx, siteID int64) ([]medsec.DutyCadence, error) {
	rows, err := tx.query(ctx, `SELECT kind, months, reason, set_by, set_at FROM governance_cadences WHERE site_id = ?`, siteID)
	if err != nil {
		return nil, fmt.Errorf("duty cadences: %w", err)
	}
	type choice struct {
		months int
		reason string
		by     string
		at     medsec.Date
	}
	chosen := map[medsec.DutyKind]choice{}
	for rows.Next() {
		var kind, reason, by string
		var months int64
		var at time.Time
		if err := rows.Scan(&kind, &months, &reason, &by, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("duty cadences: %w", err)
		}
		chosen[medsec.DutyKind(kind)] = choice{int(months), reason, by, medsec.DateOf(at)}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("duty cadences: %w", err)
	}
	out := []medsec.DutyCadence{}
	for _, d := range medsec.Duties {
		c := chosen[d.Kind]
		dc := medsec.DutyCadence{SiteID: siteID, Kind: d.Kind, DefaultMonths: d.CadenceMonths, Clause: d.Clause}
		dc.CadenceMonths, dc.Basis = cadenceOf(d, c.months)
		if dc.Basis == medsec.CadenceHospital {
			dc.Reason, dc.SetBy, dc.SetOn = c.reason, c.by, c.at
		}
		out = append(out, dc)
	}
	return out, nil
}

// FindDutyCadences implements medsec.CadenceService.
func (s *GovernanceService) FindDutyCadences(ctx context.Context, siteID int64) ([]medsec.DutyCadence, error) {
	sc, err := authorize(ctx, medsec.PermGovernanceRead)
	if err != nil {
		return nil, err
	}
	if siteID == 0 {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "site_id", Key: "err.required", Message: "is required"}}}
	}
	if !sc.seesSite(siteID) {
		return nil, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", siteID), siteID)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findDutyCadences(ctx, tx, siteID)
}

// SetDutyCadence implements medsec.CadenceService.
func (s *GovernanceService) SetDutyCadence(ctx context.Context, c medsec.CadenceChange) (medsec.DutyCadence, error) {
	sc, err := authorize(ctx, medsec.PermGovernanceWrite)
	if err != nil {
		return medsec.DutyCadence{}, err
	}
	if c.SiteID != 0 && !sc.seesSite(c.SiteID) {
		return medsec.DutyCadence{}, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", c.SiteID), c.SiteID)
	}
	if err := c.Validate(); err != nil {
		return medsec.DutyCadence{}, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return medsec.DutyCadence{}, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE id = ?`, c.SiteID).Scan(&n); err != nil {
		return medsec.DutyCadence{}, fmt.Errorf("duty cadence: %w", err)
	}
	if n == 0 {
		return medsec.DutyCadence{}, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.site_not_found", "Site not found.")
	}
	pick := func(all []medsec.DutyCadence) medsec.DutyCadence {
		for _, x := range all {
			if x.Kind == c.Kind {
				return x
			}
		}
		return medsec.DutyCadence{}
	}
	all, err := findDutyCadences(ctx, tx, c.SiteID)
	if err != nil {
		return medsec.DutyCadence{}, err
	}
	before := pick(all)
	if _, err := tx.exec(ctx, `DELETE FROM governance_cadences WHERE site_id = ? AND kind = ?`, c.SiteID, string(c.Kind)); err != nil {
		return medsec.DutyCadence{}, fmt.Errorf("duty cadence: %w", err)
	}
	if c.CadenceMonths != before.DefaultMonths {
		if _, err := tx.exec(ctx, `INSERT INTO governance_cadences (site_id, kind, months, reason, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.SiteID, string(c.Kind), c.CadenceMonths, c.Reason, sc.user.Username, tx.now); err != nil {
			return medsec.DutyCadence{}, fmt.Errorf("duty cadence: %w", err)
		}
	}
	if all, err = findDutyCadences(ctx, tx, c.SiteID); err != nil {
		return medsec.DutyCadence{}, err
	}
	after := pick(all)
	audited := struct {
		medsec.DutyCadence
		Why string `json:"why"`
	}{after, c.Reason}
	if err := tx.auditChange(ctx, medsec.ActionGovernanceCadence, "governance_cadence", 0, c.SiteID, before, audited); err != nil {
		return medsec.DutyCadence{}, err
	}
	return after, tx.Commit()
}

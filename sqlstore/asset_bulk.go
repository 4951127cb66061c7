package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"medsec"
)

// ChangeAssets applies one change to every asset c names (or its filter selects, on every
// page) in one transaction. Each asset is read inside the transaction and checked
// against the caller's scope; each change goes through the same code as the single-asset
// edit, placement or class decision, with its own audit row. Problems that belong to an
// asset (a department of another site, a zone of another site, a MAC address clash on
// reactivation) are collected for every asset, each naming it, and reject the whole
// change; an asset outside the caller's scope is "not found" (ENOTFOUND, audited as a
// denial), as for one asset.
func (s *AssetService) ChangeAssets(ctx context.Context, c medsec.AssetBulkChange) (medsec.AssetBulkResult, error) {
	var res medsec.AssetBulkResult
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return res, err
	}
	if err := c.Validate(); err != nil {
		return res, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	if err := tx.checkBulkReference(ctx, c); err != nil {
		return res, err
	}
	ids := c.AssetIDs
	if len(ids) == 0 {
		if ids, err = tx.selectAssetIDs(ctx, u, *c.Filter); err != nil {
			return res, err
		}
	}
	if len(ids) == 0 {
		return res, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "asset_ids", Key: "bulk.none", Message: "choose at least one asset"}}}
	}
	if len(ids) > medsec.MaxBulkAssets {
		return res, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "asset_ids", Key: "err.too_many",
			Message: fmt.Sprintf("has %d entries; at most %d are allowed", len(ids), medsec.MaxBulkAssets)}}}
	}
	b := &bulkRun{tx: tx, u: u, c: c, sites: map[int64]*siteModel{}}
	var problems []medsec.FieldError
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		a, err := findAssetByID(ctx, tx, tx.db.dialect, id)
		if err != nil {
			return res, err
		}
		if !u.CanSeeAsset(a) {
			return res, assetOutOfScope(a.ID, a.SiteID)
		}
		changed, err := b.apply(ctx, a)
		var ve *medsec.ValidationError
		switch {
		case errors.As(err, &ve):
			problems = append(problems, nameAsset(ve.Errors, a)...)
		case err != nil:
			return res, fmt.Errorf("asset %d: %w", a.ID, err)
		case changed:
			res.Changed++
		default:
			res.Unchanged++
		}
	}
	if len(problems) > 0 {
		return medsec.AssetBulkResult{}, &medsec.ValidationError{Errors: problems}
	}
	return res, tx.Commit()
}

// nameAsset puts the asset's name and number before each problem's value, so that a
// problem among hundreds of assets says which one it is.
func nameAsset(errs []medsec.FieldError, a *medsec.Asset) []medsec.FieldError {
	out := make([]medsec.FieldError, len(errs))
	for i, fe := range errs {
		label := fmt.Sprintf("%s (#%d)", a.Name, a.ID)
		if fe.Value != "" {
			label += ": " + fe.Value
		}
		fe.Value = label
		fe.Message = fmt.Sprintf("%s (#%d): %s", a.Name, a.ID, fe.Message)
		out[i] = fe
	}
	return out
}

// selectAssetIDs lists the assets the caller sees that f selects, on every page, in id
// order, within the transaction.
func (tx *Tx) selectAssetIDs(ctx context.Context, u *medsec.User, f medsec.AssetFilter) ([]int64, error) {
	where, args := assetWhere(tx.db.dialect, u, f, medsec.DateOf(tx.now))
	rows, err := tx.query(ctx, `SELECT a.id FROM assets a`+where+` ORDER BY a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("select assets: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("select assets: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// bulkRun is one bulk change in progress: the transaction, the caller, the change, and
// the zone models of the sites read so far (placements and class proposals need them).
type bulkRun struct {
	tx    *Tx
	u     *medsec.User
	c     medsec.AssetBulkChange
	sites map[int64]*siteModel
}

// site returns the zone model of a site, read once per bulk change, with its flows (a
// class proposal reads them).
func (b *bulkRun) site(ctx context.Context, siteID int64) (*siteModel, error) {
	if sm, ok := b.sites[siteID]; ok {
		return sm, nil
	}
	sm, err := loadSite(ctx, b.tx, b.tx.db.dialect, siteID, b.c.Action == medsec.BulkClass)
	if err != nil {
		return nil, err
	}
	b.sites[siteID] = sm
	return sm, nil
}

// apply makes the change to one asset and reports whether anything changed.
func (b *bulkRun) apply(ctx context.Context, a *medsec.Asset) (bool, error) {
	if !b.u.CanSeeSite(a.SiteID) {
		return false, medsec.ErrForbidden()
	}
	after := *a
	switch b.c.Action {
	case medsec.BulkDepartment:
		after.DepartmentID = b.c.DepartmentID
	case medsec.BulkResponsible:
		after.ResponsibleID = b.c.ResponsibleID
	case medsec.BulkLevel:
		after.Level = b.c.Level
	case medsec.BulkRetire:
		after.Status = medsec.StatusRetired
	case medsec.BulkZone:
		sm, err := b.site(ctx, a.SiteID)
		if err != nil {
			return false, err
		}
		return b.tx.placeAsset(ctx, b.u, a, sm, b.c.ZoneID)
	case medsec.BulkClass:
		sm, err := b.site(ctx, a.SiteID)
		if err != nil {
			return false, err
		}
		before, err := findDecision(ctx, b.tx, b.tx.db.dialect, a.ID)
		if err == nil && before.Class == b.c.Class && a.Class == b.c.Class && before.Why == b.c.Why {
			return false, nil
		}
		_, err = b.tx.decideClass(ctx, b.u, a, sm, b.c.Class, b.c.Why)
		return err == nil, err
	}
	if sameAsset(a, &after) {
		return false, nil
	}
	return true, b.tx.updateAsset(ctx, a, &after, nil)
}

// checkBulkReference refuses a department, person or zone that does not exist before any
// asset is written: on PostgreSQL a failed foreign key would end the transaction, and the
// problem is the change's, not each asset's.
func (tx *Tx) checkBulkReference(ctx context.Context, c medsec.AssetBulkChange) error {
	var table, field string
	var id int64
	switch {
	case c.Action == medsec.BulkDepartment && c.DepartmentID != 0:
		table, field, id = "departments", "department_id", c.DepartmentID
	case c.Action == medsec.BulkResponsible && c.ResponsibleID != 0:
		table, field, id = "people", "responsible_id", c.ResponsibleID
	case c.Action == medsec.BulkZone && c.ZoneID != 0:
		table, field, id = "zones", "zone_id", c.ZoneID
	default:
		return nil
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("check %s %d: %w", field, id, err)
	}
	if n == 0 {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: field, Key: "err.unknown_reference", Value: fmt.Sprint(id),
			Message: fmt.Sprintf("%s %d does not exist", field, id)}}}
	}
	return nil
}

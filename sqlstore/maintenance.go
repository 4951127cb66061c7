package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"medsec"
)

// MaintenancePlanService implements medsec.MaintenancePlanService on the
// maintenance_plans and maintenance_plan_assets tables.
type MaintenancePlanService struct {
	db *DB
}

var _ medsec.MaintenancePlanService = (*MaintenancePlanService)(nil)

// NewMaintenancePlanService returns the maintenance plan service of db.
func NewMaintenancePlanService(db *DB) *MaintenancePlanService {
	return &MaintenancePlanService{db: db}
}

// FindMaintenancePlans implements medsec.MaintenancePlanService.
func (s *MaintenancePlanService) FindMaintenancePlans(ctx context.Context, f medsec.MaintenancePlanFilter) ([]*medsec.MaintenancePlan, error) {
	sc, err := authorize(ctx, medsec.PermAccountRead)
	if err != nil {
		return nil, err
	}
	return s.find(ctx, s.db.read, sc, f, 0)
}

// find returns the plans of the scope the filter selects (only plan id when id > 0).
func (s *MaintenancePlanService) find(ctx context.Context, q querier, sc scope, f medsec.MaintenancePlanFilter, id int64) ([]*medsec.MaintenancePlan, error) {
	conds, args := []string{"1 = 1"}, []any(nil)
	if c, a := sc.siteCond("m.site_id"); c != "" {
		conds, args = append(conds, c), append(args, a...)
	}
	if v := sc.vendor(); v != 0 {
		conds, args = append(conds, "m.vendor_id = ?"), append(args, v)
	}
	if f.SiteID != 0 {
		conds, args = append(conds, "m.site_id = ?"), append(args, f.SiteID)
	}
	if f.Status != "" {
		conds, args = append(conds, "m.status = ?"), append(args, f.Status)
	}
	if f.AssetID != 0 {
		conds, args = append(conds, "EXISTS (SELECT 1 FROM maintenance_plan_assets pa WHERE pa.plan_id = m.id AND pa.asset_id = ?)"), append(args, f.AssetID)
	}
	if id != 0 {
		conds, args = append(conds, "m.id = ?"), append(args, id)
	}
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT m.id, m.site_id, m.vendor_id, v.name, m.engineer, m.purpose, m.starts_at, m.ends_at, m.approved_by, m.created_at,
		m.status, m.requested_by, m.decided_by, m.decided_at, m.decision_note
		FROM maintenance_plans m JOIN vendors v ON v.id = m.vendor_id WHERE `+strings.Join(conds, " AND ")+` ORDER BY m.starts_at DESC, m.id DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("maintenance plans: %w", err)
	}
	out := []*medsec.MaintenancePlan{}
	byID := map[int64]*medsec.MaintenancePlan{}
	for rows.Next() {
		p := &medsec.MaintenancePlan{AssetIDs: []int64{}}
		var decided sql.NullTime
		if err := rows.Scan(&p.ID, &p.SiteID, &p.VendorID, &p.VendorName, &p.Engineer, &p.Purpose, &p.Start, &p.End, &p.ApprovedBy, &p.CreatedAt,
			&p.Status, &p.RequestedBy, &p.DecidedBy, &decided, &p.DecisionNote); err != nil {
			rows.Close()
			return nil, fmt.Errorf("maintenance plans: %w", err)
		}
		p.Start, p.End, p.CreatedAt = p.Start.UTC(), p.End.UTC(), p.CreatedAt.UTC()
		if decided.Valid {
			p.DecidedAt = decided.Time.UTC()
		}
		out, byID[p.ID] = append(out, p), p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("maintenance plans: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	arows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT pa.plan_id, a.id, a.name FROM maintenance_plan_assets pa JOIN assets a ON a.id = pa.asset_id
		JOIN maintenance_plans m ON m.id = pa.plan_id WHERE `+strings.Join(conds, " AND ")+` ORDER BY a.name`), args...)
	if err != nil {
		return nil, fmt.Errorf("maintenance plans: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var plan, asset int64
		var name string
		if err := arows.Scan(&plan, &asset, &name); err != nil {
			return nil, fmt.Errorf("maintenance plans: %w", err)
		}
		if p := byID[plan]; p != nil {
			p.AssetIDs, p.AssetNames = append(p.AssetIDs, asset), append(p.AssetNames, name)
		}
	}
	return out, arows.Err()
}

// CreateMaintenancePlan implements medsec.MaintenancePlanService: the caller, an
// approver, enters an approved plan.
func (s *MaintenancePlanService) CreateMaintenancePlan(ctx context.Context, p *medsec.MaintenancePlan) error {
	return s.store(ctx, p, medsec.PermMaintenanceApprove, medsec.MaintenanceApproved)
}

// RequestMaintenancePlan implements medsec.MaintenancePlanService: the plan waits for an
// approver other than the caller; the approvers are told by notify.MaintenanceRequests.
func (s *MaintenancePlanService) RequestMaintenancePlan(ctx context.Context, p *medsec.MaintenancePlan) error {
	return s.store(ctx, p, medsec.PermAccountWrite, medsec.MaintenanceRequested)
}

// store validates and stores a plan of the status, needing perm.
func (s *MaintenancePlanService) store(ctx context.Context, p *medsec.MaintenancePlan, perm medsec.Permission, status string) error {
	sc, err := authorize(ctx, perm)
	if err != nil {
		return err
	}
	p.Engineer, p.Purpose = strings.TrimSpace(p.Engineer), strings.TrimSpace(p.Purpose)
	if err := p.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM vendors WHERE id = ?`, p.VendorID).Scan(&n); err != nil {
		return fmt.Errorf("create maintenance plan: %w", err)
	}
	if n == 0 {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "vendor_id", Key: "err.unknown_value", Value: fmt.Sprint(p.VendorID), Message: "is not a vendor"}}}
	}
	p.SiteID = 0
	for _, id := range p.AssetIDs {
		a, err := findAssetByID(ctx, tx, s.db.dialect, id)
		if err != nil {
			return err
		}
		if !sc.seesAsset(a) {
			return assetOutOfScope(a.ID, a.SiteID)
		}
		if p.SiteID != 0 && a.SiteID != p.SiteID {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "asset_ids", Key: "err.maintenance_one_site", Message: "the systems of a plan are of one site"}}}
		}
		p.SiteID = a.SiteID
	}
	p.ApprovedBy, p.RequestedBy, p.DecidedBy, p.CreatedAt = sc.user.Username, "", sc.user.Username, tx.now
	var decidedAt any = tx.now
	action := medsec.ActionMaintenancePlanCreate
	if status == medsec.MaintenanceRequested {
		p.ApprovedBy, p.RequestedBy, p.DecidedBy, decidedAt, action = "", sc.user.Username, "", nil, medsec.ActionMaintenancePlanRequest
	}
	p.Start, p.End = p.Start.UTC(), p.End.UTC()
	if p.ID, err = tx.insert(ctx, `INSERT INTO maintenance_plans (site_id, vendor_id, engineer, purpose, starts_at, ends_at, approved_by, created_at, status, requested_by, decided_by, decided_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.SiteID, p.VendorID, p.Engineer, p.Purpose, p.Start, p.End, p.ApprovedBy, tx.now, status, p.RequestedBy, p.DecidedBy, decidedAt); err != nil {
		return fmt.Errorf("create maintenance plan: %w", err)
	}
	for _, id := range p.AssetIDs {
		if _, err := tx.exec(ctx, `INSERT INTO maintenance_plan_assets (plan_id, asset_id) VALUES (?, ?) ON CONFLICT (plan_id, asset_id) DO NOTHING`, p.ID, id); err != nil {
			return fmt.Errorf("create maintenance plan: %w", err)
		}
	}
	saved, err := s.find(ctx, tx, sc, medsec.MaintenancePlanFilter{}, p.ID)
	if err != nil || len(saved) != 1 {
		return fmt.Errorf("create maintenance plan: %v", err)
	}
	*p = *saved[0]
	if err := tx.auditChange(ctx, action, "maintenance_plan", p.ID, p.SiteID, nil, p); err != nil {
		return err
	}
	return tx.Commit()
}

// DecideMaintenancePlan implements medsec.MaintenancePlanService.
func (s *MaintenancePlanService) DecideMaintenancePlan(ctx context.Context, id int64, d medsec.MaintenanceDecision) (*medsec.MaintenancePlan, error) {
	sc, err := authorize(ctx, medsec.PermMaintenanceApprove)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	found, err := s.find(ctx, tx, sc, medsec.MaintenancePlanFilter{}, id)
	if err != nil {
		return nil, err
	}
	if len(found) != 1 {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.maintenance_not_found", "Maintenance plan not found.")
	}
	before := found[0]
	if before.Status != medsec.MaintenanceRequested {
		return nil, medsec.ErrorWithKey(medsec.ECONFLICT, "err.maintenance_decided", "This maintenance plan is already decided.")
	}
	if before.RequestedBy == sc.user.Username {
		return nil, medsec.ErrorWithKey(medsec.EFORBIDDEN, "err.maintenance_own_request", "Whoever requested a maintenance plan may not decide it: another approver does.")
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	status, approvedBy := medsec.MaintenanceRefused, ""
	if d.Approve {
		status, approvedBy = medsec.MaintenanceApproved, sc.user.Username
	}
	res, err := tx.exec(ctx, `UPDATE maintenance_plans SET status = ?, approved_by = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ? AND status = ?`,
		status, approvedBy, sc.user.Username, tx.now, d.Note, id, medsec.MaintenanceRequested)
	if err != nil {
		return nil, fmt.Errorf("decide maintenance plan %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, medsec.ErrorWithKey(medsec.ECONFLICT, "err.maintenance_decided", "This maintenance plan is already decided.")
	}
	after, err := s.find(ctx, tx, sc, medsec.MaintenancePlanFilter{}, id)
	if err != nil || len(after) != 1 {
		return nil, fmt.Errorf("decide maintenance plan %d: %v", id, err)
	}
	if err := tx.auditChange(ctx, medsec.ActionMaintenancePlanDecide, "maintenance_plan", id, before.SiteID, before, after[0]); err != nil {
		return nil, err
	}
	return after[0], tx.Commit()
}

// maintenanceWindows returns the approved windows of every asset that has a plan.
func maintenanceWindows(ctx context.Context, q querier, d dialect) (map[int64][]medsec.MaintenanceWindow, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT pa.asset_id, m.id, m.starts_at, m.ends_at FROM maintenance_plans m JOIN maintenance_plan_assets pa ON pa.plan_id = m.id
		WHERE m.status = 'approved' ORDER BY m.starts_at`))
	if err != nil {
		return nil, fmt.Errorf("maintenance windows: %w", err)
	}
	defer rows.Close()
	out := map[int64][]medsec.MaintenanceWindow{}
	for rows.Next() {
		var asset int64
		var w medsec.MaintenanceWindow
		if err := rows.Scan(&asset, &w.PlanID, &w.Start, &w.End); err != nil {
			return nil, fmt.Errorf("maintenance windows: %w", err)
		}
		w.Start, w.End = w.Start.UTC(), w.End.UTC()
		out[asset] = append(out[asset], w)
	}
	return out, rows.Err()
}

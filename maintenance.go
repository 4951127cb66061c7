package medsec

import (
	"context"
	"time"
)

// RuleUIDVendorUnplanned is the built-in rule "Maintenance vendor login outside an
// approved plan": a successful login with an account the inventory types as vendor, on a
// system for which no approved maintenance plan covers that time [004 §10 ④; 000 附表一
// 遠端存取 一, 二].
const RuleUIDVendorUnplanned = "520d7c67-b039-4118-9252-6bb581e822de"

// FieldMaintenancePlan is the event field detection adds to a login with a vendor account
// of the inventory: "true" when an approved maintenance plan of the account's system covers
// the event's time, else "false"; FieldMaintenancePlanID names the plan.
const (
	FieldMaintenancePlan   = "medsec.maintenance_plan"
	FieldMaintenancePlanID = "medsec.maintenance_plan.id"
)

// MaintenanceWindow is when an approved plan lets a vendor work on a system: from Start
// (included) to End (excluded).
type MaintenanceWindow struct {
	PlanID int64     `json:"plan_id"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
}

// Contains reports whether t falls in the window.
func (w MaintenanceWindow) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// MaintenancePlan is an approved work plan of a maintenance vendor (作業計画書) [004 §10 ③,
// ④: リモートメンテナンスのアクセスログを…作業計画書と照合; 000 附表一 遠端存取 一 連線需求申請…
// 留存記錄, 二 時效性限制]: the vendor, its engineer, the systems (assets) it works on, the
// window and the purpose, approved by the user who entered it. A vendor-account login on one
// of its systems outside every approved plan's window is an alert.
type MaintenancePlan struct {
	ID         int64     `json:"id"`
	SiteID     int64     `json:"site_id"`
	VendorID   int64     `json:"vendor_id"`
	VendorName string    `json:"vendor_name,omitempty"`
	Engineer   string    `json:"engineer"`
	Purpose    string    `json:"purpose"`
	AssetIDs   []int64   `json:"asset_ids"`
	AssetNames []string  `json:"asset_names,omitempty"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	// ApprovedBy is the user who entered (approved) the plan.
	ApprovedBy string    `json:"approved_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// MaxMaintenanceHours bounds one plan's window: 31 days. A longer stay is several plans.
const MaxMaintenanceHours = 31 * 24

// Validate checks a plan before it is stored: a vendor, at least one system, an engineer
// and purpose, and a window that ends after it starts and lasts at most
// MaxMaintenanceHours.
func (p *MaintenancePlan) Validate() error {
	var errs []FieldError
	if p.VendorID <= 0 {
		errs = append(errs, FieldError{Field: "vendor_id", Key: "err.required", Message: "is required"})
	}
	if len(p.AssetIDs) == 0 {
		errs = append(errs, FieldError{Field: "asset_ids", Key: "err.required", Message: "name at least one system"})
	}
	var c textChecks
	c.line("engineer", p.Engineer)
	c.text("purpose", p.Purpose)
	c.count("asset_ids", len(p.AssetIDs), MaxListItems)
	errs = append(errs, c.errs...)
	if p.Engineer == "" {
		errs = append(errs, FieldError{Field: "engineer", Key: "err.required", Message: "is required"})
	}
	if p.Purpose == "" {
		errs = append(errs, FieldError{Field: "purpose", Key: "err.required", Message: "is required"})
	}
	switch {
	case p.Start.IsZero() || p.End.IsZero():
		errs = append(errs, FieldError{Field: "end", Key: "err.bad_time_range", Message: "start and end are required"})
	case !p.End.After(p.Start):
		errs = append(errs, FieldError{Field: "end", Key: "err.bad_time_range", Message: "must be after start"})
	case p.End.Sub(p.Start) > MaxMaintenanceHours*time.Hour:
		errs = append(errs, FieldError{Field: "end", Key: "err.maintenance_too_long", Message: "a plan's window lasts at most 31 days"})
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// MaintenancePlanFilter selects plans. Zero fields do not filter.
type MaintenancePlanFilter struct {
	SiteID  int64
	AssetID int64
}

// ActionMaintenancePlanCreate is the audit action of a new plan.
const ActionMaintenancePlanCreate = "maintenance_plan.create"

// MaintenancePlanService keeps the maintenance plans. Reads need PermAccountRead,
// entering a plan PermAccountWrite and every system of the plan in the caller's scope
// (another site's asset is ENOTFOUND); every change is audited in its transaction.
type MaintenancePlanService interface {
	// FindMaintenancePlans returns the plans the filter selects, latest window first.
	FindMaintenancePlans(ctx context.Context, f MaintenancePlanFilter) ([]*MaintenancePlan, error)
	// CreateMaintenancePlan validates and stores an approved plan (EINVALID naming the
	// field; the systems must be of one site) and sets its ID.
	CreateMaintenancePlan(ctx context.Context, p *MaintenancePlan) error
}

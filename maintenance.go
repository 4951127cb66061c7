package medsec

import (
	"context"
	"strings"
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
	// ApprovedBy is the user who approved the plan ("" while requested or when refused).
	ApprovedBy string    `json:"approved_by"`
	CreatedAt  time.Time `json:"created_at"`
	// Status is requested, approved or refused; only approved plans' windows let a
	// vendor log in without an alert.
	Status string `json:"status"`
	// RequestedBy is the user who requested the plan ("" for a plan entered approved).
	RequestedBy string `json:"requested_by,omitempty"`
	// DecidedBy and DecidedAt are who approved or refused it and when; DecisionNote why
	// (required to refuse).
	DecidedBy    string    `json:"decided_by,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero"`
	DecisionNote string    `json:"decision_note,omitempty"`
}

// Maintenance plan statuses [004 §10.1: 保守に関する手続きは、原則として事前申請・承認]: a
// plan is requested by one user and approved or refused by another who holds
// PermMaintenanceApprove (the 企画管理者's office); a plan entered by an approver is approved
// at once (事後承認 of urgent work, which 004 §10.1 allows).
const (
	MaintenanceRequested = "requested"
	MaintenanceApproved  = "approved"
	MaintenanceRefused   = "refused"
)

// MaintenanceStatuses lists the statuses in display order.
var MaintenanceStatuses = []string{MaintenanceRequested, MaintenanceApproved, MaintenanceRefused}

// PermMaintenanceApprove approves or refuses maintenance plans and enters approved ones
// [004 §10 ④ 企画管理者に報告し、確認を求める; §10.1 事前申請・承認]. The administrator and the
// security officer hold it; whoever requested a plan may not decide it (separation of
// duties).
const PermMaintenanceApprove Permission = "maintenance:approve"

// MaintenanceDecision approves or refuses a requested plan; Note says why and is required
// to refuse.
type MaintenanceDecision struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"`
}

// Validate checks a decision: a refusal says why; the note is free text.
func (d *MaintenanceDecision) Validate() error {
	d.Note = strings.TrimSpace(d.Note)
	var c textChecks
	c.text("note", d.Note)
	if !d.Approve && d.Note == "" {
		c.errs = append(c.errs, FieldError{Field: "note", Key: "err.maintenance_refusal_note", Message: "say why the plan is refused"})
	}
	if len(c.errs) > 0 {
		return &ValidationError{Errors: c.errs}
	}
	return nil
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
	// Status selects plans of one status ("" all).
	Status string
}

// Audit actions of maintenance plans: one entered approved, one requested, one decided.
const (
	ActionMaintenancePlanCreate  = "maintenance_plan.create"
	ActionMaintenancePlanRequest = "maintenance_plan.request"
	ActionMaintenancePlanDecide  = "maintenance_plan.decide"
)

// KindMaintenanceRequested tells the approvers of a site (PermMaintenanceApprove) that a
// maintenance plan waits for their decision [004 §10.1 事前申請・承認].
const KindMaintenanceRequested NotificationKind = "maintenance.requested"

// MaintenancePlanService keeps the maintenance plans. Reads need PermAccountRead,
// requesting a plan PermAccountWrite, entering an approved one or deciding a request
// PermMaintenanceApprove, and every system of the plan in the caller's scope (another
// site's asset is ENOTFOUND); every change is audited in its transaction.
type MaintenancePlanService interface {
	// FindMaintenancePlans returns the plans the filter selects, latest window first.
	FindMaintenancePlans(ctx context.Context, f MaintenancePlanFilter) ([]*MaintenancePlan, error)
	// CreateMaintenancePlan validates and stores an approved plan (EINVALID naming the
	// field; the systems must be of one site) and sets its ID.
	CreateMaintenancePlan(ctx context.Context, p *MaintenancePlan) error
	// RequestMaintenancePlan validates and stores a plan waiting for approval (as
	// CreateMaintenancePlan) and sets its ID; approvers are notified.
	RequestMaintenancePlan(ctx context.Context, p *MaintenancePlan) error
	// DecideMaintenancePlan approves or refuses a requested plan: ENOTFOUND out of scope,
	// ECONFLICT when already decided, EFORBIDDEN for the plan's own requester, EINVALID
	// for a refusal without a note.
	DecideMaintenancePlan(ctx context.Context, id int64, d MaintenanceDecision) (*MaintenancePlan, error)
}

package medsec

import (
	"context"
	"slices"
	"strings"
)

// Cadence bases (DutyCadence.Basis, GovernanceItem.CadenceBasis): whose a recurring duty's
// cadence at a site is — the seed's own number, medsec's default where the seed leaves the
// period to the hospital, or the hospital's own choice for the site.
const (
	CadenceSeed          = "seed"
	CadenceMedsecDefault = "medsec_default"
	CadenceHospital      = "hospital"
)

// CadenceChoices are the cadences, in months, a hospital may choose: those that divide the
// year, so each period stays aligned to the calendar (see Duty.PeriodOf).
var CadenceChoices = []int{1, 2, 3, 4, 6, 12}

// DutyCadence is one recurring duty's cadence at one site: the months it recurs in, the
// default (the seed's or medsec's), whose it is (Basis), and, for the hospital's choice,
// who set it, when and why.
type DutyCadence struct {
	SiteID        int64    `json:"site_id"`
	Kind          DutyKind `json:"kind"`
	CadenceMonths int      `json:"cadence_months"`
	DefaultMonths int      `json:"default_months"`
	Basis         string   `json:"basis"`
	Clause        string   `json:"clause"`
	Reason        string   `json:"reason,omitempty"`
	SetBy         string   `json:"set_by,omitempty"`
	SetOn         Date     `json:"set_on,omitzero"`
}

// CadenceChange is a site's choice of a duty's cadence, with its reason.
type CadenceChange struct {
	SiteID        int64    `json:"site_id"`
	Kind          DutyKind `json:"kind"`
	CadenceMonths int      `json:"cadence_months"`
	Reason        string   `json:"reason"`
}

// Validate checks a change: a site, a recurring duty whose cadence the seed leaves to the
// hospital (a seed's own cadence is refused naming kind), a cadence among CadenceChoices
// and a reason.
func (c *CadenceChange) Validate() error {
	c.Reason = strings.TrimSpace(c.Reason)
	var errs []FieldError
	if c.SiteID == 0 {
		errs = append(errs, FieldError{Field: "site_id", Key: "err.required", Message: "is required"})
	}
	d, ok := DutyOf(c.Kind)
	switch {
	case !ok || d.Event != "":
		errs = append(errs, FieldError{Field: "kind", Key: "err.unknown_value", Value: string(c.Kind), Message: "is not a recurring duty"})
	case d.FromSeed:
		errs = append(errs, FieldError{Field: "kind", Key: "err.cadence_from_seed", Value: string(c.Kind), Message: "has its cadence from the seed (" + d.Clause + "); only cadences the seed leaves to the hospital can be changed"})
	}
	if !slices.Contains(CadenceChoices, c.CadenceMonths) {
		errs = append(errs, FieldError{Field: "cadence_months", Key: "err.cadence_months", Message: "must be 1, 2, 3, 4, 6 or 12"})
	}
	if c.Reason == "" {
		errs = append(errs, FieldError{Field: "reason", Key: "err.required", Message: "is required"})
	}
	var t textChecks
	t.text("reason", c.Reason)
	errs = append(errs, t.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// ActionGovernanceCadence is the audit action of a site's cadence choice.
const ActionGovernanceCadence = "governance.cadence"

// CadenceService keeps each site's choice of the cadences the seeds leave to the hospital.
// Reads need PermGovernanceRead, changes PermGovernanceWrite and the site in the caller's
// scope (another site is ENOTFOUND); audited.
type CadenceService interface {
	// FindDutyCadences returns every recurring duty's cadence at a site (EINVALID naming
	// site_id when 0), in the calendar's order.
	FindDutyCadences(ctx context.Context, siteID int64) ([]DutyCadence, error)
	// SetDutyCadence stores a site's cadence of a duty (the default again clears the
	// choice) and returns it; the items of later periods follow it, those already created
	// keep their period. EINVALID naming the field (see CadenceChange.Validate).
	SetDutyCadence(ctx context.Context, c CadenceChange) (DutyCadence, error)
}

package medsec

import (
	"fmt"
	"slices"
)

// AssetBulkAction names what a bulk change does to each asset it selects.
type AssetBulkAction string

// Bulk actions on assets: the fields a hospital edits for many devices at once, retiring
// them, placing them in an IEC 62443 zone, and deciding their device class.
const (
	// BulkDepartment moves the assets to AssetBulkChange.DepartmentID (0: none), a
	// department of each asset's site.
	BulkDepartment AssetBulkAction = "department"
	// BulkResponsible makes AssetBulkChange.ResponsibleID (0: nobody) answerable for them.
	BulkResponsible AssetBulkAction = "responsible"
	// BulkLevel sets the baseline level set by hand (普/中/高; "" clears it).
	BulkLevel AssetBulkAction = "level"
	// BulkRetire retires the assets; they stay in the inventory and its history.
	BulkRetire AssetBulkAction = "retire"
	// BulkZone places the assets by hand in AssetBulkChange.ZoneID, a zone of their
	// site, or (0) returns them to computed placement.
	BulkZone AssetBulkAction = "zone"
	// BulkClass decides the assets' device class (grouping model) as AssetBulkChange.Class,
	// with AssetBulkChange.Why: a confirmation where it is the proposed class, else an
	// override.
	BulkClass AssetBulkAction = "class"
)

// AssetBulkActions lists the bulk actions, in the order a form offers them.
var AssetBulkActions = []AssetBulkAction{BulkDepartment, BulkResponsible, BulkLevel, BulkZone, BulkClass, BulkRetire}

// AssetBulkChange is one change applied to many assets in one transaction: all of them
// change, each with its own audit row, or none does.
type AssetBulkChange struct {
	// AssetIDs names the assets. When it is empty, Filter selects them instead: every
	// asset the caller sees that the filter selects, on every page ("select all").
	AssetIDs []int64 `json:"asset_ids,omitempty"`
	// Filter selects the assets when AssetIDs is empty; its Offset, Limit and Sort are
	// ignored. Nil with no AssetIDs is an error.
	Filter        *AssetFilter    `json:"-"`
	Action        AssetBulkAction `json:"action"`
	DepartmentID  int64           `json:"department_id,omitempty"`
	ResponsibleID int64           `json:"responsible_id,omitempty"`
	Level         Level           `json:"level,omitempty"`
	ZoneID        int64           `json:"zone_id,omitempty"`
	Class         DeviceClass     `json:"class,omitempty"`
	// Why is the reason for a class decision; an override needs one.
	Why string `json:"why,omitempty"`
}

// AssetBulkResult counts what a bulk change did.
type AssetBulkResult struct {
	// Changed counts the assets changed, each with an audit row; Unchanged those already
	// as asked (left alone, no audit row).
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
}

// Validate checks the action and its value, before any asset is read. Errors name the
// field (action, level, class, why, asset_ids) with a message key.
func (c *AssetBulkChange) Validate() error {
	var errs []FieldError
	switch c.Action {
	case BulkDepartment, BulkResponsible, BulkRetire, BulkZone:
	case BulkLevel:
		if c.Level != "" && !slices.Contains(Levels, c.Level) {
			errs = append(errs, FieldError{Field: "level", Key: "err.unknown_value", Value: string(c.Level), Enum: "level", Allowed: StringsOf(Levels),
				Message: fmt.Sprintf("unknown level %q", c.Level)})
		}
	case BulkClass:
		if !slices.Contains(DeviceClasses, c.Class) {
			errs = append(errs, FieldError{Field: "class", Key: "err.unknown_value", Value: string(c.Class), Enum: "class", Allowed: StringsOf(DeviceClasses),
				Message: fmt.Sprintf("unknown class %q", c.Class)})
		}
		if err := CheckWhy(c.Why); err != nil {
			return err
		}
	default:
		errs = append(errs, FieldError{Field: "action", Key: "err.unknown_value", Value: string(c.Action), Enum: "bulk_action", Allowed: StringsOf(AssetBulkActions),
			Message: fmt.Sprintf("unknown action %q", c.Action)})
	}
	if len(c.AssetIDs) == 0 && c.Filter == nil {
		errs = append(errs, FieldError{Field: "asset_ids", Key: "bulk.none", Message: "choose at least one asset"})
	}
	if len(c.AssetIDs) > MaxBulkAssets {
		errs = append(errs, FieldError{Field: "asset_ids", Key: "err.too_many",
			Message: fmt.Sprintf("has %d entries; at most %d are allowed", len(c.AssetIDs), MaxBulkAssets)})
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// StringsOf returns the values of a string enum as plain strings, in order: the allowed
// values a FieldError lists, the choices a form offers.
func StringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

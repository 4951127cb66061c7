package medsec

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ClinicalSystem is a clinical information system (醫療資訊系統; an HIS, a PACS, a LIS) as a
// system of assets: its application servers, database server, archive storage and
// workstations [issue 15 M6 "per system (an asset or a system of assets)", M10]. Its
// owner runs the access reviews of its accounts [000 帳號管理(高) 一]; its continuity
// targets say how long it may be out and how much data it may lose, and its fallback the
// manual procedure while it is down [000 tw-cp-1.l 可容忍時間, 替代流程; 004 §11 ①
// 紙での運用等の代替手段].
type ClinicalSystem struct {
	ID     int64 `json:"id"`
	SiteID int64 `json:"site_id"`
	// Name is unique within the site ("HIS", "PACS").
	Name string `json:"name"`
	// OwnerID is the person answerable for the system, who reviews its accounts; 0 for none.
	OwnerID     int64  `json:"owner_id,omitempty"`
	OwnerName   string `json:"owner_name,omitempty"`
	Description string `json:"description,omitempty"`
	// RTOHours is the tolerable outage, in hours (the recovery time objective); 0: not set.
	RTOHours int `json:"rto_hours"`
	// RPOHours is the tolerable data loss, in hours (the recovery point objective); 0: not set.
	RPOHours int `json:"rpo_hours"`
	// Fallback is the manual procedure while the system is down.
	Fallback string `json:"fallback,omitempty"`
	// Members are the system's assets, all of its site, by name.
	Members   []SystemMember `json:"members"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// SystemMember is one asset of a clinical system.
type SystemMember struct {
	AssetID int64  `json:"asset_id"`
	Name    string `json:"name"`
	// Kind is the asset's kind (server, workstation, modality), shown beside it.
	Kind string `json:"kind,omitempty"`
}

// MemberIDs returns the IDs of the system's member assets.
func (s *ClinicalSystem) MemberIDs() []int64 {
	ids := make([]int64, len(s.Members))
	for i, m := range s.Members {
		ids[i] = m.AssetID
	}
	return ids
}

// Validate checks a system before it is stored: a site, a name of at most 200 characters,
// a description and fallback of at most 2000, and targets of 0 to 8760 hours (a year), and at most MaxSystemMembers members.
func (s *ClinicalSystem) Validate() error {
	var errs []FieldError
	s.Name = strings.TrimSpace(s.Name)
	if s.SiteID <= 0 {
		errs = append(errs, FieldError{Field: "site_id", Key: "err.required", Message: "is required"})
	}
	if s.Name == "" {
		errs = append(errs, FieldError{Field: "name", Key: "err.required", Message: "is required"})
	}
	for _, f := range []struct {
		field, value string
		multi        bool
		max          int
	}{{"name", s.Name, false, 200}, {"description", s.Description, true, 2000}, {"fallback", s.Fallback, true, 2000}} {
		if fe := CheckText(f.field, f.value, f.multi); fe != nil {
			errs = append(errs, *fe)
		} else if fe := CheckLength(f.field, f.value, f.max); fe != nil {
			errs = append(errs, *fe)
		}
	}
	for _, f := range []struct {
		field string
		v     int
	}{{"rto_hours", s.RTOHours}, {"rpo_hours", s.RPOHours}} {
		if f.v < 0 || f.v > 8760 {
			errs = append(errs, FieldError{Field: f.field, Key: "err.out_of_range", Value: fmt.Sprint(f.v), Message: "must be 0 to 8760"})
		}
	}
	if len(s.Members) > MaxSystemMembers {
		errs = append(errs, FieldError{Field: "members", Key: "err.too_many", Value: fmt.Sprint(len(s.Members)), Message: fmt.Sprintf("at most %d", MaxSystemMembers)})
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// MaxSystemMembers is the most member assets one system has (and one change adds or
// removes): a hospital's largest system, its workstations included, stays well below.
const MaxSystemMembers = 1000

// ClinicalSystemFilter selects clinical systems. Zero fields do not filter.
type ClinicalSystemFilter struct {
	SiteID int64
	// AssetID keeps the systems the asset is a member of.
	AssetID int64
}

// Audit actions of the clinical systems.
const (
	ActionSystemCreate  = "system.create"
	ActionSystemUpdate  = "system.update"
	ActionSystemDelete  = "system.delete"
	ActionSystemMembers = "system.members"
)

// ClinicalSystemService keeps the clinical systems and their member assets. Systems
// belong with the account inventory and the continuity plans, so reads need
// PermAccountRead and changes PermAccountWrite (the roles holding the backup permissions
// hold these too; no vendor-maintenance user does). Every method sees only the systems of
// the caller's sites (another site's system is ENOTFOUND), and every change is audited in
// its transaction with the system before and after.
type ClinicalSystemService interface {
	// FindClinicalSystems returns the systems the filter selects with their members, by
	// site then name.
	FindClinicalSystems(ctx context.Context, f ClinicalSystemFilter) ([]*ClinicalSystem, error)
	// FindClinicalSystem returns one system or ENOTFOUND.
	FindClinicalSystem(ctx context.Context, id int64) (*ClinicalSystem, error)
	// CreateClinicalSystem stores a new system with the members of s.Members (by
	// AssetID): EINVALID per Validate, for an unknown owner or a member asset of another
	// site (naming field "members"); ECONFLICT when the site has a system of that name.
	CreateClinicalSystem(ctx context.Context, s *ClinicalSystem) error
	// UpdateClinicalSystem replaces a system's fields (not its site nor its members).
	UpdateClinicalSystem(ctx context.Context, s *ClinicalSystem) error
	// SetSystemMembers adds the assets add and removes the assets remove (either may be
	// empty); a member of another site is EINVALID naming field "members".
	SetSystemMembers(ctx context.Context, id int64, add, remove []int64) (*ClinicalSystem, error)
	// DeleteClinicalSystem deletes a system (its memberships go with it; its assets stay);
	// ECONFLICT when accounts, access reviews or backup plans of the system are on record.
	DeleteClinicalSystem(ctx context.Context, id int64) error
	// ImportClinicalSystems stores every row of imp (a spreadsheet read by package
	// systemio) in one transaction, or none: a row creates the system of its site and
	// name, or updates the one the site has (the fields the file has columns for, and its
	// members replaced by the row's). The reader's problems and the store's — an unknown
	// site or one the caller may not change, an unknown owner, a member no asset of the
	// site is or several are, the same system on two lines — are returned together as
	// one *ValidationError naming the file, line and column as written. Each system
	// created or changed is audited with its state before and after, and the import as
	// a whole (ActionSystemImport).
	ImportClinicalSystems(ctx context.Context, imp SystemImport) (SystemImportResult, error)
}

// ActionSystemImport is the audit action of an import of clinical systems from a
// spreadsheet: one row per import, besides each system's own create or update row.
const ActionSystemImport = "system.import"

// SystemRow is one row of a spreadsheet of clinical systems, as read: the system's fields,
// and the names the store resolves — its site (name or code), its owner (a person's
// employee number or name) and its member assets (each an asset's name, serial number
// or IP address at the system's site).
type SystemRow struct {
	Line    int
	System  ClinicalSystem
	Site    string
	Owner   string
	Members []string
}

// SystemImport is a spreadsheet of clinical systems as a reader (package systemio) read
// it: its rows, the columns it has (a column the file lacks leaves an existing system's
// field as it is), its headers as written, and every problem found in it.
type SystemImport struct {
	// Source names the file in problems and in the audit trail; Sheet is the worksheet
	// read from a workbook.
	Source, Sheet string
	Rows          []SystemRow
	// Columns are the canonical names of the columns the file has (name, site, owner,
	// description, rto_hours, rpo_hours, fallback, members); Headers maps each to its
	// header as written, for problems the store finds.
	Columns []string
	Headers map[string]string
	// Problems are the reader's: the import refuses the file when there are any.
	Problems []FieldError
}

// Has reports whether the file has the column key.
func (imp *SystemImport) Has(key string) bool {
	for _, c := range imp.Columns {
		if c == key {
			return true
		}
	}
	return false
}

// Column returns the header of the column key as the file writes it, else key.
func (imp *SystemImport) Column(key string) string {
	if h := imp.Headers[key]; h != "" {
		return h
	}
	return key
}

// SystemImportResult counts what an import of clinical systems did.
type SystemImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

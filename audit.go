package medsec

import (
	"context"
	"encoding/json"
	"time"
)

// AuditEntry is one row of medsec's own audit trail: a change, a login, a failed login or a
// permission denial.
type AuditEntry struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	UserID     int64           `json:"user_id,omitempty"`
	Username   string          `json:"username"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type,omitempty"`
	ObjectID   int64           `json:"object_id,omitempty"`
	SiteID     int64           `json:"site_id,omitempty"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	RemoteAddr string          `json:"remote_addr,omitempty"`
	// Detail is a short, secret-free note such as the reason for a denial.
	Detail string `json:"detail,omitempty"`
	// Truncated is set by lists when Before or After was too long to list and was left
	// out; FindAuditEntry returns the whole entry.
	Truncated bool `json:"truncated,omitempty"`
}

// Audit actions that are not object changes.
const (
	ActionLogin        = "login"
	ActionLoginFailed  = "login.failed"
	ActionLogout       = "logout"
	ActionDenied       = "permission.denied"
	ActionTOTPEnrolled = "totp.enrolled"
)

// AuditFilter selects audit entries.
type AuditFilter struct {
	Action     string
	Username   string
	ObjectType string
	ObjectID   int64
	// AssetID selects an asset's whole history: the entries about the asset (its
	// changes, zone placements, class proposals and decisions, CRL reviews) and those
	// about its assessments.
	AssetID int64
	Since   time.Time
	Until   time.Time
	Offset  int
	Limit   int
}

// AuditService reads and appends to the audit trail. Reading needs PermAuditRead.
type AuditService interface {
	// FindAuditEntries returns a page of entries, newest first, and the total count. Limit
	// is 1 to MaxPageSize (0 means a default); another is EINVALID. Before and After
	// values too long for a list are left out and the entry marked Truncated.
	FindAuditEntries(ctx context.Context, filter AuditFilter) ([]*AuditEntry, int, error)
	// FindAuditEntry returns one whole entry, or ENOTFOUND.
	FindAuditEntry(ctx context.Context, id int64) (*AuditEntry, error)
	// EachAuditEntry calls fn with every entry the filter selects, newest first and whole,
	// ignoring Offset and Limit; it stops at fn's first error and returns it.
	EachAuditEntry(ctx context.Context, filter AuditFilter, fn func(*AuditEntry) error) error
	// RecordEvent appends an entry that is not part of a change (a login, a denial).
	RecordEvent(ctx context.Context, e *AuditEntry) error
}

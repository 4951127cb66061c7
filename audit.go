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
	Since      time.Time
	Until      time.Time
	Offset     int
	Limit      int
}

// AuditService reads and appends to the audit trail. Reading needs PermAuditRead.
type AuditService interface {
	// FindAuditEntries returns the newest entries first, and the total count.
	FindAuditEntries(ctx context.Context, filter AuditFilter) ([]*AuditEntry, int, error)
	// RecordEvent appends an entry that is not part of a change (a login, a denial).
	RecordEvent(ctx context.Context, e *AuditEntry) error
}

package medsec

import (
	"context"
	"strings"
	"time"
)

// Sigma ids of the built-in rules that the account inventory follows (detection/builtin).
const (
	// RuleUIDEmergencyAccount is "Emergency account used": a successful login with an
	// emergency (break-glass) account [004 §11 ①].
	RuleUIDEmergencyAccount = "eeafdf62-ed10-442f-8c3e-806d9f3332b8"
	// RuleUIDRemoteMaintenance is "Remote maintenance outside the approved window" [004
	// §10 ④].
	RuleUIDRemoteMaintenance = "0d06218e-81bc-4d4d-8175-dba325b2caa4"
)

// FieldAccountType is the event field detection adds to a login whose user name is an
// emergency or maintenance-vendor account of the site's account inventory: the account's
// AccountType ("emergency", "vendor"). The built-in rules read it, so that an account the
// inventory types as emergency is followed whatever its name.
const FieldAccountType = "medsec.account.type"

// FieldAccountName is the account part of an event's user.name, as detection derives it:
// the name without a Windows domain (HOSPITAL\breakglass) or a realm
// ("breakglass@hospital.local"), so that the built-in rules and the inventory find an
// account however the source qualifies it.
const FieldAccountName = "medsec.account.name"

// AccountName returns the account part of a user name: after the last backslash, before
// the first "@" (the name itself when that would leave nothing).
func AccountName(user string) string {
	a := user
	if i := strings.LastIndexByte(a, '\\'); i >= 0 {
		a = a[i+1:]
	}
	if i := strings.IndexByte(a, '@'); i >= 0 {
		a = a[:i]
	}
	if a == "" {
		return user
	}
	return a
}

// PrivilegedAccount is an enabled emergency or maintenance-vendor account of a site's
// account inventory, as detection marks logins with it (FieldAccountType).
type PrivilegedAccount struct {
	SiteID   int64       `json:"site_id"`
	AssetID  int64       `json:"asset_id"`
	Username string      `json:"username"`
	Type     AccountType `json:"type"`
	// Windows are, for a vendor account, the approved maintenance plans' windows on its
	// system (MaintenancePlan).
	Windows []MaintenanceWindow `json:"windows,omitempty"`
}

// EmergencyResetHours is how long after an emergency account's use its password must be
// changed: 24 hours. 004 §11 ① asks that a used emergency account be changed so that it
// cannot go on being used once normal operation is back (正常復帰後は継続使用ができないように
// 変更すること) without a number; one day is medsec's default.
const EmergencyResetHours = 24

// EmergencyUse is one use of an emergency (break-glass) account seen in the logs by the
// built-in rule "Emergency account used" [004 §11 ①: 使用されたことが検知できるよう…監査;
// 000 附表一 帳號管理(高) 一 異常管理機制]. Each use is a password-reset task with a
// deadline (ResetDue): a person enters why the account was used (Justification), then
// confirms that its password was changed (ResetAt), which closes it.
type EmergencyUse struct {
	ID       int64  `json:"id"`
	SiteID   int64  `json:"site_id"`
	SiteName string `json:"site_name,omitempty"`
	// AssetID is the system the login was on (0 when the event named no known asset);
	// AccountID the inventory's account of that name on it (0 when not listed).
	AssetID   int64  `json:"asset_id,omitempty"`
	AssetName string `json:"asset_name,omitempty"`
	AccountID int64  `json:"account_id,omitempty"`
	Username  string `json:"username"`
	// SourceIP is where the login came from, as the log said ("" when it did not).
	SourceIP string    `json:"source_ip,omitempty"`
	UsedAt   time.Time `json:"used_at"`
	// AlertID is the alert the use raised or joined; EventKey the event's key in it.
	AlertID  int64     `json:"alert_id"`
	EventKey string    `json:"event_key"`
	ResetDue time.Time `json:"reset_due"`
	// Overdue is set while the reset is not confirmed after ResetDue.
	Overdue       bool      `json:"overdue"`
	Justification string    `json:"justification"`
	JustifiedBy   string    `json:"justified_by,omitempty"`
	JustifiedAt   time.Time `json:"justified_at,omitzero"`
	// ResetBy and ResetAt say who confirmed the password change, and when; ResetNote how
	// (the ticket, who changed it).
	ResetBy   string    `json:"reset_by,omitempty"`
	ResetAt   time.Time `json:"reset_at,omitzero"`
	ResetNote string    `json:"reset_note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Closed reports whether the reset was confirmed.
func (u *EmergencyUse) Closed() bool { return !u.ResetAt.IsZero() }

// EmergencyUseFilter selects emergency uses. Zero fields do not filter.
type EmergencyUseFilter struct {
	SiteID  int64
	AssetID int64
	// Open keeps the uses whose reset is not confirmed; Overdue those past ResetDue.
	Open    bool
	Overdue bool
}

// Audit actions of emergency uses.
const (
	ActionEmergencyUseRecord  = "emergency_use.record"
	ActionEmergencyUseJustify = "emergency_use.justify"
	ActionEmergencyUseReset   = "emergency_use.reset"
)

// AlertFollower acts on alerts as detection raises them (the system calls it after each
// RaiseAlert, with the alert's ID, asset and the events of that raise). It ignores alerts
// it has no business with and must be idempotent: a redelivered event is followed again.
type AlertFollower interface {
	FollowAlert(ctx context.Context, a *Alert) error
}

// EmergencyUseService keeps the uses of emergency accounts and their reset tasks. Reads
// need PermAccountRead, justifying and confirming PermAccountWrite; every method sees only
// the uses of the caller's sites (an asset's use: the caller must see the asset), and
// every change is audited in its transaction.
type EmergencyUseService interface {
	AlertFollower
	// PrivilegedAccounts lists the enabled emergency and vendor accounts of every site's
	// inventory (as the system), for detection to mark logins with them.
	PrivilegedAccounts(ctx context.Context) ([]PrivilegedAccount, error)
	// FindEmergencyUses returns the uses the filter selects, newest first.
	FindEmergencyUses(ctx context.Context, f EmergencyUseFilter) ([]*EmergencyUse, error)
	// FindEmergencyUse returns one use or ENOTFOUND.
	FindEmergencyUse(ctx context.Context, id int64) (*EmergencyUse, error)
	// JustifyEmergencyUse records why the account was used (required text); ECONFLICT
	// once the reset is confirmed.
	JustifyEmergencyUse(ctx context.Context, id int64, justification string) (*EmergencyUse, error)
	// ConfirmEmergencyReset closes the use: the account's password was changed. EINVALID
	// while it has no justification; ECONFLICT when confirmed already. The inventory's
	// account gets the confirmation's date as its password change.
	ConfirmEmergencyReset(ctx context.Context, id int64, note string) (*EmergencyUse, error)
}

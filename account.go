package medsec

import (
	"context"
	"time"
)

// Permissions of the account inventory [M6]: PermAccountRead reads the accounts of the
// assets of the caller's sites, their findings and access reviews; PermAccountWrite
// imports accounts and the staff roster and works access reviews. No vendor-maintenance
// user holds either: an account list names the hospital's staff.
const (
	PermAccountRead  Permission = "account:read"
	PermAccountWrite Permission = "account:write"
)

// AccountType is what an account is for [000 帳號管理; 004 §10 ③, §11 ①, §14].
type AccountType string

// Account types.
const (
	// AccountTypePersonal belongs to one person.
	AccountTypePersonal AccountType = "personal"
	// AccountTypeShared is used by several people (a ward's login); forbidden on device
	// application systems [000 帳號管理(普) 四].
	AccountTypeShared AccountType = "shared"
	// AccountTypeDefault is an account the manufacturer ships (admin, service) [000
	// 帳號管理(普) 一, 二].
	AccountTypeDefault AccountType = "default"
	// AccountTypeEmergency is a break-glass account for emergencies [004 §11 ①].
	AccountTypeEmergency AccountType = "emergency"
	// AccountTypeVendor is a maintenance vendor's dedicated account [004 §10 ③].
	AccountTypeVendor AccountType = "vendor"
	// AccountTypeService is used by software, not people (an interface, a backup job).
	AccountTypeService AccountType = "service"
)

// AccountTypes lists the account types in display order.
var AccountTypes = []AccountType{AccountTypePersonal, AccountTypeShared, AccountTypeDefault, AccountTypeEmergency, AccountTypeVendor, AccountTypeService}

// Account is one account on a clinical system, as the system's own account list says,
// linked to the person it belongs to [M6; 004 §14 ⑦ ID ledger]. The system is either one
// asset (a PACS server, a modality's console: AssetID) or a clinical system of several
// assets (an HIS: SystemID), exactly one of the two.
type Account struct {
	ID      int64 `json:"id"`
	AssetID int64 `json:"asset_id"`
	// SystemID is the clinical system the account is of, 0 for an asset's account;
	// SystemName its name.
	SystemID    int64       `json:"system_id,omitempty"`
	SystemName  string      `json:"system_name,omitempty"`
	SiteID      int64       `json:"site_id"`
	AssetName   string      `json:"asset_name"`
	Username    string      `json:"username"`
	DisplayName string      `json:"display_name,omitempty"`
	Type        AccountType `json:"type"`
	// PersonID links the account to a person of the staff roster; 0 for none.
	PersonID   int64  `json:"person_id,omitempty"`
	PersonName string `json:"person_name,omitempty"`
	Enabled    bool   `json:"enabled"`
	// LastLogin is the last successful login the import says of, zero when unknown.
	LastLogin time.Time `json:"last_login,omitzero"`
	// PasswordChanged is when the password was last set, zero when unknown.
	PasswordChanged Date `json:"password_changed,omitzero"`
	// MFA says whether logins need a second factor [004 §14 ⑤].
	MFA Tristate `json:"mfa"`
	// Source is how the account came in: csv, xlsx, ldif, directory.
	Source string `json:"source"`
	// DN is the directory entry of an LDIF or directory account.
	DN    string `json:"dn,omitempty"`
	Notes string `json:"notes,omitempty"`
	// RemovedAt is when an import of the system no longer listed the account (it was
	// deleted there); zero while it exists. Removed accounts stay for the record.
	RemovedAt time.Time `json:"removed_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AccountRow is one account of an import, with its line (CSV line, sheet row, or the line
// an LDIF entry starts on) and the person it belongs to as the file names them (employee
// number or name; empty: matched by the roster's user name).
type AccountRow struct {
	Line            int         `json:"line"`
	Username        string      `json:"username"`
	DisplayName     string      `json:"display_name,omitempty"`
	Type            AccountType `json:"type"`
	Person          string      `json:"person,omitempty"`
	Enabled         bool        `json:"enabled"`
	LastLogin       time.Time   `json:"last_login,omitzero"`
	PasswordChanged Date        `json:"password_changed,omitzero"`
	MFA             Tristate    `json:"mfa"`
	DN              string      `json:"dn,omitempty"`
	Notes           string      `json:"notes,omitempty"`
}

// AccountImport is the whole account list of one system: accounts it names are created
// or updated; accounts of the system it no longer names are marked removed. The system is
// an asset (AssetID) or a clinical system (SystemID), exactly one of the two.
type AccountImport struct {
	// Source names the file in problems and in the audit trail; Format is csv, xlsx,
	// ldif or directory.
	Source   string
	Format   string
	AssetID  int64
	SystemID int64
	Rows     []AccountRow
	// Problems are those the reader found; any rejects the whole import.
	Problems []FieldError
}

// AccountImportResult counts what an account import did.
type AccountImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Removed counts the system's accounts the list no longer names.
	Removed int `json:"removed"`
	// Linked counts the accounts linked to a person of the roster.
	Linked int `json:"linked"`
}

// PersonStatus is a person's employment status from the staff roster.
type PersonStatus string

// Person statuses [000 帳號管理(中) 一: 離職或調任].
const (
	PersonActive      PersonStatus = "active"
	PersonTransferred PersonStatus = "transferred"
	PersonLeft        PersonStatus = "left"
)

// PersonStatuses lists the statuses in display order.
var PersonStatuses = []PersonStatus{PersonActive, PersonTransferred, PersonLeft}

// RosterRow is one person of an HR roster import: the employee number that identifies
// them, name, directory user name, department (by name, matched when one department has
// it), status, the date they joined and the date the status took effect (the transfer or
// the last day).
type RosterRow struct {
	Line       int          `json:"line"`
	EmployeeNo string       `json:"employee_no"`
	Name       string       `json:"name"`
	Username   string       `json:"username,omitempty"`
	Department string       `json:"department,omitempty"`
	Status     PersonStatus `json:"status"`
	Joined     Date         `json:"joined,omitzero"`
	Effective  Date         `json:"effective,omitzero"`
}

// RosterImport is one roster file's rows with its reader's problems.
type RosterImport struct {
	Source   string
	Rows     []RosterRow
	Problems []FieldError
}

// RosterResult counts what a roster import did.
type RosterResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// StaffMember is a person with their roster status, as findings read it.
type StaffMember struct {
	PersonID   int64        `json:"person_id"`
	Name       string       `json:"name"`
	EmployeeNo string       `json:"employee_no,omitempty"`
	Username   string       `json:"username,omitempty"`
	Status     PersonStatus `json:"status,omitempty"`
	Joined     Date         `json:"joined,omitzero"`
	Effective  Date         `json:"effective,omitzero"`
}

// AccountFindingKind names what is wrong with an account.
type AccountFindingKind string

// Account finding kinds, each with the seed clause it carries out (AccountFinding.Clause).
const (
	// FindingDefaultCredentials: a manufacturer's default account is enabled with its
	// password never changed [000 帳號管理(普) 一, 二].
	FindingDefaultCredentials AccountFindingKind = "default-credentials"
	// FindingSharedForbidden: a shared account on a device application system [000
	// 帳號管理(普) 四: 「醫儀應用系統」…不得使用共用帳號].
	FindingSharedForbidden AccountFindingKind = "shared-forbidden"
	// FindingDeparted: an enabled account of someone who left [000 帳號管理(中) 一].
	FindingDeparted AccountFindingKind = "departed"
	// FindingTransferred: an enabled account of someone transferred, still unreviewed
	// since [000 帳號管理(中) 一; 004 §14.2].
	FindingTransferred AccountFindingKind = "transferred"
	// FindingUnused: an enabled account with no login for UnusedDays [004 §14 ⑦; 000
	// 帳號管理(高) 一].
	FindingUnused AccountFindingKind = "unused"
	// FindingNoMFA: a password login without a second factor on a system in use at or
	// after FY2027 [004 §14 ⑤].
	FindingNoMFA AccountFindingKind = "no-mfa"
	// FindingEmergencyUsed: an emergency account was used and its password must be
	// changed before it can be used again [004 §11 ①].
	FindingEmergencyUsed AccountFindingKind = "emergency-used"
)

// AccountFindingKinds lists the kinds in display order.
var AccountFindingKinds = []AccountFindingKind{FindingDefaultCredentials, FindingSharedForbidden, FindingDeparted,
	FindingTransferred, FindingUnused, FindingNoMFA, FindingEmergencyUsed}

// AccountFinding is one problem with one account, with the clause of the seed that makes
// it one and the data it was found from.
type AccountFinding struct {
	Kind      AccountFindingKind `json:"kind"`
	AccountID int64              `json:"account_id"`
	AssetID   int64              `json:"asset_id"`
	SiteID    int64              `json:"site_id"`
	AssetName string             `json:"asset_name"`
	// SystemID and SystemName are the clinical system of a system's account (AssetID 0).
	SystemID   int64  `json:"system_id,omitempty"`
	SystemName string `json:"system_name,omitempty"`
	Username   string `json:"username"`
	// Clause cites the seed ("000 帳號管理(普) 四").
	Clause string `json:"clause"`
	// Detail says in English what was found; Since is the date the finding's cause
	// began (the person left, the last login), zero when there is none.
	Detail string `json:"detail"`
	Since  Date   `json:"since,omitzero"`
	// Upcoming is true for a requirement that applies only from a later date (Since): the
	// finding tells of it ahead.
	Upcoming bool `json:"upcoming,omitempty"`
}

// AccountFilter selects accounts. Zero fields do not filter.
type AccountFilter struct {
	SiteID  int64
	AssetID int64
	// SystemID keeps the accounts of one clinical system.
	SystemID int64
	Type     AccountType
	// Removed includes accounts the system no longer has.
	Removed bool
}

// AccessReview states.
const (
	AccessReviewOpen   = "open"
	AccessReviewSigned = "signed"
)

// Access review decisions.
const (
	DecisionKeep   = "keep"
	DecisionRemove = "remove"
)

// AccessReview is one periodic review of a system's accounts by its owner [000 帳號管理(高)
// 一: 定期盤點帳號並審核; 004 §14 ④, ⑦]: every account of the system when the review was
// opened, each kept or removed with a reason, then signed off. A signed review cannot
// change.
type AccessReview struct {
	ID        int64  `json:"id"`
	AssetID   int64  `json:"asset_id"`
	SiteID    int64  `json:"site_id"`
	AssetName string `json:"asset_name"`
	// SystemID and SystemName are the clinical system of a system's review (AssetID 0):
	// a campaign of the system owner over the system's own accounts.
	SystemID   int64  `json:"system_id,omitempty"`
	SystemName string `json:"system_name,omitempty"`
	// OwnerID is the person answerable for the system (the asset's responsible person,
	// or the clinical system's owner) when the review was opened: its reviewer.
	OwnerID      int64              `json:"owner_id,omitempty"`
	OwnerName    string             `json:"owner_name,omitempty"`
	PeriodStart  time.Time          `json:"period_start"`
	PeriodEnd    time.Time          `json:"period_end"`
	Due          time.Time          `json:"due"`
	Status       string             `json:"status"`
	Overdue      bool               `json:"overdue"`
	Items        []AccessReviewItem `json:"items"`
	SignedBy     int64              `json:"signed_by,omitempty"`
	SignedByName string             `json:"signed_by_name,omitempty"`
	SignedAt     time.Time          `json:"signed_at,omitzero"`
	CreatedAt    time.Time          `json:"created_at"`
}

// Holder names the system the review is of: the clinical system's name, else the asset's.
func (r *AccessReview) Holder() string {
	if r.SystemID != 0 {
		return r.SystemName
	}
	return r.AssetName
}

// AccessReviewItem is one account of a review with the reviewer's decision.
type AccessReviewItem struct {
	AccountID  int64       `json:"account_id"`
	Username   string      `json:"username"`
	Type       AccountType `json:"type"`
	PersonName string      `json:"person_name,omitempty"`
	Enabled    bool        `json:"enabled"`
	LastLogin  time.Time   `json:"last_login,omitzero"`
	// Findings are the account's findings when the review was opened.
	Findings []AccountFindingKind `json:"findings"`
	// Decision is DecisionKeep, DecisionRemove or "" (not decided).
	Decision  string    `json:"decision"`
	Reason    string    `json:"reason"`
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}

// AccessReviewFilter selects reviews.
type AccessReviewFilter struct {
	SiteID  int64
	AssetID int64
	// SystemID keeps the reviews of one clinical system.
	SystemID int64
	// Status keeps open or signed reviews; "" both.
	Status string
}

// AccessReviewDecision is the decision on one account of an open review.
type AccessReviewDecision struct {
	AccountID int64  `json:"account_id"`
	Decision  string `json:"decision"`
	Reason    string `json:"reason"`
}

// AccessReviewCadenceMonths is how often each system's accounts are reviewed by default:
// quarterly. 000 asks for periodic review (定期盤點帳號並審核) without a period; this
// default is medsec's choice, which the hospital may change per review it opens.
const AccessReviewCadenceMonths = 3

// AccessReviewDueDays is how many days after its quarter ends a review is due.
const AccessReviewDueDays = 30

// Audit actions of the account inventory.
const (
	ActionAccountImport      = "account.import"
	ActionRosterImport       = "roster.import"
	ActionAccessReviewCreate = "access_review.create"
	ActionAccessReviewDecide = "access_review.decide"
	ActionAccessReviewSign   = "access_review.sign"
)

// AccountService keeps the account inventory of the clinical systems, the staff roster
// and the access reviews. Reads need PermAccountRead, imports and review work
// PermAccountWrite; every method sees only the assets of the caller's sites (another
// site's asset, account or review is ENOTFOUND), and every change is audited in its
// transaction.
type AccountService interface {
	// FindAccounts returns the accounts the filter selects, by asset then user name.
	FindAccounts(ctx context.Context, f AccountFilter) ([]*Account, error)
	// ImportAccounts replaces the account list of one asset or clinical system (see
	// AccountImport): all rows or none; any problem (the reader's, a duplicate user name,
	// an unknown person) is one *ValidationError naming line and field. Neither or both
	// of AssetID and SystemID is EINVALID naming the field system_id; an asset or system
	// the caller cannot see is ENOTFOUND.
	ImportAccounts(ctx context.Context, imp AccountImport) (AccountImportResult, error)
	// ReadDirectoryAccounts lists the user accounts of the directory set for login
	// (DirectorySettings), under base (its base DN when "") and by filter (its user filter
	// for every name when ""), as an import of Format "directory" for ImportAccounts.
	// EINVALID when no directory is set, EUNAVAILABLE when it cannot be used.
	ReadDirectoryAccounts(ctx context.Context, base, filter string) (AccountImport, error)
	// ImportRoster creates or updates people by employee number (then by name) with their
	// status and dates; all rows or none. Needs a caller limited to no site: the roster is
	// the whole hospital's.
	ImportRoster(ctx context.Context, imp RosterImport) (RosterResult, error)
	// FindStaff returns the people with their roster status, as the caller may see them.
	FindStaff(ctx context.Context) ([]StaffMember, error)
	// AccountFindings returns the findings of the accounts the filter selects at now,
	// an account unused for unusedDays days (0: DefaultUnusedDays) being one.
	AccountFindings(ctx context.Context, f AccountFilter, unusedDays int) ([]AccountFinding, error)

	// FindAccessReviews returns the reviews of the caller's sites, newest first.
	FindAccessReviews(ctx context.Context, f AccessReviewFilter) ([]*AccessReview, error)
	// FindAccessReview returns one review or ENOTFOUND.
	FindAccessReview(ctx context.Context, id int64) (*AccessReview, error)
	// OpenAccessReview opens the review of an asset's accounts for the quarter that
	// ended last (ECONFLICT if it exists), listing every account it has now.
	OpenAccessReview(ctx context.Context, assetID int64) (*AccessReview, error)
	// OpenSystemAccessReview opens the review of a clinical system's own accounts for the
	// quarter that ended last, its reviewer the system's owner (ECONFLICT if it exists;
	// ENOTFOUND for a system the caller cannot see).
	OpenSystemAccessReview(ctx context.Context, systemID int64) (*AccessReview, error)
	// DecideAccessReview records decisions on accounts of an open review (ECONFLICT when
	// signed; EINVALID for an unknown account, decision or a missing reason).
	DecideAccessReview(ctx context.Context, id int64, ds []AccessReviewDecision) (*AccessReview, error)
	// SignAccessReview signs an open review off as the caller; every account must have
	// a decision (EINVALID naming those without).
	SignAccessReview(ctx context.Context, id int64) (*AccessReview, error)
	// EnsureAccessReviews opens, for each active asset and each clinical system with
	// accounts, the review of the last whole quarter when missing (the scheduler, as
	// SystemUser) and returns how many.
	EnsureAccessReviews(ctx context.Context, now time.Time) (int, error)
}

// DefaultUnusedDays is after how many days without a login an enabled account is reported
// unused, when the caller gives none: 90 days, medsec's default for the periodic
// stocktake of IDs [004 §14 ⑦], which sets no number.
const DefaultUnusedDays = 90

// MFARequiredFrom is the first day of Japan's fiscal year 2027 (令和9年度, 1 April 2027):
// medical information systems in use then, when introduced or updated, must use two-factor
// authentication where passwords are used [004 §14 ⑤, §14.1.1 ※].
var MFARequiredFrom = time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)

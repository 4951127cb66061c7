package medsec

import (
	"context"
	"regexp"
	"slices"
	"time"
)

// Role is what a user does at the hospital; it decides what the user may do in medsec.
type Role string

// Roles [M13].
const (
	RoleAdmin            Role = "admin"
	RoleSecurityOfficer  Role = "security-officer"
	RoleClinicalEngineer Role = "clinical-engineer"
	RoleITOperations     Role = "it-operations"
	RoleSOCAnalyst       Role = "soc-analyst"
	RoleAuditor          Role = "auditor"
	RoleVendor           Role = "vendor"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleSecurityOfficer, RoleClinicalEngineer, RoleITOperations, RoleSOCAnalyst, RoleAuditor, RoleVendor}

// Permission is one thing a role may do.
type Permission string

// Permissions.
const (
	PermInventoryRead  Permission = "inventory:read"
	PermInventoryWrite Permission = "inventory:write"
	PermAuditRead      Permission = "audit:read"
	PermUserAdmin      Permission = "user:admin"
	PermSiteAdmin      Permission = "site:admin"
	// PermIncidentRead reads incidents, their clocks and the ledger; PermIncidentWrite
	// opens and works them [M9]; PermIncidentAdmin replaces a jurisdiction's holiday
	// calendar, which moves the due dates of every site's clocks (the service also requires
	// a user not limited to sites).
	PermIncidentRead  Permission = "incident:read"
	PermIncidentWrite Permission = "incident:write"
	PermIncidentAdmin Permission = "incident:admin"
	// PermLogRead reads collected logs, log sources and the seal [issue 12: "reading logs
	// needs its own permission"]; PermLogAdmin registers log sources, their tokens and
	// listeners.
	PermLogRead  Permission = "log:read"
	PermLogAdmin Permission = "log:admin"
	// PermLogIngest sends logs over HTTPS. No role holds it: only a log source's own token
	// does (LogSourceService.LogSourceByToken).
	PermLogIngest Permission = "log:ingest"
	// PermAlertRead reads detection alerts (a vendor only the alerts of its company's
	// assets); PermRuleRead reads the rules with their state and hit counts per site and
	// the detection settings (the hospital's detection coverage, so no vendor holds it);
	// PermAlertWrite triages alerts; PermRuleAdmin imports rules, enables and disables them
	// per site, and sets the detection settings [M8].
	PermAlertRead  Permission = "alert:read"
	PermRuleRead   Permission = "rule:read"
	PermAlertWrite Permission = "alert:write"
	PermRuleAdmin  Permission = "rule:admin"
)

// rolePermissions is the one table of who may do what. The auditor reads everything and
// changes nothing; a vendor reads only the assets assigned to its company. Incidents are
// worked by everyone who responds (the SOC analyst opens them from alerts) and read by the
// auditor; a vendor sees none, since an incident's record covers the whole site. Logs are
// read by those who review or investigate them and by the auditor; reviews are worked and
// signed off by the administrator, the security officer and the SOC analyst; sources are managed by
// the administrator and the security officer; a vendor reads no logs (they cover the site).
var rolePermissions = map[Role][]Permission{
	RoleAdmin:            {PermInventoryRead, PermInventoryWrite, PermAuditRead, PermUserAdmin, PermSiteAdmin, PermIncidentRead, PermIncidentWrite, PermIncidentAdmin, PermLogRead, PermLogAdmin, PermLogReview, PermAlertRead, PermRuleRead, PermAlertWrite, PermRuleAdmin, PermAccountRead, PermAccountWrite},
	RoleSecurityOfficer:  {PermInventoryRead, PermInventoryWrite, PermAuditRead, PermIncidentRead, PermIncidentWrite, PermIncidentAdmin, PermLogRead, PermLogAdmin, PermLogReview, PermAlertRead, PermRuleRead, PermAlertWrite, PermRuleAdmin, PermAccountRead, PermAccountWrite},
	RoleClinicalEngineer: {PermInventoryRead, PermInventoryWrite, PermIncidentRead, PermIncidentWrite, PermAlertRead, PermRuleRead, PermAlertWrite, PermAccountRead, PermAccountWrite},
	RoleITOperations:     {PermInventoryRead, PermInventoryWrite, PermIncidentRead, PermIncidentWrite, PermLogRead, PermAlertRead, PermRuleRead, PermAlertWrite, PermAccountRead, PermAccountWrite},
	RoleSOCAnalyst:       {PermInventoryRead, PermIncidentRead, PermIncidentWrite, PermLogRead, PermLogReview, PermAlertRead, PermRuleRead, PermAlertWrite, PermRuleAdmin, PermAccountRead},
	RoleAuditor:          {PermInventoryRead, PermAuditRead, PermIncidentRead, PermLogRead, PermAlertRead, PermRuleRead, PermAccountRead},
	RoleVendor:           {PermInventoryRead, PermAlertRead},
}

// Can reports whether the role has the permission.
func (r Role) Can(p Permission) bool { return slices.Contains(rolePermissions[r], p) }

// User is a person who logs in to medsec.
type User struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        Role   `json:"role"`
	// SiteIDs limits the user to these sites; empty means every site.
	SiteIDs []int64 `json:"site_ids"`
	// VendorID ties a vendor-maintenance user to its company's assets.
	VendorID int64  `json:"vendor_id,omitempty"`
	Language string `json:"language,omitempty"`
	// TimeZone is the IANA time zone the user reads times in; "" for the zone of the
	// user's first site.
	TimeZone string `json:"time_zone,omitempty"`
	// Source is UserSourceLocal (medsec's own password) or UserSourceDirectory (LDAP bind;
	// role, sites and vendor set from the directory groups at each login). Read-only: a
	// directory user is made by its first login.
	Source string `json:"source"`
	// DirectoryDN is the entry a directory user last logged in as.
	DirectoryDN string    `json:"directory_dn,omitempty"`
	TOTPEnabled bool      `json:"totp_enabled"`
	Disabled    bool      `json:"disabled"`
	LastLoginAt time.Time `json:"last_login_at,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
}

// CanSeeSite reports whether the user may see data of the site.
func (u *User) CanSeeSite(siteID int64) bool {
	return len(u.SiteIDs) == 0 || slices.Contains(u.SiteIDs, siteID)
}

// SeesEveryAsset reports whether the user is limited to no site and is no vendor
// maintenance user, so that it may change what applies to every site's assets: a device
// model, its SBOMs and its MDS2 profile (sqlstore's scope enforces it; pages use it to
// hide the forms).
func (u *User) SeesEveryAsset() bool {
	return len(u.SiteIDs) == 0 && u.Role != RoleVendor
}

// CanSeeAsset reports whether the user may see the asset: its site, and for vendor
// maintenance users, only their company's assets.
func (u *User) CanSeeAsset(a *Asset) bool {
	if !u.CanSeeSite(a.SiteID) {
		return false
	}
	if u.Role == RoleVendor {
		return u.VendorID != 0 && a.VendorID == u.VendorID
	}
	return true
}

// Holds reports whether the user holds every right an account with this role, these
// sites (empty: every site) and this vendor would have, so that it may grant or manage
// such an account: every permission of the role, every one of the sites (a user limited to
// sites cannot grant "every site"), and, for a user bound to a vendor, only that vendor.
// No one grants what it does not hold.
func (u *User) Holds(role Role, siteIDs []int64, vendorID int64) bool {
	for _, p := range rolePermissions[role] {
		if !u.Role.Can(p) {
			return false
		}
	}
	if len(u.SiteIDs) > 0 {
		if len(siteIDs) == 0 {
			return false
		}
		for _, id := range siteIDs {
			if !slices.Contains(u.SiteIDs, id) {
				return false
			}
		}
	}
	if u.Role == RoleVendor && vendorID != u.VendorID {
		return false
	}
	return true
}

// ErrDirectoryManaged returns the error for changing what the directory decides for a
// directory user: its password, role, sites or vendor.
func ErrDirectoryManaged() *Error {
	return &Error{Code: EINVALID, Message: "The directory decides this user's password, role, sites and vendor; change them there or in the directory settings' group mappings.", Key: "err.directory_managed"}
}

// ErrBeyondOwnAccess returns the error for granting or managing access the acting user does
// not hold itself (a site-limited admin widening a site limit, creating an unrestricted
// admin, or resetting the password of a user outside its sites).
func ErrBeyondOwnAccess() *Error {
	return &Error{Code: EFORBIDDEN, Message: "You cannot grant or manage access that you do not hold yourself.", Key: "err.beyond_own_access"}
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// Validate checks a user's fields.
func (u *User) Validate() error {
	var errs []FieldError
	if !usernamePattern.MatchString(u.Username) {
		errs = append(errs, FieldError{Field: "username", Key: "err.bad_username", Message: "must be 2-64 lower-case letters, digits, '.', '_' or '-'"})
	}
	if !slices.Contains(Roles, u.Role) {
		errs = append(errs, FieldError{Field: "role", Key: "err.unknown_value", Message: "unknown role"})
	}
	if u.Role == RoleVendor && u.VendorID == 0 {
		errs = append(errs, FieldError{Field: "vendor", Key: "err.required", Message: "is required for vendor maintenance users"})
	}
	var c textChecks
	c.line("display_name", u.DisplayName)
	c.count("site_ids", len(u.SiteIDs), MaxListItems)
	errs = append(errs, c.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

type userContextKey struct{}

// NewContextWithUser returns a context carrying the user acting in it.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userContextKey{}, u)
}

// UserFromContext returns the user acting in the context, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userContextKey{}).(*User)
	return u
}

// ErrForbidden returns the error for an action the user's role or sites do not allow.
func ErrForbidden() *Error {
	return &Error{Code: EFORBIDDEN, Message: "You are not allowed to do this.", Key: "err.forbidden"}
}

// Authorize returns the context's user if it holds the permission, EUNAUTHORIZED if no one
// is logged in, and EFORBIDDEN otherwise.
func Authorize(ctx context.Context, p Permission) (*User, error) {
	u := UserFromContext(ctx)
	if u == nil {
		return nil, Errorf(EUNAUTHORIZED, "You must log in.")
	} else if !u.Role.Can(p) {
		return nil, ErrForbidden()
	}
	return u, nil
}

// SystemUser acts for medsec itself: start-up tasks, the demo loader and CLI commands run
// by the operator on the server. It is never a login.
var SystemUser = &User{ID: 0, Username: "system", Role: RoleAdmin}

// Settings are the organisation-wide security settings.
type Settings struct {
	// RequireTOTP makes two-factor authentication mandatory for every user.
	RequireTOTP bool `json:"require_totp"`
}

// ErrTOTPEnrolRequired returns the error for a user who must enrol two-factor
// authentication (Settings.RequireTOTP) and has not: such a user may only enrol or log out.
func ErrTOTPEnrolRequired() *Error {
	return &Error{Code: EFORBIDDEN, Message: "Two-factor authentication is mandatory: set it up under My account before using medsec or its API.", Key: "err.totp_enrol_required"}
}

// Login outcomes a UI tells apart; they are EUNAUTHORIZED errors with these keys.
const (
	KeyLoginFailed  = "err.login_failed"
	KeyTOTPRequired = "err.totp_required"
)

// UserService manages users, their credentials, sessions and API tokens.
type UserService interface {
	// Authenticate checks a username, password and (when enrolled) TOTP code; the context's
	// remote address is the client's. Every attempt is audited; failures are throttled with
	// growing delays per account and per account and address, never locked for good, and
	// the owner keeps a known-good path. Failures are EUNAUTHORIZED with key KeyLoginFailed
	// (the same for an unknown user, a wrong password or code, and a throttled attempt) or
	// KeyTOTPRequired (right password, code missing). A directory user, and a name no local
	// user has while directory login is on, is checked against the directory instead
	// (DirectoryService): the first success makes the user, and every success sets its
	// role, sites and vendor from its groups; TOTP applies to it as to a local user.
	Authenticate(ctx context.Context, username, password, code string) (*User, error)
	// CreateSession starts a browser session for the user and returns its secret token.
	CreateSession(ctx context.Context, userID int64) (string, error)
	// FindUserBySession returns the user of a live session, or EUNAUTHORIZED.
	FindUserBySession(ctx context.Context, token string) (*User, error)
	// DeleteSession ends a session (logout).
	DeleteSession(ctx context.Context, token string) error
	// CreateAPIToken makes an API token for a user (admin, or the user itself) and returns it
	// once; only its hash is kept. It expires after DefaultTokenLifetime. Tokens die when the
	// user's password is set or the user is disabled.
	CreateAPIToken(ctx context.Context, userID int64, name string) (string, error)
	// IssueAPIToken makes an API token like CreateAPIToken that expires after lifetime
	// (0: DefaultTokenLifetime; more than MaxTokenLifetime or negative is EINVALID).
	IssueAPIToken(ctx context.Context, userID int64, name string, lifetime time.Duration) (string, *APIToken, error)
	// FindAPITokens lists a user's live tokens, newest first: the user's own, or for an admin
	// those of a user it may manage.
	FindAPITokens(ctx context.Context, userID int64) ([]*APIToken, error)
	// DeleteAPIToken revokes a token: its owner, or an admin who may manage the owner.
	// Audited. A token that does not exist or is not the caller's to see is ENOTFOUND.
	DeleteAPIToken(ctx context.Context, id int64) error
	// FindUserByAPIToken returns the user of a live API token (not expired, user not
	// disabled) and records its use, or EUNAUTHORIZED.
	FindUserByAPIToken(ctx context.Context, token string) (*User, error)
	// FindUsers lists every user. Needs PermUserAdmin.
	FindUsers(ctx context.Context) ([]*User, error)
	// FindUserByID returns one user: any user for an admin, else only oneself.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// CreateUser stores a new user with a password. Needs PermUserAdmin.
	CreateUser(ctx context.Context, u *User, password string) error
	// UpdateUser changes a user's display name, role, sites, vendor and disabled flag and,
	// when password is not empty, its password (as SetPassword does), in one transaction:
	// a password refused by the policy leaves everything unchanged. Needs PermUserAdmin.
	UpdateUser(ctx context.Context, u *User, password string) error
	// SetPassword sets a user's password: an admin for anyone, a user for itself. It ends
	// the user's sessions and revokes its API tokens.
	SetPassword(ctx context.Context, userID int64, password string) error
	// BeginTOTP makes a new TOTP secret for the calling user, kept until EnableTOTP.
	BeginTOTP(ctx context.Context) (secret, url string, err error)
	// EnableTOTP turns two-factor on for the calling user once a code proves enrolment.
	EnableTOTP(ctx context.Context, code string) error
	// SetLanguage stores the calling user's UI language.
	SetLanguage(ctx context.Context, lang string) error
	// SetTimeZone stores the calling user's time zone (an IANA name, "" for the sites');
	// EINVALID for an unknown zone.
	SetTimeZone(ctx context.Context, zone string) error
	// FindSettings returns the organisation's settings.
	FindSettings(ctx context.Context) (Settings, error)
	// UpdateSettings changes them. Needs PermUserAdmin.
	UpdateSettings(ctx context.Context, s Settings) error
}

// APIToken is an API client's credential as its owner and admins see it: never the token
// itself, which is shown once at creation and stored only as a hash.
type APIToken struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	// ExpiresAt is when the token stops working.
	ExpiresAt time.Time `json:"expires_at"`
	// LastUsedAt is the token's last use, UTC, RFC 3339 in JSON; recorded at most once a
	// minute, so a later use within that minute is not shown. Zero (absent in JSON) when never used.
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
}

// API token lifetimes: DefaultTokenLifetime when none is asked for, at most
// MaxTokenLifetime.
const (
	DefaultTokenLifetime = 90 * 24 * time.Hour
	MaxTokenLifetime     = 366 * 24 * time.Hour
)

type remoteAddrContextKey struct{}

// NewContextWithRemoteAddr returns a context carrying the client address that audit rows
// record.
func NewContextWithRemoteAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteAddrContextKey{}, addr)
}

// RemoteAddrFromContext returns the client address of the context, or "".
func RemoteAddrFromContext(ctx context.Context) string {
	addr, _ := ctx.Value(remoteAddrContextKey{}).(string)
	return addr
}

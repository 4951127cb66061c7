package medsec

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// User sources: a local user logs in with medsec's own password; a directory user with its
// LDAP or Active Directory password, its role, sites and vendor set at each login from its
// groups by the directory settings' mappings [M13, issue 10 "Directory login"].
const (
	UserSourceLocal     = "local"
	UserSourceDirectory = "directory"
)

// Default LDAP filters. {username} stands for the login name and {dn} for the user's entry,
// both escaped by RFC 4515 before they are put in. The user filter fits OpenLDAP's
// inetOrgPerson; Active Directory needs (&(objectClass=user)(sAMAccountName={username})).
// The group filter finds groupOfNames, groupOfUniqueNames and posixGroup entries naming the
// user; Active Directory's memberOf attribute on the user entry is read besides.
const (
	DefaultDirectoryUserFilter  = "(&(objectClass=person)(uid={username}))"
	DefaultDirectoryGroupFilter = "(|(member={dn})(uniqueMember={dn})(memberUid={username}))"
)

// DirectorySettings say how medsec finds a user in the hospital's directory, checks the
// password there (search, then bind as the entry found) and which role, sites and vendor
// each directory group gives. Only an administrator without a site limit changes them.
type DirectorySettings struct {
	// Enabled turns directory login on. Off, directory users cannot log in; local users
	// always can.
	Enabled bool `json:"enabled"`
	// URL is ldap://host[:port] or ldaps://host[:port] (TLS from the first byte).
	URL string `json:"url"`
	// StartTLS upgrades an ldap:// connection with the StartTLS operation (RFC 4513 §3)
	// before any credential is sent.
	StartTLS bool `json:"start_tls"`
	// CAFile is a PEM file of CA certificates to trust for the server's certificate
	// besides the system's; empty for the system roots only.
	CAFile string `json:"ca_file,omitempty"`
	// BindDN and BindPassword are the service account that searches for users and their
	// groups; empty for an anonymous search. BindPassword is write-only: reads return it
	// empty and BindPasswordSet instead; saving an empty one keeps the stored one unless
	// ClearBindPassword is set. It is never written to the audit trail or the log.
	BindDN            string `json:"bind_dn"`
	BindPassword      string `json:"bind_password,omitempty"`
	BindPasswordSet   bool   `json:"bind_password_set"`
	ClearBindPassword bool   `json:"clear_bind_password,omitempty"`
	// BaseDN is where users are searched (whole subtree).
	BaseDN string `json:"base_dn"`
	// UserFilter finds the one entry of a login name; "" for DefaultDirectoryUserFilter.
	UserFilter string `json:"user_filter,omitempty"`
	// GroupBaseDN is where groups are searched; "" for BaseDN.
	GroupBaseDN string `json:"group_base_dn,omitempty"`
	// GroupFilter finds the groups of a user; "" for DefaultDirectoryGroupFilter.
	GroupFilter string `json:"group_filter,omitempty"`
	// Mappings give a role, sites and vendor to the members of a group; the first mapping
	// whose group the user is in applies. A user in no mapped group cannot log in.
	Mappings []DirectoryMapping `json:"mappings"`
}

// DirectoryMapping gives the members of one directory group a role, sites (empty: every
// site) and, for the vendor role, a vendor.
type DirectoryMapping struct {
	// Group is the group's distinguished name, compared without regard to case or spaces
	// around its parts.
	Group    string  `json:"group"`
	Role     Role    `json:"role"`
	SiteIDs  []int64 `json:"site_ids"`
	VendorID int64   `json:"vendor_id,omitempty"`
}

// Filters returns the user and group filters in force: the settings' own or the defaults.
func (s *DirectorySettings) Filters() (user, group string) {
	user, group = s.UserFilter, s.GroupFilter
	if user == "" {
		user = DefaultDirectoryUserFilter
	}
	if group == "" {
		group = DefaultDirectoryGroupFilter
	}
	return user, group
}

// Validate checks the settings: a URL of scheme ldap or ldaps with a host, no StartTLS
// over ldaps, a base DN when enabled, filters in parentheses, and mappings with a group
// and a known role (a vendor for the vendor role).
func (s *DirectorySettings) Validate() error {
	var errs []FieldError
	add := func(field, key, msg string) { errs = append(errs, FieldError{Field: field, Key: key, Message: msg}) }
	s.URL, s.CAFile, s.BindDN, s.BaseDN = strings.TrimSpace(s.URL), strings.TrimSpace(s.CAFile), strings.TrimSpace(s.BindDN), strings.TrimSpace(s.BaseDN)
	s.UserFilter, s.GroupBaseDN, s.GroupFilter = strings.TrimSpace(s.UserFilter), strings.TrimSpace(s.GroupBaseDN), strings.TrimSpace(s.GroupFilter)
	if s.URL != "" || s.Enabled {
		u, err := url.Parse(s.URL)
		switch {
		case err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" || (u.Path != "" && u.Path != "/"):
			add("url", "err.directory_url", "must be ldap://host[:port] or ldaps://host[:port]")
		case u.Scheme == "ldaps" && s.StartTLS:
			add("start_tls", "err.directory_starttls", "StartTLS is for ldap:// URLs; ldaps:// is TLS already")
		}
	}
	if s.Enabled && s.BaseDN == "" {
		add("base_dn", "err.required", "is required")
	}
	for field, f := range map[string]string{"user_filter": s.UserFilter, "group_filter": s.GroupFilter} {
		if f != "" && (!strings.HasPrefix(f, "(") || !strings.HasSuffix(f, ")")) {
			add(field, "err.directory_filter", "must be an LDAP filter in parentheses")
		}
	}
	var c textChecks
	c.line("url", s.URL)
	c.line("ca_file", s.CAFile)
	c.line("bind_dn", s.BindDN)
	c.line("bind_password", s.BindPassword)
	c.line("base_dn", s.BaseDN)
	c.line("user_filter", s.UserFilter)
	c.line("group_base_dn", s.GroupBaseDN)
	c.line("group_filter", s.GroupFilter)
	c.count("mappings", len(s.Mappings), MaxListItems)
	for i := range s.Mappings {
		m := &s.Mappings[i]
		field := fmt.Sprintf("mappings[%d]", i)
		m.Group = strings.TrimSpace(m.Group)
		c.line(field+".group", m.Group)
		c.count(field+".site_ids", len(m.SiteIDs), MaxListItems)
		if m.Group == "" {
			add(field+".group", "err.required", "is required")
		}
		if !slices.Contains(Roles, m.Role) {
			add(field+".role", "err.unknown_value", "unknown role")
		} else if m.Role == RoleVendor && m.VendorID == 0 {
			add(field+".vendor", "err.required", "is required for vendor maintenance users")
		}
	}
	errs = append(errs, c.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// Match returns the first mapping whose group is among groups (distinguished names), or
// false when none is.
func (s *DirectorySettings) Match(groups []string) (DirectoryMapping, bool) {
	for _, m := range s.Mappings {
		for _, g := range groups {
			if SameDN(m.Group, g) {
				return m, true
			}
		}
	}
	return DirectoryMapping{}, false
}

// SameDN reports whether two distinguished names are the same, without regard to case or
// to spaces around their relative names and attribute values ("CN=Doctors, DC=h" and
// "cn=doctors,dc=h"). It does not unescape values; directories return one spelling.
func SameDN(a, b string) bool {
	return normDN(a) == normDN(b)
}

func normDN(dn string) string {
	parts := strings.Split(dn, ",")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		parts[i] = strings.TrimSpace(k) + "=" + strings.TrimSpace(v)
	}
	return strings.ToLower(strings.Join(parts, ","))
}

// DirectoryEntry is what the directory says of a user: its entry, names and groups.
type DirectoryEntry struct {
	DN          string   `json:"dn"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Email       string   `json:"email,omitempty"`
	Groups      []string `json:"groups"`
}

// DirectoryLookup is an administrator's check of the settings: the entry found for a login
// name (without its password) and the role, sites and vendor its groups give, if any.
type DirectoryLookup struct {
	Entry   *DirectoryEntry   `json:"entry"`
	Mapping *DirectoryMapping `json:"mapping"`
}

// DirectoryService manages the directory settings. Logins go through
// UserService.Authenticate, which tries the directory for users whose source is the
// directory and for names no local user has.
type DirectoryService interface {
	// FindDirectorySettings returns the settings without the bind password. Needs
	// PermUserAdmin.
	FindDirectorySettings(ctx context.Context) (DirectorySettings, error)
	// UpdateDirectorySettings stores them, audited without the bind password. Needs
	// PermUserAdmin and no site limit (the mappings grant any site); a mapping to a site or
	// vendor that does not exist is EINVALID.
	UpdateDirectorySettings(ctx context.Context, set DirectorySettings) error
	// LookupDirectoryUser searches the directory for a login name with the stored settings
	// (as the service account, no user password) and returns its entry and the mapping its
	// groups match. ENOTFOUND when no single entry has the name; EUNAVAILABLE with the
	// cause when the directory cannot be reached or refuses the service account. Needs
	// PermUserAdmin and no site limit.
	LookupDirectoryUser(ctx context.Context, username string) (*DirectoryLookup, error)
}

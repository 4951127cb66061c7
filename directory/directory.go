// Package directory checks logins against an LDAP directory (OpenLDAP, Active Directory):
// search for the user's entry as a service account, bind as that entry with the user's
// password, then read the user's groups (RFC 4511 operations, RFC 4513 StartTLS and simple
// bind, RFC 4515 filters), over go-ldap.
package directory

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"medsec"
)

// Timeout bounds connecting and each LDAP operation, so that a directory that does not
// answer holds a login for at most a few such steps.
const Timeout = 10 * time.Second

// ErrCredentials is returned when the login name has no single entry or the password is
// wrong: a login failure, not a fault of the directory.
var ErrCredentials = errors.New("directory: wrong user name or password")

// ErrNotFound is returned by Lookup when no single entry has the login name.
var ErrNotFound = errors.New("directory: no single entry has this user name")

// Authenticate finds username's entry, binds as it with password, and returns the entry
// with its groups. It returns ErrCredentials for an unknown name, several entries, an empty
// or wrong password; any other error means the directory could not be used (unreachable,
// TLS refused, service account refused) and never contains the passwords.
func Authenticate(ctx context.Context, set medsec.DirectorySettings, username, password string) (*medsec.DirectoryEntry, error) {
	if password == "" {
		return nil, ErrCredentials // an empty password would be an unauthenticated bind (RFC 4513 §5.1.2)
	}
	conn, err := connect(ctx, set)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	e, err := find(conn, set, username)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrCredentials
	} else if err != nil {
		return nil, err
	}
	if err := conn.Bind(e.DN, password); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return nil, ErrCredentials
		}
		return nil, fmt.Errorf("directory: bind as the user: %w", err)
	}
	// Read groups as the service account: a user may not read group entries itself.
	if err := serviceBind(conn, set); err != nil {
		return nil, err
	}
	if err := addGroups(conn, set, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Lookup finds username's entry and groups as the service account, without the user's
// password: the administrator's check of the settings. ErrNotFound when no single entry has
// the name.
func Lookup(ctx context.Context, set medsec.DirectorySettings, username string) (*medsec.DirectoryEntry, error) {
	conn, err := connect(ctx, set)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	e, err := find(conn, set, username)
	if err != nil {
		return nil, err
	}
	if err := addGroups(conn, set, e); err != nil {
		return nil, err
	}
	return e, nil
}

// connect dials the directory, upgrades with StartTLS when asked, and binds as the service
// account (anonymously without one).
func connect(ctx context.Context, set medsec.DirectorySettings) (*ldap.Conn, error) {
	u, err := url.Parse(set.URL)
	if err != nil {
		return nil, fmt.Errorf("directory: url: %w", err)
	}
	tc, err := tlsConfig(set, u.Hostname())
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: Timeout}
	if deadline, ok := ctx.Deadline(); ok {
		d.Deadline = deadline
	}
	conn, err := ldap.DialURL(set.URL, ldap.DialWithDialer(d), ldap.DialWithTLSConfig(tc))
	if err != nil {
		return nil, fmt.Errorf("directory: connect to %s: %w", set.URL, err)
	}
	conn.SetTimeout(Timeout)
	if set.StartTLS && u.Scheme == "ldap" {
		if err := conn.StartTLS(tc); err != nil {
			conn.Close()
			return nil, fmt.Errorf("directory: StartTLS with %s: %w", set.URL, err)
		}
	}
	if err := serviceBind(conn, set); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// serviceBind binds as the settings' service account, or anonymously when it has none.
func serviceBind(conn *ldap.Conn, set medsec.DirectorySettings) error {
	var err error
	if set.BindDN == "" {
		err = conn.UnauthenticatedBind("")
	} else {
		err = conn.Bind(set.BindDN, set.BindPassword)
	}
	if err != nil {
		return fmt.Errorf("directory: bind as the service account %q: %w", set.BindDN, err)
	}
	return nil
}

// tlsConfig trusts the system's roots and those of the settings' CA file, and checks the
// server's name against host.
func tlsConfig(set medsec.DirectorySettings, host string) (*tls.Config, error) {
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if set.CAFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(set.CAFile)
	if err != nil {
		return nil, fmt.Errorf("directory: CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("directory: CA file %s: no PEM certificate in it", set.CAFile)
	}
	tc.RootCAs = pool
	return tc, nil
}

// fill puts the escaped values into a filter's {username} and {dn}.
func fill(filter, username, dn string) string {
	return strings.NewReplacer("{username}", ldap.EscapeFilter(username), "{dn}", ldap.EscapeFilter(dn)).Replace(filter)
}

// find searches the subtree of the base DN for the one entry of username.
func find(conn *ldap.Conn, set medsec.DirectorySettings, username string) (*medsec.DirectoryEntry, error) {
	userFilter, _ := set.Filters()
	req := ldap.NewSearchRequest(set.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2, int(Timeout/time.Second), false,
		fill(userFilter, username, ""), []string{"displayName", "cn", "mail", "memberOf"}, nil)
	res, err := conn.Search(req)
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded), ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("directory: search for the user: %w", err)
	case len(res.Entries) != 1:
		return nil, ErrNotFound
	}
	entry := res.Entries[0]
	e := &medsec.DirectoryEntry{DN: entry.DN, Username: username, DisplayName: entry.GetAttributeValue("displayName"),
		Email: entry.GetAttributeValue("mail"), Groups: entry.GetAttributeValues("memberOf")}
	if e.DisplayName == "" {
		e.DisplayName = entry.GetAttributeValue("cn")
	}
	return e, nil
}

// addGroups adds the groups whose entries name the user (by the group filter) to those of
// its memberOf attribute, once each.
func addGroups(conn *ldap.Conn, set medsec.DirectorySettings, e *medsec.DirectoryEntry) error {
	_, groupFilter := set.Filters()
	base := set.GroupBaseDN
	if base == "" {
		base = set.BaseDN
	}
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, int(Timeout/time.Second), false,
		fill(groupFilter, e.Username, e.DN), []string{"1.1"}, nil)
	res, err := conn.SearchWithPaging(req, 500)
	if err != nil {
		return fmt.Errorf("directory: search for the user's groups: %w", err)
	}
	for _, g := range res.Entries {
		known := false
		for _, have := range e.Groups {
			known = known || medsec.SameDN(have, g.DN)
		}
		if !known {
			e.Groups = append(e.Groups, g.DN)
		}
	}
	if e.Groups == nil {
		e.Groups = []string{}
	}
	return nil
}

// accountAttributes are the attributes the account inventory reads from a user entry
// (account.AccountFromEntry).
var accountAttributes = []string{"objectClass", "uid", "sAMAccountName", "cn", "displayName", "employeeNumber", "employeeType", "userPassword",
	"userAccountControl", "pwdAccountLockedTime", "authTimestamp", "lastLogonTimestamp", "pwdChangedTime", "pwdLastSet"}

// Accounts returns the user entries under base (the settings' base DN when "") that the
// filter selects (the settings' user filter with {username} as "*" when ""), searched as
// the service account with paging, for the account inventory. The service account needs
// read access to the attributes; userPassword is asked for only to tell accounts from
// other entries and is never kept.
func Accounts(ctx context.Context, set medsec.DirectorySettings, base, filter string) ([]*ldap.Entry, error) {
	conn, err := connect(ctx, set)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if base == "" {
		base = set.BaseDN
	}
	if filter == "" {
		userFilter, _ := set.Filters()
		filter = strings.NewReplacer("{username}", "*", "{dn}", "*").Replace(userFilter)
	}
	if _, err := ldap.CompileFilter(filter); err != nil {
		return nil, fmt.Errorf("directory: filter %q: %w", filter, err)
	}
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, int(Timeout/time.Second), false, filter, accountAttributes, nil)
	res, err := conn.SearchWithPaging(req, 500)
	if err != nil {
		return nil, fmt.Errorf("directory: search for accounts: %w", err)
	}
	for _, e := range res.Entries {
		for _, a := range e.Attributes {
			if strings.EqualFold(a.Name, "userPassword") {
				a.Values, a.ByteValues = []string{"(set)"}, nil
			}
		}
	}
	return res.Entries, nil
}

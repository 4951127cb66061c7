package directory

import (
	"testing"

	"github.com/go-ldap/ldap/v3"

	"medsec"
)

// FuzzFill puts any login name and entry DN into the default filters: the result must be
// one well-formed filter whose value is exactly the name, so that no login name can widen
// or change the search (RFC 4515 escaping).
func FuzzFill(f *testing.F) {
	for _, s := range []string{"alice", "*", "alice)(uid=*", `a\2a`, "(|(uid=*))", "陳醫師", "\x00", "j.chen@hospital"} {
		f.Add(s, "uid="+s+",ou=people,dc=hospital,dc=example")
	}
	f.Fuzz(func(t *testing.T, username, dn string) {
		user := fill(medsec.DefaultDirectoryUserFilter, username, dn)
		p, err := ldap.CompileFilter(user)
		if err != nil {
			t.Fatalf("user filter %q does not compile: %v", user, err)
		}
		if len(p.Children) != 2 || len(p.Children[1].Children) != 2 {
			t.Fatalf("user filter %q: not (&(objectClass=person)(uid=…))", user)
		}
		if got := p.Children[1].Children[1].Data.String(); got != username {
			t.Fatalf("user filter %q matches uid %q, want %q", user, got, username)
		}
		group := fill(medsec.DefaultDirectoryGroupFilter, username, dn)
		g, err := ldap.CompileFilter(group)
		if err != nil {
			t.Fatalf("group filter %q does not compile: %v", group, err)
		}
		if len(g.Children) != 3 {
			t.Fatalf("group filter %q: %d alternatives, want 3", group, len(g.Children))
		}
	})
}

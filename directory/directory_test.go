package directory_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/account"
	"medsec/directory"
	"medsec/internal/slapdtest"
)

func TestAuthenticateAgainstSlapd(t *testing.T) {
	srv := slapdtest.Start(t)
	ctx := context.Background()
	plain := srv.Settings()
	startTLS := srv.Settings()
	startTLS.StartTLS, startTLS.CAFile = true, srv.CAFile
	ldaps := srv.Settings()
	ldaps.URL, ldaps.CAFile = srv.LDAPSURL, srv.CAFile
	for name, set := range map[string]medsec.DirectorySettings{"ldap": plain, "starttls": startTLS, "ldaps": ldaps} {
		t.Run(name, func(t *testing.T) {
			dave := slapdtest.People["dave"]
			e, err := directory.Authenticate(ctx, set, "dave", dave.Password)
			if err != nil {
				t.Fatal(err)
			}
			if e.DN != "uid=dave,ou=people,"+slapdtest.BaseDN || e.DisplayName != dave.Name || e.Email != dave.Mail {
				t.Errorf("entry = %+v", e)
			}
			slices.Sort(e.Groups)
			if want := []string{slapdtest.GroupEngineers, slapdtest.GroupSecurity}; !slices.Equal(e.Groups, want) {
				t.Errorf("groups = %q, want %q", e.Groups, want)
			}
			// posixGroup (memberUid) and groupOfUniqueNames memberships count as well.
			erin := slapdtest.People["erin"]
			e, err = directory.Authenticate(ctx, set, "erin", erin.Password)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(e.Groups)
			if want := []string{slapdtest.GroupNurses, slapdtest.GroupVendors}; !slices.Equal(e.Groups, want) {
				t.Errorf("erin's groups = %q, want %q", e.Groups, want)
			}
		})
	}

	for _, c := range []struct{ name, user, password string }{
		{"wrong password", "alice", "not-alice-password"},
		{"empty password (an unauthenticated bind would succeed)", "alice", ""},
		{"unknown user", "mallory", "whatever-Password-1"},
		{"filter injection", "*", slapdtest.People["alice"].Password},
		{"filter injection with parentheses", "alice)(uid=*", slapdtest.People["alice"].Password},
		{"another user's password", "bob", slapdtest.People["alice"].Password},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := directory.Authenticate(ctx, plain, c.user, c.password); !errors.Is(err, directory.ErrCredentials) {
				t.Fatalf("err = %v, want ErrCredentials", err)
			}
		})
	}

	t.Run("StartTLS without the CA is refused", func(t *testing.T) {
		set := plain
		set.StartTLS = true
		_, err := directory.Authenticate(ctx, set, "alice", slapdtest.People["alice"].Password)
		if err == nil || errors.Is(err, directory.ErrCredentials) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v, want a certificate error", err)
		}
	})
	t.Run("wrong service password is the directory's fault and not logged", func(t *testing.T) {
		set := plain
		set.BindPassword = "wrong-service-Password-9"
		_, err := directory.Authenticate(ctx, set, "alice", slapdtest.People["alice"].Password)
		if err == nil || errors.Is(err, directory.ErrCredentials) {
			t.Fatalf("err = %v, want a service-account error", err)
		}
		if strings.Contains(err.Error(), set.BindPassword) || strings.Contains(err.Error(), slapdtest.People["alice"].Password) {
			t.Fatalf("error names a password: %v", err)
		}
	})
	t.Run("anonymous search sees nobody", func(t *testing.T) {
		set := plain
		set.BindDN, set.BindPassword = "", ""
		if _, err := directory.Authenticate(ctx, set, "alice", slapdtest.People["alice"].Password); !errors.Is(err, directory.ErrCredentials) {
			t.Fatalf("err = %v, want ErrCredentials", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		set := plain
		set.URL = "ldap://127.0.0.1:1"
		if _, err := directory.Authenticate(ctx, set, "alice", "x-Password-1"); err == nil || errors.Is(err, directory.ErrCredentials) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("lookup", func(t *testing.T) {
		e, err := directory.Lookup(ctx, plain, "bob")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(e.Groups, []string{slapdtest.GroupEngineers}) {
			t.Errorf("groups = %q", e.Groups)
		}
		if _, err := directory.Lookup(ctx, plain, "mallory"); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
}

// TestAccountsFromSlapd lists the directory's user accounts as the service account, for
// the account inventory: every person, read as personal accounts, and nothing else.
func TestAccountsFromSlapd(t *testing.T) {
	srv := slapdtest.Start(t)
	entries, err := directory.Accounts(context.Background(), srv.Settings(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		row, ok, problems := account.AccountFromEntry(e, 0)
		if !ok || len(problems) > 0 {
			t.Fatalf("%s: ok %v problems %v", e.DN, ok, problems)
		}
		got = append(got, row.Username+" "+string(row.Type)+" "+row.DisplayName)
	}
	slices.Sort(got)
	want := []string{"alice personal Alice Chen", "bob personal Bob Lin", "carol personal Carol Wu", "dave personal Dave Huang", "erin personal Erin Tsai"}
	if !slices.Equal(got, want) {
		t.Errorf("accounts = %q, want %q", got, want)
	}
	if _, err := directory.Accounts(context.Background(), srv.Settings(), "", "(uid=*"); err == nil {
		t.Error("a broken filter was sent")
	}
}

package account_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/account"
	"medsec/internal/slapdtest"
)

// TestReadLDIFFromSlapd reads the accounts of a real OpenLDAP directory exported two ways
// an administrator would: slapcat of the database, and ldapsearch -LLL as the service
// account (with a plain ldapsearch's comments and trailer too).
func TestReadLDIFFromSlapd(t *testing.T) {
	srv := slapdtest.Start(t)
	want := []string{"alice personal", "bob personal", "carol personal", "dave personal", "erin personal", "medsec-svc service"}
	check := func(t *testing.T, data []byte) {
		t.Helper()
		imp := account.ReadLDIF(data, "directory.ldif")
		if len(imp.Problems) > 0 {
			t.Fatalf("problems: %v", imp.Problems)
		}
		var got []string
		for _, r := range imp.Rows {
			got = append(got, r.Username+" "+string(r.Type))
			if r.Line == 0 || r.DN == "" {
				t.Errorf("%s: line %d dn %q", r.Username, r.Line, r.DN)
			}
			if r.Username == "alice" && (r.DisplayName != "Alice Chen" || !r.Enabled) {
				t.Errorf("alice = %+v", r)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("accounts = %q, want %q", got, want)
		}
	}
	t.Run("slapcat", func(t *testing.T) {
		out := srv.Slapcat(t)
		if !strings.Contains(string(out), "entryCSN:") {
			t.Fatalf("not slapcat output: %.200s", out)
		}
		check(t, out)
	})
	for _, flags := range [][]string{{"-LLL"}, {}} {
		t.Run("ldapsearch "+strings.Join(flags, ""), func(t *testing.T) {
			args := append(flags, "-x", "-H", srv.URL, "-D", slapdtest.ServiceDN, "-w", slapdtest.ServicePassword, "-b", slapdtest.BaseDN, "-o", "ldif-wrap=no")
			out, err := exec.Command("ldapsearch", args...).Output()
			if err != nil {
				t.Fatalf("ldapsearch: %v", err)
			}
			check(t, out)
		})
	}
}

// TestReadLDIFActiveDirectory reads an Active Directory export's attributes: a disabled
// account (userAccountControl 0x2), FILETIME logon and password times, employeeType, and
// a folded, base64 display name.
func TestReadLDIFActiveDirectory(t *testing.T) {
	ldif := "version: 1\n\n" +
		"# a comment\n" +
		"dn: CN=Dr Lin,OU=Doctors,DC=hospital,DC=example\n" +
		"objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\n" +
		"sAMAccountName: dr.lin\n" +
		"displayName:: 5p6X6Yar5bir\n" +
		"employeeNumber: E1001\n" +
		"userAccountControl: 514\n" +
		"lastLogonTimestamp: 134064000000000000\n" +
		"pwdLastSet: 0\n\n" +
		"dn: CN=ER Break Glass,OU=Service,DC=hospital,DC=example\n" +
		"objectClass: user\nsAMAccountName: er-\n break\nemployeeType: emergency\nuserAccountControl: 512\n"
	imp := account.ReadLDIF([]byte(ldif), "ad.ldif")
	if len(imp.Problems) > 0 {
		t.Fatalf("problems: %v", imp.Problems)
	}
	if len(imp.Rows) != 2 {
		t.Fatalf("rows = %+v", imp.Rows)
	}
	lin, er := imp.Rows[0], imp.Rows[1]
	if lin.Username != "dr.lin" || lin.DisplayName != "林醫師" || lin.Person != "E1001" || lin.Enabled || lin.Line != 4 ||
		!lin.LastLogin.Equal(time.Unix(1761926400, 0)) || !lin.PasswordChanged.IsZero() {
		t.Errorf("dr.lin = %+v", lin)
	}
	if er.Username != "er-break" || er.Type != medsec.AccountTypeEmergency || !er.Enabled || er.Line != 16 {
		t.Errorf("er = %+v", er)
	}
}

// TestReadLDIFRefuses checks what an LDIF import refuses, with the line of the entry.
func TestReadLDIFRefuses(t *testing.T) {
	for _, c := range []struct{ name, ldif, key string }{
		{"value from a server file", "dn: uid=x,dc=h\nuid: x\ndescription:< file:///etc/passwd\n", "err.ldif_url"},
		{"folded URL value", "dn: uid=x,dc=h\nuid: x\ndescription:\n < file:///etc/passwd\n", "err.ldif_url"},
		{"change record", "dn: uid=x,dc=h\nchangetype: delete\n", "err.ldif_change"},
		{"no dn", "uid: x\nsn: y\n", "err.ldif_syntax"},
		{"bad base64", "dn: uid=x,dc=h\nuid:: !!!\n", "err.ldif_syntax"},
	} {
		t.Run(c.name, func(t *testing.T) {
			imp := account.ReadLDIF([]byte(c.ldif), "x.ldif")
			if len(imp.Problems) == 0 || imp.Problems[0].Key != c.key || imp.Problems[0].Line != 1 {
				t.Errorf("problems = %+v, want %s on line 1", imp.Problems, c.key)
			}
		})
	}
}

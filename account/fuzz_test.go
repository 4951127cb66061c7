package account_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"medsec"
	"medsec/account"
)

// FuzzReadLDIF reads any bytes as an LDIF export: it must not panic, every row must have
// a user name and a known type, and a problem must name what it is about.
func FuzzReadLDIF(f *testing.F) {
	f.Add([]byte("dn: uid=alice,ou=people,dc=h\nobjectClass: inetOrgPerson\nuid: alice\ncn: Alice\n"))
	f.Add([]byte("version: 1\n\ndn: CN=x,DC=h\nsAMAccountName: x\nuserAccountControl: 514\nlastLogonTimestamp: 134064000000000000\n"))
	f.Add([]byte("dn: uid=x,dc=h\nuid:: eA==\ndescription:\n < file:///etc/passwd\n"))
	f.Add([]byte("dn: uid=x,dc=h\nchangetype: modify\nreplace: uid\nuid: y\n-\n"))
	f.Add([]byte("# search result\nsearch: 2\nresult: 0 Success\n"))
	f.Add([]byte("dn: uid=x,dc=h\ncontrol: 1.2.3 true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		imp := account.ReadLDIF(data, "f.ldif")
		checkImport(t, imp)
	})
}

// FuzzReadAccounts reads any bytes as an account list (CSV or XLSX).
func FuzzReadAccounts(f *testing.F) {
	f.Add([]byte("username,type,enabled,last_login,mfa\nadmin,default,yes,2026-01-01,no\n"))
	f.Add([]byte("\xEF\xBB\xBF帳號;類型;啟用\nward3;共用;是\n"))
	f.Add([]byte("アカウント\t種別\nsato\t個人\n"))
	f.Add([]byte("username\n\"unterminated\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkImport(t, account.ReadAccounts(data, "f.csv"))
	})
}

// FuzzReadRoster reads any bytes as an HR roster.
func FuzzReadRoster(f *testing.F) {
	f.Add([]byte("employee_no,name,status,effective\nE1,A,left,2026-10-31\n"))
	f.Add([]byte("員工編號,姓名,在職狀態,生效日\nE1,林,離職,2026/10/31\n"))
	f.Add([]byte("社員番号,氏名,状態\nE2,佐藤,在籍\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		imp := account.ReadRoster(data, "r.csv")
		for _, p := range imp.Problems {
			if p.Message == "" {
				t.Fatalf("problem without message: %+v", p)
			}
		}
		if len(imp.Problems) == 0 {
			for _, r := range imp.Rows {
				if r.EmployeeNo == "" || r.Name == "" || (r.Status != medsec.PersonActive && r.Status != medsec.PersonLeft && r.Status != medsec.PersonTransferred) {
					t.Fatalf("row without number, name or status: %+v", r)
				}
			}
		}
	})
}

func checkImport(t *testing.T, imp medsec.AccountImport) {
	t.Helper()
	for _, p := range imp.Problems {
		if p.Message == "" || p.Key == "" {
			t.Fatalf("problem without message or key: %+v", p)
		}
	}
	if len(imp.Problems) > 0 {
		return
	}
	for _, r := range imp.Rows {
		if strings.TrimSpace(r.Username) == "" || !utf8.ValidString(r.Username) {
			t.Fatalf("row without a user name: %+v", r)
		}
		known := false
		for _, x := range medsec.AccountTypes {
			known = known || x == r.Type
		}
		if !known {
			t.Fatalf("row of unknown type: %+v", r)
		}
	}
}

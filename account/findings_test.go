package account_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"medsec"
	"medsec/account"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func kinds(fs []medsec.AccountFinding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Kind))
	}
	return out
}

// TestFindings checks each finding on the account that has it and on one that does not.
func TestFindings(t *testing.T) {
	defaults := account.VendorDefaults()
	day := func(s string) medsec.Date { d, _ := medsec.ParseDate(s); return d }
	left := &medsec.StaffMember{Name: "林醫師", Status: medsec.PersonLeft, Effective: day("2026-10-31")}
	leaving := &medsec.StaffMember{Name: "林醫師", Status: medsec.PersonLeft, Effective: day("2026-12-31")}
	moved := &medsec.StaffMember{Name: "王技師", Status: medsec.PersonTransferred, Effective: day("2026-09-01")}
	for _, c := range []struct {
		name string
		s    account.Subject
		at   time.Time
		want []string
	}{
		{"vendor default never changed", account.Subject{Account: &medsec.Account{Username: "Administrator", Type: medsec.AccountTypePersonal, Enabled: true}}, now, []string{"default-credentials"}},
		{"vendor default changed", account.Subject{Account: &medsec.Account{Username: "admin", Enabled: true, Type: medsec.AccountTypeDefault, PasswordChanged: day("2026-01-01")}}, now, nil},
		{"vendor default disabled", account.Subject{Account: &medsec.Account{Username: "root", Enabled: false}}, now, nil},
		{"default that MDS2 says cannot change", account.Subject{Account: &medsec.Account{Username: "svc", Type: medsec.AccountTypeDefault, Enabled: true, PasswordChanged: day("2026-01-01")},
			PasswordChangeable: medsec.No}, now, []string{"default-credentials"}},
		{"shared on an application system", account.Subject{Account: &medsec.Account{Username: "ward3", Type: medsec.AccountTypeShared, Enabled: true}, Class: medsec.ClassApplication}, now, []string{"shared-forbidden"}},
		{"shared on a control system", account.Subject{Account: &medsec.Account{Username: "ward3", Type: medsec.AccountTypeShared, Enabled: true}, Class: medsec.ClassControl}, now, nil},
		{"departed", account.Subject{Account: &medsec.Account{Username: "dr.lin", Enabled: true}, Person: left}, now, []string{"departed"}},
		{"departed and disabled", account.Subject{Account: &medsec.Account{Username: "dr.lin", Enabled: false}, Person: left}, now, nil},
		{"leaving next month", account.Subject{Account: &medsec.Account{Username: "dr.lin", Enabled: true}, Person: leaving}, now, nil},
		{"transferred, not reviewed", account.Subject{Account: &medsec.Account{Username: "wang", Enabled: true}, Person: moved}, now, []string{"transferred"}},
		{"transferred, kept in a later review", account.Subject{Account: &medsec.Account{Username: "wang", Enabled: true}, Person: moved, LastReviewed: now.AddDate(0, 0, -1)}, now, nil},
		{"unused 91 days", account.Subject{Account: &medsec.Account{Username: "old", Enabled: true, LastLogin: now.AddDate(0, 0, -91)}}, now, []string{"unused"}},
		{"used 89 days ago", account.Subject{Account: &medsec.Account{Username: "old", Enabled: true, LastLogin: now.AddDate(0, 0, -89)}}, now, nil},
		{"no MFA at a JP site before FY2027", account.Subject{Account: &medsec.Account{Username: "dr.sato", Type: medsec.AccountTypePersonal, Enabled: true, MFA: medsec.No},
			Jurisdiction: medsec.JurisdictionJP}, now, []string{"no-mfa"}},
		{"no MFA at a TW site", account.Subject{Account: &medsec.Account{Username: "dr.sato", Enabled: true, MFA: medsec.No, Type: medsec.AccountTypePersonal},
			Jurisdiction: medsec.JurisdictionTW}, now, nil},
		{"MFA at a JP site", account.Subject{Account: &medsec.Account{Username: "dr.sato", Enabled: true, MFA: medsec.Yes, Type: medsec.AccountTypePersonal},
			Jurisdiction: medsec.JurisdictionJP}, now, nil},
		{"emergency used, not reset", account.Subject{Account: &medsec.Account{Username: "er", Type: medsec.AccountTypeEmergency, Enabled: true, LastLogin: now.AddDate(0, 0, -200),
			PasswordChanged: day("2026-01-01")}}, now, []string{"emergency-used"}},
		{"emergency used, then reset", account.Subject{Account: &medsec.Account{Username: "er", Type: medsec.AccountTypeEmergency, Enabled: true, LastLogin: time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC),
			PasswordChanged: day("2026-11-02")}}, now, nil},
		{"removed account", account.Subject{Account: &medsec.Account{Username: "Administrator", Enabled: true, RemovedAt: now}}, now, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := kinds(account.Findings(c.s, defaults, c.at, 0))
			if !slices.Equal(got, c.want) {
				t.Errorf("findings = %q, want %q", got, c.want)
			}
		})
	}
	// FY2027 begins on 1 April 2027: the MFA finding is upcoming before, due from then.
	s := account.Subject{Account: &medsec.Account{Username: "dr.sato", Type: medsec.AccountTypePersonal, Enabled: true, MFA: medsec.No}, Jurisdiction: medsec.JurisdictionJP}
	before := account.Findings(s, defaults, time.Date(2027, 3, 31, 23, 0, 0, 0, time.UTC), 0)
	after := account.Findings(s, defaults, time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), 0)
	if len(before) != 1 || !before[0].Upcoming || len(after) != 1 || after[0].Upcoming || after[0].Clause != "004 §14 ⑤" {
		t.Errorf("before = %+v, after = %+v", before, after)
	}
}

// TestChecks checks how findings become check results.
func TestChecks(t *testing.T) {
	fs := []medsec.AccountFinding{{Kind: medsec.FindingDeparted, AssetID: 7, Username: "dr.lin"}}
	byID := map[string]medsec.CheckOutcome{}
	for _, r := range account.Checks(7, 3, fs, now) {
		byID[r.CheckID] = r.Outcome
	}
	if byID["accounts-departed-disabled"] != medsec.CheckFail || byID["accounts-no-default-credentials"] != medsec.CheckPass {
		t.Errorf("checks = %v", byID)
	}
	for _, r := range account.Checks(7, 0, nil, now) {
		if r.Outcome != medsec.CheckUnknown {
			t.Errorf("%s without accounts = %s", r.CheckID, r.Outcome)
		}
	}
}

// TestReadAccountsXLSX reads an account list from a workbook in Japanese headers with a
// last-login date cell stored as an Excel serial.
func TestReadAccountsXLSX(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{{"アカウント", "種別", "有効", "最終ログイン", "二要素認証"}, {"sato", "個人", "はい", 46300, "いいえ"}, {"kyukyu", "非常用", "有効", nil, nil}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	imp := account.ReadAccounts(buf.Bytes(), "accounts.xlsx")
	if len(imp.Problems) > 0 || imp.Format != "xlsx" || len(imp.Rows) != 2 {
		t.Fatalf("import = %+v", imp)
	}
	if r := imp.Rows[0]; r.Username != "sato" || r.MFA != medsec.No || r.LastLogin.Format("2006-01-02") != "2026-10-05" || r.Line != 2 {
		t.Errorf("sato = %+v", r)
	}
	if r := imp.Rows[1]; r.Type != medsec.AccountTypeEmergency || !r.Enabled {
		t.Errorf("kyukyu = %+v", r)
	}
}

// TestReadProblems checks that bad cells are reported by line and column as written.
func TestReadProblems(t *testing.T) {
	imp := account.ReadAccounts([]byte("帳號,類型,啟用,最後登入\n,shared,yes,2026-01-01\nx,superuser,maybe,yesterday\n"), "a.csv")
	var got []string
	for _, p := range imp.Problems {
		got = append(got, p.Error())
	}
	want := []string{"line 2: 帳號: is required", `line 3: 類型: unknown account type "superuser"`, `line 3: 啟用: "maybe" is not yes or no`,
		`line 3: 最後登入: "yesterday" is not a date (YYYY-MM-DD)`}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q\nwant %q", got, want)
	}
	r := account.ReadRoster([]byte("employee_no,name,status,effective\nE1,A,left,\nE2,B,on leave,\n"), "r.csv")
	got = nil
	for _, p := range r.Problems {
		got = append(got, p.Error())
	}
	want = []string{"line 2: effective: is required for a person who left or was transferred", `line 3: status: unknown status "on leave" (active, transferred or left)`}
	if !slices.Equal(got, want) {
		t.Errorf("roster problems = %q\nwant %q", got, want)
	}
	if r := account.ReadAccounts([]byte("name,kind\nx,y\n"), "a.csv"); len(r.Problems) == 0 {
		t.Error("a file without a user name column was read")
	}
}

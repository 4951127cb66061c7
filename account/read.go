// Package account reads the account lists of clinical systems (CSV, XLSX, LDIF, a
// directory's entries) and the staff roster, and finds what is wrong with each account:
// default credentials unchanged, shared accounts where the baseline forbids them, accounts
// of departed or transferred staff, unused accounts, no second factor where the
// guideline requires one, emergency accounts used and not reset [M6; 000 帳號管理, 身分鑑別;
// 004 §10 ③, §11 ①, §14].
package account

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"medsec"
	"medsec/assetio"
)

// MaxRows is the most rows one import takes.
const MaxRows = 100000

// accountColumns are the columns of an account list (headers compared as assetio.Fold
// compares them).
var accountColumns = []assetio.Column{
	{Key: "username", Headers: []string{"username", "user name", "account", "login", "user id", "uid", "帳號", "账号", "帳戶", "账户", "使用者帳號", "用户名", "アカウント", "ユーザid", "ユーザーid", "ログインid"}},
	{Key: "display_name", Headers: []string{"display_name", "display name", "full name", "名稱", "名称", "顯示名稱", "显示名称", "表示名"}},
	{Key: "type", Headers: []string{"type", "account type", "類型", "类型", "帳號類型", "账号类型", "種別", "アカウント種別"}},
	{Key: "person", Headers: []string{"person", "owner", "employee", "employee_no", "employee no", "使用者", "人員", "人员", "員工編號", "员工编号", "担当者", "職員番号", "利用者"}},
	{Key: "enabled", Headers: []string{"enabled", "active", "status", "啟用", "启用", "狀態", "状态", "有効", "状態"}},
	{Key: "last_login", Headers: []string{"last_login", "last login", "last logon", "最後登入", "最后登录", "最終ログイン"}},
	{Key: "password_changed", Headers: []string{"password_changed", "password changed", "password last set", "密碼變更日", "密码修改日", "パスワード変更日"}},
	{Key: "mfa", Headers: []string{"mfa", "2fa", "two-factor", "two factor", "雙因子", "双因子", "二要素認証", "多要素認証"}},
	{Key: "notes", Headers: []string{"notes", "note", "備註", "备注", "備考"}},
}

var rosterColumns = []assetio.Column{
	{Key: "employee_no", Headers: []string{"employee_no", "employee no", "employee number", "employee id", "員工編號", "员工编号", "職員番号", "社員番号"}},
	{Key: "name", Headers: []string{"name", "full name", "姓名", "氏名", "名前"}},
	{Key: "username", Headers: []string{"username", "user name", "account", "uid", "帳號", "账号", "アカウント", "ユーザid", "ユーザーid"}},
	{Key: "department", Headers: []string{"department", "dept", "部門", "科別", "部门", "科室", "部署", "所属"}},
	{Key: "status", Headers: []string{"status", "狀態", "状态", "在職狀態", "在职状态", "在籍状況", "状態"}},
	{Key: "joined", Headers: []string{"joined", "hire date", "start date", "到職日", "入职日期", "入社日", "着任日"}},
	{Key: "effective", Headers: []string{"effective", "date", "status date", "leave date", "transfer date", "生效日", "離職日", "调岗日期", "离职日期", "異動日", "退職日", "発令日"}},
}

var folder = cases.Fold()

func fold(s string) string {
	return folder.String(norm.NFKC.String(strings.TrimSpace(s)))
}

// accountTypeSpellings are the spellings of each account type an import takes.
var accountTypeSpellings = map[medsec.AccountType][]string{
	medsec.AccountTypePersonal:  {"personal", "individual", "user", "個人", "个人", "個人用"},
	medsec.AccountTypeShared:    {"shared", "common", "group", "共用", "共享", "共通", "共有"},
	medsec.AccountTypeDefault:   {"default", "vendor-default", "vendor default", "built-in", "builtin", "預設", "原廠預設", "默认", "出厂默认", "初期設定", "デフォルト"},
	medsec.AccountTypeEmergency: {"emergency", "break-glass", "break glass", "緊急", "紧急", "非常時", "非常用"},
	medsec.AccountTypeVendor:    {"vendor", "maintenance", "maintenance vendor", "廠商", "维护厂商", "厂商", "保守", "保守業者"},
	medsec.AccountTypeService:   {"service", "system", "application", "服務", "服务", "系統", "サービス"},
}

// ParseAccountType reads an account type as an import writes it, in any of the four
// languages; "" is AccountTypePersonal.
func ParseAccountType(s string) (medsec.AccountType, bool) {
	if strings.TrimSpace(s) == "" {
		return medsec.AccountTypePersonal, true
	}
	for _, t := range medsec.AccountTypes {
		if slices.ContainsFunc(accountTypeSpellings[t], func(x string) bool { return fold(x) == fold(s) }) {
			return t, true
		}
	}
	return "", false
}

var statusSpellings = map[medsec.PersonStatus][]string{
	medsec.PersonActive:      {"active", "employed", "joined", "在職", "在职", "在籍", "在勤"},
	medsec.PersonTransferred: {"transferred", "transfer", "moved", "調職", "調任", "调岗", "调任", "異動", "転任"},
	medsec.PersonLeft:        {"left", "departed", "resigned", "terminated", "retired", "離職", "离职", "退職", "退休", "退职"},
}

func parseStatus(s string) (medsec.PersonStatus, bool) {
	for _, st := range medsec.PersonStatuses {
		if slices.ContainsFunc(statusSpellings[st], func(x string) bool { return fold(x) == fold(s) }) {
			return st, true
		}
	}
	return "", false
}

// parseYesNo reads a yes/no cell; "" is unknown.
func parseYesNo(s string) (medsec.Tristate, bool) {
	switch fold(s) {
	case "":
		return medsec.Unknown, true
	case "yes", "y", "true", "1", "on", "enabled", "active", "是", "有", "啟用", "启用", "はい", "有効", "あり":
		return medsec.Yes, true
	case "no", "n", "false", "0", "off", "disabled", "inactive", "locked", "否", "無", "无", "停用", "禁用", "いいえ", "無効", "なし":
		return medsec.No, true
	case "unknown", "未知", "不明":
		return medsec.Unknown, true
	}
	return "", false
}

// parseTime reads a last-login cell: a date, a date and time (RFC 3339, or
// "YYYY-MM-DD HH:MM[:SS]" read as UTC), or an Excel serial in a workbook.
func parseTime(t *assetio.Table, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006/01/02 15:04:05", "2006/01/02 15:04"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v.UTC(), nil
		}
	}
	d, err := t.ParseDate(s)
	if err != nil {
		return time.Time{}, err
	}
	return d.Time(), nil
}

// ReadAccounts reads an account list (CSV or XLSX; see assetio.ReadTable) of one system.
// Columns: username (required), display_name, type, person, enabled, last_login,
// password_changed, mfa, notes — headers in English, Chinese or Japanese. Every problem
// is returned in the import's Problems with its line and column as written.
func ReadAccounts(data []byte, source string) medsec.AccountImport {
	t := assetio.ReadTable(data, source, "")
	imp := medsec.AccountImport{Source: source, Format: "csv", Problems: t.Problems}
	if t.XLSX {
		imp.Format = "xlsx"
	}
	if len(t.Problems) > 0 && len(t.Rows) == 0 {
		return imp
	}
	h, errs := assetio.MapHeader(t, accountColumns, true)
	imp.Problems = append(imp.Problems, errs...)
	if h == nil {
		return imp
	}
	if !h.Has("username") {
		imp.Problems = append(imp.Problems, medsec.FieldError{Line: t.Rows[0].Line, Field: "username", Key: "err.missing_column", Message: "the file has no user name column"})
		return imp
	}
	name := h.Name
	if len(t.Rows)-1 > MaxRows {
		imp.Problems = append(imp.Problems, medsec.FieldError{Field: "file", Key: "err.too_many", Message: fmt.Sprintf("has %d rows; at most %d are taken", len(t.Rows)-1, MaxRows)})
		return imp
	}
	for _, r := range t.Rows[1:] {
		bad := func(k, key, value, msg string) {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: r.Line, Field: name(k), Key: key, Value: value, Message: msg})
		}
		row := medsec.AccountRow{Line: r.Line, Username: h.Cell(r.Cells, "username"), DisplayName: h.Cell(r.Cells, "display_name"),
			Person: h.Cell(r.Cells, "person"), Notes: h.Cell(r.Cells, "notes"), Enabled: true}
		if row.Username == "" {
			bad("username", "err.required", "", "is required")
		}
		v := h.Cell(r.Cells, "type")
		if tp, ok := ParseAccountType(v); ok {
			row.Type = tp
		} else {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: r.Line, Field: name("type"), Key: "err.unknown_value", Value: v, Enum: "account_type",
				Allowed: stringsOf(medsec.AccountTypes), Message: fmt.Sprintf("unknown account type %q", v)})
		}
		if v := h.Cell(r.Cells, "enabled"); v != "" {
			if yn, ok := parseYesNo(v); ok && yn != medsec.Unknown {
				row.Enabled = yn == medsec.Yes
			} else {
				bad("enabled", "err.bad_yes_no", v, fmt.Sprintf("%q is not yes or no", v))
			}
		}
		if v := h.Cell(r.Cells, "mfa"); true {
			if yn, ok := parseYesNo(v); ok {
				row.MFA = yn
			} else {
				bad("mfa", "err.bad_yes_no", v, fmt.Sprintf("%q is not yes or no", v))
			}
		}
		if v := h.Cell(r.Cells, "last_login"); v != "" {
			if tm, err := parseTime(t, v); err == nil {
				row.LastLogin = tm
			} else {
				bad("last_login", "err.bad_date", v, err.Error())
			}
		}
		if v := h.Cell(r.Cells, "password_changed"); v != "" {
			if d, err := t.ParseDate(v); err == nil {
				row.PasswordChanged = d
			} else {
				bad("password_changed", "err.bad_date", v, err.Error())
			}
		}
		for _, f := range []struct{ k, v string }{{"username", row.Username}, {"display_name", row.DisplayName}, {"person", row.Person}, {"notes", row.Notes}} {
			if fe := medsec.CheckText(name(f.k), f.v, false); fe != nil {
				fe.Line = r.Line
				imp.Problems = append(imp.Problems, *fe)
			} else if fe := medsec.CheckLength(name(f.k), f.v, 200); fe != nil {
				fe.Line = r.Line
				imp.Problems = append(imp.Problems, *fe)
			}
		}
		imp.Rows = append(imp.Rows, row)
	}
	return imp
}

// ReadRoster reads an HR roster (CSV or XLSX). Columns: employee_no, name and status
// (required), username, department, joined, effective (the date a transfer or leave took
// effect; required for those statuses). Statuses: active, transferred, left, in any of
// the four languages (在職, 調職, 離職; 在职, 调岗, 离职; 在籍, 異動, 退職).
func ReadRoster(data []byte, source string) medsec.RosterImport {
	t := assetio.ReadTable(data, source, "")
	imp := medsec.RosterImport{Source: source, Problems: t.Problems}
	if len(t.Problems) > 0 && len(t.Rows) == 0 {
		return imp
	}
	h, errs := assetio.MapHeader(t, rosterColumns, true)
	imp.Problems = append(imp.Problems, errs...)
	if h == nil {
		return imp
	}
	for _, k := range []string{"employee_no", "name", "status"} {
		if !h.Has(k) {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: t.Rows[0].Line, Field: k, Key: "err.missing_column", Message: "the file has no " + k + " column"})
		}
	}
	if len(imp.Problems) > 0 {
		return imp
	}
	if len(t.Rows)-1 > MaxRows {
		imp.Problems = append(imp.Problems, medsec.FieldError{Field: "file", Key: "err.too_many", Message: fmt.Sprintf("has %d rows; at most %d are taken", len(t.Rows)-1, MaxRows)})
		return imp
	}
	name := h.Name
	for _, r := range t.Rows[1:] {
		bad := func(k, key, value, msg string) {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: r.Line, Field: name(k), Key: key, Value: value, Message: msg})
		}
		row := medsec.RosterRow{Line: r.Line, EmployeeNo: h.Cell(r.Cells, "employee_no"), Name: h.Cell(r.Cells, "name"),
			Username: h.Cell(r.Cells, "username"), Department: h.Cell(r.Cells, "department")}
		if row.EmployeeNo == "" {
			bad("employee_no", "err.required", "", "is required")
		}
		if row.Name == "" {
			bad("name", "err.required", "", "is required")
		}
		v := h.Cell(r.Cells, "status")
		if st, ok := parseStatus(v); ok {
			row.Status = st
		} else {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: r.Line, Field: name("status"), Key: "err.unknown_value", Value: v, Enum: "person_status",
				Allowed: stringsOf(medsec.PersonStatuses), Message: fmt.Sprintf("unknown status %q (active, transferred or left)", v)})
		}
		for _, f := range []struct {
			k string
			d *medsec.Date
		}{{"joined", &row.Joined}, {"effective", &row.Effective}} {
			if v := h.Cell(r.Cells, f.k); v != "" {
				if d, err := t.ParseDate(v); err == nil {
					*f.d = d
				} else {
					bad(f.k, "err.bad_date", v, err.Error())
				}
			}
		}
		if (row.Status == medsec.PersonLeft || row.Status == medsec.PersonTransferred) && row.Effective.IsZero() && h.Cell(r.Cells, "effective") == "" {
			bad("effective", "err.required", "", "is required for a person who left or was transferred")
		}
		for _, f := range []struct{ k, v string }{{"employee_no", row.EmployeeNo}, {"name", row.Name}, {"username", row.Username}, {"department", row.Department}} {
			if fe := medsec.CheckText(name(f.k), f.v, false); fe != nil {
				fe.Line = r.Line
				imp.Problems = append(imp.Problems, *fe)
			} else if fe := medsec.CheckLength(name(f.k), f.v, 200); fe != nil {
				fe.Line = r.Line
				imp.Problems = append(imp.Problems, *fe)
			}
		}
		imp.Rows = append(imp.Rows, row)
	}
	return imp
}

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

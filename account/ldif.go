package account

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/go-ldap/ldif"

	"medsec"
)

// urlValue matches an unfolded LDIF line whose value is a URL (RFC 2849 "attr:< url"):
// the parser would read a file of the server's for it, so such input is refused.
var urlValue = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9;.-]*:<`)

// ReadLDIF reads an LDIF export of a directory (RFC 2849 content records, as `slapcat` or
// `ldapsearch -LLL` write them; the "search:"/"result:" trailer of a plain ldapsearch is
// dropped) with go-ldap/ldif, and returns the account entries (AccountFromEntry) of it.
// Change records, values given by URL, and entries the parser refuses are problems naming
// the line the entry starts on.
func ReadLDIF(data []byte, source string) (imp medsec.AccountImport) {
	imp = medsec.AccountImport{Source: source, Format: "ldif"}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	// Unfold (RFC 2849 note 2) to see each logical line with the line it starts on;
	// record where each entry starts and drop ldapsearch's trailer.
	var starts []int
	var kept []string
	lines := strings.Split(text, "\n")
	inRecord, recordStart, comment := false, 0, false
	var record []string
	var logical []string
	urlAt := 0
	flush := func() {
		if len(record) == 0 {
			return
		}
		hasDN := slices.ContainsFunc(logical, func(l string) bool { return hasPrefixFold(l, "dn:") })
		trailer := !hasDN && !slices.ContainsFunc(logical, func(l string) bool { return !hasPrefixFold(l, "search:") && !hasPrefixFold(l, "result:") })
		versionOnly := !hasDN && len(logical) == 1 && hasPrefixFold(logical[0], "version:")
		if !trailer {
			if !versionOnly {
				starts = append(starts, recordStart)
			}
			kept = append(kept, record...)
			kept = append(kept, "")
		}
		for _, l := range logical {
			if urlValue.MatchString(l) && urlAt == 0 {
				urlAt = recordStart
			}
		}
		record, logical = nil, nil
	}
	for i, l := range lines {
		switch {
		case l == "":
			flush()
			inRecord, comment = false, false
			continue
		case strings.HasPrefix(l, "#"):
			comment = true
			continue
		case strings.HasPrefix(l, " "):
			if comment {
				continue
			}
			if len(logical) > 0 {
				logical[len(logical)-1] += l[1:]
			}
			record = append(record, l)
			continue
		}
		comment = false
		if !inRecord {
			inRecord, recordStart = true, i+1
		}
		if hasPrefixFold(l, "dn:") {
			recordStart = i + 1
		}
		logical = append(logical, l)
		record = append(record, l)
	}
	flush()
	if urlAt != 0 {
		{
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: urlAt, Field: "ldif", Key: "err.ldif_url", Message: "values given by URL (attr:< url) are not read: export the values themselves"})
			return imp
		}
	}
	defer func() {
		if p := recover(); p != nil {
			imp.Rows = nil
			imp.Problems = append(imp.Problems, medsec.FieldError{Field: "ldif", Key: "err.ldif_syntax", Message: fmt.Sprintf("not LDIF: %v", p)})
		}
	}()
	var l ldif.LDIF
	k := 0
	for e, err := range ldif.UnmarshalEntries(strings.NewReader(strings.Join(kept, "\n")+"\n"), &l) {
		line := 0
		if k < len(starts) {
			line = starts[k]
		}
		k++
		if err != nil {
			msg := err.Error()
			if pe, ok := err.(*ldif.ParseError); ok {
				msg = pe.Message
			}
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: line, Field: "ldif", Key: "err.ldif_syntax", Message: msg})
			return imp
		}
		if e.Entry == nil {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: line, Field: "changetype", Key: "err.ldif_change", Message: "a change record: export the entries (slapcat, ldapsearch -LLL)"})
			continue
		}
		row, ok, problems := AccountFromEntry(e.Entry, line)
		imp.Problems = append(imp.Problems, problems...)
		if ok {
			imp.Rows = append(imp.Rows, row)
		}
		if len(imp.Rows) > MaxRows {
			imp.Problems = append(imp.Problems, medsec.FieldError{Field: "file", Key: "err.too_many", Message: fmt.Sprintf("has more than %d accounts", MaxRows)})
			return imp
		}
	}
	return imp
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// AccountFromEntry reads one directory entry as an account, if it is one: an entry with a
// uid, a sAMAccountName or a userPassword (groups and organisational units are not).
//
//   - user name: uid, else sAMAccountName, else cn;
//   - display name: displayName, else cn;
//   - person: employeeNumber (matched to the roster's employee numbers; without it the
//     user name is matched to the roster's user names);
//   - type: employeeType when it names an account type (shared, emergency, ...), else
//     service for an entry that is no person (no person, inetOrgPerson,
//     organizationalPerson or user object class), else personal;
//   - enabled: false when Active Directory's userAccountControl has ACCOUNTDISABLE (0x2)
//     or OpenLDAP's ppolicy pwdAccountLockedTime is set;
//   - last login: authTimestamp (OpenLDAP lastbind overlay) or lastLogonTimestamp (AD);
//   - password changed: pwdChangedTime (ppolicy) or pwdLastSet (AD).
//
// line is where the entry starts, for problems.
func AccountFromEntry(e *ldap.Entry, line int) (medsec.AccountRow, bool, []medsec.FieldError) {
	get := func(name string) string { return strings.TrimSpace(e.GetEqualFoldAttributeValue(name)) }
	row := medsec.AccountRow{Line: line, DN: e.DN, Enabled: true, MFA: medsec.Unknown, Type: medsec.AccountTypePersonal}
	row.Username = get("uid")
	if row.Username == "" {
		row.Username = get("sAMAccountName")
	}
	if row.Username == "" && get("userPassword") == "" {
		return row, false, nil
	}
	if row.Username == "" {
		row.Username = get("cn")
	}
	var problems []medsec.FieldError
	bad := func(field, key, value, msg string) {
		problems = append(problems, medsec.FieldError{Line: line, Field: field, Key: key, Value: value, Message: msg})
	}
	if row.Username == "" {
		bad("uid", "err.required", "", "the entry "+e.DN+" has no uid, sAMAccountName or cn")
	}
	row.DisplayName = get("displayName")
	if row.DisplayName == "" {
		row.DisplayName = get("cn")
	}
	row.Person = get("employeeNumber")
	classes := e.GetEqualFoldAttributeValues("objectClass")
	isPerson := slices.ContainsFunc(classes, func(c string) bool {
		return slices.Contains([]string{"person", "inetorgperson", "organizationalperson", "user", "posixaccount"}, strings.ToLower(c))
	})
	if !isPerson {
		row.Type = medsec.AccountTypeService
	}
	if v := get("employeeType"); v != "" {
		if t, ok := ParseAccountType(v); ok {
			row.Type = t
		}
	}
	if v := get("userAccountControl"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			bad("userAccountControl", "err.bad_number", v, "is not a number")
		} else if n&2 != 0 {
			row.Enabled = false
		}
	}
	if get("pwdAccountLockedTime") != "" {
		row.Enabled = false
	}
	for _, a := range []string{"authTimestamp", "lastLogonTimestamp"} {
		if v := get(a); v != "" {
			t, err := directoryTime(v)
			if err != nil {
				bad(a, "err.bad_date", v, err.Error())
			} else if !t.IsZero() {
				row.LastLogin = t
			}
			break
		}
	}
	for _, a := range []string{"pwdChangedTime", "pwdLastSet"} {
		if v := get(a); v != "" {
			t, err := directoryTime(v)
			if err != nil {
				bad(a, "err.bad_date", v, err.Error())
			} else if !t.IsZero() {
				row.PasswordChanged = medsec.DateOf(t)
			}
			break
		}
	}
	for _, f := range []struct{ k, v string }{{"uid", row.Username}, {"displayName", row.DisplayName}, {"employeeNumber", row.Person}} {
		if fe := medsec.CheckText(f.k, f.v, false); fe != nil {
			fe.Line = line
			problems = append(problems, *fe)
		} else if fe := medsec.CheckLength(f.k, f.v, 200); fe != nil {
			fe.Line = line
			problems = append(problems, *fe)
		}
	}
	return row, true, problems
}

// directoryTime reads an LDAP GeneralizedTime (RFC 4517 §3.3.13, "20260105093000Z") or an
// Active Directory FILETIME (100 ns intervals since 1601; 0 and the maximum mean never).
func directoryTime(v string) (time.Time, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil { // GeneralizedTime always ends in Z or an offset
		if n <= 0 || n == 1<<63-1 {
			return time.Time{}, nil
		}
		const epochDiff = 116444736000000000 // 1601-01-01 to 1970-01-01 in 100 ns
		return time.Unix(0, (n-epochDiff)*100).UTC(), nil
	}
	for _, layout := range []string{"20060102150405Z", "20060102150405.999999Z", "20060102150405-0700", "20060102150405.999999-0700", "200601021504Z"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a directory time (GeneralizedTime such as 20260105093000Z)", v)
}

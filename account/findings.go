package account

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"medsec"
)

//go:embed data/vendor-default-accounts.tsv
var vendorDefaultsTSV []byte

// VendorDefault is one account name a manufacturer ships its products with: Vendor is a
// case-insensitive part of the vendor's name ("*" for every vendor), Username the name.
type VendorDefault struct {
	Vendor, Username, Source string
}

// VendorDefaults returns the maintained list of default account names
// (data/vendor-default-accounts.tsv: vendor, user name, source; # comments).
func VendorDefaults() []VendorDefault {
	var out []VendorDefault
	sc := bufio.NewScanner(bytes.NewReader(vendorDefaultsTSV))
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) < 2 {
			continue
		}
		d := VendorDefault{Vendor: strings.TrimSpace(f[0]), Username: strings.TrimSpace(f[1])}
		if len(f) > 2 {
			d.Source = strings.TrimSpace(f[2])
		}
		out = append(out, d)
	}
	return out
}

// IsVendorDefault reports whether username is a default account name of the vendor in
// defaults, and the entry that says so.
func IsVendorDefault(defaults []VendorDefault, vendor, username string) (VendorDefault, bool) {
	for _, d := range defaults {
		if !strings.EqualFold(d.Username, username) {
			continue
		}
		if d.Vendor == "*" || (vendor != "" && strings.Contains(strings.ToLower(vendor), strings.ToLower(d.Vendor))) {
			return d, true
		}
	}
	return VendorDefault{}, false
}

// Subject is one account with what its findings are decided from: its system and the
// person it belongs to.
type Subject struct {
	Account *medsec.Account
	// Class is the system's class in the grouping model; Vendor its vendor's name;
	// Jurisdiction its site's (004 binds Japanese hospitals). For a clinical system's
	// account Class is ClassApplication when any member asset is a device application
	// system, and Vendor names the member assets' vendors ("A; B").
	Class        medsec.DeviceClass
	Vendor       string
	Jurisdiction medsec.Jurisdiction
	// PasswordChangeable is the model's MDS2 answer on changing passwords (PAUT-5
	// family): No means a default password cannot be changed and needs a compensating
	// measure [000 帳號管理(普) 一].
	PasswordChangeable medsec.Tristate
	// Person is the roster entry of the account's person, nil for none.
	Person *medsec.StaffMember
	// LastReviewed is when the account was last kept in a signed access review.
	LastReviewed time.Time
}

// Findings returns the findings of one account at now; an enabled account without login
// for unusedDays days is unused.
func Findings(s Subject, defaults []VendorDefault, now time.Time, unusedDays int) []medsec.AccountFinding {
	a := s.Account
	if !a.RemovedAt.IsZero() {
		return nil
	}
	var out []medsec.AccountFinding
	add := func(kind medsec.AccountFindingKind, clause, detail string, since medsec.Date) {
		out = append(out, medsec.AccountFinding{Kind: kind, AccountID: a.ID, AssetID: a.AssetID, SiteID: a.SiteID, AssetName: a.AssetName,
			SystemID: a.SystemID, SystemName: a.SystemName, Username: a.Username, Clause: clause, Detail: detail, Since: since})
	}
	if unusedDays <= 0 {
		unusedDays = medsec.DefaultUnusedDays
	}
	// Default credentials [000 帳號管理(普) 一 (terminal devices), 二 (control systems)].
	if a.Enabled {
		d, listed := IsVendorDefault(defaults, s.Vendor, a.Username)
		if a.Type == medsec.AccountTypeDefault || listed {
			why := "a manufacturer's default account"
			if listed && a.Type != medsec.AccountTypeDefault {
				why = fmt.Sprintf("%q is a default account name of %s (%s)", a.Username, vendorOr(d.Vendor), d.Source)
			}
			switch {
			case s.PasswordChangeable == medsec.No:
				add(medsec.FindingDefaultCredentials, "000 帳號管理(普) 一", why+" is enabled and the model's MDS2 form says its password cannot be changed: a compensating measure is needed", medsec.Date{})
			case a.PasswordChanged.IsZero():
				add(medsec.FindingDefaultCredentials, "000 帳號管理(普) 一、二", why+" is enabled and its password was never changed", medsec.Date{})
			}
		}
	}
	// Shared accounts on device application systems [000 帳號管理(普) 四].
	if a.Enabled && a.Type == medsec.AccountTypeShared && s.Class == medsec.ClassApplication {
		add(medsec.FindingSharedForbidden, "000 帳號管理(普) 四", "a shared account on a device application system (醫儀應用系統), where the baseline forbids shared accounts", medsec.Date{})
	}
	// Departed or transferred staff [000 帳號管理(中) 一].
	if p := s.Person; a.Enabled && p != nil && !p.Effective.IsZero() && !p.Effective.Time().After(now) {
		switch p.Status {
		case medsec.PersonLeft:
			add(medsec.FindingDeparted, "000 帳號管理(中) 一", fmt.Sprintf("%s left on %s and the account is still enabled", p.Name, p.Effective), p.Effective)
		case medsec.PersonTransferred:
			if s.LastReviewed.Before(p.Effective.Time()) {
				add(medsec.FindingTransferred, "000 帳號管理(中) 一; 004 §14.2", fmt.Sprintf("%s was transferred on %s and the account was not reviewed since", p.Name, p.Effective), p.Effective)
			}
		}
	}
	// Unused accounts [004 §14 ⑦; 000 帳號管理(高) 一]. Emergency accounts are meant to
	// stay unused.
	if a.Enabled && !a.LastLogin.IsZero() && a.Type != medsec.AccountTypeEmergency && now.Sub(a.LastLogin) > time.Duration(unusedDays)*24*time.Hour {
		add(medsec.FindingUnused, "004 §14 ⑦; 000 帳號管理(高) 一", fmt.Sprintf("no login for %d days (more than %d)", int(now.Sub(a.LastLogin).Hours()/24), unusedDays), medsec.DateOf(a.LastLogin))
	}
	// Two-factor authentication [004 §14 ⑤]: systems in use at FY2027 (from 2027-04-01).
	if a.Enabled && s.Jurisdiction == medsec.JurisdictionJP && a.MFA == medsec.No &&
		(a.Type == medsec.AccountTypePersonal || a.Type == medsec.AccountTypeShared || a.Type == medsec.AccountTypeVendor) {
		f := medsec.AccountFinding{Kind: medsec.FindingNoMFA, AccountID: a.ID, AssetID: a.AssetID, SiteID: a.SiteID, AssetName: a.AssetName,
			SystemID: a.SystemID, SystemName: a.SystemName, Username: a.Username, Clause: "004 §14 ⑤", Since: medsec.DateOf(medsec.MFARequiredFrom)}
		if now.Before(medsec.MFARequiredFrom) {
			f.Upcoming = true
			f.Detail = "logins use a password without a second factor; two-factor authentication is required from 2027-04-01 (FY2027) when the system is introduced or updated"
		} else {
			f.Detail = "logins use a password without a second factor, required since 2027-04-01 (FY2027)"
		}
		out = append(out, f)
	}
	// Emergency accounts used and not reset [004 §11 ①: 非常時用ユーザアカウントが使用
	// された場合、正常復帰後は継続使用ができないように変更すること].
	if a.Enabled && a.Type == medsec.AccountTypeEmergency && !a.LastLogin.IsZero() && a.PasswordChanged.Time().Before(medsec.DateOf(a.LastLogin).Time()) {
		add(medsec.FindingEmergencyUsed, "004 §11 ①", fmt.Sprintf("the emergency account was used on %s and its password was not changed since", medsec.DateOf(a.LastLogin)), medsec.DateOf(a.LastLogin))
	}
	return out
}

func vendorOr(v string) string {
	if v == "*" {
		return "many manufacturers"
	}
	return v
}

// Controls maps each finding kind to the TW baseline controls (and measure items) it is
// evidence against [000 附表一].
var Controls = map[medsec.AccountFindingKind][]medsec.ControlRef{
	medsec.FindingDefaultCredentials: {{CatalogID: twBaseline, ControlID: "tw-ac-1.l", Item: "一"}, {CatalogID: twBaseline, ControlID: "tw-ac-1.l", Item: "二"}},
	medsec.FindingSharedForbidden:    {{CatalogID: twBaseline, ControlID: "tw-ac-1.l", Item: "四"}},
	medsec.FindingDeparted:           {{CatalogID: twBaseline, ControlID: "tw-ac-1.m", Item: "一"}},
	medsec.FindingTransferred:        {{CatalogID: twBaseline, ControlID: "tw-ac-1.m", Item: "一"}},
	medsec.FindingUnused:             {{CatalogID: twBaseline, ControlID: "tw-ac-1.h", Item: "一"}},
}

const twBaseline = "tw-mohw-medical-baseline"

// CheckIDs are the automatic checks the account findings feed, by finding kind.
var CheckIDs = map[medsec.AccountFindingKind]string{
	medsec.FindingDefaultCredentials: "accounts-no-default-credentials",
	medsec.FindingSharedForbidden:    "accounts-no-shared-on-application-system",
	medsec.FindingDeparted:           "accounts-departed-disabled",
	medsec.FindingTransferred:        "accounts-transferred-reviewed",
	medsec.FindingUnused:             "accounts-unused-reviewed",
}

// Checks turns one asset's account findings into check results of the TW baseline's
// account-management controls: accounts counts the asset's accounts and those of the
// clinical systems it is a member of, and findings are theirs (a system's account is
// evidence against each of its member assets). With no account inventoried every check is
// unknown; else a check fails when a finding of its kind exists and passes otherwise, the
// accounts its evidence.
func Checks(assetID int64, accounts int, findings []medsec.AccountFinding, now time.Time) []medsec.CheckResult {
	var out []medsec.CheckResult
	for _, kind := range []medsec.AccountFindingKind{medsec.FindingDefaultCredentials, medsec.FindingSharedForbidden, medsec.FindingDeparted, medsec.FindingTransferred, medsec.FindingUnused} {
		r := medsec.CheckResult{CheckID: CheckIDs[kind], AssetID: assetID, Controls: Controls[kind], ComputedAt: now.UTC(), Data: []medsec.CheckDatum{}}
		n := 0
		for _, f := range findings {
			if f.Kind == kind {
				n++
				who := f.Username
				if f.SystemID != 0 {
					who = f.SystemName + " " + who
				}
				r.Data = append(r.Data, medsec.CheckDatum{Field: "account", Value: who + ": " + f.Detail})
			}
		}
		switch {
		case accounts == 0:
			r.Outcome, r.Detail = medsec.CheckUnknown, "no account list of the system is imported"
		case n > 0:
			r.Outcome, r.Detail = medsec.CheckFail, fmt.Sprintf("%d of %d accounts: %s", n, accounts, kind)
		default:
			r.Outcome, r.Detail = medsec.CheckPass, fmt.Sprintf("none of %d accounts: %s", accounts, kind)
		}
		out = append(out, r)
	}
	return out
}

package medsec

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Suppression silences a known false positive of one rule at one site: a finding of the
// rule whose events all match its fields (host, user, source address or network) is
// counted on the suppression instead of raising an alert. A rule test or retro-hunt still
// lists such a finding, marked with the suppression. Once ExpiresAt has passed the
// suppression stops applying and is listed as expired; it is never deleted, so that the
// record of what was silenced, by whom and why stays.
type Suppression struct {
	ID        int64  `json:"id"`
	RuleID    int64  `json:"rule_id"`
	RuleUID   string `json:"rule_uid"`
	RuleTitle string `json:"rule_title"`
	// SiteID is the site whose events it silences (0: the organisation, events of no
	// site such as logins to medsec).
	SiteID   int64  `json:"site_id"`
	SiteName string `json:"site_name,omitempty"`
	// Host, User and Source are what an event must hold to be silenced, each when set:
	// host.name and user.name (case-insensitive; a user also matches without its
	// domain, as medsec.account.name), source.ip an address or within a network (CIDR).
	// At least one is set.
	Host   string `json:"host,omitempty"`
	User   string `json:"user,omitempty"`
	Source string `json:"source,omitempty"`
	// Reason says why the matches are false positives (required).
	Reason string `json:"reason"`
	// ExpiresAt, when set, is when the suppression stops applying.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Expired is set when ExpiresAt has passed at the time of reading.
	Expired       bool      `json:"expired"`
	CreatedBy     int64     `json:"created_by,omitempty"`
	CreatedByName string    `json:"created_by_name,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	// Suppressed counts the findings it silenced; LastSuppressedAt is the event time of
	// the newest.
	Suppressed       int64     `json:"suppressed"`
	LastSuppressedAt time.Time `json:"last_suppressed_at,omitzero"`
}

// MaxSuppressions bounds the suppressions that apply at once (not expired), over all
// rules and sites: each finding is checked against those of its rule and site.
const MaxSuppressions = 1000

// Validate checks a new suppression and tidies its fields (spaces trimmed, a source
// address or network in its canonical form).
func (s *Suppression) Validate(now time.Time) error {
	var errs []FieldError
	add := func(field, key, msg string) { errs = append(errs, FieldError{Field: field, Key: key, Message: msg}) }
	s.Host, s.User, s.Source, s.Reason = strings.TrimSpace(s.Host), strings.TrimSpace(s.User), strings.TrimSpace(s.Source), strings.TrimSpace(s.Reason)
	if s.RuleID <= 0 {
		add("rule_id", "err.required", "is required: the rule whose matches are silenced")
	}
	if s.SiteID < 0 {
		add("site_id", "err.bad_number", "must be a site (0: the organisation)")
	}
	if s.Host == "" && s.User == "" && s.Source == "" {
		add("host", "suppression.err.no_match", "name at least one of host, user or source: to silence every match, disable the rule at the site instead")
	}
	if s.Source != "" {
		if p, err := netip.ParsePrefix(s.Source); err == nil {
			s.Source = p.Masked().String()
		} else if a, err := netip.ParseAddr(s.Source); err == nil {
			s.Source = a.Unmap().WithZone("").String()
		} else {
			add("source", "suppression.err.source", "must be an IP address or a network in CIDR notation (10.1.40.0/24, 2001:db8::/64)")
		}
	}
	if s.Reason == "" {
		add("reason", "err.required", "is required: why the matches are false positives")
	}
	if !s.ExpiresAt.IsZero() && !s.ExpiresAt.After(now) {
		add("expires_at", "suppression.err.expires_past", "must be in the future")
	}
	var c textChecks
	c.line("host", s.Host)
	c.line("user", s.User)
	c.text("reason", s.Reason)
	errs = append(errs, c.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// ActiveAt reports whether the suppression has not expired at t (the Expired flag is
// !ActiveAt(now)).
func (s *Suppression) ActiveAt(t time.Time) bool {
	return s.ExpiresAt.IsZero() || t.Before(s.ExpiresAt)
}

// AppliesAt reports whether the suppression silences a finding whose events happened at
// t: t lies in its active interval, from CreatedAt (included) to ExpiresAt (excluded,
// the time it was ended early too). Detection judges a finding by its newest event's
// time, not the wall clock, so that a retro-hunt over last month, or a restart's replay,
// reads the suppressions as they were then: a burst before a suppression was made, or
// while one since expired was in force, is judged as it was [issue 13 t13 finding 4].
func (s *Suppression) AppliesAt(t time.Time) bool {
	return !t.Before(s.CreatedAt) && s.ActiveAt(t)
}

// Matches reports whether an event's fields hold every field the suppression names.
// A field with several values (an ECS list) matches when one of them does.
func (s *Suppression) Matches(fields map[string]any) bool {
	if s.Host != "" && !anyValue(fields["host.name"], func(v string) bool { return strings.EqualFold(v, s.Host) }) {
		return false
	}
	if s.User != "" && !anyValue(fields["user.name"], func(v string) bool {
		return strings.EqualFold(v, s.User) || strings.EqualFold(AccountName(v), s.User)
	}) {
		return false
	}
	if s.Source != "" {
		p, err := netip.ParsePrefix(s.Source)
		if err != nil {
			a, aerr := netip.ParseAddr(s.Source)
			if aerr != nil {
				return false
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if !anyValue(fields["source.ip"], func(v string) bool {
			a, err := netip.ParseAddr(v)
			return err == nil && p.Contains(a.Unmap().WithZone(""))
		}) {
			return false
		}
	}
	return true
}

// anyValue reports whether v (a value or a list of them) holds a value for which ok
// holds.
func anyValue(v any, ok func(string) bool) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return ok(x)
	case []string:
		for _, s := range x {
			if ok(s) {
				return true
			}
		}
		return false
	case []any:
		for _, s := range x {
			if s != nil && ok(fmt.Sprint(s)) {
				return true
			}
		}
		return false
	}
	return ok(fmt.Sprint(v))
}

// SuppressionFilter selects suppressions; zero fields select all.
type SuppressionFilter struct {
	RuleID int64
	// SiteID selects one site's; AnySite (with SiteID 0) every site of the caller's scope.
	SiteID  int64
	AnySite bool
	// Active leaves out the expired ones.
	Active bool
	// ActiveFrom, when set, leaves out those that expired at or before it: the
	// suppressions that may apply to events from ActiveFrom on (a retro-hunt's range).
	ActiveFrom time.Time
}

// SuppressionService keeps the suppressions. Reading needs PermRuleRead and lists those
// of the caller's sites; creating and expiring need PermRuleAdmin and the site (the
// organisation, 0, for a user not limited to sites). Every change is audited in its
// transaction.
type SuppressionService interface {
	// FindSuppressions lists suppressions, the ones still applying first, newest first.
	FindSuppressions(ctx context.Context, f SuppressionFilter) ([]*Suppression, error)
	// FindSuppressionByID returns one suppression, or ENOTFOUND (also outside the
	// caller's scope).
	FindSuppressionByID(ctx context.Context, id int64) (*Suppression, error)
	// CreateSuppression validates and stores a suppression, setting its ID and who made
	// it. EINVALID; ENOTFOUND for an unknown rule or a site outside the caller's scope.
	CreateSuppression(ctx context.Context, s *Suppression) error
	// ExpireSuppression ends a suppression now (it is kept, listed as expired). ENOTFOUND;
	// EINVALID when it has already expired.
	ExpireSuppression(ctx context.Context, id int64) error
	// AddSuppressionHits counts n findings a suppression silenced, the newest at at (as
	// the system; statistics, not audited).
	AddSuppressionHits(ctx context.Context, id int64, n int64, at time.Time) error
}

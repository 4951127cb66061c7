package medsec

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// Rule origins.
const (
	// RuleBuiltin: one of medsec's rules for the response plan's triggers [003 §3.2.1,
	// §3.3.2], shipped with medsec; enabled at every site unless a site turns it off.
	RuleBuiltin = "builtin"
	// RuleImported: a Sigma rule imported by a user (SigmaHQ's or the hospital's own);
	// disabled until a site turns it on.
	RuleImported = "imported"
)

// Rule kinds: a Sigma detection rule or a Sigma correlation rule.
const (
	RuleKindDetection   = "rule"
	RuleKindCorrelation = "correlation"
)

// DetectionRule is one Sigma document medsec runs: its metadata (read from the YAML),
// the YAML itself, and its state per site.
type DetectionRule struct {
	ID int64 `json:"id"`
	// UID is the Sigma id (a UUID), unique among the rules.
	UID         string   `json:"uid"`
	Title       string   `json:"title"`
	Kind        string   `json:"kind"`
	Level       string   `json:"level"`
	Status      string   `json:"status"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags"`
	References  []string `json:"references,omitempty"`
	// Origin is RuleBuiltin or RuleImported; FileName the file it was read from.
	Origin   string `json:"origin"`
	FileName string `json:"file_name"`
	// Line is the line of FileName the rule's document starts on, when the rule was just
	// read from a file (for messages); not stored.
	Line int `json:"-"`
	// Error, when set, says why the server's engine cannot run the rule (a placeholder
	// without values, a correlation over an unknown rule), with the file, line and
	// field: the rule is left out of detection at every site until it is replaced.
	Error string `json:"error,omitempty"`
	// RegexTimeouts counts, since the server started, the regular-expression matches of
	// the rule that ran out of time (RegexTimeout each; the value then counts as not
	// matched).
	RegexTimeouts int64 `json:"regex_timeouts"`
	// LateMatches counts, since the server started, the rule's matches that arrived more
	// than the detection lateness (30 s) behind their site's newest event and were
	// therefore left out of the correlations that read the rule; LateNewest is the event
	// time of the newest of them. A rule test over that span with "raise" correlates them.
	LateMatches int64     `json:"late_matches"`
	LateNewest  time.Time `json:"late_newest,omitzero"`
	// YAML is the rule's Sigma text. For a built-in rule it is rendered with the current
	// detection settings (thresholds, working hours).
	YAML string `json:"yaml"`
	// Enabled is the state at sites without a state of their own.
	Enabled bool `json:"enabled"`
	// Sites are the rule's state at each site the caller may see.
	Sites []RuleSite `json:"sites"`
	// Hits is the sum of the sites' hits.
	Hits      int64     `json:"hits"`
	LastHitAt time.Time `json:"last_hit_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RuleSite is a rule's state at one site; SiteID 0 is the organisation (events of no
// site, such as logins to medsec), listed for users not limited to sites.
type RuleSite struct {
	SiteID   int64  `json:"site_id"`
	SiteName string `json:"site_name"`
	Enabled  bool   `json:"enabled"`
	// Own is set when the site has its own state rather than the rule's default.
	Own bool `json:"own"`
	// Hits counts the rule's matches (a detection rule) or alerts (a correlation) there.
	Hits      int64     `json:"hits"`
	LastHitAt time.Time `json:"last_hit_at,omitzero"`
	// EnabledSince is when the rule was last turned on at the site by its own state (zero:
	// not known, or not on): the re-correlation of late matches reads no events before it,
	// a span in which the rule was off there (bt13h M4).
	EnabledSince time.Time `json:"-"`
}

// EnabledAt reports whether the rule runs at the site.
func (r *DetectionRule) EnabledAt(siteID int64) bool {
	for _, s := range r.Sites {
		if s.SiteID == siteID {
			return s.Enabled
		}
	}
	return r.Enabled
}

// RuleTitleKey is the message key of a rule's title in the translations,
// "builtin_rule.<Sigma id>.title". Only the built-in rules have one; where a rule has none,
// its title as written is shown (a MessageArg or NotifyArg carries it as Text).
func RuleTitleKey(uid string) string { return "builtin_rule." + uid + ".title" }

// ATTACKTags returns the rule's MITRE ATT&CK tags (attack.*).
func (r *DetectionRule) ATTACKTags() []string {
	var out []string
	for _, t := range r.Tags {
		if strings.HasPrefix(t, "attack.") {
			out = append(out, t)
		}
	}
	return out
}

// AlertStatus is where an alert's triage stands.
type AlertStatus string

// Triage states. An alert starts new; closing records whether it was a real attack
// (true positive) or not (false positive).
const (
	AlertNew           AlertStatus = "new"
	AlertAcknowledged  AlertStatus = "acknowledged"
	AlertInvestigating AlertStatus = "investigating"
	AlertTruePositive  AlertStatus = "closed_true_positive"
	AlertFalsePositive AlertStatus = "closed_false_positive"
)

// AlertStatuses lists the triage states in their order.
var AlertStatuses = []AlertStatus{AlertNew, AlertAcknowledged, AlertInvestigating, AlertTruePositive, AlertFalsePositive}

// Closed reports whether the state ends the triage.
func (s AlertStatus) Closed() bool { return s == AlertTruePositive || s == AlertFalsePositive }

// Sigma rule levels, from the least urgent.
var RuleLevels = []string{"informational", "low", "medium", "high", "critical"}

// LevelSeverity maps a Sigma rule level to the severity of the alert's notification:
// critical for critical, warning for high and medium, info below.
func LevelSeverity(level string) Severity {
	switch level {
	case "critical":
		return SeverityCritical
	case "high", "medium":
		return SeverityWarning
	}
	return SeverityInfo
}

// Alert is one detection: a rule (or a correlation) that fired at a site, with the events
// behind it, the asset and zone they concern, and the triage of the people who work it.
// An occurrence is raised once: its DedupKey (rule, site, group) gathers repeats into the
// open alert of that key.
type Alert struct {
	ID       int64  `json:"id"`
	DedupKey string `json:"dedup_key"`
	RuleID   int64  `json:"rule_id"`
	RuleUID  string `json:"rule_uid"`
	// Title, Level and Tags come from the rule (Level a Sigma level, Tags with the
	// ATT&CK techniques).
	Title     string   `json:"title"`
	Level     string   `json:"level"`
	Tags      []string `json:"tags"`
	SiteID    int64    `json:"site_id"`
	SiteName  string   `json:"site_name,omitempty"`
	AssetID   int64    `json:"asset_id,omitempty"`
	AssetName string   `json:"asset_name,omitempty"`
	ZoneID    int64    `json:"zone_id,omitempty"`
	ZoneName  string   `json:"zone_name,omitempty"`
	// VendorID is the asset's vendor, so that a vendor user sees the alerts of its assets.
	VendorID     int64       `json:"vendor_id,omitempty"`
	Status       AlertStatus `json:"status"`
	AssigneeID   int64       `json:"assignee_id,omitempty"`
	AssigneeName string      `json:"assignee_name,omitempty"`
	// Note is the triage note (what was found, why it was closed).
	Note       string    `json:"note"`
	EventCount int       `json:"event_count"`
	FirstAt    time.Time `json:"first_at"`
	LastAt     time.Time `json:"last_at"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	// Version increases with every triage change; a change naming an older version is
	// ECONFLICT.
	Version int64 `json:"version"`
	// Events are the events that matched (FindAlertByID only), oldest first.
	Events []AlertEvent `json:"events,omitempty"`
	// Incidents are the incidents the alert opened or joined (FindAlertByID only, for a
	// caller who may read incidents), oldest first.
	Incidents []AlertIncident `json:"incidents,omitempty"`
}

// AlertIncident is an incident an alert opened or joined, as the alert names it.
type AlertIncident struct {
	ID     int64          `json:"id"`
	Title  string         `json:"title"`
	Status IncidentStatus `json:"status"`
}

// AlertEvent is an event as an alert keeps it: its key, time, the record it came from
// (a sealed log record or a medsec object) and its fields when the alert was raised.
type AlertEvent struct {
	Key    string         `json:"key"`
	Time   time.Time      `json:"@timestamp"`
	Ref    EventRef       `json:"ref"`
	Fields map[string]any `json:"fields"`
}

// MaxAlertEvents bounds the events kept with one alert; its EventCount goes on counting.
const MaxAlertEvents = 200

// AlertFilter selects alerts.
type AlertFilter struct {
	Status     AlertStatus
	Open       bool // only states that are not closed
	SiteID     int64
	Level      string
	RuleID     int64
	AssigneeID int64
	AssetID    int64
	Offset     int
	Limit      int
}

// AlertUpdate is a triage change; nil fields are kept.
type AlertUpdate struct {
	// Version is the alert's Version the change was based on (required).
	Version *int64       `json:"version,omitempty"`
	Status  *AlertStatus `json:"status,omitempty"`
	// AssigneeID sets the assignee; 0 clears it.
	AssigneeID *int64  `json:"assignee_id,omitempty"`
	Note       *string `json:"note,omitempty"`
}

// Validate checks a triage change.
func (u *AlertUpdate) Validate() error {
	var errs []FieldError
	if u.Version == nil {
		errs = append(errs, FieldError{Field: "version", Key: "err.required", Message: "is required: the alert's version the change is based on"})
	}
	if u.Status != nil && !slices.Contains(AlertStatuses, *u.Status) {
		errs = append(errs, FieldError{Field: "status", Key: "err.unknown_value", Message: "must be one of new, acknowledged, investigating, closed_true_positive, closed_false_positive"})
	}
	if u.Note != nil {
		var c textChecks
		c.text("note", *u.Note)
		errs = append(errs, c.errs...)
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// CountWindow is a threshold: Count events within Minutes.
type CountWindow struct {
	Count   int `json:"count"`
	Minutes int `json:"minutes"`
}

// Window returns the timespan in Sigma's notation ("5m").
func (c CountWindow) Window() string { return fmt.Sprintf("%dm", c.Minutes) }

// Hours is a weekly time window: From to To (HH:MM) on the Days of the week (1 Monday to
// 7 Sunday), read in a time zone. Detection reads it in the zone of the site an event
// belongs to (Site.Zone, ContainsIn): a group with sites in Taipei, Shanghai and Tokyo
// has one working day of 08:00-18:00 local time at each. TZ (IANA name) is the zone of
// the events of no site (the organisation's own) and of a site whose zone is unknown
// [issue 13 bt13g M3: one zone judged every site]. To before From is an overnight window: it
// starts at From on one of the Days and ends at To the next morning (22:00-02:00 on Monday
// runs Monday 22:00 to Tuesday 02:00). From equal to To is refused.
type Hours struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days []int  `json:"days"`
	TZ   string `json:"tz"`
}

// String describes the window in English ("Mon,Tue,Wed,Thu,Fri 08:00-18:00 each site's
// local time (Asia/Taipei for events of no site)"), as the built-in rules' Sigma text
// carries it; an overnight window says so ("Mon 22:00-02:00 (next day) …"). Pages say it
// in the reader's language.
func (h Hours) String() string {
	names := []string{"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	var days []string
	for _, d := range h.Days {
		if d >= 1 && d <= 7 {
			days = append(days, names[d])
		}
	}
	span := h.From + "-" + h.To
	if h.Overnight() {
		span += " (next day)"
	}
	return strings.Join(days, ",") + " " + span + " each site's local time (" + h.TZ + " for events of no site)"
}

// Overnight reports whether the window runs past midnight (To before From).
func (h Hours) Overnight() bool {
	from, ok1 := parseClock(h.From)
	to, ok2 := parseClock(h.To)
	return ok1 && ok2 && to < from
}

func parseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// Contains reports whether t falls in the window read in its zone TZ: from From
// (included) to To (excluded). An overnight window (To before From) holds the evening of
// each of its Days from From and the next morning until To. A window with a bad time zone
// or clock contains nothing (Validate refuses it).
func (h Hours) Contains(t time.Time) bool { return h.ContainsIn(t, "") }

// ContainsIn is Contains with the window read in the named IANA zone (a site's,
// Site.Zone) instead of TZ: 08:00-18:00 in Asia/Tokyo is 07:00-17:00 in Asia/Taipei. An
// empty or unknown zone reads it in TZ.
func (h Hours) ContainsIn(t time.Time, zone string) bool {
	loc, err := LoadZone("tz", zone)
	if err != nil {
		if loc, err = time.LoadLocation(h.TZ); err != nil {
			return false
		}
	}
	from, ok1 := parseClock(h.From)
	to, ok2 := parseClock(h.To)
	if !ok1 || !ok2 {
		return false
	}
	lt := t.In(loc)
	wd := int(lt.Weekday())
	if wd == 0 {
		wd = 7
	}
	m := lt.Hour()*60 + lt.Minute()
	if from < to {
		return slices.Contains(h.Days, wd) && m >= from && m < to
	}
	prev := wd - 1 // the day an overnight window that is still running started
	if prev == 0 {
		prev = 7
	}
	return slices.Contains(h.Days, wd) && m >= from || slices.Contains(h.Days, prev) && m < to
}

func (h Hours) validate(field string) []FieldError {
	var errs []FieldError
	from, ok1 := parseClock(h.From)
	to, ok2 := parseClock(h.To)
	if !ok1 || !ok2 || to == from {
		errs = append(errs, FieldError{Field: field, Key: "err.bad_hours", Message: "from and to must be HH:MM and differ (to before from runs past midnight)"})
	}
	if _, err := time.LoadLocation(h.TZ); err != nil || h.TZ == "" {
		errs = append(errs, FieldError{Field: field + ".tz", Key: "err.unknown_value", Message: "must be an IANA time zone such as Asia/Taipei"})
	}
	for _, d := range h.Days {
		if d < 1 || d > 7 {
			errs = append(errs, FieldError{Field: field + ".days", Key: "err.unknown_value", Message: "days are 1 (Monday) to 7 (Sunday)"})
			break
		}
	}
	return errs
}

// DetectionSettings are the thresholds and hours of the built-in rules [003 §3.2.1,
// §3.3.2]; changing them re-renders those rules.
type DetectionSettings struct {
	// FailedLogins: this many failed logins from one address within the minutes
	// [003 §3.2.1, 短時間內大量失敗登錄].
	FailedLogins CountWindow `json:"failed_logins"`
	// WorkingHours: exports outside them raise an alert [003 §3.2.1, 非工作時段數據導出].
	WorkingHours Hours `json:"working_hours"`
	// StorageGrowthPercent: PACS storage growing by more than this within a day
	// [003 §3.3.2, 超過20%].
	StorageGrowthPercent int `json:"storage_growth_percent"`
	// SensitivePaths and SensitiveAttempts: refused accesses under these directories,
	// this many from one terminal within the minutes [003 §3.3.2]. A directory is kept
	// as its names under a monitored host's root joined by "/" ("etc",
	// "Windows/System32/config"); Validate reads any way of writing it ("/etc/",
	// `C:\Windows\System32\config\`), and SensitivePathPrefixes gives the paths the rule
	// looks for, with either separator.
	SensitivePaths    []string    `json:"sensitive_paths"`
	SensitiveAttempts CountWindow `json:"sensitive_attempts"`
	// EmergencyAccounts are the break-glass account names [004 §11.2].
	EmergencyAccounts []string `json:"emergency_accounts"`
	// MaintenanceWindow is the approved remote-maintenance window and
	// RemoteMaintenanceSources the vendors' source networks (CIDR) [004 §10].
	MaintenanceWindow        Hours    `json:"maintenance_window"`
	RemoteMaintenanceSources []string `json:"remote_maintenance_sources"`
	// DeviceZoneKinds are the zone kinds that are device networks: a new host there
	// raises an alert.
	DeviceZoneKinds []ZoneKind `json:"device_zone_kinds"`
}

// defaultDetectionSettings is the built-in rules' default settings, kept as data beside
// the rules they fill in (the plan's 20 %, ten failed logins in five minutes, weekdays
// 08:00–18:00 Taipei time, maintenance on weekdays 09:00–17:00, the directories a
// monitored host holds sensitive data in). A hospital changes them on the rules page or
// with PUT /api/v1/detection/settings.
//
//go:embed detection/builtin/defaults.json
var defaultDetectionSettings []byte

// DefaultDetectionSettings returns the settings medsec starts with, read from
// detection/builtin/defaults.json (embedded). It panics if that file does not decode and
// validate, which TestDefaultDetectionSettings checks.
func DefaultDetectionSettings() DetectionSettings {
	var s DetectionSettings
	dec := json.NewDecoder(bytes.NewReader(defaultDetectionSettings))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		panic("detection/builtin/defaults.json: " + err.Error())
	}
	if err := s.Validate(); err != nil {
		panic("detection/builtin/defaults.json: " + err.Error())
	}
	return s
}

// Validate checks the settings.
func (s *DetectionSettings) Validate() error {
	var errs []FieldError
	add := func(field, key, msg string) { errs = append(errs, FieldError{Field: field, Key: key, Message: msg}) }
	for name, c := range map[string]CountWindow{"failed_logins": s.FailedLogins, "sensitive_attempts": s.SensitiveAttempts} {
		if c.Count < 1 || c.Count > 100000 {
			add(name+".count", "err.bad_number", "must be from 1 to 100000")
		}
		if c.Minutes < 1 || c.Minutes > 7*24*60 {
			add(name+".minutes", "err.bad_number", "must be from 1 to 10080 (a week)")
		}
	}
	errs = append(errs, s.WorkingHours.validate("working_hours")...)
	errs = append(errs, s.MaintenanceWindow.validate("maintenance_window")...)
	if s.StorageGrowthPercent < 1 || s.StorageGrowthPercent > 1000 {
		add("storage_growth_percent", "err.bad_number", "must be from 1 to 1000")
	}
	clean := func(field string, in []string, need bool) []string {
		var out []string
		for _, v := range in {
			if v = strings.TrimSpace(v); v != "" {
				if strings.ContainsAny(v, "'\n\r") {
					add(field, "err.bad_value", "must not hold quotes or line breaks")
				}
				out = append(out, v)
			}
		}
		if need && len(out) == 0 {
			add(field, "err.required", "needs at least one value")
		}
		return out
	}
	s.SensitivePaths = clean("sensitive_paths", s.SensitivePaths, true)
	dirs := s.SensitivePaths[:0:0]
	for _, p := range s.SensitivePaths {
		d := sensitiveDir(p)
		switch {
		case d == "":
			add("sensitive_paths", "err.bad_value", fmt.Sprintf("%q names no directory under the root", p))
		case strings.ContainsAny(d, "*?"):
			add("sensitive_paths", "err.bad_value", fmt.Sprintf("%q: a directory name must not hold * or ?", p))
		case slices.ContainsFunc(strings.Split(d, "/"), func(n string) bool { return n == "." || n == ".." }):
			// Paths are matched resolved (FieldPathNormalized), so such a directory would
			// never match, silently turning the rule off (bt13g #6).
			add("sensitive_paths", "err.bad_value", fmt.Sprintf("%q: a directory name must not be . or ..", p))
		case !slices.Contains(dirs, d):
			dirs = append(dirs, d)
		}
	}
	s.SensitivePaths = dirs
	s.EmergencyAccounts = clean("emergency_accounts", s.EmergencyAccounts, true)
	s.RemoteMaintenanceSources = clean("remote_maintenance_sources", s.RemoteMaintenanceSources, true)
	for _, c := range s.RemoteMaintenanceSources {
		if _, err := netip.ParsePrefix(c); err != nil {
			add("remote_maintenance_sources", "err.bad_value", fmt.Sprintf("%q is not a network in CIDR notation", c))
		}
	}
	if len(s.DeviceZoneKinds) == 0 {
		add("device_zone_kinds", "err.required", "needs at least one zone kind")
	}
	for _, k := range s.DeviceZoneKinds {
		if !slices.Contains(ZoneKinds, k) {
			add("device_zone_kinds", "err.unknown_value", "unknown zone kind "+string(k))
		}
	}
	var c textChecks
	c.line("sensitive_paths", s.SensitivePaths...)
	c.line("emergency_accounts", s.EmergencyAccounts...)
	c.count("sensitive_paths", len(s.SensitivePaths), 100)
	c.count("emergency_accounts", len(s.EmergencyAccounts), 100)
	c.count("remote_maintenance_sources", len(s.RemoteMaintenanceSources), 100)
	errs = append(errs, c.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// sensitiveDir is a sensitive directory as the settings keep it: its names under the
// root joined by "/", read from any way of writing it — "/etc/", "etc", `\etc`,
// `C:\Windows\System32\config\` (the drive letter dropped), / and \ both separating
// names. It is empty when no name is left ("/", "C:\").
func sensitiveDir(p string) string {
	if len(p) >= 2 && p[1] == ':' && ('a' <= p[0]|0x20 && p[0]|0x20 <= 'z') {
		p = p[2:]
	}
	names := strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' })
	return strings.Join(names, "/")
}

// SensitivePathPrefixes returns the path prefixes the built-in rule "Attempt on a
// sensitive directory" looks for (Sigma startswith values, case-insensitive): each
// sensitive directory at the root written with / and with \, and after a drive letter
// (Sigma's "?", one character) — "etc" gives "/etc/", `\etc\`, "?:/etc/" and `?:\etc\`.
func (s DetectionSettings) SensitivePathPrefixes() []string {
	var out []string
	for _, d := range s.SensitivePaths {
		unix := "/" + d + "/"
		win := strings.ReplaceAll(unix, "/", `\`)
		out = append(out, unix, win, "?:"+unix, "?:"+win)
	}
	return out
}

// SensitiveDirs returns the sensitive directories as the built-in rule matches them in
// FieldPathNormalized: "/" + the directory in lower case with / separators + "/" ("etc"
// gives "/etc/").
func (s DetectionSettings) SensitiveDirs() []string {
	var out []string
	for _, d := range s.SensitivePaths {
		out = append(out, "/"+strings.ToLower(strings.Trim(strings.ReplaceAll(d, `\`, "/"), "/"))+"/")
	}
	return out
}

// FieldPathNormalized is the path of an event's file.path (else url.path) as detection
// derives it, so that a rule on a directory is not evaded by another spelling of the
// path: percent-decoded, a \\?\ or UNC \\host\share prefix and a drive letter removed,
// \ read as /, "." and ".." resolved, repeated / collapsed, lower-cased, ending in "/"
// ("/var/../ETC//shadow" gives "/etc/shadow/", "/admin" gives "/admin/").
const FieldPathNormalized = "medsec.path.normalized"

// NormalizePath returns the FieldPathNormalized form of a path.
func NormalizePath(p string) string {
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	switch {
	case strings.HasPrefix(p, `\\?\`) || strings.HasPrefix(p, `\\.\`):
		p = p[4:]
	case strings.HasPrefix(p, `\\`):
		// A UNC path: \\host\share\rest (an admin share c$ stands for the drive). A path
		// written with / and starting "//" is a path with a repeated slash.
		parts := strings.SplitN(strings.TrimLeft(p, `\`), `\`, 3)
		p = "/"
		if len(parts) == 3 {
			p += parts[2]
		}
	}
	p = strings.ReplaceAll(p, `\`, "/")
	if len(p) >= 2 && p[1] == ':' && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z') {
		p = p[2:]
	}
	p = path.Clean("/" + p)
	if p != "/" {
		p += "/"
	}
	return strings.ToLower(p)
}

// RuleFilter selects rules.
type RuleFilter struct {
	Origin string
	Kind   string
	// Query matches the title, id or a tag.
	Query string
}

// RuleService keeps the detection rules, their state per site and hit counts. Reading
// needs PermAlertRead; importing, enabling and the settings need PermRuleAdmin. Every
// change is audited in its transaction.
type RuleService interface {
	// FindRules lists the rules, built-in first, with their state at the caller's sites.
	FindRules(ctx context.Context, f RuleFilter) ([]*DetectionRule, error)
	// FindRuleByID returns one rule, or ENOTFOUND.
	FindRuleByID(ctx context.Context, id int64) (*DetectionRule, error)
	// SaveRules stores rules already parsed and checked by the detection service: a new
	// UID is added, a known one of the same origin replaced (its site states and hits
	// kept); an imported rule may not replace a built-in one (ECONFLICT). All or none.
	SaveRules(ctx context.Context, rules []*DetectionRule) error
	// DeleteRule removes an imported rule; ENOTFOUND, or EINVALID for a built-in rule.
	DeleteRule(ctx context.Context, id int64) error
	// SetRuleEnabled sets the rule's state at a site of the caller's scope. ENOTFOUND.
	SetRuleEnabled(ctx context.Context, ruleID, siteID int64, enabled bool) error
	// AddRuleHits counts hits of a rule at a site (as the system).
	AddRuleHits(ctx context.Context, ruleID, siteID int64, n int64, at time.Time) error
	// FindDetectionSettings returns the settings (defaults when never saved).
	FindDetectionSettings(ctx context.Context) (DetectionSettings, error)
	// UpdateDetectionSettings validates and stores them. EINVALID.
	UpdateDetectionSettings(ctx context.Context, s DetectionSettings) error
	// RecordHunt audits a hunt as the caller (action "rule.hunt", PermRuleAdmin).
	RecordHunt(ctx context.Context, h HuntAudit) error
}

// AlertService keeps alerts. Reading needs PermAlertRead and the alert's site (a vendor
// user: an alert on one of its company's assets); triage needs PermAlertWrite. An alert
// outside the caller's scope answers ENOTFOUND.
type AlertService interface {
	// RaiseAlert stores a new alert, or adds its events to the open alert with the same
	// DedupKey (as the system). It sets a's ID and reports whether the alert is new.
	RaiseAlert(ctx context.Context, a *Alert) (bool, error)
	// AlertHolds reports whether an alert of a's DedupKey, open or closed, holds one of
	// a's events (as the system): a finding replayed after a restart was raised before.
	AlertHolds(ctx context.Context, a *Alert) (bool, error)
	// FindAlerts returns a page of alerts, newest first, and the total count.
	FindAlerts(ctx context.Context, f AlertFilter) ([]*Alert, int, error)
	// FindAlertByID returns an alert with its events.
	FindAlertByID(ctx context.Context, id int64) (*Alert, error)
	// FindAlertAssignees lists the users the alert may be assigned to: enabled, allowed
	// to triage (PermAlertWrite) and seeing the alert's site and asset (a vendor user: an
	// asset of its company), by username. ENOTFOUND as FindAlertByID.
	FindAlertAssignees(ctx context.Context, id int64) ([]*User, error)
	// UpdateAlert applies a triage change and returns the alert. EINVALID for a bad state
	// or an assignee who may not see the alert.
	UpdateAlert(ctx context.Context, id int64, u AlertUpdate) (*Alert, error)
}

// HuntRequest asks for a rule test or a retro-hunt over stored events.
type HuntRequest struct {
	// YAML is a rule (or a correlation with its rules) to test; RuleIDs name stored
	// rules instead. With neither, every rule enabled at the site is run (a retro-hunt).
	YAML    string  `json:"yaml,omitempty"`
	RuleIDs []int64 `json:"rule_ids,omitempty"`
	// SiteID limits the events to one site (0: every site of the caller's scope).
	SiteID int64     `json:"site_id,omitempty"`
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"`
	// Raise stores alerts for what fires (a retro-hunt); otherwise nothing is written.
	Raise bool `json:"raise,omitempty"`
}

// HuntHit is one firing found by a hunt.
type HuntHit struct {
	RuleUID string       `json:"rule_uid"`
	Title   string       `json:"title"`
	Level   string       `json:"level"`
	SiteID  int64        `json:"site_id"`
	Group   string       `json:"group,omitempty"`
	Events  []AlertEvent `json:"events"`
	// SuppressedBy is the suppression that silences the firing (it raises no alert),
	// 0 when none does.
	SuppressedBy int64 `json:"suppressed_by,omitempty"`
}

// HuntResult is what a hunt found.
type HuntResult struct {
	// Events is how many stored events were read; Hits how many firings were found
	// (at most MaxHuntHits are listed).
	Events int `json:"events"`
	// Logs is how many of the events were log records of the sealed store.
	Logs int       `json:"logs"`
	Hits int       `json:"hits"`
	List []HuntHit `json:"list"`
	// Raised is how many new alerts a retro-hunt stored; Suppressed how many of the
	// firings a suppression silences (listed, not raised).
	Raised     int `json:"raised"`
	Suppressed int `json:"suppressed"`
	// Stopped is set when the hunt ended before the end of its range: HuntStopTime or
	// HuntStopEvents (its budget), or HuntStopInstant (more than a page of log records
	// received at one instant). ReadUntil is then where it stopped: events from there on
	// were not read.
	Stopped   string    `json:"stopped,omitempty"`
	ReadUntil time.Time `json:"read_until,omitzero"`
}

// HuntAudit is the audit record of a hunt (a rule test or a retro-hunt over stored
// events): who ran it is the audit row's user; this says which rules over which site and
// time range, and what it found [issue 13 bt13g M4].
type HuntAudit struct {
	// Rules says which rules ran: HuntRulesYAML (a rule given as text, not stored),
	// HuntRulesNamed (the stored rules RuleIDs) or HuntRulesEnabled (a retro-hunt: the
	// rules enabled at each event's site, RuleIDs).
	Rules    string   `json:"rules"`
	RuleIDs  []int64  `json:"rule_ids,omitempty"`
	RuleUIDs []string `json:"rule_uids,omitempty"`
	// Title is the rule's title when one rule ran.
	Title string `json:"title,omitempty"`
	// SiteID is the site the events were read at (0: every site of the hunter's scope).
	SiteID int64     `json:"site_id"`
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"`
	Raise  bool      `json:"raise"`
	// What it read and found (HuntResult); Error is set when it failed part-way.
	Events     int       `json:"events"`
	Logs       int       `json:"logs"`
	Hits       int       `json:"hits"`
	Raised     int       `json:"raised"`
	Suppressed int       `json:"suppressed"`
	Stopped    string    `json:"stopped,omitempty"`
	ReadUntil  time.Time `json:"read_until,omitzero"`
	Error      string    `json:"error,omitempty"`
}

// Which rules a hunt ran (HuntAudit.Rules).
const (
	HuntRulesYAML    = "yaml"
	HuntRulesNamed   = "named"
	HuntRulesEnabled = "enabled"
)

// Why a hunt stopped before the end of its range.
const (
	HuntStopTime    = "time"
	HuntStopEvents  = "events"
	HuntStopInstant = "instant"
)

// MaxHuntHits bounds the firings a hunt lists.
const MaxHuntHits = 100

// HuntPage is how many log records a hunt reads at a time (the log store's largest
// page); the events of a page's time span are evaluated before the next is read, so a
// hunt holds at most a page's span in memory.
const HuntPage = 10000

// MaxHuntEvents and HuntTimeBudget bound one hunt: it stops, saying where, after the
// page that passes either.
const (
	MaxHuntEvents  = 5_000_000
	HuntTimeBudget = 2 * time.Minute
)

// DetectionRunner changes what detection runs and searches stored events with it. It is
// the detection service (package detection): every change goes to the RuleService and
// the running engines are rebuilt. All need PermRuleAdmin.
type DetectionRunner interface {
	// ImportRules reads Sigma rules from an uploaded file (YAML, or a zip such as
	// SigmaHQ's repository) and stores them, disabled, all or none. EINVALID
	// (*ValidationError naming the file inside, line and field of each problem).
	ImportRules(ctx context.Context, name string, data []byte) ([]*DetectionRule, error)
	// SetRuleEnabled turns a rule on or off at a site (0: the organisation).
	SetRuleEnabled(ctx context.Context, ruleID, siteID int64, enabled bool) error
	// DeleteRule removes an imported rule without alerts.
	DeleteRule(ctx context.Context, id int64) error
	// UpdateDetectionSettings stores the settings and re-renders the built-in rules.
	UpdateDetectionSettings(ctx context.Context, s DetectionSettings) error
	// Hunt tests a rule, or retro-hunts with the enabled rules, over a past range.
	Hunt(ctx context.Context, req HuntRequest) (*HuntResult, error)
	// RuleErrors returns, by rule id, why the engine cannot run a stored rule (file, line,
	// field and problem); those rules are left out of detection.
	RuleErrors() map[int64]string
	// Status returns the state of detection since the server started: findings waiting
	// for the store, store failures, and regular-expression time-outs per rule.
	Status() DetectionStatus
	// CreateSuppression stores a suppression (SuppressionService.CreateSuppression) and
	// applies it to the next findings.
	CreateSuppression(ctx context.Context, x *Suppression) error
	// ExpireSuppression ends a suppression now (SuppressionService.ExpireSuppression).
	ExpireSuppression(ctx context.Context, id int64) error
}

// RegexTimeout bounds one match of a rule's backtracking regular expression (one that
// Go's RE2 cannot run: lookaround, backreferences); a match that runs out of time counts
// as not matched and is counted in the rule's RegexTimeouts.
const RegexTimeout = 100 * time.Millisecond

// DetectionStatus is the state of the detection service since the server started
// (GET /api/v1/detection/status; the rules page shows it).
type DetectionStatus struct {
	// Pending counts the alerts evaluated but not yet stored because the store failed;
	// they are kept in memory and tried again, in order, each stored once.
	Pending int `json:"pending"`
	// StoreFailures counts failed tries to store alerts and hit counts.
	StoreFailures int64 `json:"store_failures"`
	// FailingSince is when the store began to fail, zero while it answers; LastStoreError
	// is the error of the last failed try then.
	FailingSince   time.Time `json:"failing_since,omitzero"`
	LastStoreError string    `json:"last_store_error,omitempty"`
	// RegexTimeouts counts the regular-expression matches that ran out of time, over all
	// rules; Rules lists each rule with time-outs, by stored id, most first.
	RegexTimeouts int64 `json:"regex_timeouts"`
	// LateMatches counts the matches that arrived more than the lateness behind their
	// site's stream and were left out of correlations, over all rules.
	LateMatches int64 `json:"late_matches"`
	// Rules lists each rule with time-outs or late matches, by stored id, most time-outs
	// first.
	Rules []RuleRegexTimeouts `json:"rules"`
}

// RuleLateMatches is a rule's count of matches left out of correlations for arriving
// late, and the event time of the newest.
type RuleLateMatches struct {
	N      int64
	Newest time.Time
}

// RuleRegexTimeouts is a rule's count of regular-expression time-outs and of matches
// that arrived too late to be correlated.
type RuleRegexTimeouts struct {
	RuleID        int64  `json:"rule_id"`
	UID           string `json:"uid"`
	Title         string `json:"title"`
	RegexTimeouts int64  `json:"regex_timeouts"`
	// LateMatches and LateNewest: see DetectionRule.LateMatches.
	LateMatches int64     `json:"late_matches"`
	LateNewest  time.Time `json:"late_newest,omitzero"`
}

// FieldSourceNetwork is the network an event's source.ip belongs to as detection derives
// it, in CIDR notation: an IPv4 address is its own network ("10.1.20.77/32"), an IPv6
// address its /64 ("2001:db8:7:1::/64"), the prefix one subscriber or one LAN segment is
// given (RFC 4291 §2.5.1 interface identifiers, RFC 6177). The built-in brute-force and
// sensitive-directory correlations count per source network, so that an attacker
// rotating addresses within one IPv6 /64 is counted as one source [issue 13 t13
// finding 16]. Absent when source.ip is not an address.
const FieldSourceNetwork = "medsec.source.network"

// SourceNetwork returns the FieldSourceNetwork of an address ("" when ip is not one). An
// IPv4-mapped IPv6 address is read as IPv4; an IPv6 zone is dropped.
func SourceNetwork(ip string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return ""
	}
	a = a.Unmap().WithZone("")
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

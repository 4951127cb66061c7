package detection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"medsec"
	"medsec/detect"
	"medsec/logs"
)

// Stores are what the service reads and writes: the rule and alert services and the
// event store (all used as the system), and the notifier.
type Stores struct {
	Rules    medsec.RuleService
	Alerts   medsec.AlertService
	Events   medsec.EventStore
	Notifier medsec.Notifier
	// Logs, when set, is the sealed log store: rule tests and retro-hunts read its records
	// of the range too, the whole range a page at a time, for callers who may read logs.
	Logs medsec.LogService
	// Accounts, when set, lists the emergency and vendor accounts of the account
	// inventory: a login with one is marked with medsec.FieldAccountType before rules
	// read it, so the built-in rules follow the inventory's accounts whatever their names.
	Accounts AccountSource
	// Followers are told of every alert raised (new or joined), with the events of that
	// raise: an emergency account's use becomes a password-reset task [004 §11 ①].
	Followers []medsec.AlertFollower
	// Suppressions, when set, keeps the suppressions of known false positives: a finding
	// one of them matches is counted on it instead of raising an alert.
	Suppressions medsec.SuppressionService
	// Sites, when set, lists the organisation's sites: working hours and the maintenance
	// window are read in the time zone of each event's site (Site.Zone). Without it, or
	// for an event of no site, they are read in the settings' zone (Hours.TZ).
	Sites SiteSource
}

// SiteSource lists the organisation's sites (medsec.OrgService.FindSites).
type SiteSource interface {
	FindSites(ctx context.Context) ([]*medsec.Site, error)
}

// AccountSource lists the privileged accounts of the inventory
// (medsec.EmergencyUseService.PrivilegedAccounts).
type AccountSource interface {
	PrivilegedAccounts(ctx context.Context) ([]medsec.PrivilegedAccount, error)
}

// Service evaluates the enabled rules over the event stream, per site, and raises
// alerts. Its methods are safe for concurrent use; events are evaluated one batch at a
// time.
type Service struct {
	st     Stores
	logger *slog.Logger
	// Lateness is how far behind the newest event an event may arrive and still be
	// correlated in time order (detect.Options.Lateness).
	Lateness time.Duration
	// HuntBudget is how long one hunt may read before it stops and says where
	// (medsec.HuntTimeBudget unless set).
	HuntBudget time.Duration
	// RetryMin and RetryMax bound the wait between tries to store findings when the
	// store fails (100 ms doubling up to 30 s unless set).
	RetryMin, RetryMax time.Duration
	// Now is the clock suppressions expire by (time.Now unless set).
	Now func() time.Time
	// HeldLimit bounds the live events held while Resume replays (MaxHeldEvents unless
	// set); past it Handle waits.
	HeldLimit int

	// sup caches the suppressions that apply (see suppressions).
	sup suppressionCache

	// out holds findings until the store has them (see raise).
	out outbox

	mu       sync.Mutex
	settings medsec.DetectionSettings
	rules    []*medsec.DetectionRule
	parsed   map[int64]*detect.Rule
	byUID    map[string]*medsec.DetectionRule
	engines  map[int64]*detect.Engine // per site (0: the organisation)
	// prev holds the engines a Load replaced, by site, until the site's new engine
	// takes over their open correlation windows.
	prev map[int64]*detect.Engine
	// broken holds the rules the engine cannot compile with the server's pipeline (a
	// placeholder without values, a correlation over an unknown or broken rule), by
	// stored id: the error, naming the file, line and field. Such a rule is left out of
	// every engine, so that the other rules of its sites go on running.
	broken map[int64]string
	// checked caches whether a detection rule compiles on its own, by its stored id,
	// file and text (src of the parsed rule).
	checked map[string]error
	src     map[*detect.Rule]string
	// blocks holds the Sigma ids of the stored rules that stored correlations read
	// without "generate: true": their matches count towards the correlations only.
	blocks  map[string]bool
	storage map[string]storageMark
	sub     medsec.Subscription
	// accounts holds the inventory's privileged accounts by site and lower-case user
	// name, read before each batch that has a user name.
	accounts map[accountKey]privileged
	// zones holds the sites' time zones by site id, read before each batch.
	zones map[int64]string
	// timeouts counts the regular-expression time-outs of the site engines' rules since
	// the service started, by stored rule id; timedOut lists rules timing out for the
	// first time, to be told after the batch.
	timeouts map[int64]int64
	timedOut []*medsec.DetectionRule
	// late counts, by stored rule id, the matches that arrived more than Lateness behind
	// their site's stream since the service started and were left out of correlations;
	// lateNew lists what to tell after the batch (once a day per rule and site).
	late    map[int64]*medsec.RuleLateMatches
	lateNew []lateNotice
	// recorr runs the re-correlations of late matches (see recorrelate), one at a time.
	recorr   sync.WaitGroup
	recorrMu sync.Mutex
	// version is the rule store's count of rule changes when Load read the rules
	// (versioned: the store counts them, see Reload).
	version   int64
	versioned bool
	// resume holds the event batches that arrive before Resume has rebuilt the windows
	// (see HoldUntilResume).
	resume resumeState
}

// lateNotice is a rule's late matches at a site, to be told to rule admins.
type lateNotice struct {
	rule *medsec.DetectionRule
	site int64
	late detect.LateMatches
}

// privileged is an account of the inventory as detection marks logins with it: its type
// and, for a vendor account, the approved maintenance windows of its systems.
type privileged struct {
	typ     medsec.AccountType
	windows []medsec.MaintenanceWindow
}

// accountKey names an account of a site's inventory by its lower-case user name.
type accountKey struct {
	site int64
	user string
}

// evalEnv is what enrich reads besides the event: the settings, the inventory's
// privileged accounts and the storage levels (which it updates). The live stream has the
// service's own (under s.mu); a hunt has one of its own, so that it runs without the
// service's lock and leaves the live storage levels alone.
type evalEnv struct {
	settings medsec.DetectionSettings
	accounts map[accountKey]privileged
	storage  map[string]storageMark
	// zones are the sites' time zones by site id (Site.Zone); a site not in it reads
	// the settings' windows in their own zone.
	zones map[int64]string
}

// storageMark is a host's storage level at the start of its day-long comparison window.
type storageMark struct {
	at    time.Time
	bytes float64
}

// New returns a detection service. Call Load before use.
func New(st Stores, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{st: st, logger: logger, Lateness: 30 * time.Second, HuntBudget: medsec.HuntTimeBudget, storage: map[string]storageMark{}}
}

var system = func() context.Context { return medsec.NewContextWithUser(context.Background(), medsec.SystemUser) }

// InstallBuiltins renders the built-in rules with the stored settings and saves them
// (new ones added, changed ones replaced, site states and hit counts kept).
func (s *Service) InstallBuiltins(ctx context.Context) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	set, err := s.st.Rules.FindDetectionSettings(ctx)
	if err != nil {
		return err
	}
	rules, err := BuiltinRules(set)
	if err != nil {
		return err
	}
	return s.st.Rules.SaveRules(ctx, rules)
}

// Load reads the rules and settings and compiles one engine per site; the new engines
// take over the open correlation windows of the old (detect.Engine.Adopt). Call it after
// rules, their site states or the settings change.
func (s *Service) Load(ctx context.Context) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	// The version is read first: a change made while the rules are read is seen by the
	// next Reload.
	version, versioned := int64(0), false
	if vs, ok := s.st.Rules.(rulesVersioner); ok {
		v, err := vs.RulesVersion(ctx)
		if err != nil {
			return err
		}
		version, versioned = v, true
	}
	set, err := s.st.Rules.FindDetectionSettings(ctx)
	if err != nil {
		return err
	}
	rules, err := s.st.Rules.FindRules(ctx, medsec.RuleFilter{})
	if err != nil {
		return err
	}
	parsed := map[int64]*detect.Rule{}
	parseErr := map[int64]string{}
	src := map[*detect.Rule]string{}
	for _, r := range rules {
		ps, err := detect.ParseRules(r.FileName, []byte(r.YAML))
		if err != nil || len(ps) != 1 {
			s.logger.Warn("detection rule does not parse; skipped", "rule", r.UID, "err", err)
			parseErr[r.ID] = fmt.Sprintf("%s: holds %d rules", r.FileName, len(ps))
			if err != nil {
				parseErr[r.ID] = err.Error()
			}
			continue
		}
		parsed[r.ID] = ps[0]
		src[ps[0]] = r.UID + "\x00" + r.FileName + "\x00" + r.YAML
	}
	s.mu.Lock()
	s.settings, s.rules, s.parsed = set, rules, parsed
	s.version, s.versioned = version, versioned
	s.byUID = map[string]*medsec.DetectionRule{}
	for _, r := range rules {
		s.byUID[r.UID] = r
	}
	// The engines are compiled again on first use; each takes over its site's open
	// correlation windows from the engine it replaces (detect.Engine.Adopt).
	if s.prev == nil {
		s.prev = map[int64]*detect.Engine{}
	}
	for site, e := range s.engines {
		s.prev[site] = e
	}
	s.engines = map[int64]*detect.Engine{}
	s.src = src
	before := s.broken
	s.broken = map[int64]string{}
	byKey := s.keys(nil)
	// The rules correlations read, unless one of them asks for "generate": building
	// blocks, never alerts of their own, whether or not a correlation that reads them is
	// enabled at the site (Sigma correlation specification, "generate").
	s.blocks = map[string]bool{}
	generated := map[string]bool{}
	for _, p := range parsed {
		if p.Correlation == nil {
			continue
		}
		for _, k := range p.Correlation.Rules {
			if ref := byKey[k]; ref != nil {
				s.blocks[ref.ID] = true
				generated[ref.ID] = generated[ref.ID] || p.Correlation.Generate
			}
		}
	}
	for id := range generated {
		if generated[id] {
			delete(s.blocks, id)
		}
	}
	for _, r := range rules {
		p := parsed[r.ID]
		if p == nil {
			s.broken[r.ID] = parseErr[r.ID]
			continue
		}
		if err := s.check(p, byKey); err != nil {
			s.broken[r.ID] = err.Error()
		}
	}
	var told []*medsec.DetectionRule
	for _, r := range rules {
		if msg, bad := s.broken[r.ID]; bad && before[r.ID] != msg && enabledSomewhere(r) {
			told = append(told, r)
		}
	}
	notifier := s.st.Notifier
	broken := s.broken
	s.mu.Unlock()
	for _, r := range told {
		s.logger.Error("detection rule does not compile; left out of detection", "rule", r.UID, "err", broken[r.ID])
		if notifier == nil {
			continue
		}
		n := medsec.Notification{Kind: medsec.KindAlertRaised, Severity: medsec.SeverityWarning, Key: "notify.rule_broken",
			Args: []medsec.NotifyArg{{Key: medsec.RuleTitleKey(r.UID), Text: r.Title}, {Text: broken[r.ID]}},
			Link: fmt.Sprintf("/rules/%d", r.ID), Perm: medsec.PermRuleAdmin,
			DedupKey: fmt.Sprintf("rule-broken:%d:%s", r.ID, broken[r.ID])}
		if err := notifier.Notify(ctx, n); err != nil {
			s.logger.Warn("rule notification", "rule", r.UID, "err", err)
		}
	}
	return nil
}

// rulesVersioner is a rule store that counts the changes to the rules, their site states
// and the settings made by any process on its database (sqlstore.DetectionService).
type rulesVersioner interface {
	RulesVersion(ctx context.Context) (int64, error)
}

// Reload loads the rules again (Load) when the rule store's count of changes differs from
// the one Load read: the rules, their states or the settings were changed by another
// process on the database, such as "medsec rules import" beside a running server
// [issue 13 finding 7]. The engines of the rules that did not change keep their windows.
// It reports whether it loaded; a store that counts no changes never reloads.
func (s *Service) Reload(ctx context.Context) (bool, error) {
	vs, ok := s.st.Rules.(rulesVersioner)
	if !ok {
		return false, nil
	}
	v, err := vs.RulesVersion(medsec.NewContextWithUser(ctx, medsec.SystemUser))
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	same := s.versioned && s.version == v
	s.mu.Unlock()
	if same {
		return false, nil
	}
	s.logger.Info("detection: rules changed on the database; reloading", "version", v)
	return true, s.Load(ctx)
}

// enabledSomewhere reports whether the rule runs at a site or by default.
func enabledSomewhere(r *medsec.DetectionRule) bool {
	if r.Enabled {
		return true
	}
	return slices.ContainsFunc(r.Sites, func(st medsec.RuleSite) bool { return st.Enabled })
}

// Status returns the state of detection since the service started: findings waiting
// for the store, failed tries, and the rules' regular-expression time-outs.
func (s *Service) Status() medsec.DetectionStatus {
	o := &s.out
	o.stateMu.Lock()
	st := medsec.DetectionStatus{Pending: o.pending, StoreFailures: o.failures, FailingSince: o.since, LastStoreError: o.lastErr, Rules: []medsec.RuleRegexTimeouts{}}
	o.stateMu.Unlock()
	s.mu.Lock()
	for id, n := range s.timeouts {
		st.RegexTimeouts += n
		rt := medsec.RuleRegexTimeouts{RuleID: id, RegexTimeouts: n}
		if r := s.byID(id); r != nil {
			rt.UID, rt.Title = r.UID, r.Title
		}
		if l := s.late[id]; l != nil {
			rt.LateMatches, rt.LateNewest = l.N, l.Newest
		}
		st.Rules = append(st.Rules, rt)
	}
	for id, l := range s.late {
		st.LateMatches += l.N
		if _, both := s.timeouts[id]; both {
			continue
		}
		rt := medsec.RuleRegexTimeouts{RuleID: id, LateMatches: l.N, LateNewest: l.Newest}
		if r := s.byID(id); r != nil {
			rt.UID, rt.Title = r.UID, r.Title
		}
		st.Rules = append(st.Rules, rt)
	}
	s.mu.Unlock()
	sort.Slice(st.Rules, func(i, j int) bool {
		a, b := st.Rules[i], st.Rules[j]
		if a.RegexTimeouts != b.RegexTimeouts {
			return a.RegexTimeouts > b.RegexTimeouts
		}
		if a.LateMatches != b.LateMatches {
			return a.LateMatches > b.LateMatches
		}
		return a.RuleID < b.RuleID
	})
	return st
}

// byID returns the stored rule of an id (s.mu held), or nil.
func (s *Service) byID(id int64) *medsec.DetectionRule {
	for _, r := range s.rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// countTimeouts moves the engine's regular-expression time-outs into the service's
// counts per stored rule (s.mu held) and returns the rules that had none before.
func (s *Service) countTimeouts(e *detect.Engine) []*medsec.DetectionRule {
	var started []*medsec.DetectionRule
	for _, c := range e.Rules() {
		n := c.TakeRegexTimeouts()
		if n == 0 {
			continue
		}
		r := s.byUID[c.Rule.ID]
		if r == nil {
			continue
		}
		if s.timeouts == nil {
			s.timeouts = map[int64]int64{}
		}
		if s.timeouts[r.ID] == 0 {
			started = append(started, r)
		}
		s.timeouts[r.ID] += n
	}
	return started
}

// countLate moves the engine's late matches into the service's counts per stored rule
// (s.mu held) and queues a notice for each rule and site.
func (s *Service) countLate(site int64, e *detect.Engine) {
	for _, l := range e.TakeLate() {
		r := s.byUID[l.Rule.ID]
		if r == nil {
			continue
		}
		if s.late == nil {
			s.late = map[int64]*medsec.RuleLateMatches{}
		}
		c := s.late[r.ID]
		if c == nil {
			c = &medsec.RuleLateMatches{}
			s.late[r.ID] = c
		}
		c.N += l.N
		if l.Newest.After(c.Newest) {
			c.Newest = l.Newest
		}
		s.lateNew = append(s.lateNew, lateNotice{rule: r, site: site, late: l})
	}
}

// MaxRecorrelateSpan bounds the span of late matches the service re-correlates on its
// own (see recorrelate): matches older than that before the newest late match are only
// counted and told.
const MaxRecorrelateSpan = 24 * time.Hour

// recorrelate re-runs, in the background, the correlations enabled at the site that read
// a rule with late matches, over the stored events of the late span widened by each
// correlation's timespan, raising what fires (a retro-hunt with "raise"; alerts already
// raised are joined by their dedup key, not raised twice). So a burst that arrived more
// than Lateness late (a batch sender, a spool replay) is still alerted [issue 13 t13
// finding 19]. Of a span longer than MaxRecorrelateSpan only its last MaxRecorrelateSpan
// is re-correlated; the older matches are left to a rule admin's hunt.
func (s *Service) recorrelate(list []lateNotice) {
	type job struct {
		site        int64
		ids         []int64
		since, till time.Time
	}
	var jobs []job
	s.mu.Lock()
	byKey := s.keys(nil)
	for _, l := range list {
		// The part more than MaxRecorrelateSpan older than the newest late match is only
		// counted and told; the recent part is re-correlated [bt13h H3: one record a day
		// old in a late burst's batch kept the whole burst from re-correlation].
		oldest := l.late.Oldest
		if l.late.Newest.Sub(oldest) > MaxRecorrelateSpan {
			oldest = l.late.Newest.Add(-MaxRecorrelateSpan)
		}
		for _, r := range s.rules {
			p := s.parsed[r.ID]
			if p == nil || p.Correlation == nil || !r.EnabledAt(l.site) || s.broken[r.ID] != "" {
				continue
			}
			reads := false
			for _, k := range p.Correlation.Rules {
				if ref := byKey[k]; ref != nil && ref.ID == l.rule.UID {
					reads = true
				}
			}
			if !reads {
				continue
			}
			// Not over events from before the correlation was last turned on at the site:
			// it was off then [bt13h M4: a re-correlation raised a burst of a span in which
			// the rule was disabled there].
			since := oldest.Add(-p.Correlation.Timespan)
			if on := enabledSince(r, l.site); since.Before(on) {
				since = on
			}
			till := l.late.Newest.Add(p.Correlation.Timespan + time.Second)
			if !till.After(since) {
				continue
			}
			// One job per correlation: each reads its own span.
			jobs = append(jobs, job{site: l.site, ids: []int64{r.ID}, since: since, till: till})
		}
	}
	s.mu.Unlock()
	if len(jobs) == 0 {
		return
	}
	s.recorr.Add(1)
	go func() {
		defer s.recorr.Done()
		s.recorrMu.Lock()
		defer s.recorrMu.Unlock()
		for _, j := range jobs {
			res, err := s.Hunt(system(), medsec.HuntRequest{RuleIDs: j.ids, SiteID: j.site, Since: j.since, Until: j.till, Raise: true})
			if err != nil {
				s.logger.Warn("detection: re-correlating late matches", "site", j.site, "rules", j.ids, "err", err)
				continue
			}
			s.logger.Info("detection: late matches re-correlated", "site", j.site, "rules", j.ids, "since", j.since, "until", j.till,
				"events", res.Events, "hits", res.Hits, "raised", res.Raised, "stopped", res.Stopped)
		}
	}()
}

// enabledSince is when r was last turned on at the site by the site's own state (zero
// when not known).
func enabledSince(r *medsec.DetectionRule, site int64) time.Time {
	for _, s := range r.Sites {
		if s.SiteID == site {
			return s.EnabledSince
		}
	}
	return time.Time{}
}

// Idle waits until the background re-correlations of late matches have ended.
func (s *Service) Idle() { s.recorr.Wait() }

// tellLate logs the late matches of a batch and tells rule admins (once a day per rule
// and site): the correlations that read the rule did not count them; a rule test over
// their span (with "raise") correlates them.
func (s *Service) tellLate(ctx context.Context, list []lateNotice) {
	if len(list) == 0 {
		return
	}
	s.mu.Lock()
	notifier := s.st.Notifier
	lateness := s.Lateness
	s.mu.Unlock()
	for _, l := range list {
		s.logger.Warn("detection: matches arrived too late to be correlated", "rule", l.rule.UID, "site", l.site,
			"matches", l.late.N, "oldest", l.late.Oldest, "newest", l.late.Newest, "lateness", lateness)
		if notifier == nil {
			continue
		}
		n := medsec.Notification{Kind: medsec.KindAlertRaised, Severity: medsec.SeverityWarning, Key: "notify.rule_late_matches",
			Args: []medsec.NotifyArg{{Key: medsec.RuleTitleKey(l.rule.UID), Text: l.rule.Title}, {Text: strconv.FormatInt(l.late.N, 10)},
				{Text: lateness.String()}, {Text: l.late.Oldest.UTC().Format(time.RFC3339)}, {Text: l.late.Newest.UTC().Format(time.RFC3339)}},
			Link: fmt.Sprintf("/rules/%d", l.rule.ID), Perm: medsec.PermRuleAdmin, Scope: medsec.NotifyScope{SiteID: l.site},
			DedupKey: fmt.Sprintf("rule-late:%d:%d:%s", l.rule.ID, l.site, time.Now().UTC().Format(time.DateOnly))}
		if err := notifier.Notify(medsec.NewContextWithUser(ctx, medsec.SystemUser), n); err != nil {
			s.logger.Warn("rule notification", "rule", l.rule.UID, "err", err)
		}
	}
}

// tellTimeouts tells rule admins, once per rule, that its regular expression runs out
// of time (the values it times out on count as not matched).
func (s *Service) tellTimeouts(ctx context.Context, rules []*medsec.DetectionRule) {
	if len(rules) == 0 {
		return
	}
	s.mu.Lock()
	notifier := s.st.Notifier
	s.mu.Unlock()
	for _, r := range rules {
		s.logger.Warn("detection rule's regular expression runs out of time", "rule", r.UID, "limit", medsec.RegexTimeout)
		if notifier == nil {
			continue
		}
		n := medsec.Notification{Kind: medsec.KindAlertRaised, Severity: medsec.SeverityWarning, Key: "notify.rule_regex_timeout",
			Args: []medsec.NotifyArg{{Key: medsec.RuleTitleKey(r.UID), Text: r.Title}, {Text: medsec.RegexTimeout.String()}},
			Link: fmt.Sprintf("/rules/%d", r.ID), Perm: medsec.PermRuleAdmin,
			DedupKey: fmt.Sprintf("rule-regex-timeout:%d", r.ID)}
		if err := notifier.Notify(medsec.NewContextWithUser(ctx, medsec.SystemUser), n); err != nil {
			s.logger.Warn("rule notification", "rule", r.UID, "err", err)
		}
	}
}

// RuleErrors returns the stored rules the engine cannot compile, by id: the error, with
// the file, line and field. Such rules are left out of detection.
func (s *Service) RuleErrors() map[int64]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.broken)
}

// keys returns the parsed stored rules by name and id, with extra ones over them.
func (s *Service) keys(extra []*detect.Rule) map[string]*detect.Rule {
	byKey := map[string]*detect.Rule{}
	for _, r := range s.rules {
		if p := s.parsed[r.ID]; p != nil {
			byKey[p.Key()] = p
			byKey[p.ID] = p
		}
	}
	for _, p := range extra {
		byKey[p.Key()], byKey[p.ID] = p, p
	}
	return byKey
}

// check compiles a rule with the rules its correlations read (found in byKey) as the
// server's engine would: the error names the file, line and field of the problem (a
// placeholder without values, a correlation over an unknown rule, a cycle).
func (s *Service) check(p *detect.Rule, byKey map[string]*detect.Rule) error {
	if !p.IsCorrelation() {
		if s.checked == nil {
			s.checked = map[string]error{}
		}
		k, cached := s.src[p]
		if err, ok := s.checked[k]; ok && cached {
			return err
		}
		_, err := detect.NewEngine([]*detect.Rule{p}, detect.Options{Lateness: s.Lateness})
		if cached {
			s.checked[k] = err
		}
		return err
	}
	var list []*detect.Rule
	seen := map[*detect.Rule]bool{}
	var add func(r *detect.Rule) error
	add = func(r *detect.Rule) error {
		if seen[r] {
			return nil
		}
		seen[r] = true
		list = append(list, r)
		if !r.IsCorrelation() {
			return s.check(r, byKey)
		}
		for _, k := range r.Correlation.Rules {
			ref := byKey[k]
			if ref == nil {
				return &detect.ParseError{File: r.File, Line: r.Correlation.Line, Field: "correlation.rules", Msg: fmt.Sprintf("no rule has the name or id %q", k)}
			}
			if err := add(ref); err != nil {
				if ref != p && ref.File != r.File {
					return &detect.ParseError{File: r.File, Line: r.Correlation.Line, Field: "correlation.rules", Msg: fmt.Sprintf("rule %q does not compile: %v", k, err)}
				}
				return err
			}
		}
		return nil
	}
	if err := add(p); err != nil {
		return err
	}
	_, err := detect.NewEngine(list, detect.Options{Lateness: s.Lateness})
	return err
}

// engine returns the site's engine, compiling it on first use from the rules enabled
// there (with the rules their correlations read, even when those are off).
func (s *Service) engine(siteID int64) (*detect.Engine, error) {
	if e, ok := s.engines[siteID]; ok {
		return e, nil
	}
	e, err := s.build(func(r *medsec.DetectionRule) bool { return r.EnabledAt(siteID) }, nil)
	if err != nil {
		return nil, err
	}
	e.Adopt(s.prev[siteID])
	delete(s.prev, siteID)
	s.engines[siteID] = e
	return e, nil
}

// build compiles an engine from the stored rules that want selects and the extra rules,
// with the stored rules their correlations read.
func (s *Service) build(want func(*medsec.DetectionRule) bool, extra []*detect.Rule) (*detect.Engine, error) {
	var rules []*detect.Rule
	byKey := s.keys(nil)
	bad := map[*detect.Rule]bool{}
	for _, r := range s.rules {
		if _, b := s.broken[r.ID]; b && s.parsed[r.ID] != nil {
			bad[s.parsed[r.ID]] = true
		}
	}
	seen := map[*detect.Rule]bool{}
	var add func(p *detect.Rule)
	add = func(p *detect.Rule) {
		if p == nil || seen[p] || bad[p] {
			return
		}
		seen[p] = true
		rules = append(rules, p)
		if p.Correlation != nil {
			for _, k := range p.Correlation.Rules {
				add(byKey[k])
			}
		}
	}
	for _, p := range extra {
		byKey[p.Key()], byKey[p.ID] = p, p
	}
	for _, p := range extra {
		add(p)
	}
	for _, r := range s.rules {
		if want(r) {
			add(s.parsed[r.ID])
		}
	}
	// A problem between rules that each compile (two rules of one name) leaves out the
	// rule named by the error, and the rest are compiled again.
	for {
		e, err := detect.NewEngine(rules, detect.Options{Lateness: s.Lateness})
		var pe *detect.ParseError
		if err == nil || !errors.As(err, &pe) {
			return e, err
		}
		n := len(rules)
		rules = slices.DeleteFunc(rules, func(r *detect.Rule) bool {
			if r.File != pe.File || slices.Contains(extra, r) {
				return false
			}
			for id, p := range s.parsed {
				if p == r {
					s.broken[id] = err.Error()
				}
			}
			return true
		})
		if len(rules) == n {
			return nil, err
		}
		s.logger.Error("detection rule left out of the engine", "err", err)
	}
}

// SetNotifier sets where new alerts are told (the notification service, which a server
// starts after the detection service).
func (s *Service) SetNotifier(n medsec.Notifier) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Notifier = n
}

// SetLogs sets the sealed log store that rule tests and retro-hunts read besides
// medsec's own events (a server opens it after starting detection).
func (s *Service) SetLogs(l medsec.LogService) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Logs = l
}

// Start subscribes the service to the event stream.
func (s *Service) Start(bus medsec.EventBus) error {
	sub, err := bus.Subscribe("detection", s.Handle)
	if err != nil {
		return err
	}
	s.sub = sub
	return nil
}

// Stop ends the subscription and waits for the re-correlations of late matches.
func (s *Service) Stop() error {
	if s.sub == nil {
		s.Idle()
		return nil
	}
	err := s.sub.Close()
	s.Idle()
	return err
}

// Handle evaluates a batch of events (the event stream's handler): each event, enriched
// with medsec's derived fields, goes to its site's engine; what fires becomes alerts.
// Between HoldUntilResume and Resume the batch is kept for Resume instead.
func (s *Service) Handle(ctx context.Context, events []medsec.Event) error {
	events, held := s.hold(events)
	if held || len(events) == 0 {
		return nil
	}
	return s.handle(ctx, events)
}

// handle evaluates a batch of events (Handle, and Resume for the batches it held).
func (s *Service) handle(ctx context.Context, events []medsec.Event) error {
	accounts, err := s.privileged(ctx, slices.ContainsFunc(events, func(e medsec.Event) bool { return e.Text("user.name") != "" }))
	if err != nil {
		return err
	}
	zones, err := s.siteZones(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.accounts, s.zones = accounts, zones
	found, err := s.evaluate(events, nil, nil, nil)
	s.building(found)
	timedOut, late := s.timedOut, s.lateNew
	s.timedOut, s.lateNew = nil, nil
	s.mu.Unlock()
	s.tellTimeouts(ctx, timedOut)
	s.tellLate(ctx, late)
	s.recorrelate(late)
	// What the sites that could be evaluated found is raised even when another failed.
	return errors.Join(err, s.raise(ctx, s.unraised(ctx, found)))
}

// privileged reads the inventory's emergency and vendor accounts when needed (a batch
// has an event with a user name); nil without an account source.
func (s *Service) privileged(ctx context.Context, need bool) (map[accountKey]privileged, error) {
	if s.st.Accounts == nil || !need {
		return nil, nil
	}
	list, err := s.st.Accounts.PrivilegedAccounts(medsec.NewContextWithUser(ctx, medsec.SystemUser))
	if err != nil {
		return nil, fmt.Errorf("detection: %w", err)
	}
	m := make(map[accountKey]privileged, len(list))
	for _, p := range list {
		k := accountKey{p.SiteID, strings.ToLower(p.Username)}
		m[k] = privileged{typ: p.Type, windows: append(m[k].windows, p.Windows...)}
	}
	return m, nil
}

// siteZones reads the sites' time zones by site id (Site.Zone), so that each event's
// working hours and maintenance window are read in its site's zone; nil without a site
// source.
func (s *Service) siteZones(ctx context.Context) (map[int64]string, error) {
	if s.st.Sites == nil {
		return nil, nil
	}
	sites, err := s.st.Sites.FindSites(medsec.NewContextWithUser(ctx, medsec.SystemUser))
	if err != nil {
		return nil, fmt.Errorf("detection: %w", err)
	}
	m := make(map[int64]string, len(sites))
	for _, site := range sites {
		m[site.ID] = site.Zone()
	}
	return m, nil
}

// logEvent is the event of a stored log record, as the log store's publisher makes it
// (ID "log:SITE:INDEX").
func logEvent(h medsec.LogHit) medsec.Event {
	e := medsec.Event{ID: fmt.Sprintf("%s:%d:%d", medsec.EventRefLog, h.SiteID, h.Index), Time: h.Received.UTC(), SiteID: h.SiteID,
		Ref: medsec.EventRef{Type: medsec.EventRefLog, ID: h.Index}, Fields: make(map[string]any, len(h.Fields))}
	for k, v := range h.Fields {
		e.Fields[k] = v
	}
	if t, err := time.Parse(time.RFC3339Nano, h.Fields["@timestamp"]); err == nil {
		e.Time = t.UTC()
		delete(e.Fields, "@timestamp")
	}
	// The store keeps every field as text, a list too ("authentication" joined with ","
	// for the JSON list ["authentication"], and so a CEF extension key given twice or an
	// RFC 5424 SD-PARAM repeated in its element): the record is read again, in its
	// format, so that its list fields are lists, as on the live stream (logs.RecordEvent),
	// and a rule matches an element [issue 13: hunts saw them as text].
	if h.Format != "" && h.Raw != "" && (h.Format == logs.FormatJSON || joined(h.Fields)) {
		if rec, err := (&logs.Parser{Format: h.Format}).Parse([]byte(h.Raw), h.Received, ""); err == nil && rec.Format == h.Format {
			for k, v := range logs.RecordEvent(rec).Fields {
				if l, ok := v.([]string); ok {
					if _, stored := e.Fields[k]; stored {
						e.Fields[k] = l
					}
				}
			}
		}
	}
	// As logs.RecordEvent sets them on the live stream.
	e.Fields["event.ingested"] = h.Received.UTC().Format(time.RFC3339Nano)
	if h.Format != "" {
		e.Fields["log.format"] = h.Format
	}
	return e
}

// joined reports whether a stored field may be a joined list: a syslog or CEF list has two
// values or more (a repeated key), so its text holds a ",". A JSON list may have one.
func joined(fields map[string]string) bool {
	for _, v := range fields {
		if strings.Contains(v, ",") {
			return true
		}
	}
	return false
}

// Advance closes correlation windows that end before t (a heartbeat for quiet streams).
func (s *Service) Advance(ctx context.Context, t time.Time) error {
	if s.holding() {
		// Until Resume has replayed the stored events, the engines' clock stays where
		// their events put it: a heartbeat at the wall clock would make them all late.
		return nil
	}
	s.mu.Lock()
	var found []finding
	// A site whose engine a Load replaced has it compiled now, so that the windows it
	// took over close on time on a quiet stream.
	var errs []error
	for site := range s.prev {
		if _, err := s.engine(site); err != nil {
			errs = append(errs, err)
		}
	}
	for site, e := range s.engines {
		found = append(found, s.findings(site, detect.Output{Alerts: e.Advance(t)})...)
	}
	s.mu.Unlock()
	found = s.unraised(ctx, found)
	if err := errors.Join(errs...); err != nil {
		return errors.Join(err, s.raise(ctx, found))
	}
	return s.raise(ctx, found)
}

// finding is a rule match or correlation alert on the way to the store.
type finding struct {
	rule   *medsec.DetectionRule
	siteID int64
	group  string
	events []*detect.Event
	// corr is set for a correlation alert (counted as one hit).
	corr bool
}

// enrich returns the event as detection reads it: a copy of its fields with medsec's
// derived fields: medsec.working_hours and medsec.maintenance_window (booleans, from the
// settings' windows at the event time read in the zone of the event's site), medsec.source.network (medsec.SourceNetwork),
// medsec.path.normalized, medsec.account.name and, for a storage metric (host.name with
// system.filesystem.used.bytes), medsec.storage.growth_pct against the host's level at
// the start of its current day-long window.
func enrich(env *evalEnv, e *medsec.Event) *detect.Event {
	f := make(map[string]any, len(e.Fields)+3)
	for k, v := range e.Fields {
		f[k] = v
	}
	zone := env.zones[e.SiteID]
	f["medsec.working_hours"] = env.settings.WorkingHours.ContainsIn(e.Time, zone)
	f["medsec.maintenance_window"] = env.settings.MaintenanceWindow.ContainsIn(e.Time, zone)
	for _, k := range []string{"file.path", "url.path"} {
		if p := e.Text(k); p != "" {
			f[medsec.FieldPathNormalized] = medsec.NormalizePath(p)
			break
		}
	}
	// A list (a repeated CEF "src") gives the network of its first address, as the
	// correlations group a list by its first value (Event.FirstText).
	if n := medsec.SourceNetwork(e.FirstText("source.ip")); n != "" {
		f[medsec.FieldSourceNetwork] = n
	}
	user := e.FirstText("user.name")
	if user != "" {
		f[medsec.FieldAccountName] = medsec.AccountName(user)
	}
	if user != "" && env.accounts != nil {
		p, ok := env.accounts[accountKey{e.SiteID, strings.ToLower(user)}]
		if !ok {
			p, ok = env.accounts[accountKey{e.SiteID, strings.ToLower(medsec.AccountName(user))}]
		}
		if ok {
			f[medsec.FieldAccountType] = string(p.typ)
			if p.typ == medsec.AccountTypeVendor {
				f[medsec.FieldMaintenancePlan] = "false"
				for _, w := range p.windows {
					if w.Contains(e.Time) {
						f[medsec.FieldMaintenancePlan], f[medsec.FieldMaintenancePlanID] = "true", w.PlanID
						break
					}
				}
			}
		}
	}
	if used, ok := number(e.Fields["system.filesystem.used.bytes"]); ok {
		// One baseline per file system: Metricbeat's system.filesystem sends one document
		// per mount point [issue 13 t13 finding 20].
		key := strconv.FormatInt(e.SiteID, 10) + "/" + e.Text("host.name") + "\x00" + e.Text("system.filesystem.mount_point")
		m, seen := env.storage[key]
		if !seen || e.Time.Sub(m.at) > 24*time.Hour || m.bytes <= 0 {
			m = storageMark{at: e.Time, bytes: used}
			env.storage[key] = m
		}
		if m.bytes > 0 {
			f["medsec.storage.growth_pct"] = (used - m.bytes) / m.bytes * 100
		}
	}
	return &detect.Event{ID: e.ID, Time: eventClock(e, f), Fields: f}
}

// MaxFutureSkew is how far past its receive time (event.ingested) a log event's own
// time may be before detection uses the receive time instead: the engines' clock is the
// newest event time, so one line stamped 2099 (a dead clock battery, or an attacker
// before a brute force) would otherwise make every later event "late" and switch off the
// site's correlations.
const MaxFutureSkew = 5 * time.Minute

// eventClock returns the time the engines read for an event: its own, unless it is more
// than MaxFutureSkew after its receive time; then the receive time, and the event is
// marked medsec.time_future with the time it stated in medsec.time_stated.
func eventClock(e *medsec.Event, f map[string]any) time.Time {
	in, ok := e.Fields["event.ingested"].(string)
	if !ok {
		return e.Time
	}
	recv, err := time.Parse(time.RFC3339Nano, in)
	if err != nil || !e.Time.After(recv.Add(MaxFutureSkew)) {
		return e.Time
	}
	f["medsec.time_future"] = true
	f["medsec.time_stated"] = e.Time.UTC().Format(time.RFC3339Nano)
	return recv.UTC()
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// evaluate runs events through the site engines (or through eng, for a test or a
// retro-hunt) and returns what fired. Each site's events go to its engine as one batch,
// in their order, evaluated on every processor (detect.Engine.ProcessBatch).
func (s *Service) evaluate(events []medsec.Event, eng func(siteID int64) (*detect.Engine, error), byUID map[string]*medsec.DetectionRule, env *evalEnv) ([]finding, error) {
	// live: the site engines of the event stream (not a test's or hunt's; s.mu held),
	// whose regular-expression time-outs are counted.
	live := eng == nil
	if live {
		eng, byUID = s.engine, s.byUID
		env = &evalEnv{settings: s.settings, accounts: s.accounts, storage: s.storage, zones: s.zones}
	}
	var sites []int64
	bySite := map[int64][]*detect.Event{}
	for i := range events {
		e := &events[i]
		ev := enrich(env, e)
		ev.Fields["medsec.site_id"] = e.SiteID
		ev.Fields["medsec.asset_id"] = e.AssetID
		ev.Fields["medsec.ref"] = e.Ref.Key()
		if _, ok := bySite[e.SiteID]; !ok {
			sites = append(sites, e.SiteID)
		}
		bySite[e.SiteID] = append(bySite[e.SiteID], ev)
	}
	var found []finding
	var errs []error
	for _, site := range sites {
		en, err := eng(site)
		if err != nil {
			// The other sites' events are evaluated all the same.
			errs = append(errs, fmt.Errorf("site %d: %w", site, err))
			continue
		}
		for _, out := range en.ProcessBatch(bySite[site], runtime.GOMAXPROCS(0)) {
			found = append(found, findingsOf(byUID, site, out)...)
		}
		if live {
			s.timedOut = append(s.timedOut, s.countTimeouts(en)...)
			s.countLate(site, en)
		}
	}
	return found, errors.Join(errs...)
}

func (s *Service) findings(siteID int64, out detect.Output) []finding {
	return findingsOf(s.byUID, siteID, out)
}

// building turns the matches of building-block rules (read by a correlation, see
// blocks) into hits: they are counted, never raised.
func (s *Service) building(found []finding) { markBuilding(s.blocks, found) }

// markBuilding turns the matches of the building-block rules in blocks into hits.
func markBuilding(blocks map[string]bool, found []finding) {
	for i := range found {
		if !found[i].corr && blocks[found[i].rule.UID] {
			found[i].group = "\x00hit"
		}
	}
}

// findingsOf turns an engine's output into findings of the rules in byUID (others, such
// as the stored rules a tested correlation reads, are left out).
func findingsOf(byUID map[string]*medsec.DetectionRule, siteID int64, out detect.Output) []finding {
	var found []finding
	for _, m := range out.Matches {
		r := byUID[m.Rule.ID]
		if r == nil {
			continue
		}
		f := finding{rule: r, siteID: siteID, events: []*detect.Event{m.Event}}
		if !m.Standalone {
			// Counted by its correlations; a hit, not an alert.
			f.group = "\x00hit"
		}
		found = append(found, f)
	}
	for _, a := range out.Alerts {
		r := byUID[a.Rule.ID]
		if r == nil {
			continue
		}
		keys := make([]string, 0, len(a.Group))
		for k := range a.Group {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var g []string
		for _, k := range keys {
			g = append(g, k+"="+a.Group[k])
		}
		found = append(found, finding{rule: r, siteID: siteID, group: strings.Join(g, ","), events: a.Events, corr: true})
	}
	return found
}

// delivery is a finding on its way to the store, and how far it got: a finding whose
// alert is stored but whose followers failed is not raised again.
type delivery struct {
	f finding
	// alert is the stored alert, once RaiseAlert took it (its followers may be left).
	alert *medsec.Alert
}

// hitKey names a rule's hit count at a site.
type hitKey struct{ rule, site int64 }

// hitCount is hits not yet added to a rule's count, and the time of the last.
type hitCount struct {
	n    int64
	last time.Time
}

// add returns h with one more hit at t.
func (h hitCount) add(t time.Time) hitCount {
	h.n++
	if t.After(h.last) {
		h.last = t
	}
	return h
}

// outbox holds what evaluation found until the store has it: the findings in the order
// found and the hits to add. It is in memory: the events behind it were evaluated (their
// correlation windows moved), so they are never evaluated again; their findings are
// stored, each once, when the store answers again.
type outbox struct {
	mu    sync.Mutex // held by the one delivery at a time (Handle, Advance)
	queue []*delivery
	hits  map[hitKey]hitCount
	// suppressed counts, by suppression id, the findings suppressions silenced.
	suppressed map[int64]hitCount
	// The state shown on the rules page and the status API (guarded by stateMu).
	stateMu  sync.Mutex
	pending  int
	failures int64
	since    time.Time
	lastErr  string
	told     bool
}

// Retry bounds of delivery to the store (Service.RetryMin, RetryMax by default).
const (
	defaultRetryMin = 100 * time.Millisecond
	defaultRetryMax = 30 * time.Second
)

// raise stores the findings: hit counts for every match and alert, and an alert (new or
// added to the open one of its key) for each standalone match and correlation alert.
// When the store fails (a locked or closed database, a full disk), the findings are kept
// and tried again, the earlier ones first, after 100 ms, then twice as long each time up
// to RetryMax, until they are stored or ctx ends (then they wait for the next batch):
// no finding is lost or stored twice. The failure is logged, counted in Status, and told
// once to rule admins (notify.detection_store_failing) until the store answers again. A
// finding the store refuses for good (EINVALID, ENOTFOUND: its rule was deleted) is
// logged and dropped.
func (s *Service) raise(ctx context.Context, found []finding) error {
	o := &s.out
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.hits == nil {
		o.hits = map[hitKey]hitCount{}
	}
	if o.suppressed == nil {
		o.suppressed = map[int64]hitCount{}
	}
	var sups []*medsec.Suppression
	if slices.ContainsFunc(found, func(f finding) bool { return f.group != "\x00hit" }) {
		sups = s.suppressions(ctx)
	}
	for _, f := range found {
		k := hitKey{f.rule.ID, f.siteID}
		last := f.events[len(f.events)-1].Time
		o.hits[k] = o.hits[k].add(last)
		if f.group == "\x00hit" {
			continue
		}
		if x := suppressedBy(sups, f); x != nil {
			o.suppressed[x.ID] = o.suppressed[x.ID].add(last)
			continue
		}
		o.queue = append(o.queue, &delivery{f: f})
	}
	wait := s.RetryMin
	if wait <= 0 {
		wait = defaultRetryMin
	}
	for {
		err := s.deliver(ctx)
		o.stateMu.Lock()
		o.pending = len(o.queue)
		o.stateMu.Unlock()
		if err == nil {
			s.recovered(ctx)
			return nil
		}
		s.failing(ctx, err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("detection: %d findings wait for the store: %w", len(o.queue), err)
		case <-t.C:
		}
		limit := s.RetryMax
		if limit <= 0 {
			limit = defaultRetryMax
		}
		wait = min(2*wait, limit)
	}
}

// deliver stores the outbox in order (s.out.mu held): it stops at the first store
// error, leaving that finding and the later ones queued.
func (s *Service) deliver(ctx context.Context) error {
	o := &s.out
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	for len(o.queue) > 0 {
		d := o.queue[0]
		if d.alert == nil {
			// The alert is built afresh for each try: RaiseAlert fills it in.
			a := s.alert(d.f)
			created, err := s.st.Alerts.RaiseAlert(sys, a)
			if permanent(err) {
				s.logger.Error("alert refused by the store; dropped", "rule", d.f.rule.UID, "site", d.f.siteID, "err", err)
				o.queue = o.queue[1:]
				continue
			}
			if err != nil {
				return err
			}
			d.alert = a
			s.mu.Lock()
			notifier := s.st.Notifier
			s.mu.Unlock()
			if created && notifier != nil {
				if err := notifier.Notify(sys, notification(a)); err != nil {
					s.logger.Warn("alert notification", "alert", a.ID, "err", err)
				}
			}
		}
		a := d.alert
		if err := s.follow(sys, a); err != nil && !permanent(err) {
			return err
		} else if err != nil {
			s.logger.Error("alert follower refused the alert", "alert", a.ID, "err", err)
		}
		o.queue = o.queue[1:]
	}
	for k, h := range o.hits {
		err := s.st.Rules.AddRuleHits(sys, k.rule, k.site, h.n, h.last)
		if err != nil && !permanent(err) {
			return err
		}
		delete(o.hits, k)
	}
	for id, h := range o.suppressed {
		err := s.st.Suppressions.AddSuppressionHits(sys, id, h.n, h.last)
		if err != nil && !permanent(err) {
			return err
		}
		delete(o.suppressed, id)
	}
	return nil
}

// permanent reports whether a store error will not go away by trying again.
func permanent(err error) bool {
	if err == nil {
		return false
	}
	switch medsec.ErrorCode(err) {
	case medsec.EINVALID, medsec.ENOTFOUND, medsec.EFORBIDDEN, medsec.EUNAUTHORIZED:
		return true
	}
	return false
}

// failing records a store error of delivery, and tells rule admins once.
func (s *Service) failing(ctx context.Context, err error) {
	o := &s.out
	o.stateMu.Lock()
	o.failures++
	o.lastErr = err.Error()
	if o.since.IsZero() {
		o.since = time.Now().UTC()
	}
	tell := !o.told
	pending, since := o.pending, o.since
	o.stateMu.Unlock()
	s.logger.Error("detection cannot store alerts; kept and tried again", "pending", pending, "since", since, "err", err)
	if !tell {
		return
	}
	s.mu.Lock()
	notifier := s.st.Notifier
	s.mu.Unlock()
	told := notifier == nil
	if notifier != nil {
		n := medsec.Notification{Kind: medsec.KindAlertRaised, Severity: medsec.SeverityCritical, Key: "notify.detection_store_failing",
			Args: []medsec.NotifyArg{{Text: err.Error()}}, Link: "/rules", Perm: medsec.PermRuleAdmin,
			DedupKey: fmt.Sprintf("detection-store-failing:%d", since.UnixNano())}
		// Notifications may live in the failing store too: told again on the next failure
		// until one gets through.
		if nerr := notifier.Notify(medsec.NewContextWithUser(ctx, medsec.SystemUser), n); nerr != nil {
			s.logger.Warn("detection store notification", "err", nerr)
		} else {
			told = true
		}
	}
	o.stateMu.Lock()
	o.told = o.told || told
	o.stateMu.Unlock()
}

// recovered ends a failure period of delivery (if any): the next failure is told again.
func (s *Service) recovered(context.Context) {
	o := &s.out
	o.stateMu.Lock()
	defer o.stateMu.Unlock()
	if !o.since.IsZero() {
		s.logger.Info("detection stores alerts again", "failing_since", o.since, "failures", o.failures)
	}
	o.since, o.lastErr, o.told = time.Time{}, "", false
}

// follow tells the followers of a raised alert.
func (s *Service) follow(ctx context.Context, a *medsec.Alert) error {
	for _, f := range s.st.Followers {
		if err := f.FollowAlert(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// alert builds the alert of a finding. Its dedup key is the rule, the site and, for a
// correlation, the group; for a detection rule, the entity the event is about (the
// asset, else the source address and user, else the host).
func (s *Service) alert(f finding) *medsec.Alert {
	a := &medsec.Alert{RuleID: f.rule.ID, RuleUID: f.rule.UID, Title: f.rule.Title, Level: f.rule.Level, Tags: f.rule.ATTACKTags(), SiteID: f.siteID}
	if a.Level == "" {
		a.Level = "medium"
	}
	entity := f.group
	for _, e := range f.events {
		if a.AssetID == 0 {
			if id, ok := e.Fields["medsec.asset_id"].(int64); ok && id != 0 {
				a.AssetID = id
			}
		}
		if a.ZoneID == 0 {
			for _, k := range []string{"medsec.zone.id", "medsec.zone.source.id"} {
				if id, err := strconv.ParseInt(fmt.Sprint(e.Fields[k]), 10, 64); err == nil && id != 0 {
					a.ZoneID = id
					break
				}
			}
		}
		ref, _ := e.Fields["medsec.ref"].(string)
		typ, id, _ := strings.Cut(ref, ":")
		refID, _ := strconv.ParseInt(id, 10, 64)
		fields := make(map[string]any, len(e.Fields))
		for k, v := range e.Fields {
			if !strings.HasPrefix(k, "medsec.ref") && k != "medsec.site_id" && k != "medsec.asset_id" {
				fields[k] = v
			}
		}
		a.Events = append(a.Events, medsec.AlertEvent{Key: e.ID, Time: e.Time, Ref: medsec.EventRef{Type: typ, ID: refID}, Fields: fields})
	}
	if !f.corr {
		e := f.events[0]
		var parts []string
		if a.AssetID != 0 {
			parts = append(parts, "asset="+strconv.FormatInt(a.AssetID, 10))
		} else {
			for _, k := range []string{"source.ip", "user.name", "host.name", "destination.ip"} {
				if v, ok := e.Fields[k]; ok {
					parts = append(parts, k+"="+fmt.Sprint(v))
				}
			}
		}
		entity = strings.Join(parts, ",")
	}
	a.DedupKey = fmt.Sprintf("%s|%d|%s", f.rule.UID, f.siteID, entity)
	return a
}

// notification is what the notification service is told about a new alert: the rule's
// title goes as its message key, so each recipient reads a built-in rule's title in their
// language (another rule's as written).
func notification(a *medsec.Alert) medsec.Notification {
	// An alert of no site (medsec's own login, say) is of the whole organisation, and
	// says so in the reader's language (was an empty site name; bt13g LOW).
	site := medsec.NotifyArg{Text: a.SiteName}
	if a.SiteID == 0 {
		site = medsec.NotifyArg{Key: "notify.org_wide"}
	}
	return medsec.Notification{Kind: medsec.KindAlertRaised, Severity: medsec.LevelSeverity(a.Level), Key: "notify.alert_raised",
		Args:  []medsec.NotifyArg{{Key: medsec.RuleTitleKey(a.RuleUID), Text: a.Title}, {Key: "alert.level." + a.Level}, site},
		Link:  fmt.Sprintf("/alerts/%d", a.ID),
		Scope: medsec.NotifyScope{AssetID: a.AssetID, SiteID: a.SiteID, VendorID: a.VendorID}, Perm: medsec.PermAlertRead,
		DedupKey: fmt.Sprintf("alert:%d", a.ID)}
}

// Hunt tests a rule, or retro-hunts, over the stored events of a past range
// (medsec's own events; log records once the log store's search is wired). Needs
// PermRuleAdmin and the site. EINVALID for a bad range or rule (file and line).
func (s *Service) Hunt(ctx context.Context, req medsec.HuntRequest) (_ *medsec.HuntResult, herr error) {
	u, err := medsec.Authorize(ctx, medsec.PermRuleAdmin)
	if err != nil {
		return nil, err
	}
	if req.SiteID != 0 && !u.CanSeeSite(req.SiteID) {
		return nil, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", req.SiteID), req.SiteID)
	}
	// The zero time is what an absent field decodes to, so 0001-01-01 cannot be told from
	// it: the range starts at the Unix epoch, before any event medsec stores.
	epoch := time.Unix(0, 0)
	var errs []medsec.FieldError
	if req.Since.Before(epoch) {
		errs = append(errs, medsec.FieldError{Field: "since", Key: "err.bad_time_range", Message: "is required: an RFC 3339 time from 1970-01-01T00:00:00Z on"})
	}
	if req.Until.Before(epoch) {
		errs = append(errs, medsec.FieldError{Field: "until", Key: "err.bad_time_range", Message: "is required: an RFC 3339 time from 1970-01-01T00:00:00Z on"})
	} else if !req.Until.After(req.Since) {
		errs = append(errs, medsec.FieldError{Field: "until", Key: "err.bad_time_range", Message: "must be after since"})
	}
	if req.Raise && strings.TrimSpace(req.YAML) != "" {
		// Alerts are of stored rules: a YAML rule would raise nothing.
		errs = append(errs, medsec.FieldError{Field: "raise", Key: "err.hunt_raise_yaml", Message: "raises alerts of stored rules only: import the rule first, or hunt without raise"})
	}
	if len(errs) > 0 {
		return nil, &medsec.ValidationError{Errors: errs}
	}
	accounts, err := s.privileged(ctx, true)
	if err != nil {
		return nil, err
	}
	zones, err := s.siteZones(ctx)
	if err != nil {
		return nil, err
	}
	// The hunt reads the service's rules and settings under its lock, then evaluates on
	// engines of its own without it: the live stream goes on meanwhile (issue 13
	// break-test t13 finding 14: a hunt held the lock for its whole run, stopping live
	// detection at every site).
	s.mu.Lock()
	env := &evalEnv{settings: s.settings, accounts: accounts, storage: map[string]storageMark{}, zones: zones}
	rules, blocks, all := s.rules, s.blocks, s.byUID
	s.mu.Unlock()
	// The rules tested: the YAML's, the stored ones named, or (a retro-hunt) those
	// enabled at each event's site. Findings of other rules are not reported.
	byUID := map[string]*medsec.DetectionRule{}
	var extra []*detect.Rule
	want := func(*medsec.DetectionRule) bool { return false }
	switch {
	case strings.TrimSpace(req.YAML) != "":
		rs, err := ParseFile("rule.yml", []byte(req.YAML))
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			ps, err := detect.ParseRules(r.FileName, []byte(r.YAML))
			if err != nil {
				return nil, err
			}
			extra = append(extra, ps...)
			byUID[r.UID] = r
		}
	case len(req.RuleIDs) > 0:
		want = func(r *medsec.DetectionRule) bool { return slices.Contains(req.RuleIDs, r.ID) }
		found := map[int64]bool{}
		for _, r := range rules {
			if want(r) {
				byUID[r.UID] = r
				found[r.ID] = true
			}
		}
		for i, id := range req.RuleIDs {
			if !found[id] {
				return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: fmt.Sprintf("rule_ids[%d]", i), Key: "err.rule_not_found", Message: fmt.Sprintf("rule %d does not exist", id)}}}
			}
		}
		if errs := s.raiseBlocks(req, blocks); len(errs) > 0 {
			return nil, &medsec.ValidationError{Errors: errs}
		}
	default:
		byUID = all
	}
	// The hunt is audited as the hunter once it ends, with its rules, site, range and
	// findings, or the error it stopped with [issue 13 bt13g M4: a hunt left no trace].
	rec := medsec.HuntAudit{SiteID: req.SiteID, Since: req.Since, Until: req.Until, Raise: req.Raise}
	switch {
	case len(extra) > 0:
		rec.Rules = medsec.HuntRulesYAML
		for _, r := range byUID {
			rec.RuleUIDs, rec.Title = append(rec.RuleUIDs, r.UID), r.Title
		}
	case len(req.RuleIDs) > 0:
		rec.Rules = medsec.HuntRulesNamed
		for _, r := range rules {
			if want(r) {
				rec.RuleIDs, rec.RuleUIDs, rec.Title = append(rec.RuleIDs, r.ID), append(rec.RuleUIDs, r.UID), r.Title
			}
		}
	default:
		rec.Rules = medsec.HuntRulesEnabled
		for _, r := range rules {
			if req.SiteID != 0 && r.EnabledAt(req.SiteID) || req.SiteID == 0 && enabledSomewhere(r) {
				rec.RuleIDs, rec.RuleUIDs, rec.Title = append(rec.RuleIDs, r.ID), append(rec.RuleUIDs, r.UID), r.Title
			}
		}
	}
	if len(rec.RuleUIDs) != 1 {
		rec.Title = ""
	}
	sort.Strings(rec.RuleUIDs)
	var res *medsec.HuntResult
	defer func() {
		if res != nil {
			rec.Events, rec.Logs, rec.Hits, rec.Raised, rec.Suppressed = res.Events, res.Logs, res.Hits, res.Raised, res.Suppressed
			rec.Stopped, rec.ReadUntil = res.Stopped, res.ReadUntil
		}
		if herr != nil {
			rec.Error = herr.Error()
		}
		if err := s.st.Rules.RecordHunt(ctx, rec); err != nil {
			herr = errors.Join(herr, fmt.Errorf("detection: hunt not audited: %w", err))
		}
	}()
	engines := map[int64]*detect.Engine{}
	eng := func(siteID int64) (*detect.Engine, error) {
		if e, ok := engines[siteID]; ok {
			return e, nil
		}
		w := want
		if req.YAML == "" && len(req.RuleIDs) == 0 {
			w = func(r *medsec.DetectionRule) bool { return r.EnabledAt(siteID) }
		}
		s.mu.Lock()
		e, err := s.build(w, extra)
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		engines[siteID] = e
		return e, nil
	}
	res = &medsec.HuntResult{List: []medsec.HuntHit{}}
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	// The suppressions in force at any time of the range: each finding is judged by
	// those applying when its events happened, not by today's.
	var sups []*medsec.Suppression
	if s.st.Suppressions != nil {
		if sups, err = s.findSuppressions(ctx, req.Since); err != nil {
			return nil, err
		}
	}
	// report lists, counts and (a retro-hunt) raises what a batch found, so that no more
	// than a batch's findings are held.
	report := func(found []finding) error {
		for _, f := range found {
			if f.group == "\x00hit" {
				continue
			}
			res.Hits++
			// A suppressed finding is listed, marked, and never raised.
			var supID int64
			if f.rule.ID != 0 {
				if x := suppressedBy(sups, f); x != nil {
					supID = x.ID
				}
			}
			if len(res.List) < medsec.MaxHuntHits {
				a := s.alert(f)
				res.List = append(res.List, medsec.HuntHit{RuleUID: f.rule.UID, Title: f.rule.Title, Level: f.rule.Level, SiteID: f.siteID, Group: f.group, Events: a.Events, SuppressedBy: supID})
			}
			if supID != 0 {
				res.Suppressed++
				continue
			}
			if req.Raise && f.rule.ID != 0 {
				a := s.alert(f)
				// What an alert holds already, even a closed one, is not raised again: a
				// second hunt over the range, or a re-correlation of late matches, would
				// otherwise open a second alert for a sequence an analyst closed.
				if held, err := s.st.Alerts.AlertHolds(sys, a); err != nil {
					return err
				} else if held {
					continue
				}
				// Raised as the hunter, who is named in the alert's audit row.
				created, err := s.st.Alerts.RaiseAlert(ctx, a)
				if err != nil {
					return err
				}
				// A raised finding counts a hit of its rule at its site, and a new alert is
				// told, as the live stream's are (bt13g #5: alerts of re-correlations and
				// retro-hunts were in no rule's hit count).
				if err := s.st.Rules.AddRuleHits(sys, f.rule.ID, f.siteID, 1, f.events[len(f.events)-1].Time); err != nil {
					return err
				}
				if created {
					s.mu.Lock()
					notifier := s.st.Notifier
					s.mu.Unlock()
					if notifier != nil {
						if err := notifier.Notify(sys, notification(a)); err != nil {
							s.logger.Warn("alert notification", "alert", a.ID, "err", err)
						}
					}
				}
				if err := s.follow(sys, a); err != nil {
					return err
				}
				if created {
					res.Raised++
				}
			}
		}
		return nil
	}
	readLogs := s.st.Logs != nil && u.Role.Can(medsec.PermLogRead)
	// The budget is of the machine's time, not of the events' clock.
	deadline := time.Now().Add(s.HuntBudget)
	// The range is read in time order, a page of log records at a time: a page's span
	// (with the stored events of that span) is evaluated before the next page is read.
	for cursor := req.Since; cursor.Before(req.Until); {
		end := req.Until
		var batch []medsec.Event
		if readLogs {
			// Log records by their event time, as the live stream reads them: a record
			// stamped within the range is read with it however late it arrived (up to
			// medsec.MaxLogDelay), and one received in the range but stamped before it is
			// not [issue 13 bt13g: a batch of failed logins stamped ten minutes before its
			// arrival was found by no re-correlation].
			page, err := s.st.Logs.ReadLogsByEventTime(ctx, cursor, req.Until, req.SiteID, medsec.HuntPage)
			if err != nil {
				return nil, err
			}
			// The page holds every record before its Until; the rest are read next.
			end = page.Until
			if !end.After(cursor) {
				res.Stopped, res.ReadUntil = medsec.HuntStopInstant, cursor
				break
			}
			for _, h := range page.Hits {
				batch = append(batch, logEvent(h))
				res.Logs++
			}
		}
		err := s.st.Events.EachEvent(ctx, medsec.EventFilter{Since: cursor, Until: end, SiteID: req.SiteID}, func(e *medsec.Event) error {
			if e.SiteID != 0 && !u.CanSeeSite(e.SiteID) || e.SiteID == 0 && len(u.SiteIDs) > 0 {
				return nil
			}
			batch = append(batch, *e)
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.SliceStable(batch, func(i, j int) bool { return batch[i].Time.Before(batch[j].Time) })
		res.Events += len(batch)
		evaluated := len(batch)
		for start := 0; start < len(batch); start += huntChunk {
			if start > 0 && time.Now().After(deadline) {
				// The budget is checked between a page's thousands of events too: a slow
				// rule cannot hold a hunt for a whole page past its budget.
				evaluated = start
				break
			}
			found, err := s.evaluate(batch[start:min(start+huntChunk, len(batch))], eng, byUID, env)
			if err != nil {
				return nil, err
			}
			if req.YAML == "" && len(req.RuleIDs) == 0 {
				markBuilding(blocks, found)
			}
			if err := report(found); err != nil {
				return nil, err
			}
		}
		res.Events -= len(batch) - evaluated
		for _, e := range batch[evaluated:] {
			if e.Ref.Type == medsec.EventRefLog {
				res.Logs--
			}
		}
		if evaluated < len(batch) {
			res.Stopped, res.ReadUntil = medsec.HuntStopTime, batch[evaluated].Time
			break
		}
		cursor = end
		if cursor.Before(req.Until) && res.Events >= medsec.MaxHuntEvents {
			res.Stopped, res.ReadUntil = medsec.HuntStopEvents, cursor
		} else if cursor.Before(req.Until) && time.Now().After(deadline) {
			res.Stopped, res.ReadUntil = medsec.HuntStopTime, cursor
		}
		if res.Stopped != "" {
			break
		}
	}
	// The range is over: every engine the hunt used correlates what it still holds back
	// for late events and closes its open windows.
	sites := slices.Sorted(maps.Keys(engines))
	for _, site := range sites {
		if err := report(findingsOf(byUID, site, detect.Output{Alerts: engines[site].Flush()})); err != nil {
			return nil, err
		}
	}
	return res, nil
}

var _ medsec.DetectionRunner = (*Service)(nil)

// raiseBlocks refuses a hunt with raise over a building-block rule (one a correlation
// reads, see blocks) unless a correlation that reads it is hunted too: such a rule never
// alerts on its own, so its matches are raised through the correlation only [bt13h H4:
// raise over "Failed login" stored 122 standalone alerts and told each].
func (s *Service) raiseBlocks(req medsec.HuntRequest, blocks map[string]bool) []medsec.FieldError {
	if !req.Raise {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	byKey := s.keys(nil)
	var errs []medsec.FieldError
	for i, id := range req.RuleIDs {
		var r *medsec.DetectionRule
		for _, x := range s.rules {
			if x.ID == id {
				r = x
			}
		}
		if r == nil || !blocks[r.UID] {
			continue
		}
		var readers []string
		hunted := false
		for _, c := range s.rules {
			p := s.parsed[c.ID]
			if p == nil || p.Correlation == nil {
				continue
			}
			for _, k := range p.Correlation.Rules {
				if ref := byKey[k]; ref != nil && ref.ID == r.UID {
					readers = append(readers, fmt.Sprintf("%d (%s)", c.ID, c.Title))
					hunted = hunted || slices.Contains(req.RuleIDs, c.ID)
					break
				}
			}
		}
		if hunted || len(readers) == 0 {
			continue
		}
		names := strings.Join(readers, ", ")
		errs = append(errs, medsec.FieldError{Field: fmt.Sprintf("rule_ids[%d]", i), Key: "err.hunt_raise_building_block", Args: []string{names},
			Message: fmt.Sprintf("is read by correlation %s and never alerts on its own: hunt the correlation with raise, or hunt without raise", names)})
	}
	return errs
}

// huntChunk is how many events a hunt evaluates between looks at its time budget: a
// rule whose regular expression runs out of time (100 ms, twice an event) overruns the
// budget by at most a chunk's 16 × 200 ms over the processors.
const huntChunk = 16

// ImportRules reads and stores uploaded rules (disabled until a site turns them on) and
// rebuilds the engines.
func (s *Service) ImportRules(ctx context.Context, name string, data []byte) ([]*medsec.DetectionRule, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return nil, err
	}
	rules, err := ReadImport(name, data)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return nil, &medsec.ValidationError{Source: name, Errors: []medsec.FieldError{{Key: "err.no_rules", Message: "holds no Sigma rule"}}}
	}
	if err := s.checkImport(name, rules); err != nil {
		return nil, err
	}
	if err := s.st.Rules.SaveRules(ctx, rules); err != nil {
		return nil, err
	}
	return rules, s.Load(ctx)
}

// MaxRegexProbe is how long one of a rule's backtracking regular expressions may take on
// one of detect's probe texts at import (detect.Compiled.CheckRegexCost).
const MaxRegexProbe = medsec.RegexTimeout / 4

// CheckRules compiles rules about to be imported as the server's engine would, with the
// stored rules (those of the import replacing the stored ones of their id) that their
// correlations read: a rule that could not run, or whose backtracking regular expression
// is too slow (MaxRegexProbe), is refused, naming its file, line and field, so that no
// rule is stored that detection would have to leave out or that would hold it back.
// The error is a *medsec.ValidationError whose Source is name. Call Load first.
func (s *Service) CheckRules(name string, rules []*medsec.DetectionRule) error {
	return s.checkImport(name, rules)
}

func (s *Service) checkImport(name string, rules []*medsec.DetectionRule) error {
	var extra []*detect.Rule
	of := map[*detect.Rule]*medsec.DetectionRule{}
	for _, r := range rules {
		ps, err := detect.ParseRules(r.FileName, []byte(strings.Repeat("\n", max(r.Line-1, 0))+r.YAML))
		if err != nil || len(ps) != 1 {
			continue // ReadImport has read them
		}
		extra = append(extra, ps[0])
		of[ps[0]] = r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	byKey := s.keys(extra)
	ve := &medsec.ValidationError{Source: name}
	for _, p := range extra {
		err := s.check(p, byKey)
		if err == nil && !p.IsCorrelation() {
			// A backtracking regular expression that takes a quarter of its time-out on a
			// probe text is refused: it would cost that on every event it reads, and every
			// site's detection would fall behind [issue 13 t13 finding 4].
			if c, cerr := detect.Compile(p, nil); cerr == nil {
				err = c.CheckRegexCost(MaxRegexProbe)
			}
		}
		if err == nil {
			continue
		}
		var one medsec.ValidationError
		addParseErrors(&one, err)
		for _, fe := range one.Errors {
			if f := of[p].FileName; f != name {
				fe.File = f
			}
			if fe.Field == "" {
				fe.Field = "id " + p.ID
			}
			ve.Errors = append(ve.Errors, fe)
		}
	}
	if len(ve.Errors) > 0 {
		return ve
	}
	return nil
}

// SetRuleEnabled stores the rule's state at the site and rebuilds the engines. Turning
// on a rule the engine cannot run is EINVALID naming the problem.
func (s *Service) SetRuleEnabled(ctx context.Context, ruleID, siteID int64, enabled bool) error {
	if _, err := medsec.Authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return err
	}
	if enabled {
		s.mu.Lock()
		msg, bad := s.broken[ruleID]
		s.mu.Unlock()
		if bad {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "enabled", Key: "err.rule_broken", Value: msg,
				Message: "the rule cannot run on this server: " + msg}}}
		}
	}
	if err := s.st.Rules.SetRuleEnabled(ctx, ruleID, siteID, enabled); err != nil {
		return err
	}
	return s.Load(ctx)
}

// DeleteRule removes an imported rule and rebuilds the engines.
func (s *Service) DeleteRule(ctx context.Context, id int64) error {
	if _, err := medsec.Authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return err
	}
	// A rule a stored correlation reads is not deleted: the correlation would break
	// silently (import refuses a correlation over a missing rule) [issue 13 t13 finding 17].
	s.mu.Lock()
	var readers []string
	if p := s.parsed[id]; p != nil {
		byKey := s.keys(nil)
		for _, r := range s.rules {
			c := s.parsed[r.ID]
			if r.ID == id || c == nil || c.Correlation == nil {
				continue
			}
			for _, k := range c.Correlation.Rules {
				if byKey[k] == p {
					readers = append(readers, fmt.Sprintf("%q (%d)", r.Title, r.ID))
					break
				}
			}
		}
	}
	s.mu.Unlock()
	if len(readers) > 0 {
		list := strings.Join(readers, ", ")
		return &medsec.Error{Code: medsec.ECONFLICT, Key: "err.rule_read_by_correlation", Args: []any{list},
			Message: fmt.Sprintf("This rule is read by the correlation %s: delete or change the correlation first.", list)}
	}
	if err := s.st.Rules.DeleteRule(ctx, id); err != nil {
		return err
	}
	return s.Load(ctx)
}

// UpdateDetectionSettings stores the settings, re-renders the built-in rules with them
// and rebuilds the engines.
func (s *Service) UpdateDetectionSettings(ctx context.Context, set medsec.DetectionSettings) error {
	if err := s.st.Rules.UpdateDetectionSettings(ctx, set); err != nil {
		return err
	}
	if err := s.InstallBuiltins(ctx); err != nil {
		return err
	}
	return s.Load(ctx)
}

package http

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/i18n"
)

// alertListData is the alert queue.
type alertListData struct {
	Alerts           []*medsec.Alert
	Total            int
	Filter           medsec.AlertFilter
	Query            url.Values
	Statuses         []medsec.AlertStatus
	Levels           []string
	Sites            []*medsec.Site
	Prev, Next       int
	HasPrev, HasNext bool
}

// uiAlertList is the alert queue: open alerts first by default, with filters by state,
// site and level.
func (s *Server) uiAlertList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if !q.Has("status") {
		q.Set("status", "open")
		r.URL.RawQuery = q.Encode()
	}
	f, err := alertFilter(r, 50)
	if err != nil {
		return err
	}
	alerts, total, err := s.Alerts.FindAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	sites, _ := s.Org.FindSites(r.Context())
	q.Del("offset")
	p := s.newPage(r, "alerts.title")
	p.Data = &alertListData{Alerts: alerts, Total: total, Filter: f, Query: q, Statuses: medsec.AlertStatuses, Levels: medsec.RuleLevels, Sites: sites,
		Prev: max(f.Offset-f.Limit, 0), Next: f.Offset + f.Limit, HasPrev: f.Offset > 0, HasNext: f.Offset+f.Limit < total}
	s.render(w, r, http.StatusOK, "alert_list", p)
	return nil
}

// alertShowData is one alert's page.
type alertShowData struct {
	Alert    *medsec.Alert
	Rule     *medsec.DetectionRule
	Statuses []medsec.AlertStatus
	Fields   [][]fieldValue
	// JoinTo are the open incidents of the alert's site the alert may join, newest first
	// (for a user who may write incidents; without those it is already in).
	JoinTo []*medsec.Incident
	// Sites are the sites an alert of the organisation (site 0) may open an incident at:
	// the reader's sites in use (for a user who may write incidents); the open-incident
	// form asks which, as the API's site_id does [issue 13 bt13g M4].
	Sites []*medsec.Site
	// Assignees are the users the alert may be assigned to (for a user who may triage).
	Assignees []*medsec.User
	// LogSearch holds, per event, the log search that shows the sealed record the event
	// came from (its site and index, with its proof in the search's export), or "" for an
	// event of another kind or a reader without log:read.
	LogSearch []string
}

// fieldValue is one field of an event as the alert page lists it.
type fieldValue struct {
	Name, Value string
}

func (s *Server) uiAlertShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Alerts.FindAlertByID(r.Context(), id)
	if err != nil {
		return err
	}
	d := &alertShowData{Alert: a, Statuses: medsec.AlertStatuses}
	if u := medsec.UserFromContext(r.Context()); u != nil && u.Role.Can(medsec.PermRuleRead) {
		if rule, err := s.Rules.FindRuleByID(r.Context(), a.RuleID); err == nil {
			d.Rule = rule
		}
	}
	if u := medsec.UserFromContext(r.Context()); u != nil && u.Role.Can(medsec.PermAlertWrite) {
		if d.Assignees, err = s.Alerts.FindAlertAssignees(r.Context(), id); err != nil {
			return err
		}
	}
	if u := medsec.UserFromContext(r.Context()); u != nil && u.Role.Can(medsec.PermIncidentWrite) && a.SiteID != 0 {
		if d.JoinTo, err = s.joinableIncidents(r, a); err != nil {
			return err
		}
	}
	if u := medsec.UserFromContext(r.Context()); u != nil && u.Role.Can(medsec.PermIncidentWrite) && a.SiteID == 0 && len(a.Incidents) == 0 {
		sites, err := s.Org.FindSites(r.Context())
		if err != nil {
			return err
		}
		for _, site := range sites {
			if site.RetiredAt.IsZero() && u.CanSeeSite(site.ID) {
				d.Sites = append(d.Sites, site)
			}
		}
	}
	for _, e := range a.Events {
		ev := medsec.Event{Fields: e.Fields}
		var fv []fieldValue
		for _, k := range sortedKeys(e.Fields) {
			fv = append(fv, fieldValue{k, ev.Text(k)})
		}
		d.Fields = append(d.Fields, fv)
		d.LogSearch = append(d.LogSearch, logRecordSearch(r, e))
	}
	p := s.newPage(r, "alert.title")
	p.Title = p.RuleTitle(a.RuleUID, a.Title)
	p.Data = d
	s.render(w, r, http.StatusOK, "alert_show", p)
	return nil
}

// joinableIncidents lists the open incidents of the alert's site it is not in yet.
func (s *Server) joinableIncidents(r *http.Request, a *medsec.Alert) ([]*medsec.Incident, error) {
	open, err := s.Incidents.FindIncidents(r.Context(), medsec.IncidentFilter{SiteID: a.SiteID, Status: medsec.IncidentOpen})
	if err != nil {
		return nil, err
	}
	if len(a.Incidents) > 0 {
		return nil, nil // an alert answers one incident
	}
	var out []*medsec.Incident
	for _, inc := range open {
		if !inc.Drill {
			out = append(out, inc)
		}
	}
	return out, nil
}

// logRecordSearch is the /logs search that finds the sealed log record an alert's event
// came from: its index (medsec.index, unique within a site) within a day either side of the
// event's time (the record's own timestamp, which may differ from when it was received).
// It is "" unless the event is a log record and the reader may read logs.
func logRecordSearch(r *http.Request, e medsec.AlertEvent) string {
	u := medsec.UserFromContext(r.Context())
	if e.Ref.Type != medsec.EventRefLog || u == nil || !u.Role.Can(medsec.PermLogRead) {
		return ""
	}
	q := url.Values{"start": {e.Time.Add(-24 * time.Hour).UTC().Format(time.RFC3339)}, "end": {e.Time.Add(24 * time.Hour).UTC().Format(time.RFC3339)},
		"q": {fmt.Sprintf("medsec.index:%d", e.Ref.ID)}}
	return "/logs?" + q.Encode()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// uiAlertTriage applies the triage form: state, note, and an assignee ("me", "none" or a
// user's number from the page's list).
func (s *Server) uiAlertTriage(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return medsec.ErrorWithKey(medsec.EINVALID, "err.form_unreadable", "The form could not be read.")
	}
	var u medsec.AlertUpdate
	if v := r.PostFormValue("version"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "version", Key: "err.bad_number", Message: "must be a number"}}}
		}
		u.Version = &n
	}
	if st := r.PostFormValue("status"); st != "" {
		status := medsec.AlertStatus(st)
		u.Status = &status
	}
	if r.PostForm.Has("note") {
		note := strings.ReplaceAll(r.PostFormValue("note"), "\r\n", "\n")
		u.Note = &note
	}
	switch r.PostFormValue("assign") {
	case "me":
		me := medsec.UserFromContext(r.Context()).ID
		u.AssigneeID = &me
	case "none":
		var none int64
		u.AssigneeID = &none
	case "":
	default:
		n, err := strconv.ParseInt(r.PostFormValue("assign"), 10, 64)
		if err != nil {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "assign", Key: "err.bad_number", Message: "must be a user number, me or none"}}}
		}
		u.AssigneeID = &n
	}
	if _, err := s.Alerts.UpdateAlert(r.Context(), id, u); err != nil {
		return err
	}
	flash(w, "alert.updated")
	http.Redirect(w, r, "/alerts/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// ruleListData is the rules page.
type ruleListData struct {
	Rules    []*medsec.DetectionRule
	Query    string
	Settings medsec.DetectionSettings
	// Imported lists the rules of the import just done.
	Imported []*medsec.DetectionRule
	// Status is detection's state: alerts waiting for a failing store.
	Status medsec.DetectionStatus
}

func (s *Server) uiRuleList(w http.ResponseWriter, r *http.Request) error {
	return s.renderRules(w, r, http.StatusOK, s.newPage(r, "rules.title"), nil)
}

func (s *Server) renderRules(w http.ResponseWriter, r *http.Request, status int, p *page, imported []*medsec.DetectionRule) error {
	q := r.URL.Query().Get("q")
	rules, err := s.Rules.FindRules(r.Context(), medsec.RuleFilter{Query: q})
	if err != nil {
		return err
	}
	set, err := s.Rules.FindDetectionSettings(r.Context())
	if err != nil {
		return err
	}
	s.markRuleErrors(rules...)
	d := &ruleListData{Rules: rules, Query: q, Settings: set, Imported: imported}
	if s.Detection != nil {
		d.Status = s.Detection.Status()
	}
	p.Data = d
	s.render(w, r, status, "rule_list", p)
	return nil
}

// uiRuleImport imports an uploaded Sigma file or zip; problems are listed with file and line.
func (s *Server) uiRuleImport(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "rules.title")
	name, data, err := uploadedFile(r)
	var rules []*medsec.DetectionRule
	if err == nil {
		rules, err = s.Detection.ImportRules(r.Context(), name, data)
	}
	if err == nil {
		p.Flash = p.T("rules.imported", len(rules), name)
		return s.renderRules(w, r, http.StatusOK, p, rules)
	}
	var ve *medsec.ValidationError
	var e *medsec.Error
	switch {
	case errors.As(err, &ve):
		p.Error = p.T("rules.import_rejected", name, len(ve.Errors))
		p.Errors, p.ErrorsOfFields = ve.Errors, true
	case errors.As(err, &e) && (e.Code == medsec.EINVALID || e.Code == medsec.ECONFLICT):
		p.Error = e.Message
		if e.Key != "" {
			p.Error = p.T(e.Key, e.Args...)
		}
	default:
		return err
	}
	return s.renderRules(w, r, http.StatusUnprocessableEntity, p, nil)
}

// uiRuleSite turns a rule on or off at a site.
func (s *Server) uiRuleSite(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	site, err := parseSiteID(r, "site")
	if err != nil {
		return err
	}
	enabled := r.PostFormValue("enabled") == "1"
	if err := s.Detection.SetRuleEnabled(r.Context(), id, site, enabled); err != nil {
		return err
	}
	flash(w, "rules.state_saved")
	back := "/rules#rule-" + strconv.FormatInt(id, 10)
	if r.PostFormValue("back") == "rule" {
		back = "/rules/" + strconv.FormatInt(id, 10)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// ruleShowData is one rule's page, with the result of a test over stored events.
type ruleShowData struct {
	Rule        *medsec.DetectionRule
	Settings    *medsec.DetectionSettings
	Since       string
	Until       string
	Result      *medsec.HuntResult
	CanDelete   bool
	TestFailure string
	// Suppressions are the rule's suppressions at the reader's sites; Suppress is the
	// form to add one (prefilled from an alert with ?alert=ID).
	Suppressions []*medsec.Suppression
	Suppress     suppressForm
}

// suppressForm is the rule page's form to suppress a known false positive.
type suppressForm struct {
	SiteID                     int64
	Host, User, Source, Reason string
	Expires                    string
	// FromAlert is the alert the form was filled from (0: none).
	FromAlert int64
}

// ruleShowPage loads a rule's page: the rule with its errors marked, the detection
// settings, its suppressions, and a hunt span of the last week.
func (s *Server) ruleShowPage(r *http.Request, id int64) (*ruleShowData, *page, error) {
	rule, err := s.Rules.FindRuleByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	s.markRuleErrors(rule)
	now := s.now()
	d := &ruleShowData{Rule: rule, Since: now.AddDate(0, 0, -7).Format("2006-01-02"), Until: now.AddDate(0, 0, 1).Format("2006-01-02")}
	set, err := s.Rules.FindDetectionSettings(r.Context())
	if err != nil {
		return nil, nil, err
	}
	d.Settings = &set
	p := s.newPage(r, "rule.title")
	p.Title = p.RuleTitle(rule.UID, rule.Title)
	if err := s.ruleSuppressions(r, d); err != nil {
		return nil, nil, err
	}
	return d, p, nil
}

func (s *Server) uiRuleShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	d, p, err := s.ruleShowPage(r, id)
	if err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		d.Since, d.Until = r.PostFormValue("since"), r.PostFormValue("until")
		since, err1 := time.Parse("2006-01-02", d.Since)
		until, err2 := time.Parse("2006-01-02", d.Until)
		// The form's own labels name the fields, in the page's language.
		badRange := p.T("rules.test_range", i18n.Key("audit.since"), i18n.Key("audit.until"))
		if err1 != nil || err2 != nil {
			p.Error = badRange
		} else if res, err := s.Detection.Hunt(r.Context(), medsec.HuntRequest{RuleIDs: []int64{id}, Since: since, Until: until}); err != nil {
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) && medsec.ErrorCode(err) == medsec.EINTERNAL {
				return err
			}
			p.Error = badRange
		} else {
			d.Result = res
		}
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "rule_show", p)
	return nil
}

// uiDetectionSettings saves the thresholds and hours of the built-in rules from the rules
// page; lists are one value a line.
func (s *Server) uiDetectionSettings(w http.ResponseWriter, r *http.Request) error {
	set, err := s.Rules.FindDetectionSettings(r.Context())
	if err != nil {
		return err
	}
	num := func(name string, v *int) {
		if n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name))); err == nil {
			*v = n
		} else {
			*v = -1 // refused by Validate, naming the field
		}
	}
	lines := func(name string) []string {
		var out []string
		for _, l := range strings.Split(r.PostFormValue(name), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	num("failed_logins_count", &set.FailedLogins.Count)
	num("failed_logins_minutes", &set.FailedLogins.Minutes)
	num("storage_growth_percent", &set.StorageGrowthPercent)
	num("sensitive_attempts_count", &set.SensitiveAttempts.Count)
	num("sensitive_attempts_minutes", &set.SensitiveAttempts.Minutes)
	set.WorkingHours.From, set.WorkingHours.To = r.PostFormValue("working_from"), r.PostFormValue("working_to")
	set.MaintenanceWindow.From, set.MaintenanceWindow.To = r.PostFormValue("maintenance_from"), r.PostFormValue("maintenance_to")
	set.EmergencyAccounts = lines("emergency_accounts")
	set.SensitivePaths = lines("sensitive_paths")
	set.RemoteMaintenanceSources = lines("remote_maintenance_sources")
	if err := s.Detection.UpdateDetectionSettings(r.Context(), set); err != nil {
		var ve *medsec.ValidationError
		if errors.As(err, &ve) {
			p := s.newPage(r, "rules.title")
			p.Error = p.T("rules.settings_rejected")
			p.Errors, p.ErrorsOfFields = ve.Errors, true
			return s.renderRules(w, r, http.StatusUnprocessableEntity, p, nil)
		}
		return err
	}
	flash(w, "rules.settings_saved")
	http.Redirect(w, r, "/rules#settings", http.StatusSeeOther)
	return nil
}

// RuleTitle is a rule's title in the page's language: a built-in rule's from the
// translations (builtin_rule.<Sigma id>.title), any other rule's as its Sigma title. The
// stored title (English for a built-in rule) stays the rule's title in exports.
func (p *page) RuleTitle(uid, title string) string {
	if k := medsec.RuleTitleKey(uid); p.s.i18n.Has(k) {
		return p.T(k)
	}
	return title
}

// RuleDescription is a rule's description in the page's language; a built-in rule's
// names the settings' current values in their places ({failed_count}, {working_hours}…).
func (p *page) RuleDescription(r *medsec.DetectionRule, set *medsec.DetectionSettings) string {
	k := "builtin_rule." + r.UID + ".description"
	if set == nil || !p.s.i18n.Has(k) {
		return r.Description
	}
	kinds := make([]string, len(set.DeviceZoneKinds))
	for i, z := range set.DeviceZoneKinds {
		kinds[i] = p.T("zonekind." + string(z))
	}
	sep := "、"
	if p.Lang == "en" {
		sep = ", "
	}
	itoa := strconv.Itoa
	return strings.NewReplacer(
		"{failed_count}", itoa(set.FailedLogins.Count), "{failed_minutes}", itoa(set.FailedLogins.Minutes),
		"{sensitive_count}", itoa(set.SensitiveAttempts.Count), "{sensitive_minutes}", itoa(set.SensitiveAttempts.Minutes),
		"{storage_percent}", itoa(set.StorageGrowthPercent), "{working_hours}", p.Hours(set.WorkingHours),
		"{maintenance_window}", p.Hours(set.MaintenanceWindow), "{zone_kinds}", strings.Join(kinds, sep),
		"{emergency_accounts}", strings.Join(set.EmergencyAccounts, sep), "{sensitive_paths}", strings.Join(set.SensitivePaths, sep),
	).Replace(p.T(k))
}

// Hours is a weekly window in the page's language ("週一、週二 08:00-18:00（各院區當地時間；
// 無院區的事件按 Asia/Taipei）"), an overnight one marked as running into the next day:
// detection reads it in each event's site's zone (medsec.Hours.ContainsIn).
func (p *page) Hours(h medsec.Hours) string {
	sep := "、"
	if p.Lang == "en" {
		sep = ","
	}
	var days []string
	for _, d := range h.Days {
		if d >= 1 && d <= 7 {
			days = append(days, p.T("weekday."+strconv.Itoa(d)))
		}
	}
	span := h.From + "-" + h.To
	if h.Overnight() {
		span += " " + p.T("hours.next_day")
	}
	return strings.Join(days, sep) + " " + span + " " + p.T("hours.site_local", h.TZ)
}

// ruleSuppressions lists the rule's suppressions on its page and, for ?alert=ID, fills
// the suppression form from the alert's first event ("suppress like this"): its site,
// host, user and source address.
func (s *Server) ruleSuppressions(r *http.Request, d *ruleShowData) error {
	if s.Suppressions == nil {
		return nil
	}
	list, err := s.Suppressions.FindSuppressions(r.Context(), medsec.SuppressionFilter{RuleID: d.Rule.ID, AnySite: true})
	if err != nil {
		return err
	}
	d.Suppressions = list
	if len(d.Rule.Sites) > 0 {
		d.Suppress.SiteID = d.Rule.Sites[0].SiteID
	}
	if v := r.URL.Query().Get("alert"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil
		}
		a, err := s.Alerts.FindAlertByID(r.Context(), id)
		if err != nil || a.RuleID != d.Rule.ID {
			return nil // an alert the reader may not see, or of another rule: an empty form
		}
		d.Suppress.FromAlert, d.Suppress.SiteID = a.ID, a.SiteID
		if len(a.Events) > 0 {
			ev := medsec.Event{Fields: a.Events[0].Fields}
			d.Suppress.Host, d.Suppress.User, d.Suppress.Source = ev.Text("host.name"), ev.Text("user.name"), ev.Text("source.ip")
		}
	}
	return nil
}

// uiRuleSuppress adds a suppression from the rule page. The expiry is a date: the
// suppression applies through that day, ending at midnight after it in the site's time
// zone (the server's for the organisation).
func (s *Server) uiRuleSuppress(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if s.Suppressions == nil || s.Detection == nil {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	f := suppressForm{Host: r.PostFormValue("host"), User: r.PostFormValue("user"), Source: r.PostFormValue("source"),
		Reason: r.PostFormValue("reason"), Expires: strings.TrimSpace(r.PostFormValue("expires"))}
	f.SiteID, _ = strconv.ParseInt(r.PostFormValue("site"), 10, 64)
	x := &medsec.Suppression{RuleID: id, SiteID: f.SiteID, Host: f.Host, User: f.User, Source: f.Source, Reason: f.Reason}
	var bad *medsec.ValidationError
	if f.Expires != "" {
		loc := time.Local
		if f.SiteID != 0 {
			if sites, err := s.Org.FindSites(r.Context()); err == nil {
				for _, site := range sites {
					if site.ID == f.SiteID {
						if l, err := medsec.LoadZone("time_zone", site.Zone()); err == nil {
							loc = l
						}
					}
				}
			}
		}
		day, err := time.ParseInLocation("2006-01-02", f.Expires, loc)
		if err != nil {
			bad = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "expires", Key: "err.bad_date", Message: "is not a date (YYYY-MM-DD)"}}}
		}
		x.ExpiresAt = day.AddDate(0, 0, 1)
	}
	if bad == nil {
		err = s.Detection.CreateSuppression(r.Context(), x)
		if err == nil {
			flash(w, "suppression.saved")
			http.Redirect(w, r, fmt.Sprintf("/rules/%d#suppressions", id), http.StatusSeeOther)
			return nil
		}
		if !errors.As(err, &bad) {
			return err
		}
	}
	d, p, err := s.ruleShowPage(r, id)
	if err != nil {
		return err
	}
	d.Suppress = f
	p.Error = p.T("suppression.rejected")
	p.Errors = bad.Errors
	p.Data = d
	s.render(w, r, http.StatusUnprocessableEntity, "rule_show", p)
	return nil
}

// uiSuppressionExpire ends a suppression from the rule page.
func (s *Server) uiSuppressionExpire(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	sid, err := parseID(r, "sid")
	if err != nil {
		return err
	}
	if s.Suppressions == nil || s.Detection == nil {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	x, err := s.Suppressions.FindSuppressionByID(r.Context(), sid)
	if err != nil {
		return err
	}
	if x.RuleID != id {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "suppression.err.not_found", "Suppression not found.")
	}
	if err := s.Detection.ExpireSuppression(r.Context(), sid); err != nil {
		return err
	}
	flash(w, "suppression.expired_now")
	http.Redirect(w, r, fmt.Sprintf("/rules/%d#suppressions", id), http.StatusSeeOther)
	return nil
}

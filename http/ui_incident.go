package http

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/evidence"
	"medsec/i18n"
	"medsec/incident"
	"medsec/logstore"
)

// incidentUIRoutes registers the incident pages [M9].
func (s *Server) incidentUIRoutes(mux *http.ServeMux) {
	read, write := medsec.PermIncidentRead, medsec.PermIncidentWrite
	mux.Handle("GET /incidents", s.ui(read, s.uiIncidentList))
	mux.Handle("POST /incidents", s.ui(write, s.uiIncidentCreate))
	mux.Handle("GET /incidents/calendars", s.ui(read, s.uiHolidayList))
	mux.Handle("POST /incidents/calendar", s.ui(medsec.PermIncidentAdmin, s.uiHolidayImport))
	mux.Handle("POST /incidents/from-alert", s.ui(write, s.uiIncidentFromAlert))
	mux.Handle("GET /incidents/ledger", s.ui(read, s.uiIncidentLedger))
	mux.Handle("GET /incidents/ledger/export", s.ui(read, s.uiIncidentLedgerExport))
	mux.Handle("GET /incidents/{id}", s.ui(read, s.uiIncidentShow))
	mux.Handle("POST /incidents/{id}", s.ui(write, s.uiIncidentAction))
	mux.Handle("POST /incidents/{id}/evidence", s.ui(write, s.uiIncidentUpload))
	mux.Handle("GET /incidents/{id}/log-records/{site}/{index}/proof", s.ui(read, s.apiIncidentLogProof))
}

// refused reports whether err is a refusal (forbidden, or an object outside the caller's
// scope told "not found"): such errors go back to ui, whose error page audits the denial
// as every other UI handler's, instead of being shown on the form.
func refused(err error) bool {
	if err == nil {
		return false
	}
	obj, _ := medsec.DeniedObject(err)
	return medsec.ErrorCode(err) == medsec.EFORBIDDEN || obj != ""
}

// clockView is a clock as the pages show it.
type clockView struct {
	*medsec.Clock
	Name string
	// Left is the time left (running) or overdue (late) in the page's language
	// (i18n.Bundle.Span: "1 h 5 min", 「1時間5分」).
	Left string
}

func (p *page) clockViews(clocks []*medsec.Clock, now time.Time) []clockView {
	out := make([]clockView, 0, len(clocks))
	for _, c := range clocks {
		v := clockView{Clock: c, Name: p.clockName(c)}
		if !c.Due.IsZero() && c.MetAt.IsZero() && c.StoppedAt.IsZero() {
			v.Left = p.s.i18n.Span(p.Lang, c.Due.Sub(now))
		}
		out = append(out, v)
	}
	return out
}

// SpanUnits are the units of i18n.Bundle.Span in the page's language, for the script that
// counts clocks down (data-span-* attributes of the clock tables).
func (p *page) SpanUnits() map[string]string {
	out := map[string]string{}
	for _, k := range []string{"seconds", "minutes", "hours", "hours_minutes"} {
		out[k] = p.T("span." + k)
	}
	return out
}

// NowMS is the server's time in Unix milliseconds: the incident pages give it to their
// script, which counts running clocks down on the server's clock, not the browser's.
func (p *page) NowMS() int64 { return p.s.now().UnixMilli() }

// ServerNow is the server's time, for the "times as of" line shown without the script.
func (p *page) ServerNow() time.Time { return p.s.now() }

// SiteTime writes an incident's instant in its site's time zone, naming the zone
// ("2026-11-30 14:05 (Asia/Taipei)"); zone is Incident.TimeZone. Zero is "".
func (p *page) SiteTime(t time.Time, zone string) string { return medsec.ZonedTime(t, zone) }

// SiteTimeSec is SiteTime to the second.
func (p *page) SiteTimeSec(t time.Time, zone string) string { return medsec.ZonedTimeSec(t, zone) }

// clockName is a clock's label in the page's language.
func (p *page) clockName(c *medsec.Clock) string {
	if c.Label != "" {
		return c.Label
	}
	return p.T(c.LabelKey())
}

// Msg is a message medsec wrote (a timeline entry, a custody step) in the page's
// language; "" for none.
func (p *page) Msg(m *medsec.Message) string { return renderMsg(p.s.i18n, p.Lang, m) }

// renderMsg renders m in lang: each argument that is a key in its text in lang (a key
// without text, e.g. an imported rule's title, shows the argument's Text instead).
func renderMsg(b *i18n.Bundle, lang string, m *medsec.Message) string {
	if m == nil {
		return ""
	}
	m = upgradeMsg(m)
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		switch {
		case isTagList(a.Keys):
			args[i] = tagList(b, lang, a.Keys)
		case a.Keys != nil:
			args[i] = i18n.Keys(a.Keys)
		case a.Key != "" && (a.Text == "" || b.Has(a.Key)):
			args[i] = i18n.Key(a.Key)
		default:
			args[i] = a.Text
		}
	}
	return b.T(lang, m.Key, args...)
}

// incidentTitle is an incident's title in lang: the message of a title medsec chose (an
// alert's rule title) where the translations have it, else the title as stored.
func incidentTitle(b *i18n.Bundle, lang, title, key string) string {
	if key != "" && b.Has(key) {
		return b.T(lang, key)
	}
	return title
}

// IncidentTitle is an incident's title in the page's language.
func (p *page) IncidentTitle(title, key string) string {
	return incidentTitle(p.s.i18n, p.Lang, title, key)
}

// ClockSource names where a clock or task comes from: a seed clause as written, or the
// hospital's own in the page's language.
func (p *page) ClockSource(src string) string {
	if src == "hospital" {
		return p.T("incident.source_hospital")
	}
	return src
}

// incidentRow is one line of the incident list.
type incidentRow struct {
	*medsec.Incident
	Running, Late int
	// Next is the running clock due soonest.
	Next *clockView
	// Dues are the due times of the running clocks, in Unix milliseconds: the page's
	// script counts them down and moves each to Late when it passes (t14 finding 17).
	Dues []int64
}

type incidentListData struct {
	Rows      []incidentRow
	Filter    medsec.IncidentFilter
	Sites     []*medsec.Site
	Assets    []*medsec.Asset
	Form      *medsec.IncidentCreate
	Scenarios []medsec.Scenario
	Exposures []medsec.DataExposure
	Outages   []medsec.OutageScope
	Levels    []medsec.IncidentLevel
	Juris     []medsec.Jurisdiction
	Invalid   map[string]bool
	// Posted is a refused form (create, from-alert) shown again with what the user typed
	// and each problem beside its field.
	Posted *postedForm
}

// incidentListLabels names the fields of the incident list's forms (open an incident or a
// drill, open from an alert, import a holiday calendar) by their labels.
var incidentListLabels = map[string]string{
	"title": "incident.title", "description": "incident.description", "site_id": "field.site", "scenario": "incident.scenario",
	"level": "incident.level_col", "level_reason": "incident.level_reason", "exposure": "incident.exposure", "outage": "incident.outage",
	"outage_minutes": "incident.outage_minutes", "asset_ids": "incident.affected_assets", "drill": "incident.drill",
	"alert_id": "incident.alert_id", "incident_id": "incident.join_incident", "jurisdiction": "incident.jurisdiction", "file": "incident.calendar_file",
	"header": "incident.field.header", "date": "incident.field.date", "workday": "incident.field.workday", "name": "field.name",
	"detected_at": "incident.detected_at", "occurred_at": "incident.occurred_at",
}

// incidentShowLabels names the fields of the incident page's forms (level change, record,
// clocks, notes, people, assets, evidence and custody, notifications, tasks, checklist,
// close) by their labels.
var incidentShowLabels = map[string]string{
	"version": "incident.field.version", "action": "incident.field.action", "level": "incident.level_col", "reason": "incident.level_reason",
	"cause": "incident.cause", "actions": "incident.actions", "result": "incident.result", "clock": "incident.clock",
	"clock_id": "incident.clock", "evidence": "incident.evidence_sha", "note": "incident.note", "label": "incident.clock_label",
	"minutes": "incident.minutes", "text": "incident.note", "file": "incident.evidence_file", "name": "field.name", "role": "incident.role", "asset_id": "incident.asset",
	"asset_ids": "incident.asset", "sha256": "incident.evidence_sha", "custody_action": "incident.custody", "recipient": "incident.recipient",
	"channel": "incident.channel", "language": "incident.language", "content": "incident.content", "title": "incident.task",
	"assignee": "incident.assignee", "task": "incident.task", "task_id": "incident.task", "key": "incident.condition", "lesson": "incident.lesson",
	"log_index": "logstore.index", "logq": "logstore.query", "logfrom": "incident.log_from", "logto": "incident.log_to",
	"met_at": "incident.met_at", "done_at": "incident.done_at", "sent_at": "incident.sent_at", "exposure": "incident.exposure", "found_at": "incident.exposure_found_at",
	"occurred_at": "incident.occurred_at", "restored_at": "incident.restored_at",
	"declared_by": "incident.end_declared_by", "declared_at": "incident.end_declared_at",
}

func (s *Server) incidentListPage(w http.ResponseWriter, r *http.Request, status int, form *medsec.IncidentCreate, formErr error) error {
	ctx := r.Context()
	f := incidentFilter(r)
	if r.Method == http.MethodPost {
		f = medsec.IncidentFilter{}
	}
	list, err := s.Incidents.FindIncidents(ctx, f)
	if err != nil {
		return err
	}
	p := s.newPage(r, "incident.list_title")
	p.FieldLabels = incidentListLabels
	now := s.now()
	d := &incidentListData{Filter: f, Form: form, Scenarios: medsec.Scenarios, Exposures: medsec.DataExposures, Outages: medsec.OutageScopes,
		Levels: medsec.IncidentLevels, Juris: medsec.Jurisdictions, Invalid: map[string]bool{}, Posted: &postedForm{}}
	for _, inc := range list {
		row := incidentRow{Incident: inc}
		for _, v := range p.clockViews(inc.Clocks, now) {
			switch v.State {
			case medsec.ClockRunning:
				row.Running++
				if !v.Due.IsZero() {
					row.Dues = append(row.Dues, v.Due.UnixMilli())
				}
				if !v.Due.IsZero() && (row.Next == nil || v.Due.Before(row.Next.Due)) {
					row.Next = &v
				}
			case medsec.ClockLate:
				if v.MetAt.IsZero() {
					row.Late++
				}
			}
		}
		d.Rows = append(d.Rows, row)
	}
	if p.Can(string(medsec.PermIncidentWrite)) {
		if d.Sites, err = s.Org.FindSites(ctx); err != nil {
			return err
		}
		if d.Assets, _, err = s.Assets.FindAssets(ctx, medsec.AssetFilter{Status: medsec.StatusActive, Limit: medsec.MaxPageSize}); err != nil {
			return err
		}
	}
	if d.Form == nil {
		d.Form = &medsec.IncidentCreate{Scenario: medsec.ScenarioOther, Exposure: medsec.ExposureNone, Outage: medsec.OutageNone}
	}
	p.Data = d
	if err := s.zoneFormError(p, formErr, d.Invalid); err != nil {
		return err
	}
	if r.Method == http.MethodPost && formErr != nil {
		key := "create"
		if r.URL.Path == "/incidents/from-alert" {
			key = "from-alert"
		}
		d.Posted = p.postedForm(r, key, formErr, nil)
	}
	s.render(w, r, status, "incident_list", p)
	return nil
}

func (s *Server) uiIncidentList(w http.ResponseWriter, r *http.Request) error {
	return s.incidentListPage(w, r, http.StatusOK, nil, nil)
}

func formInt(r *http.Request, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	return n
}

func formInt64(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	return n
}

// formNumbers refuses a form whose named fields hold anything but whole numbers (an
// empty field is left out, not refused), naming each field: formInt would read "3h" as 0.
func formNumbers(r *http.Request, names ...string) error {
	var errs []medsec.FieldError
	for _, name := range names {
		for _, v := range r.PostForm[name] {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				errs = append(errs, medsec.FieldError{Field: name, Key: "err.bad_number", Message: "is not a whole number", Value: v})
			}
		}
	}
	if errs != nil {
		return &medsec.ValidationError{Errors: errs}
	}
	return nil
}

func (s *Server) uiIncidentCreate(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	// Every problem of the form at once: numbers, times, then the fields themselves.
	var problems []medsec.FieldError
	add := func(err error) {
		var ve *medsec.ValidationError
		if errors.As(err, &ve) {
			for _, fe := range ve.Errors {
				if !slices.ContainsFunc(problems, func(p medsec.FieldError) bool { return p.Field == fe.Field }) {
					problems = append(problems, fe)
				}
			}
		}
	}
	add(formNumbers(r, "site_id", "level", "outage_minutes", "asset_ids"))
	c := &medsec.IncidentCreate{SiteID: formInt64(r, "site_id"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Scenario: medsec.Scenario(r.PostFormValue("scenario")), Drill: r.PostFormValue("drill") != "", Level: medsec.IncidentLevel(formInt(r, "level")),
		LevelReason: r.PostFormValue("level_reason"), Exposure: medsec.DataExposure(r.PostFormValue("exposure")),
		Outage: medsec.OutageScope(r.PostFormValue("outage")), OutageMinutes: formInt(r, "outage_minutes")}
	for _, v := range r.PostForm["asset_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			c.AssetIDs = append(c.AssetIDs, id)
		}
	}
	add(s.formIncidentTimes(r, c))
	if tp := c.TimeProblems(s.now(), s.zoneOfSite(r.Context(), c.SiteID).String()); tp != nil {
		add(&medsec.ValidationError{Errors: tp})
	}
	if problems != nil {
		// What the service finds too (the record's fields, the level's reason against the
		// suggestion), checked without saving, beside the problems above.
		_, err := s.Incidents.CreateIncident(medsec.CheckOnly(r.Context()), c)
		if refused(err) {
			return err
		}
		add(err)
		return s.incidentListPage(w, r, http.StatusUnprocessableEntity, c, &medsec.ValidationError{Errors: problems})
	}
	add(c.Validate())
	if problems != nil {
		return s.incidentListPage(w, r, http.StatusUnprocessableEntity, c, &medsec.ValidationError{Errors: problems})
	}
	inc, err := s.Incidents.CreateIncident(r.Context(), c)
	if err != nil {
		return s.incidentListPage(w, r, errorStatus(err), c, err)
	}
	flash(w, "incident.created")
	http.Redirect(w, r, fmt.Sprintf("/incidents/%d", inc.ID), http.StatusSeeOther)
	return nil
}

// formIncidentTimes reads the form's detection and occurrence times (datetime-local,
// YYYY-MM-DDThh:mm) in the chosen site's time zone; an empty field is left zero (detection:
// now; occurrence: not known). A value that is not a date and time is refused naming the
// field; the service refuses times in the future and a detection before the occurrence.
func (s *Server) formIncidentTimes(r *http.Request, c *medsec.IncidentCreate) error {
	loc := time.UTC
	if sites, err := s.Org.FindSites(r.Context()); err == nil {
		for _, x := range sites {
			if x.ID == c.SiteID {
				if l, err := medsec.LoadZone("site", x.Zone()); err == nil {
					loc = l
				}
			}
		}
	}
	var errs []medsec.FieldError
	for _, f := range []struct {
		name string
		into *time.Time
	}{{"detected_at", &c.DetectedAt}, {"occurred_at", &c.OccurredAt}} {
		v := strings.TrimSpace(r.PostFormValue(f.name))
		if v == "" {
			continue
		}
		t, fe := parseLocalTime(f.name, v, r.PostFormValue(offsetChoice(f.name)), loc)
		if fe != nil {
			errs = append(errs, *fe)
			continue
		}
		*f.into = t
	}
	if errs != nil {
		return &medsec.ValidationError{Errors: errs}
	}
	return nil
}

func (s *Server) uiIncidentFromAlert(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	raw := strings.TrimSpace(r.PostFormValue("alert_id"))
	if id, err := strconv.ParseInt(raw, 10, 64); err != nil || id <= 0 {
		return s.incidentListPage(w, r, http.StatusUnprocessableEntity, nil, &medsec.ValidationError{Errors: []medsec.FieldError{
			{Field: "alert_id", Key: "err.invalid", Message: "must be an alert number", Value: raw}}})
	}
	if err := formNumbers(r, "level", "outage_minutes", "incident_id", "site_id"); err != nil {
		return s.incidentListPage(w, r, http.StatusUnprocessableEntity, nil, err)
	}
	in := &medsec.IncidentFromAlert{AlertID: formInt64(r, "alert_id"), Level: medsec.IncidentLevel(formInt(r, "level")), LevelReason: r.PostFormValue("level_reason"),
		Exposure: medsec.DataExposure(r.PostFormValue("exposure")), Outage: medsec.OutageScope(r.PostFormValue("outage")),
		OutageMinutes: formInt(r, "outage_minutes"), New: r.PostFormValue("new") != "", IncidentID: formInt64(r, "incident_id"), SiteID: formInt64(r, "site_id")}
	inc, joined, err := s.Incidents.OpenFromAlert(r.Context(), in)
	if refused(err) {
		return err
	}
	if err != nil {
		return s.incidentListPage(w, r, errorStatus(err), nil, err)
	}
	if joined {
		flash(w, "incident.alert_joined")
	} else {
		flash(w, "incident.created")
	}
	http.Redirect(w, r, fmt.Sprintf("/incidents/%d", inc.ID), http.StatusSeeOther)
	return nil
}

// calendarView is one jurisdiction's holiday calendar on the calendars page.
type calendarView struct {
	Jurisdiction medsec.Jurisdiction
	Years        []int
	Days         []medsec.Holiday
}

// holidayCalendars reads every jurisdiction's calendar with the years it covers.
func (s *Server) holidayCalendars(ctx context.Context) ([]calendarView, error) {
	var out []calendarView
	for _, j := range medsec.Jurisdictions {
		days, err := s.Incidents.FindHolidays(ctx, j)
		if err != nil {
			return nil, err
		}
		v := calendarView{Jurisdiction: j, Days: days, Years: []int{}}
		for _, d := range days {
			if y := d.Date.Time().Year(); !slices.Contains(v.Years, y) {
				v.Years = append(v.Years, y)
			}
		}
		slices.Sort(v.Years)
		out = append(out, v)
	}
	return out, nil
}

func (s *Server) holidayPage(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	cals, err := s.holidayCalendars(r.Context())
	if err != nil {
		return err
	}
	p := s.newPage(r, "incident.calendars_title")
	p.FieldLabels = incidentListLabels
	p.Data = cals
	var ve *medsec.ValidationError
	if errors.As(formErr, &ve) && ve.Source != "" {
		// The problems of an uploaded calendar name its file.
		for i := range ve.Errors {
			if ve.Errors[i].File == "" {
				ve.Errors[i].File = ve.Source
			}
		}
	}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "incident_calendars", p)
	return nil
}

func (s *Server) uiHolidayList(w http.ResponseWriter, r *http.Request) error {
	return s.holidayPage(w, r, http.StatusOK, nil)
}

func (s *Server) uiHolidayImport(w http.ResponseWriter, r *http.Request) error {
	j := medsec.Jurisdiction(r.FormValue("jurisdiction"))
	if !j.Valid() {
		return s.holidayPage(w, r, http.StatusUnprocessableEntity,
			&medsec.ValidationError{Errors: []medsec.FieldError{{Field: "jurisdiction", Key: "err.invalid", Message: "must be TW, CN or JP"}}})
	}
	file, head, err := r.FormFile("file")
	if err != nil {
		return s.holidayPage(w, r, http.StatusUnprocessableEntity,
			&medsec.ValidationError{Errors: []medsec.FieldError{{Field: "file", Key: "err.required", Message: "is required"}}})
	}
	defer file.Close()
	days, err := parseHolidays(file, head.Header.Get("Content-Type"), head.Filename, j, r.FormValue("empty") == "clear")
	if err == nil {
		err = s.Incidents.ImportHolidays(r.Context(), j, days)
	}
	if refused(err) {
		return err
	}
	if err != nil {
		return s.holidayPage(w, r, errorStatus(err), err)
	}
	flash(w, "incident.calendar_imported")
	http.Redirect(w, r, "/incidents/calendars", http.StatusSeeOther)
	return nil
}

// incidentShowData is the incident page.
type incidentShowData struct {
	Inc *medsec.Incident
	// Uncovered names the years the holiday calendar lacks for a running working-day
	// clock (Incident.CalendarUncovered), "" for none: the page warns.
	Uncovered  string
	Clocks     []clockView
	Late       int
	Levels     []medsec.IncidentLevel
	Roles      []medsec.IncidentRole
	Recipients []medsec.Recipient
	Channels   []string
	Languages  []string
	Custody    []string
	// Exposures are the choices of the exposure forms: a finding (ordinary and worse) and
	// a correction (none too).
	Exposures []medsec.DataExposure
	Assets    []*medsec.Asset
	Template  string
	TplFor    medsec.Recipient
	TplLang   string
	CanWaive  bool
	Open      bool
	Checklist bool // every item met or waived
	// CalmHours gives each checklist item that is a span of calm (stable 24 h, 72 h without
	// anomaly) its hours; a drill's page says beside it why it may be ticked earlier.
	CalmHours map[string]string
	// Logs is the search of the site's sealed log (nil for a user without log:read or a
	// server without a log store).
	Logs *incidentLogSearch
	// Posted is a refused form shown again with what the user typed and its problems
	// beside its fields (nil when none).
	Posted *postedForm
	// Seen is the newest timeline entry the page shows: every form sends it back, so that
	// a change refused because someone else saved first can say what they changed.
	Seen int64
	// Changes are the timeline entries others saved since the refused form's page was
	// shown (a version conflict), oldest first.
	Changes []*medsec.TimelineEntry
}

// incidentRowField names, for the forms of a table's rows on the incident page, the field
// that tells the rows apart.
var incidentRowField = map[string]string{"meet_clock": "clock_id", "meet_item": "key", "waive_item": "key", "complete_task": "task_id", "assign_task": "task_id", "log_record": "log_index"}

// incidentFieldInput names the input of a field a service names otherwise, per action
// (none now: the service names each field as the API and the forms send it, bt14 #8).
var incidentFieldInput = map[string]map[string]string{}

// incidentFormKey names the form a request submitted on the incident page (postedForm.Key).
func incidentFormKey(r *http.Request) string {
	a := r.PostFormValue("action")
	if f, ok := incidentRowField[a]; ok {
		return a + ":" + strings.TrimSpace(r.PostFormValue(f))
	}
	return a
}

// postedForm keeps a refused form (key) as the user sent it, with its problems by input
// (rename maps a service's field name to the input's).
func (p *page) postedForm(r *http.Request, key string, err error, rename map[string]string) *postedForm {
	f := &postedForm{Key: key, Values: r.PostForm, Errs: map[string][]string{}}
	var ve *medsec.ValidationError
	if errors.As(err, &ve) {
		for _, fe := range ve.Errors {
			name := fe.Field
			if n, ok := rename[name]; ok {
				name = n
			}
			f.Errs[name] = append(f.Errs[name], p.FieldError(fe))
			if fe.Key == "incident.err.time_ambiguous" && len(fe.Args) == 3 {
				if f.Ambiguous == nil {
					f.Ambiguous = map[string]*offsetPick{}
				}
				f.Ambiguous[name] = &offsetPick{Name: offsetChoice(name), Earlier: fe.Args[1], Later: fe.Args[2], Chosen: r.PostForm.Get(offsetChoice(name)),
					Label: p.T("incident.offset_choice"), EarlierText: p.T("incident.offset_earlier", fe.Args[1]), LaterText: p.T("incident.offset_later", fe.Args[2])}
			}
		}
	}
	return f
}

// incidentLogSearch is the incident page's search of its site's sealed log, to attach
// records as evidence: the form's values (UTC, as the log search page) and the records
// found that are not attached yet. From and To are in the site's time zone.
type incidentLogSearch struct {
	Query, From, To string
	// Picks offers the choice of instant of logfrom or logto when its time occurs twice
	// in the site's zone (parseLocalTime), by the input's name.
	Picks    map[string]*offsetPick
	Searched bool
	Hits     []medsec.LogHit
	Total    int64
	Attached map[int64]bool
}

// searchIncidentLogs runs the incident page's log search: the query (LogsQL filters) over
// the incident's site's log, from a day before detection to now unless the form says
// otherwise. Returns the search view and a problem to show (a bad query or range).
func (s *Server) searchIncidentLogs(r *http.Request, inc *medsec.Incident) (*incidentLogSearch, error) {
	q := r.URL.Query()
	const layout = "2006-01-02T15:04"
	v := &incidentLogSearch{Query: q.Get("logq"), From: q.Get("logfrom"), To: q.Get("logto"), Attached: map[int64]bool{}}
	for _, l := range inc.LogRecords {
		v.Attached[l.Index] = true
	}
	// The form's times are the site's local time, as every time on the incident page.
	loc, err := medsec.LoadZone("time_zone", inc.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	from, to := inc.DetectedAt.Add(-24*time.Hour).In(loc), s.now().In(loc).Add(time.Minute).Truncate(time.Minute)
	if !inc.ClosedAt.IsZero() {
		to = inc.ClosedAt.Add(time.Hour).In(loc).Truncate(time.Minute)
	}
	// As the incident's forms: a time the clocks skip, or one they pass twice without
	// the choice of its offset, is refused naming the input (parseLocalTime).
	if err := parseLocalTimes([]localTimeField{{"logfrom", v.From, &from}, {"logto", v.To, &to}}, q.Get, loc); err != nil {
		return v, err
	}
	v.From, v.To = from.In(loc).Format(layout), to.In(loc).Format(layout)
	if _, ok := q["logq"]; !ok {
		return v, nil
	}
	filter := strings.TrimSpace(v.Query)
	if filter == "" {
		filter = "*"
	}
	res, err := s.Logs.SearchLogs(r.Context(), medsec.LogQuery{From: from, To: to, Limit: 50,
		Query: fmt.Sprintf("%s:=%d (%s)", logstore.FieldSite, inc.SiteID, filter)})
	if err != nil {
		return v, err
	}
	v.Searched, v.Hits, v.Total = true, res.Hits, res.Total
	return v, nil
}

// templateText is the notification template for a recipient in a language [003 §4.1.2: type,
// scope, first measures and support needed].
func (s *Server) templateText(inc *medsec.Incident, to medsec.Recipient, lang string) string {
	level := s.i18n.T(lang, "incident.level."+strconv.Itoa(int(inc.Level)))
	return s.i18n.T(lang, "incident.template."+string(to), incidentTitle(s.i18n, lang, inc.Title, inc.TitleKey), level, inc.SiteName, medsec.ZonedTime(inc.DetectedAt, inc.TimeZone),
		s.i18n.T(lang, "scenario."+string(inc.Scenario)))
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request, status int, id int64, formErr error) error {
	ctx := r.Context()
	inc, err := s.Incidents.FindIncidentByID(ctx, id)
	if err != nil {
		return err
	}
	p := s.newPage(r, "incident.title_one")
	p.FieldLabels = incidentShowLabels
	p.Title = fmt.Sprintf("%s #%d · %s", p.T("incident.title_one"), inc.ID, p.IncidentTitle(inc.Title, inc.TitleKey))
	d := &incidentShowData{Inc: inc, Clocks: p.clockViews(inc.Clocks, s.now()), Levels: medsec.IncidentLevels, Roles: medsec.IncidentRoles,
		Recipients: medsec.Recipients, Channels: medsec.Channels, Languages: []string{"en", "ja", "zh-CN", "zh-TW"},
		Custody: []string{"collected", "transferred", "examined", "copied", "returned", "sealed"}, Open: inc.Status == medsec.IncidentOpen,
		Exposures: medsec.DataExposures,
		CanWaive:  p.User.Role == medsec.RoleSecurityOfficer, Checklist: true, Posted: &postedForm{}}
	for i, y := range inc.CalendarUncovered {
		if i > 0 {
			d.Uncovered += ", "
		}
		d.Uncovered += strconv.Itoa(y)
	}
	for _, c := range d.Clocks {
		if c.State == medsec.ClockLate && c.MetAt.IsZero() {
			d.Late++
		}
	}
	d.CalmHours = map[string]string{}
	for _, it := range inc.Checklist {
		if _, hours := incident.EarliestMet(it.Key, inc.DetectedAt, inc.RestoredAt); hours > 0 {
			d.CalmHours[it.Key] = strconv.Itoa(hours)
		}
	}
	for _, it := range inc.Checklist {
		if !it.Done() {
			d.Checklist = false
		}
	}
	d.TplFor = medsec.Recipient(r.URL.Query().Get("tpl"))
	if !slices.Contains(medsec.Recipients, d.TplFor) {
		d.TplFor = medsec.RecipientAuthority
	}
	d.TplLang = r.URL.Query().Get("tpl_lang")
	if !slices.Contains(d.Languages, d.TplLang) {
		d.TplLang = p.Lang
	}
	d.Template = s.templateText(inc, d.TplFor, d.TplLang)
	if p.Can(string(medsec.PermIncidentWrite)) {
		if d.Assets, _, err = s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: inc.SiteID, Status: medsec.StatusActive, Limit: medsec.MaxPageSize}); err != nil {
			return err
		}
	}
	if s.Logs != nil && p.Can(string(medsec.PermLogRead)) {
		var logErr error
		d.Logs, logErr = s.searchIncidentLogs(r, inc)
		var ve *medsec.ValidationError
		if errors.As(logErr, &ve) {
			for _, fe := range ve.Errors {
				if fe.Key == "incident.err.time_ambiguous" && len(fe.Args) == 3 {
					if d.Logs.Picks == nil {
						d.Logs.Picks = map[string]*offsetPick{}
					}
					d.Logs.Picks[fe.Field] = &offsetPick{Name: offsetChoice(fe.Field), Earlier: fe.Args[1], Later: fe.Args[2], Chosen: r.URL.Query().Get(offsetChoice(fe.Field)),
						Label: p.T("incident.offset_choice"), EarlierText: p.T("incident.offset_earlier", fe.Args[1]), LaterText: p.T("incident.offset_later", fe.Args[2])}
				}
			}
		}
		if formErr == nil && logErr != nil {
			formErr = logErr
			if status == http.StatusOK {
				status = http.StatusUnprocessableEntity
			}
		}
	}
	for _, e := range inc.Timeline {
		d.Seen = max(d.Seen, e.ID)
	}
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	if r.Method == http.MethodPost && formErr != nil {
		key := incidentFormKey(r)
		d.Posted = p.postedForm(r, key, formErr, incidentFieldInput[r.PostFormValue("action")])
		if medsec.ErrorCode(formErr) == medsec.ECONFLICT {
			// Someone saved first: say what they changed, keep what this user typed, and let
			// the form go again on the version now shown.
			seen := formInt64(r, "seen")
			for _, e := range inc.Timeline {
				if e.ID > seen {
					d.Changes = append(d.Changes, e)
				}
			}
			p.Error = p.T("incident.err.conflict_kept", len(d.Changes))
		}
	}
	s.render(w, r, status, "incident_show", p)
	return nil
}

func (s *Server) uiIncidentShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	return s.incidentPage(w, r, http.StatusOK, id, nil)
}

func (s *Server) uiIncidentAction(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	r.ParseForm()
	// Every problem of the form at once: its numbers and times, then what the service
	// finds (checked without saving), each field named once.
	var problems []medsec.FieldError
	add := func(err error) {
		var ve *medsec.ValidationError
		if errors.As(err, &ve) {
			for _, fe := range ve.Errors {
				if !slices.ContainsFunc(problems, func(p medsec.FieldError) bool { return p.Field == fe.Field }) {
					problems = append(problems, fe)
				}
			}
		}
	}
	add(formNumbers(r, "version", "level", "clock_id", "task_id", "minutes", "asset_id", "log_index"))
	f := r.PostFormValue
	a := &incidentAction{Version: formInt64(r, "version"), Action: f("action"), Level: medsec.IncidentLevel(formInt(r, "level")), Reason: f("reason"),
		Cause: f("cause"), Actions: f("actions"), Result: f("result"), ClockID: formInt64(r, "clock_id"), TaskID: formInt64(r, "task_id"), Key: f("key"),
		Note: f("note"), Evidence: strings.TrimSpace(f("evidence")), Label: f("label"), Minutes: formInt(r, "minutes"), Text: f("text"), Name: f("name"),
		Role: medsec.IncidentRole(f("role")), AssetID: formInt64(r, "asset_id"), SHA256: strings.TrimSpace(f("sha256")), CustodyAction: f("custody_action"),
		Recipient: medsec.Recipient(f("recipient")), Channel: f("channel"), Language: f("language"), Content: f("content"), Title: f("title"),
		Assignee: f("assignee"), DeclaredBy: f("declared_by"), Lesson: f("lesson") != "", Exposure: medsec.DataExposure(f("exposure"))}
	if v := strings.TrimSpace(f("log_index")); v != "" {
		n := formInt64(r, "log_index")
		a.LogIndex = &n
	}
	if err := s.formActionTimes(r, id, a); err != nil {
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			return s.incidentPage(w, r, errorStatus(err), id, err)
		}
		add(err)
	}
	if problems != nil {
		if a.Action != "log_record" { // attaching a record proves it first: an export, audited
			_, err := s.applyIncidentAction(medsec.CheckOnly(r.Context()), id, a)
			if refused(err) {
				return err
			}
			add(err)
		}
		return s.incidentPage(w, r, http.StatusUnprocessableEntity, id, &medsec.ValidationError{Errors: problems})
	}
	if _, err := s.applyIncidentAction(r.Context(), id, a); err != nil {
		return s.incidentPage(w, r, errorStatus(err), id, err)
	}
	flash(w, "incident.saved")
	http.Redirect(w, r, fmt.Sprintf("/incidents/%d", id), http.StatusSeeOther)
	return nil
}

// uiIncidentUpload takes an evidence file uploaded on the incident page (multipart: file,
// note, version, seen): stored by its SHA-256, audited, linked with its chain of custody
// started. A refused upload shows the page again with the problem beside the file field.
func (s *Server) uiIncidentUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, evidence.MaxSize+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return s.incidentPage(w, r, http.StatusRequestEntityTooLarge, id, &medsec.ValidationError{Errors: []medsec.FieldError{
			{Field: "file", Key: "err.evidence_too_large", Message: fmt.Sprintf("is larger than %d bytes", evidence.MaxSize)}}})
	}
	r.PostForm.Set("action", "upload")
	file, head, err := r.FormFile("file")
	if err != nil {
		return s.incidentPage(w, r, http.StatusUnprocessableEntity, id, &medsec.ValidationError{Errors: []medsec.FieldError{
			{Field: "file", Key: "err.required", Message: "is required"}}})
	}
	defer file.Close()
	if _, _, err := s.Incidents.UploadEvidence(r.Context(), id, formInt64(r, "version"), head.Filename, file, r.PostFormValue("note")); err != nil {
		if refused(err) {
			return err
		}
		return s.incidentPage(w, r, errorStatus(err), id, err)
	}
	flash(w, "incident.saved")
	http.Redirect(w, r, fmt.Sprintf("/incidents/%d#incident-evidence", id), http.StatusSeeOther)
	return nil
}

type ledgerData struct {
	Rows   []*medsec.LedgerRow
	Filter medsec.IncidentFilter
	// Export is the page's filter as a query string, without format, for the export
	// links (bt14f M4: escaped as one value, it made a filtered export hold every incident).
	Export url.Values
}

// ExportHref returns the export link of the page's filter in format.
func (d *ledgerData) ExportHref(format string) string {
	q := url.Values{}
	for k, v := range d.Export {
		q[k] = v
	}
	q.Set("format", format)
	return "/incidents/ledger/export?" + q.Encode()
}

func (s *Server) uiIncidentLedger(w http.ResponseWriter, r *http.Request) error {
	f := incidentFilter(r)
	rows, err := s.Incidents.Ledger(r.Context(), f)
	if err != nil {
		return err
	}
	p := s.newPage(r, "incident.ledger_title")
	q := r.URL.Query()
	q.Del("format")
	p.Data = &ledgerData{Rows: rows, Filter: f, Export: q}
	s.render(w, r, http.StatusOK, "incident_ledger", p)
	return nil
}

func (s *Server) uiIncidentLedgerExport(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.Incidents.Ledger(r.Context(), incidentFilter(r))
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	return s.writeLedger(w, r, format, rows)
}

package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/evidence"
	"medsec/incident"
)

// incidentAPIRoutes are the incident routes [M9]. Reading needs incident:read (every role but
// the vendor's); working an incident needs incident:write (all but auditor and vendor); a
// waiver is refused by the service unless the caller is a security officer; a holiday
// calendar, which moves every site's due dates, is replaced only with incident:admin
// (administrator, security officer) by a user not limited to sites; a site's
// jurisdiction is set by an administrator (site:admin).
func incidentAPIRoutes(s *Server) []apiRoute {
	read, write := medsec.PermIncidentRead, medsec.PermIncidentWrite
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/incidents", Perm: read, Handler: s.apiIncidentList},
		{Method: "POST", Path: "/api/v1/incidents", Perm: write, Handler: s.apiIncidentCreate},
		{Method: "POST", Path: "/api/v1/incidents/suggest", Perm: read, Handler: s.apiIncidentSuggest},
		{Method: "POST", Path: "/api/v1/incidents/from-alert", Perm: write, Handler: s.apiIncidentFromAlert},
		{Method: "GET", Path: "/api/v1/incidents/ledger", Perm: read, Handler: s.apiIncidentLedger},
		{Method: "GET", Path: "/api/v1/incidents/{id}", Perm: read, Handler: s.apiIncidentGet},
		{Method: "POST", Path: "/api/v1/incidents/{id}/actions", Perm: write, Handler: s.apiIncidentAction},
		{Method: "POST", Path: "/api/v1/incidents/{id}/evidence", Perm: write, Handler: s.apiIncidentUpload},
		{Method: "GET", Path: "/api/v1/incidents/{id}/log-records/{site}/{index}/proof", Perm: read, Handler: s.apiIncidentLogProof},
		{Method: "GET", Path: "/api/v1/incident-calendars", Perm: read, Handler: s.apiHolidayCalendars},
		{Method: "GET", Path: "/api/v1/incident-calendars/{jurisdiction}", Perm: read, Handler: s.apiHolidayList},
		{Method: "PUT", Path: "/api/v1/incident-calendars/{jurisdiction}", Perm: medsec.PermIncidentAdmin, Handler: s.apiHolidayImport},
		{Method: "PUT", Path: "/api/v1/sites/{id}/jurisdiction", Perm: medsec.PermSiteAdmin, Handler: s.apiSiteJurisdiction},
	}
}

// incidentFilter is the filter of an incident list or ledger request. The site is
// site_id, as every other list of the API names it; site, its older name, still works.
func incidentFilter(r *http.Request) medsec.IncidentFilter {
	q := r.URL.Query()
	site := queryInt64(r, "site_id")
	if !q.Has("site_id") {
		site = queryInt64(r, "site")
	}
	return medsec.IncidentFilter{SiteID: site, Status: medsec.IncidentStatus(q.Get("status")), Drill: q.Get("drill")}
}

// apiIncidentList answers a page of incidents (offset, limit: 100 unless given) with the
// total the filter selects.
func (s *Server) apiIncidentList(w http.ResponseWriter, r *http.Request) error {
	f := incidentFilter(r)
	f.Offset, f.Limit = queryInt(r, "offset", 0), queryInt(r, "limit", 100)
	items, err := s.Incidents.FindIncidents(r.Context(), f)
	if err != nil {
		return err
	}
	total, err := s.Incidents.CountIncidents(r.Context(), f)
	if err != nil {
		return err
	}
	if items == nil {
		items = []*medsec.Incident{}
	}
	writeJSON(w, http.StatusOK, list[*medsec.Incident]{Items: items, Total: total, Offset: f.Offset, Limit: f.Limit})
	return nil
}

func (s *Server) apiIncidentCreate(w http.ResponseWriter, r *http.Request) error {
	var c medsec.IncidentCreate
	if err := readJSON(r, &c); err != nil {
		return err
	}
	inc, err := s.Incidents.CreateIncident(r.Context(), &c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, inc)
	return nil
}

func (s *Server) apiIncidentSuggest(w http.ResponseWriter, r *http.Request) error {
	var c medsec.IncidentCreate
	if err := readJSON(r, &c); err != nil {
		return err
	}
	level, reasons, err := s.Incidents.SuggestLevel(r.Context(), &c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"level": level, "reasons": reasons})
	return nil
}

// apiIncidentFromAlert opens an incident from an alert (201) or joins the alert to an open
// one (200).
func (s *Server) apiIncidentFromAlert(w http.ResponseWriter, r *http.Request) error {
	var in medsec.IncidentFromAlert
	if err := readJSON(r, &in); err != nil {
		return err
	}
	inc, joined, err := s.Incidents.OpenFromAlert(r.Context(), &in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if joined {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"joined": joined, "incident": inc})
	return nil
}

func (s *Server) apiIncidentGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	inc, err := s.Incidents.FindIncidentByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inc)
	return nil
}

// apiIncidentUpload stores an evidence file sent with an incident (multipart/form-data:
// file, version, note) and links it, as the incident page's upload does: audited
// (evidence.upload), chain of custody started, in one transaction; the caller needs
// incident:write and the incident's site (another site's incident is "not found", before a
// byte is stored). The file is at most evidence.MaxSize bytes (64 MiB): a body beyond it
// and a megabyte for the form is refused 413, a file beyond it 422 naming file. It answers
// 201 with the stored file (sha256, name, size) and the incident after the change.
func (s *Server) apiIncidentUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "file", Key: "err.no_file",
			Message: "send the file as multipart/form-data (fields file, version, note)"}}}
	}
	r.Body = http.MaxBytesReader(w, r.Body, evidence.MaxSize+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return medsec.ErrorWithKey(medsec.ETOOLARGE, "err.evidence_too_large", "The evidence file is too large (64 MB at most)")
		}
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "file", Key: "err.no_file", Message: "is not a readable multipart form"}}}
	}
	defer r.MultipartForm.RemoveAll()
	if err := checkMultipart(r.MultipartForm); err != nil {
		return err
	}
	var errs []medsec.FieldError
	file, head, ferr := r.FormFile("file")
	if ferr != nil {
		errs = append(errs, medsec.FieldError{Field: "file", Key: "err.required", Message: "is required"})
	} else {
		defer file.Close()
	}
	rawVersion := strings.TrimSpace(r.FormValue("version"))
	version, verr := strconv.ParseInt(rawVersion, 10, 64)
	switch {
	case rawVersion == "":
		errs = append(errs, medsec.FieldError{Field: "version", Key: "err.required",
			Message: "is required: the incident's version the upload is based on"})
	case verr != nil || version < 1:
		errs = append(errs, medsec.FieldError{Field: "version", Key: "err.bad_number", Message: "is not a whole number", Value: rawVersion})
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	inc, ev, err := s.Incidents.UploadEvidence(r.Context(), id, version, head.Filename, file, r.FormValue("note"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"sha256": ev.SHA256, "name": ev.Name, "size": ev.Size, "incident": inc})
	return nil
}

// incidentAction is one change to an incident, as the API and the incident page's forms
// send it: Action names it, Version is the incident's version it was based on, and the
// other fields are the action's own.
type incidentAction struct {
	Version int64  `json:"version"`
	Action  string `json:"action"`
	// level
	Level  medsec.IncidentLevel `json:"level"`
	Reason string               `json:"reason"`
	// record
	Cause   string `json:"cause"`
	Actions string `json:"actions"`
	Result  string `json:"result"`
	// meet_clock, complete_task, meet_item: the object and a note
	ClockID  int64  `json:"clock_id"`
	TaskID   int64  `json:"task_id"`
	Key      string `json:"key"`
	Note     string `json:"note"`
	Evidence string `json:"evidence"`
	// meet_clock: when the duty was really done (RFC 3339; empty: now); notification:
	// SentAt, when it was sent. Neither in the future nor before detection.
	MetAt time.Time `json:"met_at"`
	// complete_task: when the task was really done (RFC 3339; empty: now)
	DoneAt time.Time `json:"done_at"`
	SentAt time.Time `json:"sent_at"`
	// exposure_found, exposure_correct: how much patient or personal data was exposed,
	// when it was found (RFC 3339; empty: now; neither in the future nor before
	// detection), and Note (what was found; for a correction, why: required).
	Exposure medsec.DataExposure `json:"exposure"`
	FoundAt  time.Time           `json:"found_at"`
	// occurrence: when the incident occurred (RFC 3339; required; neither in the future
	// nor after the detection) and Note (how it is known: required).
	OccurredAt time.Time `json:"occurred_at"`
	// restored: when the affected systems were restored (RFC 3339; required; neither in
	// the future nor before the detection) and Note (how it is known: required).
	RestoredAt time.Time `json:"restored_at"`
	// close: who of the leading group declared the end of the response (required) and
	// when (RFC 3339; empty: now; neither in the future nor before the detection):
	// 由領導小組宣布應急響應結束, 003 §4.4.4.
	DeclaredBy string    `json:"declared_by"`
	DeclaredAt time.Time `json:"declared_at"`
	// add_clock
	Label   string `json:"label"`
	Minutes int    `json:"minutes"`
	// note
	Text string `json:"text"`
	// person
	Name string              `json:"name"`
	Role medsec.IncidentRole `json:"role"`
	// asset
	AssetID int64 `json:"asset_id"`
	// log_record: a sealed record of the incident's site's log, by its index there
	LogIndex *int64 `json:"log_index"`
	// evidence, custody
	SHA256        string `json:"sha256"`
	CustodyAction string `json:"custody_action"`
	// notification
	Recipient medsec.Recipient `json:"recipient"`
	Channel   string           `json:"channel"`
	Language  string           `json:"language"`
	Content   string           `json:"content"`
	// task (title, assignee, lesson); assign_task (task_id, assignee: a new or another
	// assignee of a task not done)
	Title    string `json:"title"`
	Assignee string `json:"assignee"`
	Lesson   bool   `json:"lesson"`
}

// incidentActions lists the actions, for the error that names them.
var incidentActions = []string{"level", "record", "meet_clock", "add_clock", "note", "person", "asset", "evidence", "log_record", "custody", "notification",
	"task", "assign_task", "complete_task", "meet_item", "waive_item", "close", "exposure_found", "exposure_correct", "occurrence", "restored"}

// applyIncidentAction runs one action through the incident service.
func (s *Server) applyIncidentAction(ctx context.Context, id int64, a *incidentAction) (*medsec.Incident, error) {
	svc, v := s.Incidents, a.Version
	switch a.Action {
	case "level":
		return svc.ChangeLevel(ctx, id, v, a.Level, a.Reason)
	case "record":
		return svc.UpdateRecord(ctx, id, v, a.Cause, a.Actions, a.Result)
	case "meet_clock":
		return svc.MeetClock(ctx, id, v, a.ClockID, a.Note, a.Evidence, a.MetAt)
	case "add_clock":
		return svc.AddClock(ctx, id, v, a.Label, a.Minutes)
	case "note":
		return svc.AddNote(ctx, id, v, a.Text)
	case "person":
		return svc.AddPerson(ctx, id, v, medsec.IncidentPerson{Name: a.Name, Role: a.Role})
	case "asset":
		return svc.AddAsset(ctx, id, v, a.AssetID)
	case "evidence":
		return svc.LinkEvidence(ctx, id, v, a.SHA256, a.Name, a.Note)
	case "log_record":
		return s.attachLogRecord(ctx, id, a)
	case "custody":
		return svc.AddCustody(ctx, id, v, a.SHA256, a.CustodyAction, a.Note)
	case "notification":
		return svc.RecordNotification(ctx, id, v, medsec.IncidentNotification{Recipient: a.Recipient, Name: a.Name, Channel: a.Channel,
			Language: a.Language, Content: a.Content, ClockID: a.ClockID, SentAt: a.SentAt})
	case "task":
		return svc.AddTask(ctx, id, v, medsec.IncidentTask{Title: a.Title, Assignee: a.Assignee, Lesson: a.Lesson})
	case "assign_task":
		return svc.AssignTask(ctx, id, v, a.TaskID, a.Assignee)
	case "complete_task":
		return svc.CompleteTaskAt(ctx, id, v, a.TaskID, a.Note, a.DoneAt)
	case "meet_item":
		return svc.MeetChecklistItem(ctx, id, v, a.Key, a.Note)
	case "waive_item":
		return svc.WaiveChecklistItem(ctx, id, v, a.Key, a.Reason)
	case "close":
		return svc.CloseIncident(ctx, id, v, medsec.EndDeclaration{DeclaredBy: a.DeclaredBy, DeclaredAt: a.DeclaredAt})
	case "exposure_found", "exposure_correct":
		return svc.RecordExposure(ctx, id, v, medsec.ExposureFinding{Exposure: a.Exposure, FoundAt: a.FoundAt, Note: a.Note,
			Correction: a.Action == "exposure_correct"})
	case "occurrence":
		return svc.SetOccurrence(ctx, id, v, a.OccurredAt, a.Note)
	case "restored":
		return svc.SetRestored(ctx, id, v, a.RestoredAt, a.Note)
	}
	return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "action", Key: "err.invalid",
		Message: "must be one of " + strings.Join(incidentActions, ", "), Value: a.Action}}}
}

// attachLogRecord attaches a sealed record of the incident's site's log: the log service
// proves it (log:read, the caller's sites, audited as an export), the incident service
// stores it with its proof and starts its chain of custody.
func (s *Server) attachLogRecord(ctx context.Context, id int64, a *incidentAction) (*medsec.Incident, error) {
	if a.LogIndex == nil || *a.LogIndex < 0 {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "log_index", Key: "err.required",
			Message: "is required: the index of the record in the site's sealed log"}}}
	}
	if s.Logs == nil {
		return nil, &medsec.Error{Code: medsec.EINVALID, Message: "This server keeps no log store.", Key: "err.no_log_store"}
	}
	inc, err := s.Incidents.FindIncidentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	proof, err := s.Logs.ProveLogRecord(ctx, inc.SiteID, *a.LogIndex)
	if medsec.ErrorCode(err) == medsec.ENOTFOUND {
		if obj, _ := medsec.DeniedObject(err); obj == "" {
			return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "log_index", Key: "err.log_record_not_found",
				Message: "no sealed record has this index in the site's log", Value: strconv.FormatInt(*a.LogIndex, 10)}}}
		}
	}
	if err != nil {
		return nil, err
	}
	return s.Incidents.AttachLogRecord(ctx, id, a.Version, proof, a.Note)
}

// apiIncidentLogProof sends the proof of a log record attached to an incident: a
// one-record verification bundle (docs/LOG-SEAL.md) an auditor checks offline with
// `medsec logs verify --key KEY FILE` or docs/logseal-check.
func (s *Server) apiIncidentLogProof(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	site, err := parseID(r, "site")
	if err != nil {
		return err
	}
	index, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil || index < 0 {
		return medsec.Errorf(medsec.ENOTFOUND, "Not found.")
	}
	data, name, err := s.Incidents.LogRecordProof(r.Context(), id, site, index)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
	return nil
}

func (s *Server) apiIncidentAction(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, medsec.MaxJSONBody+1))
	if err != nil {
		return medsec.ErrorWithKey(medsec.EINVALID, "err.body_unreadable", "The request body could not be read.")
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	var a incidentAction
	if err := readJSON(r, &a); err != nil {
		return err
	}
	if err := zeroActionTimes(data, &a); err != nil {
		return err
	}
	if a.Version <= 0 {
		// Without it the change would be refused as a conflict with a version that never was.
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "version", Key: "err.required",
			Message: "is required: the incident's version as last read (optimistic locking)"}}}
	}
	inc, err := s.applyIncidentAction(r.Context(), id, &a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inc)
	return nil
}

// apiIncidentLedger answers the ledger as JSON, or with format=csv|xlsx as a download in
// the caller's language.
func (s *Server) apiIncidentLedger(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.Incidents.Ledger(r.Context(), incidentFilter(r))
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" || format == "json" {
		if rows == nil {
			rows = []*medsec.LedgerRow{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": rows, "total": len(rows)})
		return nil
	}
	return s.writeLedger(w, r, format, rows)
}

// writeLedger sends the ledger as a CSV or XLSX download.
func (s *Server) writeLedger(w http.ResponseWriter, r *http.Request, format string, rows []*medsec.LedgerRow) error {
	lang := s.newPage(r, "").Lang
	t := func(k string) string { return s.i18n.T(lang, k) }
	switch incident.LedgerFormat(format) {
	case incident.LedgerCSV:
		return s.streamExport(w, r, "text/csv; charset=utf-8", "incident-ledger.csv", func(out io.Writer) error {
			return incident.WriteLedger(out, incident.LedgerCSV, rows, t)
		})
	case incident.LedgerXLSX:
		return s.streamExport(w, r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "incident-ledger.xlsx", func(out io.Writer) error {
			return incident.WriteLedger(out, incident.LedgerXLSX, rows, t)
		})
	}
	return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "format", Key: "err.invalid", Message: "must be json, csv or xlsx", Value: format}}}
}

// holidayCalendarJSON is one jurisdiction's holiday calendar in the list of calendars: the
// time zone its working days are counted in, the years it covers, how many holidays and
// weekend days worked (調休) it holds, and the days themselves.
type holidayCalendarJSON struct {
	Jurisdiction medsec.Jurisdiction `json:"jurisdiction"`
	TimeZone     string              `json:"time_zone"`
	Years        []int               `json:"years"`
	Holidays     int                 `json:"holidays"`
	Workdays     int                 `json:"workdays"`
	Days         []medsec.Holiday    `json:"days"`
}

// apiHolidayCalendars lists every jurisdiction's holiday calendar, as the calendars page
// shows them (incident:read).
func (s *Server) apiHolidayCalendars(w http.ResponseWriter, r *http.Request) error {
	cals, err := s.holidayCalendars(r.Context())
	if err != nil {
		return err
	}
	out := make([]holidayCalendarJSON, 0, len(cals))
	for _, c := range cals {
		h := holidayCalendarJSON{Jurisdiction: c.Jurisdiction, TimeZone: medsec.DefaultTimeZone(c.Jurisdiction), Years: c.Years, Days: c.Days}
		if h.Days == nil {
			h.Days = []medsec.Holiday{}
		}
		for _, d := range c.Days {
			if d.Workday {
				h.Workdays++
			} else {
				h.Holidays++
			}
		}
		out = append(out, h)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
	return nil
}

func (s *Server) apiHolidayList(w http.ResponseWriter, r *http.Request) error {
	j := medsec.Jurisdiction(r.PathValue("jurisdiction"))
	if !j.Valid() {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	days, err := s.Incidents.FindHolidays(r.Context(), j)
	if err != nil {
		return err
	}
	if days == nil {
		days = []medsec.Holiday{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": days, "total": len(days)})
	return nil
}

// uploadName is the file name a request body names in its Content-Disposition header
// (filename), which the problems of the file are named by; def without one.
func uploadName(r *http.Request, def string) string {
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
		if name := filepath.Base(params["filename"]); params["filename"] != "" && medsec.CheckText("filename", name, false) == nil {
			return name
		}
	}
	return def
}

// parseHolidays reads a holiday calendar upload: iCalendar when the type or the content
// says so, else CSV. A file with no days (empty, header only, only cancelled events) is
// refused naming the file, since an import replaces the whole calendar, unless clear says
// the caller means to empty it (t14 finding 4).
func parseHolidays(body io.Reader, contentType, name string, j medsec.Jurisdiction, clear bool) ([]medsec.Holiday, error) {
	days, err := parseHolidayFile(body, contentType, name, j)
	if err == nil && len(days) == 0 && !clear {
		return nil, &medsec.ValidationError{Source: name, Errors: []medsec.FieldError{{Field: "file", Key: "incident.err.calendar_empty",
			Message: "holds no days: an import replaces the whole calendar, so this would remove all its days; to clear the calendar on purpose, ask for it (clear the calendar, empty=clear)"}}}
	}
	if days == nil && err == nil {
		days = []medsec.Holiday{}
	}
	return days, err
}

// parseHolidayFile is parseHolidays without the empty-file check.
func parseHolidayFile(body io.Reader, contentType, name string, j medsec.Jurisdiction) ([]medsec.Holiday, error) {
	data, err := io.ReadAll(io.LimitReader(body, 4<<20))
	if err != nil {
		return nil, medsec.ErrorWithKey(medsec.EINVALID, "err.body_unreadable", "The request body could not be read.")
	}
	if strings.HasPrefix(contentType, "text/calendar") || strings.HasSuffix(strings.ToLower(name), ".ics") || strings.HasPrefix(strings.TrimSpace(string(data)), "BEGIN:VCALENDAR") {
		return incident.ParseICS(strings.NewReader(string(data)), name, j)
	}
	return incident.ParseCSV(strings.NewReader(string(data)), name, j)
}

func (s *Server) apiHolidayImport(w http.ResponseWriter, r *http.Request) error {
	j := medsec.Jurisdiction(r.PathValue("jurisdiction"))
	if !j.Valid() {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	days, err := parseHolidays(r.Body, r.Header.Get("Content-Type"), uploadName(r, "body"), j, r.URL.Query().Get("empty") == "clear")
	if err != nil {
		return err
	}
	if err := s.Incidents.ImportHolidays(r.Context(), j, days); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": days, "total": len(days)})
	return nil
}

func (s *Server) apiSiteJurisdiction(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Jurisdiction medsec.Jurisdiction `json:"jurisdiction"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if err := s.Incidents.SetSiteJurisdiction(r.Context(), id, body.Jurisdiction); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// zeroActionTimes refuses an action's time sent as the zero time ("0001-01-01T00:00:00Z"),
// naming the field: decoded, it cannot be told from a time left out, which is "required"
// (occurred_at, restored_at) or "now" (met_at, sent_at, found_at, declared_at), and neither is what
// the client sent (bt14 #8).
func zeroActionTimes(data []byte, a *incidentAction) error {
	var sent map[string]json.RawMessage
	if json.Unmarshal(data, &sent) != nil {
		return nil
	}
	var errs []medsec.FieldError
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"met_at", a.MetAt}, {"done_at", a.DoneAt}, {"sent_at", a.SentAt}, {"found_at", a.FoundAt}, {"occurred_at", a.OccurredAt}, {"restored_at", a.RestoredAt}, {"declared_at", a.DeclaredAt}} {
		if raw, ok := sent[f.name]; ok && f.t.IsZero() && string(bytes.TrimSpace(raw)) != "null" {
			errs = append(errs, medsec.FieldError{Field: f.name, Key: "incident.err.time_zero",
				Message: "is the zero time (year 1): give the time in RFC 3339, or leave the field out", Value: strings.Trim(string(raw), `"`)})
		}
	}
	if errs != nil {
		return &medsec.ValidationError{Errors: errs}
	}
	return nil
}

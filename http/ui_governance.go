package http

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"medsec"
	"medsec/training"
)

// governanceUIRoutes registers the governance calendar pages [M11]: each site's due items
// with their state, the form recording one done, and the training page (hours per person
// against the hours owed, sessions, the attendance import and key roles).
func (s *Server) governanceUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /governance", s.ui(medsec.PermGovernanceRead, s.uiGovernance))
	mux.Handle("POST /governance/{id}/done", s.ui(medsec.PermGovernanceWrite, s.uiGovernanceDone))
	mux.Handle("GET /governance/training", s.ui(medsec.PermGovernanceRead, s.uiTraining))
	mux.Handle("POST /governance/training/import", s.ui(medsec.PermGovernanceWrite, s.uiTrainingImport))
	mux.Handle("POST /governance/training/key-role", s.ui(medsec.PermGovernanceWrite, s.uiTrainingKeyRole))
	mux.Handle("POST /governance/drills", s.ui(medsec.PermGovernanceWrite, s.uiDrillPlan))
	mux.Handle("POST /governance/drills/{id}/result", s.ui(medsec.PermGovernanceWrite, s.uiDrillResult))
	mux.Handle("POST /governance/mlps", s.ui(medsec.PermGovernanceWrite, s.uiMLPSRecord))
	mux.Handle("POST /governance/cadence", s.ui(medsec.PermGovernanceWrite, s.uiCadenceSet))
}

// governanceData is the calendar page.
type governanceData struct {
	Sites  []*medsec.Site
	SiteID int64
	Year   int
	State  medsec.GovernanceState
	States []medsec.GovernanceState
	Items  []*medsec.GovernanceItem
	Counts map[string]int
	Duties []medsec.Duty
	Today  string
	// FormID is the item whose refused form is shown again, with what it said.
	FormID int64
	Form   medsec.GovernanceCompletion
	// Drills are the site's continuity drills; Results the results a run may have.
	Drills  []*medsec.ContinuityDrill
	Results []string
	// MLPS are the 等保 events of the sites shown, MLPSSites the sites in mainland China
	// (the only ones whose systems are graded), MLPSForm a refused event form's values.
	MLPS        []*medsec.MLPSEvent
	MLPSSites   []*medsec.Site
	MLPSKinds   []medsec.MLPSEventKind
	MLPSForm    medsec.MLPSEvent
	MLPSRefused bool
	// DrillForm is a refused drill plan's values, shown again in the plan form.
	DrillForm    medsec.ContinuityDrill
	DrillRefused bool
	// DrillPlannedTyped is the planned day as typed when it was not a date.
	DrillPlannedTyped string
	// ResultID is the drill whose refused result form is shown again, open, with
	// ResultForm's values and the run day as typed (ResultRunTyped).
	ResultID       int64
	ResultForm     medsec.DrillResult
	ResultRunTyped string
	// Cadences are the chosen site's duties with their cadence and whose it is; Choices
	// the cadences a hospital may choose.
	Cadences []medsec.DutyCadence
	Choices  []int
}

// visibleSites returns the sites the caller may see.
func (s *Server) visibleSites(r *http.Request) ([]*medsec.Site, error) {
	all, err := s.Org.FindSites(r.Context())
	if err != nil {
		return nil, err
	}
	u := medsec.UserFromContext(r.Context())
	var out []*medsec.Site
	for _, x := range all {
		if u.CanSeeSite(x.ID) {
			out = append(out, x)
		}
	}
	return out, nil
}

// governanceRefused is a refused form of the calendar page, shown again with what it said:
// a 等保 event's or a drill plan's.
type governanceRefused struct {
	MLPS  *medsec.MLPSEvent
	Drill *medsec.ContinuityDrill
	// DrillDay is the drill's planned day as typed.
	DrillDay string
	// ResultOf is the drill whose result form was refused, Result what it said and
	// RunDay its run day as typed.
	ResultOf int64
	Result   medsec.DrillResult
	RunDay   string
}

// renderGovernance shows the calendar page; formID and form are a refused completion's,
// refused a refused 等保 event's or drill plan's.
func (s *Server) renderGovernance(w http.ResponseWriter, r *http.Request, status int, formID int64, form medsec.GovernanceCompletion, formErr error, refused ...governanceRefused) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	now := s.now()
	d := &governanceData{SiteID: queryInt64(r, "site"), Year: now.Year(), States: medsec.GovernanceStates, Duties: medsec.AllDuties(), MLPSKinds: medsec.MLPSEventKinds,
		Counts: map[string]int{}, Today: medsec.DateOf(now).String(), FormID: formID, Form: form}
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 2000 && y <= 2100 {
		d.Year = y
	}
	for _, st := range medsec.GovernanceStates {
		if string(st) == r.URL.Query().Get("state") {
			d.State = st
		}
	}
	var err error
	if d.Sites, err = s.visibleSites(r); err != nil {
		return err
	}
	items, err := s.Governance.FindGovernanceItems(r.Context(), medsec.GovernanceFilter{SiteID: d.SiteID, Year: d.Year})
	if err != nil {
		return err
	}
	for _, it := range items {
		d.Counts[string(it.State)]++
		if d.State == "" || it.State == d.State {
			d.Items = append(d.Items, it)
		}
	}
	if d.Drills, err = s.Governance.FindContinuityDrills(r.Context(), d.SiteID); err != nil {
		return err
	}
	d.Results = medsec.DrillResults
	if d.MLPS, err = s.Governance.FindMLPSEvents(r.Context(), d.SiteID); err != nil {
		return err
	}
	for _, x := range d.Sites {
		if x.Jurisdiction == medsec.JurisdictionCN {
			d.MLPSSites = append(d.MLPSSites, x)
		}
	}
	if d.SiteID != 0 {
		if d.Cadences, err = s.Governance.FindDutyCadences(r.Context(), d.SiteID); err != nil {
			return err
		}
	}
	d.Choices = medsec.CadenceChoices
	d.MLPSForm = medsec.MLPSEvent{Kind: medsec.MLPSGrading, Level: 3, On: medsec.DateOf(now)}
	for _, x := range refused {
		if x.MLPS != nil {
			d.MLPSForm, d.MLPSRefused = *x.MLPS, true
		}
		if x.Drill != nil {
			d.DrillForm, d.DrillRefused, d.DrillPlannedTyped = *x.Drill, true, x.DrillDay
		}
		if x.ResultOf != 0 {
			d.ResultID, d.ResultForm, d.ResultRunTyped = x.ResultOf, x.Result, x.RunDay
		}
	}
	p := s.newPage(r, "governance.title")
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "governance", p)
	return nil
}

func (s *Server) uiGovernance(w http.ResponseWriter, r *http.Request) error {
	return s.renderGovernance(w, r, http.StatusOK, 0, medsec.GovernanceCompletion{}, nil)
}

// uiGovernanceDone records an item done from its form.
func (s *Server) uiGovernanceDone(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return medsec.Errorf(medsec.EINVALID, "The form could not be read.")
	}
	c := medsec.GovernanceCompletion{Record: r.PostFormValue("record"), Evidence: r.PostFormValue("evidence")}
	day := strings.TrimSpace(r.PostFormValue("done_on"))
	if c.DoneOn, err = medsec.ParseDate(day); err != nil && day != "" {
		return s.renderGovernance(w, r, http.StatusUnprocessableEntity, id, c, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "done_on", Key: "err.bad_date", Value: day, Message: "is not a date (YYYY-MM-DD)"}}})
	}
	if _, err := s.Governance.CompleteGovernanceItem(r.Context(), id, c); err != nil {
		return s.renderGovernance(w, r, errorStatus(err), id, c, err)
	}
	flash(w, "governance.recorded")
	back := "/governance"
	if site := r.PostFormValue("site"); site != "" {
		if _, err := strconv.ParseInt(site, 10, 64); err == nil {
			back += "?site=" + site
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// trainingData is the training page.
type trainingData struct {
	Sites    []*medsec.Site
	SiteID   int64
	Year     int
	Hours    []medsec.TrainingHours
	Short    int
	Sessions []*medsec.TrainingSession
	People   []*medsec.Person
	// KeyRoleForm says whether the caller may mark key roles (a user of every site).
	KeyRoleForm bool
}

func (s *Server) renderTraining(w http.ResponseWriter, r *http.Request, status int, formErr error, flashText string) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	d := &trainingData{SiteID: queryInt64(r, "site"), Year: s.now().Year()}
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 2000 && y <= 2100 {
		d.Year = y
	}
	var err error
	if d.Sites, err = s.visibleSites(r); err != nil {
		return err
	}
	if d.Hours, err = s.Governance.TrainingHoursOf(r.Context(), d.SiteID, d.Year); err != nil {
		return err
	}
	for _, h := range d.Hours {
		if h.Short > 0 {
			d.Short++
		}
	}
	if d.Sessions, err = s.Governance.FindTrainingSessions(r.Context(), d.SiteID, d.Year); err != nil {
		return err
	}
	u := medsec.UserFromContext(r.Context())
	if u.SeesEveryAsset() && u.Role.Can(medsec.PermGovernanceWrite) {
		d.KeyRoleForm = true
		if d.People, err = s.Org.FindPeople(r.Context()); err != nil {
			return err
		}
	}
	p := s.newPage(r, "training.title")
	p.Data = d
	if flashText != "" {
		p.Flash = flashText
	}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "training", p)
	return nil
}

func (s *Server) uiTraining(w http.ResponseWriter, r *http.Request) error {
	return s.renderTraining(w, r, http.StatusOK, nil, "")
}

// uiTrainingImport imports an uploaded attendance file at the chosen site.
func (s *Server) uiTrainingImport(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return s.renderTraining(w, r, errorStatus(err), err, "")
	}
	imp := training.Read(data, name)
	imp.SiteID, _ = strconv.ParseInt(r.FormValue("site_id"), 10, 64)
	res, err := s.Governance.ImportTraining(r.Context(), imp)
	if err != nil {
		return s.renderTraining(w, r, errorStatus(err), err, "")
	}
	p := s.newPage(r, "training.title")
	return s.renderTraining(w, r, http.StatusOK, nil, p.T("training.imported", res.Sessions, res.Attendances, res.Unchanged))
}

// uiTrainingKeyRole marks a person as holding a key role, or not.
func (s *Server) uiTrainingKeyRole(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	if err := r.ParseForm(); err != nil {
		return medsec.Errorf(medsec.EINVALID, "The form could not be read.")
	}
	id, _ := strconv.ParseInt(r.PostFormValue("person_id"), 10, 64)
	if id <= 0 {
		return s.renderTraining(w, r, http.StatusUnprocessableEntity, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "person_id", Key: "err.required", Message: "is required"}}}, "")
	}
	if err := s.Governance.SetKeyRole(r.Context(), id, r.PostFormValue("key_role") == "yes"); err != nil {
		return s.renderTraining(w, r, errorStatus(err), err, "")
	}
	flash(w, "training.key_role_saved")
	http.Redirect(w, r, "/governance/training", http.StatusSeeOther)
	return nil
}

// uiDrillPlan plans a continuity drill at a site. A refused plan is shown again with
// what was typed and every problem at once (a day that is not a date beside a missing
// scenario or site).
func (s *Server) uiDrillPlan(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	if err := r.ParseForm(); err != nil {
		return medsec.Errorf(medsec.EINVALID, "The form could not be read.")
	}
	d := &medsec.ContinuityDrill{Scenario: r.PostFormValue("scenario")}
	d.SiteID, _ = strconv.ParseInt(r.PostFormValue("site_id"), 10, 64)
	day := strings.TrimSpace(r.PostFormValue("planned"))
	var err error
	if d.Planned, err = medsec.ParseDate(day); err != nil && day != "" {
		errs := []medsec.FieldError{{Field: "planned", Key: "err.bad_date", Value: day, Message: "is not a date (YYYY-MM-DD)"}}
		var ve *medsec.ValidationError
		if errors.As(d.ValidatePlan(), &ve) {
			for _, fe := range ve.Errors {
				if fe.Field != "planned" {
					errs = append(errs, fe)
				}
			}
		}
		return s.renderGovernance(w, r, http.StatusUnprocessableEntity, 0, medsec.GovernanceCompletion{}, &medsec.ValidationError{Errors: errs}, governanceRefused{Drill: d, DrillDay: day})
	}
	if err := s.Governance.PlanContinuityDrill(r.Context(), d); err != nil {
		return s.renderGovernance(w, r, errorStatus(err), 0, medsec.GovernanceCompletion{}, err, governanceRefused{Drill: d, DrillDay: day})
	}
	flash(w, "drill.plan_saved")
	http.Redirect(w, r, "/governance#drills", http.StatusSeeOther)
	return nil
}

// uiDrillResult records a drill's result. A refused result is shown again in its drill's
// form, open, with what was typed and every problem at once.
func (s *Server) uiDrillResult(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return medsec.Errorf(medsec.EINVALID, "The form could not be read.")
	}
	res := medsec.DrillResult{Result: r.PostFormValue("result"), Findings: r.PostFormValue("findings")}
	day := strings.TrimSpace(r.PostFormValue("run_on"))
	refused := governanceRefused{ResultOf: id, Result: res, RunDay: day}
	if res.RunOn, err = medsec.ParseDate(day); err != nil && day != "" {
		errs := []medsec.FieldError{{Field: "run_on", Key: "err.bad_date", Value: day, Message: "is not a date (YYYY-MM-DD)"}}
		var ve *medsec.ValidationError
		if errors.As(res.Validate(), &ve) {
			for _, fe := range ve.Errors {
				if fe.Field != "run_on" {
					errs = append(errs, fe)
				}
			}
		}
		return s.renderGovernance(w, r, http.StatusUnprocessableEntity, 0, medsec.GovernanceCompletion{}, &medsec.ValidationError{Errors: errs}, refused)
	}
	if _, err := s.Governance.RecordDrillResult(r.Context(), id, res); err != nil {
		return s.renderGovernance(w, r, errorStatus(err), 0, medsec.GovernanceCompletion{}, err, refused)
	}
	flash(w, "drill.recorded")
	http.Redirect(w, r, "/governance#drills", http.StatusSeeOther)
	return nil
}

// uiMLPSRecord records a 等保 grading or change from its form; a refused form is shown
// again with what it said.
func (s *Server) uiMLPSRecord(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	if err := r.ParseForm(); err != nil {
		return medsec.Errorf(medsec.EINVALID, "The form could not be read.")
	}
	e := &medsec.MLPSEvent{System: r.PostFormValue("system"), Kind: medsec.MLPSEventKind(r.PostFormValue("kind")), Note: r.PostFormValue("note")}
	var errs []medsec.FieldError
	e.SiteID, _ = strconv.ParseInt(r.PostFormValue("site_id"), 10, 64)
	for _, f := range []struct {
		name string
		to   *int64
	}{{"level", nil}, {"people", &e.People}} {
		v := strings.TrimSpace(r.PostFormValue(f.name))
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, medsec.FieldError{Field: f.name, Key: "err.bad_number", Value: v, Message: "is not a whole number"})
			continue
		}
		if f.to != nil {
			*f.to = n
		} else if n >= -1 && n <= 99 {
			e.Level = int(n)
		} else {
			e.Level = -1
		}
	}
	day := strings.TrimSpace(r.PostFormValue("on"))
	var err error
	if e.On, err = medsec.ParseDate(day); err != nil && day != "" {
		errs = append(errs, medsec.FieldError{Field: "on", Key: "err.bad_date", Value: day, Message: "is not a date (YYYY-MM-DD)"})
	}
	if errs != nil {
		return s.renderGovernance(w, r, http.StatusUnprocessableEntity, 0, medsec.GovernanceCompletion{}, &medsec.ValidationError{Errors: errs}, governanceRefused{MLPS: e})
	}
	if err := s.Governance.RecordMLPSEvent(r.Context(), e); err != nil {
		return s.renderGovernance(w, r, errorStatus(err), 0, medsec.GovernanceCompletion{}, err, governanceRefused{MLPS: e})
	}
	flash(w, "mlps.recorded")
	http.Redirect(w, r, "/governance?site="+strconv.FormatInt(e.SiteID, 10)+"&year="+strconv.Itoa(e.On.Time().Year())+"#mlps", http.StatusSeeOther)
	return nil
}

// uiCadenceSet stores a site's cadence of a duty left to the hospital.
func (s *Server) uiCadenceSet(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	if err := r.ParseForm(); err != nil {
		return medsec.Errorf(medsec.EINVALID, "The form could not be read.")
	}
	c := medsec.CadenceChange{Kind: medsec.DutyKind(r.PostFormValue("kind")), Reason: r.PostFormValue("reason")}
	c.SiteID, _ = strconv.ParseInt(r.PostFormValue("site_id"), 10, 64)
	c.CadenceMonths, _ = strconv.Atoi(r.PostFormValue("cadence_months"))
	if _, err := s.Governance.SetDutyCadence(r.Context(), c); err != nil {
		return s.renderGovernance(w, r, errorStatus(err), 0, medsec.GovernanceCompletion{}, err)
	}
	flash(w, "governance.cadence_saved")
	http.Redirect(w, r, "/governance?site="+strconv.FormatInt(c.SiteID, 10)+"#duties", http.StatusSeeOther)
	return nil
}

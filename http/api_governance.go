package http

import (
	"net/http"
	"strconv"
	"time"

	"medsec"
	"medsec/training"
)

// governanceAPIRoutes are the routes of the governance calendar and training [M11]:
// reading needs governance:read, recording governance:write; the service limits both to
// the caller's sites and audits every change.
func governanceAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/duties", Perm: medsec.PermGovernanceRead, Handler: s.apiDutyList},
		{Method: "GET", Path: "/api/v1/governance-items", Perm: medsec.PermGovernanceRead, Handler: s.apiGovernanceList},
		{Method: "POST", Path: "/api/v1/governance-items/{id}/done", Perm: medsec.PermGovernanceWrite, Handler: s.apiGovernanceDone},
		{Method: "POST", Path: "/api/v1/training/import", Perm: medsec.PermGovernanceWrite, Handler: s.apiTrainingImport},
		{Method: "GET", Path: "/api/v1/training/sessions", Perm: medsec.PermGovernanceRead, Handler: s.apiTrainingSessions},
		{Method: "GET", Path: "/api/v1/training/hours", Perm: medsec.PermGovernanceRead, Handler: s.apiTrainingHours},
		{Method: "POST", Path: "/api/v1/training/key-roles", Perm: medsec.PermGovernanceWrite, Handler: s.apiTrainingKeyRole},
		{Method: "GET", Path: "/api/v1/continuity-drills", Perm: medsec.PermGovernanceRead, Handler: s.apiDrillList},
		{Method: "POST", Path: "/api/v1/continuity-drills", Perm: medsec.PermGovernanceWrite, Handler: s.apiDrillPlan},
		{Method: "POST", Path: "/api/v1/continuity-drills/{id}/result", Perm: medsec.PermGovernanceWrite, Handler: s.apiDrillResult},
		{Method: "GET", Path: "/api/v1/mlps-events", Perm: medsec.PermGovernanceRead, Handler: s.apiMLPSList},
		{Method: "POST", Path: "/api/v1/mlps-events", Perm: medsec.PermGovernanceWrite, Handler: s.apiMLPSRecord},
		{Method: "GET", Path: "/api/v1/duty-cadences", Perm: medsec.PermGovernanceRead, Handler: s.apiCadenceList},
		{Method: "POST", Path: "/api/v1/duty-cadences", Perm: medsec.PermGovernanceWrite, Handler: s.apiCadenceSet},
	}
}

// errGovernanceOff is the answer when the server runs without the governance service.
func errGovernanceOff() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "This server keeps no governance calendar."}
}

// queryYear reads the year parameter: the store's current year when absent; EINVALID when
// not a year from 2000 to 2100.
func queryYear(r *http.Request, now time.Time) (int, error) {
	v := r.URL.Query().Get("year")
	if v == "" {
		return now.Year(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "year", Key: "err.bad_year", Value: v, Message: "is not a year from 2000 to 2100"}}}
	}
	return y, nil
}

func (s *Server) apiDutyList(w http.ResponseWriter, r *http.Request) error {
	all := medsec.AllDuties()
	writeJSON(w, http.StatusOK, list[medsec.Duty]{Items: all, Total: len(all), Limit: len(all)})
	return nil
}

// governanceFilter reads site_id, kind, state and year; an unknown kind or state is
// refused naming the parameter.
func governanceFilter(r *http.Request) (medsec.GovernanceFilter, error) {
	q := r.URL.Query()
	f := medsec.GovernanceFilter{SiteID: queryInt64(r, "site_id"), Kind: medsec.DutyKind(q.Get("kind")), State: medsec.GovernanceState(q.Get("state"))}
	var errs []medsec.FieldError
	if _, ok := medsec.DutyOf(f.Kind); f.Kind != "" && !ok {
		errs = append(errs, medsec.FieldError{Field: "kind", Key: "err.unknown_value", Value: string(f.Kind), Message: "is not a duty"})
	}
	known := false
	for _, st := range medsec.GovernanceStates {
		known = known || st == f.State
	}
	if f.State != "" && !known {
		errs = append(errs, medsec.FieldError{Field: "state", Key: "err.unknown_value", Value: string(f.State), Message: "is not a state"})
	}
	if v := q.Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			errs = append(errs, medsec.FieldError{Field: "year", Key: "err.bad_year", Value: v, Message: "is not a year from 2000 to 2100"})
		}
		f.Year = y
	}
	if errs != nil {
		return f, &medsec.ValidationError{Errors: errs}
	}
	return f, nil
}

func (s *Server) apiGovernanceList(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	f, err := governanceFilter(r)
	if err != nil {
		return err
	}
	items, err := s.Governance.FindGovernanceItems(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.GovernanceItem]{Items: items, Total: len(items), Limit: len(items)})
	return nil
}

func (s *Server) apiGovernanceDone(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var c medsec.GovernanceCompletion
	if err := readJSON(r, &c); err != nil {
		return err
	}
	it, err := s.Governance.CompleteGovernanceItem(r.Context(), id, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

func (s *Server) apiTrainingImport(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	site := queryInt64(r, "site_id")
	name, data, err := uploadedFile(r)
	if err != nil {
		return err
	}
	imp := training.Read(data, name)
	imp.SiteID = site
	res, err := s.Governance.ImportTraining(r.Context(), imp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiTrainingSessions(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	year := 0
	if r.URL.Query().Get("year") != "" {
		y, err := queryYear(r, time.Time{})
		if err != nil {
			return err
		}
		year = y
	}
	ts, err := s.Governance.FindTrainingSessions(r.Context(), queryInt64(r, "site_id"), year)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.TrainingSession]{Items: ts, Total: len(ts), Limit: len(ts)})
	return nil
}

func (s *Server) apiTrainingHours(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	year, err := queryYear(r, s.now())
	if err != nil {
		return err
	}
	hs, err := s.Governance.TrainingHoursOf(r.Context(), queryInt64(r, "site_id"), year)
	if err != nil {
		return err
	}
	if v := r.URL.Query().Get("short"); v == "1" || v == "true" {
		kept := hs[:0]
		for _, h := range hs {
			if h.Short > 0 {
				kept = append(kept, h)
			}
		}
		hs = kept
	}
	if hs == nil {
		hs = []medsec.TrainingHours{}
	}
	writeJSON(w, http.StatusOK, list[medsec.TrainingHours]{Items: hs, Total: len(hs), Limit: len(hs)})
	return nil
}

func (s *Server) apiTrainingKeyRole(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	var in struct {
		PersonID int64 `json:"person_id"`
		KeyRole  bool  `json:"key_role"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if in.PersonID <= 0 {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "person_id", Key: "err.required", Message: "is required"}}}
	}
	if err := s.Governance.SetKeyRole(r.Context(), in.PersonID, in.KeyRole); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (s *Server) apiDrillList(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	ds, err := s.Governance.FindContinuityDrills(r.Context(), queryInt64(r, "site_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.ContinuityDrill]{Items: ds, Total: len(ds), Limit: len(ds)})
	return nil
}

func (s *Server) apiDrillPlan(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	var d medsec.ContinuityDrill
	if err := readJSON(r, &d); err != nil {
		return err
	}
	if err := s.Governance.PlanContinuityDrill(r.Context(), &d); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &d)
	return nil
}

func (s *Server) apiDrillResult(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var res medsec.DrillResult
	if err := readJSON(r, &res); err != nil {
		return err
	}
	d, err := s.Governance.RecordDrillResult(r.Context(), id, res)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) apiMLPSList(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	es, err := s.Governance.FindMLPSEvents(r.Context(), queryInt64(r, "site_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.MLPSEvent]{Items: es, Total: len(es), Limit: len(es)})
	return nil
}

func (s *Server) apiMLPSRecord(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	var e medsec.MLPSEvent
	if err := readJSON(r, &e); err != nil {
		return err
	}
	e.ID, e.RecordedBy, e.Items = 0, "", nil
	if err := s.Governance.RecordMLPSEvent(r.Context(), &e); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &e)
	return nil
}

func (s *Server) apiCadenceList(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	cs, err := s.Governance.FindDutyCadences(r.Context(), queryInt64(r, "site_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[medsec.DutyCadence]{Items: cs, Total: len(cs), Limit: len(cs)})
	return nil
}

func (s *Server) apiCadenceSet(w http.ResponseWriter, r *http.Request) error {
	if s.Governance == nil {
		return errGovernanceOff()
	}
	var c medsec.CadenceChange
	if err := readJSON(r, &c); err != nil {
		return err
	}
	dc, err := s.Governance.SetDutyCadence(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dc)
	return nil
}

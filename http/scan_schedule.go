package http

import (
	"net/http"
	"slices"

	"medsec"
	"medsec/vuln"
)

// scanScheduleFilter reads the schedule's filter from the query: site, requirement,
// state; an unknown requirement or state is EINVALID naming the parameter.
func scanScheduleFilter(r *http.Request) (medsec.ScanScheduleFilter, error) {
	q := r.URL.Query()
	f := medsec.ScanScheduleFilter{SiteID: queryInt64(r, "site"), Requirement: q.Get("requirement"), State: medsec.ScanDueState(q.Get("state"))}
	var bad []medsec.FieldError
	if f.Requirement != "" && vuln.ScanRequirement(f.Requirement) == nil {
		bad = append(bad, medsec.FieldError{Field: "requirement", Key: "err.unknown_value", Message: "is not a scan requirement", Value: f.Requirement})
	}
	if f.State != "" && !slices.Contains(medsec.ScanDueStates, f.State) {
		bad = append(bad, medsec.FieldError{Field: "state", Key: "err.unknown_value", Message: "must be one of never, overdue, due_soon, ok", Value: string(f.State)})
	}
	if len(bad) > 0 {
		return f, &medsec.ValidationError{Errors: bad}
	}
	return f, nil
}

// scanSchedule computes the schedule the request's filter selects.
func (s *Server) scanSchedule(r *http.Request) (*medsec.ScanSchedule, medsec.ScanScheduleFilter, error) {
	if s.Scans == nil {
		return nil, medsec.ScanScheduleFilter{}, errNoComponents()
	}
	f, err := scanScheduleFilter(r)
	if err != nil {
		return nil, f, err
	}
	sched, err := s.Scans.ScanSchedule(r.Context(), f)
	return sched, f, err
}

// apiScanSchedule answers GET /api/v1/scans/schedule: per site and requirement, and per
// asset, when the assets subject to a scan cadence were last scanned and are due.
func (s *Server) apiScanSchedule(w http.ResponseWriter, r *http.Request) error {
	sched, _, err := s.scanSchedule(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sched)
	return nil
}

// scanScheduleData is the scan schedule page.
type scanScheduleData struct {
	Schedule *medsec.ScanSchedule
	Filter   medsec.ScanScheduleFilter
	States   []medsec.ScanDueState
	Sites    map[int64]string
}

// uiScanSchedule shows the scan schedule page (/scans/schedule).
func (s *Server) uiScanSchedule(w http.ResponseWriter, r *http.Request) error {
	sched, f, err := s.scanSchedule(r)
	if err != nil {
		return err
	}
	d := &scanScheduleData{Schedule: sched, Filter: f, States: medsec.ScanDueStates, Sites: map[int64]string{}}
	for _, sum := range sched.Sites {
		d.Sites[sum.SiteID] = sum.SiteName
	}
	p := s.newPage(r, "scans.schedule.title")
	p.Data = d
	s.render(w, r, http.StatusOK, "scan_schedule", p)
	return nil
}

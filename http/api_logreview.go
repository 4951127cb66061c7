package http

import (
	"net/http"

	"medsec"
)

// logReviewAPIRoutes are the routes of periodic log reviews (issue 12; 004 §17): reading
// needs log:read, working and signing off log:review, schedules log:admin; the service
// limits each to the caller's sites and audits every change.
func logReviewAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/logs/reviews", Perm: medsec.PermLogRead, Handler: s.apiLogReviewList},
		{Method: "GET", Path: "/api/v1/logs/reviews/{id}", Perm: medsec.PermLogRead, Handler: s.apiLogReviewGet},
		{Method: "PUT", Path: "/api/v1/logs/reviews/{id}", Perm: medsec.PermLogReview, Handler: s.apiLogReviewUpdate},
		{Method: "POST", Path: "/api/v1/logs/reviews/{id}/sign", Perm: medsec.PermLogReview, Handler: s.apiLogReviewSign},
		{Method: "POST", Path: "/api/v1/logs/reviews/{id}/check", Perm: medsec.PermLogRead, Handler: s.apiLogReviewCheck},
		{Method: "GET", Path: "/api/v1/logs/review-queries", Perm: medsec.PermLogRead, Handler: s.apiLogReviewQueries},
		{Method: "GET", Path: "/api/v1/logs/review-schedules", Perm: medsec.PermLogRead, Handler: s.apiLogReviewSchedules},
		{Method: "PUT", Path: "/api/v1/logs/review-schedules/{site_id}", Perm: medsec.PermLogAdmin, Handler: s.apiLogReviewScheduleSet},
	}
}

// errReviewsOff is the answer when the server runs without log reviews.
func errReviewsOff() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "This server keeps no logs.", Key: "err.logs_off"}
}

func (s *Server) apiLogReviewList(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	q := r.URL.Query()
	rs, err := s.LogReviews.FindLogReviews(r.Context(), medsec.LogReviewFilter{SiteID: queryInt64(r, "site_id"), Status: q.Get("status"), Overdue: q.Get("overdue") == "true"})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.LogReview]{Items: rs, Total: len(rs), Limit: len(rs)})
	return nil
}

func (s *Server) apiLogReviewGet(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rv, err := s.LogReviews.FindLogReview(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

func (s *Server) apiLogReviewUpdate(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var in medsec.LogReviewUpdate
	if err := readJSON(r, &in); err != nil {
		return err
	}
	rv, err := s.LogReviews.UpdateLogReview(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

func (s *Server) apiLogReviewSign(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rv, err := s.LogReviews.SignLogReview(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

func (s *Server) apiLogReviewCheck(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	cs, err := s.LogReviews.CheckLogReview(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"checks": cs})
	return nil
}

// apiLogReviewQueries returns the built-in query sets a reviewer starts from.
func (s *Server) apiLogReviewQueries(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{"patient_record_access": medsec.PatientRecordAccessQueries})
	return nil
}

func (s *Server) apiLogReviewSchedules(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	ss, err := s.LogReviews.LogReviewSchedules(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[medsec.LogReviewSchedule]{Items: ss, Total: len(ss), Limit: len(ss)})
	return nil
}

func (s *Server) apiLogReviewScheduleSet(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	site, err := parseID(r, "site_id")
	if err != nil {
		return err
	}
	var in medsec.LogReviewSchedule
	if err := readJSON(r, &in); err != nil {
		return err
	}
	in.SiteID = site
	if err := s.LogReviews.SetLogReviewSchedule(r.Context(), in); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

package http

import (
	"net/http"

	"medsec"
)

// riskReviewAPIRoutes are the routes of the yearly risk reviews [000 §7(二); 002 第二十一条;
// 004 §4]: reading needs report:read; starting a revision and deciding need report:admin
// (the security officer and the administrator); signing needs report:read, and the
// service holds the officer's signature to risk:sign-officer (the security officer) and
// the leadership's to risk:sign-leadership (the leadership), another person; each is
// limited to the caller's sites and audited.
func riskReviewAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/risk-reviews", Perm: medsec.PermReportRead, Handler: s.apiRiskReviewList},
		{Method: "POST", Path: "/api/v1/risk-reviews", Perm: medsec.PermReportAdmin, Handler: s.apiRiskReviewStart},
		{Method: "GET", Path: "/api/v1/risk-reviews/{id}", Perm: medsec.PermReportRead, Handler: s.apiRiskReviewGet},
		{Method: "PUT", Path: "/api/v1/risk-reviews/{id}/decisions", Perm: medsec.PermReportAdmin, Handler: s.apiRiskReviewDecide},
		{Method: "POST", Path: "/api/v1/risk-reviews/{id}/sign", Perm: medsec.PermReportRead, Handler: s.apiRiskReviewSign},
	}
}

// errRiskReviewsOff is the answer when the server keeps no risk reviews.
func errRiskReviewsOff() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "This server keeps no risk reviews.", Key: "err.reports_off"}
}

func (s *Server) apiRiskReviewList(w http.ResponseWriter, r *http.Request) error {
	if s.RiskReviews == nil {
		return errRiskReviewsOff()
	}
	year := queryInt(r, "year", 0)
	if year < 0 || year > 9999 {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "year", Key: "err.risk_review_year", Message: "must be a year from 2000 to next year"}}}
	}
	rs, err := s.RiskReviews.FindRiskReviews(r.Context(), medsec.RiskReviewFilter{SiteID: queryInt64(r, "site_id"), Year: year})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.RiskReview]{Items: rs, Total: len(rs), Limit: len(rs)})
	return nil
}

func (s *Server) apiRiskReviewStart(w http.ResponseWriter, r *http.Request) error {
	if s.RiskReviews == nil {
		return errRiskReviewsOff()
	}
	var in struct {
		SiteID int64 `json:"site_id"`
		Year   int   `json:"year"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	rv, err := s.RiskReviews.StartRiskReview(r.Context(), in.SiteID, in.Year)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rv)
	return nil
}

func (s *Server) apiRiskReviewGet(w http.ResponseWriter, r *http.Request) error {
	if s.RiskReviews == nil {
		return errRiskReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rv, err := s.RiskReviews.FindRiskReview(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

func (s *Server) apiRiskReviewDecide(w http.ResponseWriter, r *http.Request) error {
	if s.RiskReviews == nil {
		return errRiskReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Decisions []medsec.RiskDecision `json:"decisions"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	rv, err := s.RiskReviews.DecideRisks(r.Context(), id, in.Decisions)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

func (s *Server) apiRiskReviewSign(w http.ResponseWriter, r *http.Request) error {
	if s.RiskReviews == nil {
		return errRiskReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		As    string `json:"as"`
		Title string `json:"title"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	rv, err := s.RiskReviews.SignRiskReview(r.Context(), id, in.As, in.Title)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

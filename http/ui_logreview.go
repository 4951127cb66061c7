package http

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"medsec"
)

// logReviewUIRoutes registers the log review pages [004 §17]: the list with each site's
// schedule, a review's page (findings, queries and their hashes, re-run, sign-off).
func (s *Server) logReviewUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /logs/reviews", s.ui(medsec.PermLogRead, s.uiLogReviewList))
	mux.Handle("POST /logs/reviews/schedule", s.ui(medsec.PermLogAdmin, s.uiLogReviewSchedule))
	mux.Handle("GET /logs/reviews/{id}", s.ui(medsec.PermLogRead, s.uiLogReviewShow))
	mux.Handle("POST /logs/reviews/{id}", s.ui(medsec.PermLogReview, s.uiLogReviewUpdate))
	mux.Handle("POST /logs/reviews/{id}/sign", s.ui(medsec.PermLogReview, s.uiLogReviewSign))
	mux.Handle("POST /logs/reviews/{id}/check", s.ui(medsec.PermLogRead, s.uiLogReviewCheck))
}

// logReviewListData is the reviews page: the reviews of the caller's sites, newest first,
// and each site's schedule.
type logReviewListData struct {
	Reviews   []*medsec.LogReview
	Schedules []medsec.LogReviewSchedule
	SiteNames map[int64]string
	Status    string
}

func (s *Server) siteNames(r *http.Request) (map[int64]string, error) {
	names := map[int64]string{}
	sites, err := s.Org.FindSites(r.Context())
	for _, site := range sites {
		names[site.ID] = site.Name
	}
	return names, err
}

func (s *Server) renderLogReviewList(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	d := &logReviewListData{Status: r.URL.Query().Get("status")}
	var err error
	f := medsec.LogReviewFilter{Status: d.Status}
	if d.Status == "overdue" {
		f = medsec.LogReviewFilter{Overdue: true}
	}
	if d.Reviews, err = s.LogReviews.FindLogReviews(r.Context(), f); err != nil {
		return err
	}
	if d.Schedules, err = s.LogReviews.LogReviewSchedules(r.Context()); err != nil {
		return err
	}
	if d.SiteNames, err = s.siteNames(r); err != nil {
		return err
	}
	p := s.newPage(r, "logreview.title")
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "log_reviews", p)
	return nil
}

func (s *Server) uiLogReviewList(w http.ResponseWriter, r *http.Request) error {
	return s.renderLogReviewList(w, r, http.StatusOK, nil)
}

func (s *Server) uiLogReviewSchedule(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	site, _ := strconv.ParseInt(r.PostFormValue("site_id"), 10, 64)
	days, err := strconv.Atoi(r.PostFormValue("due_days"))
	if err != nil {
		days = -1 // refused by Validate, naming the field
	}
	err = s.LogReviews.SetLogReviewSchedule(r.Context(), medsec.LogReviewSchedule{SiteID: site, Cadence: strings.TrimSpace(r.PostFormValue("cadence")), DueDays: days})
	if err != nil {
		return s.renderLogReviewList(w, r, errorStatus(err), err)
	}
	flash(w, "logreview.schedule_saved")
	http.Redirect(w, r, "/logs/reviews", http.StatusSeeOther)
	return nil
}

// logReviewData is one review's page. Rows are the query rows of the form: the review's
// queries (or the built-in patient record set for a review without any) and empty rows
// to add more; Checks the result of a re-run.
type logReviewData struct {
	Review   *medsec.LogReview
	SiteName string
	Rows     []medsec.LogReviewQuery
	Checks   []medsec.LogReviewCheck
	Findings string
}

func (s *Server) renderLogReview(w http.ResponseWriter, r *http.Request, status int, d *logReviewData, formErr error) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if d.Review, err = s.LogReviews.FindLogReview(r.Context(), id); err != nil {
		return err
	}
	names, err := s.siteNames(r)
	if err != nil {
		return err
	}
	d.SiteName = names[d.Review.SiteID]
	p := s.newPage(r, "logreview.review_title")
	if d.Rows == nil {
		d.Rows, d.Findings = d.Review.Queries, d.Review.Findings
		if len(d.Rows) == 0 {
			// The built-in set, named in the page's language.
			d.Rows = slices.Clone(medsec.PatientRecordAccessQueries)
			for i := range d.Rows {
				d.Rows[i].Name = p.T(fmt.Sprintf("logreview.builtin_%d", i))
			}
		}
	}
	if d.Review.Status == medsec.LogReviewOpen {
		for n := min(len(d.Rows)+3, medsec.MaxLogReviewQueries); len(d.Rows) < n; {
			d.Rows = append(d.Rows, medsec.LogReviewQuery{})
		}
	}
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "log_review", p)
	return nil
}

func (s *Server) uiLogReviewShow(w http.ResponseWriter, r *http.Request) error {
	return s.renderLogReview(w, r, http.StatusOK, &logReviewData{}, nil)
}

// reviewForm reads the review form: the findings and the query rows (name_N, query_N),
// skipping empty rows.
func reviewForm(r *http.Request) (medsec.LogReviewUpdate, []medsec.LogReviewQuery) {
	u := medsec.LogReviewUpdate{Findings: strings.TrimSpace(r.PostFormValue("findings"))}
	var rows []medsec.LogReviewQuery
	for i := range medsec.MaxLogReviewQueries + 3 {
		q := medsec.LogReviewQuery{Name: strings.TrimSpace(r.PostFormValue(fmt.Sprintf("name_%d", i))), Query: strings.TrimSpace(r.PostFormValue(fmt.Sprintf("query_%d", i)))}
		if q.Name == "" && q.Query == "" {
			continue
		}
		rows = append(rows, q)
	}
	u.Queries = rows
	return u, rows
}

func (s *Server) uiLogReviewUpdate(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	u, rows := reviewForm(r)
	if _, err := s.LogReviews.UpdateLogReview(r.Context(), id, u); err != nil {
		return s.renderLogReview(w, r, errorStatus(err), &logReviewData{Rows: rows, Findings: u.Findings}, err)
	}
	flash(w, "logreview.saved")
	http.Redirect(w, r, fmt.Sprintf("/logs/reviews/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiLogReviewSign(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.LogReviews.SignLogReview(r.Context(), id); err != nil {
		return s.renderLogReview(w, r, errorStatus(err), &logReviewData{}, err)
	}
	flash(w, "logreview.sign_done")
	http.Redirect(w, r, fmt.Sprintf("/logs/reviews/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiLogReviewCheck(w http.ResponseWriter, r *http.Request) error {
	if s.LogReviews == nil {
		return errReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	checks, err := s.LogReviews.CheckLogReview(r.Context(), id)
	if err != nil {
		return s.renderLogReview(w, r, errorStatus(err), &logReviewData{}, err)
	}
	return s.renderLogReview(w, r, http.StatusOK, &logReviewData{Checks: checks}, nil)
}

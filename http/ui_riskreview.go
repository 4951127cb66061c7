package http

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"medsec"
)

// riskReviewUIRoutes registers the yearly risk review pages [000 §7(二); 002 第二十一条; 004
// §4]: the reviews of the caller's sites with the form that starts a revision, and one
// review's page where the security officer decides on each risk and the officer and the
// hospital's leadership sign (each signature needs its own permission, which the service
// checks).
func (s *Server) riskReviewUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /risk-reviews", s.ui(medsec.PermReportRead, s.uiRiskReviewList))
	mux.Handle("POST /risk-reviews", s.ui(medsec.PermReportAdmin, s.uiRiskReviewStart))
	mux.Handle("GET /risk-reviews/{id}", s.ui(medsec.PermReportRead, s.uiRiskReviewShow))
	mux.Handle("POST /risk-reviews/{id}", s.ui(medsec.PermReportAdmin, s.uiRiskReviewDecide))
	mux.Handle("POST /risk-reviews/{id}/sign", s.ui(medsec.PermReportRead, s.uiRiskReviewSign))
}

// riskReviewListData is the list page: the reviews, the sites a revision may be started
// for and the year the form proposes (the last whole year).
type riskReviewListData struct {
	Reviews []*medsec.RiskReview
	Sites   []*medsec.Site
	Year    int
}

func (s *Server) renderRiskReviewList(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	if s.RiskReviews == nil {
		return errRiskReviewsOff()
	}
	d := &riskReviewListData{Year: s.now().Year() - 1}
	var err error
	if d.Reviews, err = s.RiskReviews.FindRiskReviews(r.Context(), medsec.RiskReviewFilter{}); err != nil {
		return err
	}
	if d.Sites, err = s.Org.FindSites(r.Context()); err != nil {
		return err
	}
	p := s.newPage(r, "riskreview.list_title")
	p.Data = d
	p.FieldLabels = map[string]string{"year": "riskreview.year", "site_id": "field.site"}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "risk_reviews", p)
	return nil
}

func (s *Server) uiRiskReviewList(w http.ResponseWriter, r *http.Request) error {
	return s.renderRiskReviewList(w, r, http.StatusOK, nil)
}

func (s *Server) uiRiskReviewStart(w http.ResponseWriter, r *http.Request) error {
	if s.RiskReviews == nil {
		return errRiskReviewsOff()
	}
	site, _ := strconv.ParseInt(r.PostFormValue("site_id"), 10, 64)
	year, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	if err != nil {
		return s.renderRiskReviewList(w, r, http.StatusUnprocessableEntity,
			&medsec.ValidationError{Errors: []medsec.FieldError{{Field: "year", Key: "err.risk_review_year", Value: r.PostFormValue("year"), Message: "must be a year from 2000 to next year"}}})
	}
	rv, err := s.RiskReviews.StartRiskReview(r.Context(), site, year)
	if err != nil {
		if medsec.ErrorCode(err) == medsec.ENOTFOUND {
			if obj, site := medsec.DeniedObject(err); obj != "" {
				s.deniedAt(r, obj, site)
			}
			err = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "site_id", Key: "err.site_not_found", Message: "Site not found."}}}
		}
		if errorStatus(err) != http.StatusUnprocessableEntity {
			return err
		}
		return s.renderRiskReviewList(w, r, http.StatusUnprocessableEntity, err)
	}
	flash(w, "riskreview.started")
	http.Redirect(w, r, fmt.Sprintf("/risk-reviews/%d", rv.ID), http.StatusSeeOther)
	return nil
}

// riskReviewData is one review's page; Decisions holds what a refused form said, by seq.
type riskReviewData struct {
	Review    *medsec.RiskReview
	Decisions map[int]medsec.RiskDecision
	Options   []string
}

func (s *Server) renderRiskReview(w http.ResponseWriter, r *http.Request, status int, decisions map[int]medsec.RiskDecision, formErr error) error {
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
	if decisions == nil {
		decisions = map[int]medsec.RiskDecision{}
		for _, it := range rv.Items {
			decisions[it.Seq] = medsec.RiskDecision{Seq: it.Seq, Decision: it.Decision, Reason: it.Reason, Owner: it.Owner, Due: it.Due}
		}
	}
	p := s.newPage(r, "riskreview.title")
	p.Data = &riskReviewData{Review: rv, Decisions: decisions, Options: medsec.RiskDecisions}
	// Each problem names its risk by number and subject, and the field by its column.
	p.FieldNames = map[string]string{}
	for _, it := range rv.Items {
		subject := it.Subject
		if it.SubjectMsg != nil {
			subject = p.Msg(it.SubjectMsg)
		}
		f := fmt.Sprintf("decisions.%d", it.Seq)
		p.FieldNames[f] = p.T("riskreview.item", it.Seq, subject)
		for field, key := range map[string]string{"seq": "report.id", "decision": "report.risk_decision", "reason": "report.risk_reason", "owner": "report.owner", "due": "report.due"} {
			p.FieldNames[f+"."+field] = p.T("riskreview.item_field", it.Seq, subject, p.T(key))
		}
	}
	if formErr != nil && medsec.ErrorCode(formErr) == medsec.EFORBIDDEN {
		var e *medsec.Error
		if errors.As(formErr, &e) {
			formErr = &medsec.Error{Code: medsec.EINVALID, Message: e.Message, Key: e.Key}
		}
	}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "risk_review", p)
	return nil
}

func (s *Server) uiRiskReviewShow(w http.ResponseWriter, r *http.Request) error {
	return s.renderRiskReview(w, r, http.StatusOK, nil, nil)
}

// uiRiskReviewDecide records the form's decisions: decision_SEQ, reason_SEQ, owner_SEQ and
// due_SEQ for each item (item lists the seqs); items left without a decision are not sent.
func (s *Server) uiRiskReviewDecide(w http.ResponseWriter, r *http.Request) error {
	if s.RiskReviews == nil {
		return errRiskReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return medsec.Errorf(medsec.EINVALID, "The form could not be read.")
	}
	var ds []medsec.RiskDecision
	given := map[int]medsec.RiskDecision{}
	var errs []medsec.FieldError
	for _, v := range r.PostForm["item"] {
		seq, err := strconv.Atoi(v)
		if err != nil {
			continue
		}
		f := func(name string) string { return strings.TrimSpace(r.PostFormValue(fmt.Sprintf("%s_%d", name, seq))) }
		d := medsec.RiskDecision{Seq: seq, Decision: f("decision"), Reason: f("reason"), Owner: f("owner")}
		if due := f("due"); due != "" {
			if d.Due, err = medsec.ParseDate(due); err != nil {
				errs = append(errs, medsec.FieldError{Field: fmt.Sprintf("decisions.%d.due", seq), Key: "err.bad_date", Value: due, Message: "is not a date (YYYY-MM-DD)"})
			}
		}
		given[seq] = d
		if d.Decision != "" || d.Reason != "" {
			ds = append(ds, d)
		}
	}
	if len(errs) > 0 {
		// Every problem at once: the dates not read, and what the decisions lack besides
		// (the service's own checks, medsec.RiskDecision.Validate).
		bad := map[string]bool{}
		for _, fe := range errs {
			bad[fe.Field] = true
		}
		for _, d := range ds {
			for _, fe := range d.Validate() {
				if !bad[fe.Field] {
					errs = append(errs, fe)
				}
			}
		}
		return s.renderRiskReview(w, r, http.StatusUnprocessableEntity, given, &medsec.ValidationError{Errors: errs})
	}
	if _, err := s.RiskReviews.DecideRisks(r.Context(), id, ds); err != nil {
		if status := errorStatus(err); status == http.StatusUnprocessableEntity || status == http.StatusConflict {
			return s.renderRiskReview(w, r, status, given, err)
		}
		return err
	}
	flash(w, "riskreview.saved")
	http.Redirect(w, r, fmt.Sprintf("/risk-reviews/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiRiskReviewSign(w http.ResponseWriter, r *http.Request) error {
	if s.RiskReviews == nil {
		return errRiskReviewsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.RiskReviews.SignRiskReview(r.Context(), id, r.PostFormValue("as"), r.PostFormValue("title")); err != nil {
		if status := errorStatus(err); status == http.StatusUnprocessableEntity || status == http.StatusConflict || status == http.StatusForbidden {
			return s.renderRiskReview(w, r, status, nil, err)
		}
		return err
	}
	flash(w, "riskreview.signed")
	http.Redirect(w, r, fmt.Sprintf("/risk-reviews/%d", id), http.StatusSeeOther)
	return nil
}

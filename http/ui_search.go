package http

import (
	"errors"
	"net/http"
	"strings"

	"medsec"
)

// searchData is the search results page.
type searchData struct {
	Query   string
	Results *medsec.SearchResults
}

// uiSearch shows what the search box found, one section per kind the user may read, each
// hit linking to its page and each section to its filtered list where one exists.
func (s *Server) uiSearch(w http.ResponseWriter, r *http.Request) error {
	if s.Search == nil {
		return errNoComponents()
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := s.newPage(r, "search.title")
	d := &searchData{Query: q}
	p.Data = d
	if q == "" {
		s.render(w, r, http.StatusOK, "search", p)
		return nil
	}
	res, err := s.Search.Search(r.Context(), q, 10)
	var ve *medsec.ValidationError
	if errors.As(err, &ve) {
		p.Error, p.Errors = p.T("err.invalid_form"), ve.Errors
		p.FieldLabels = map[string]string{"q": "search.label"}
		s.render(w, r, http.StatusUnprocessableEntity, "search", p)
		return nil
	} else if err != nil {
		return err
	}
	d.Results = res
	s.render(w, r, http.StatusOK, "search", p)
	return nil
}

// apiSearch answers GET /api/v1/search?q=...&limit=N (hits per kind, 1 to medsec.MaxPageSize, default 10).
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	if s.Search == nil {
		return errNoComponents()
	}
	limit, err := medsec.PageLimit(queryInt(r, "limit", 0), 10)
	if err != nil {
		return err
	}
	res, err := s.Search.Search(r.Context(), r.URL.Query().Get("q"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// SearchAuditText says what an audit entry found by a search did, in the page's language,
// as the audit trail's list does ("changed asset #12").
func (p *page) SearchAuditText(h medsec.SearchHit) string {
	return p.AuditSummary(&medsec.AuditEntry{Action: h.Status, ObjectType: h.Ref, ObjectID: h.ObjectID})
}

package http

import (
	"net/http"
	"net/url"

	"medsec"
)

// auditListData is the audit trail page.
type auditListData struct {
	Entries          []*medsec.AuditEntry
	Total            int
	Filter           medsec.AuditFilter
	Query            url.Values
	Prev, Next       int
	HasPrev, HasNext bool
}

func (s *Server) uiAuditList(w http.ResponseWriter, r *http.Request) error {
	f := auditFilter(r, 50)
	entries, total, err := s.Audit.FindAuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	q.Del("offset")
	p := s.newPage(r, "audit.title")
	p.Data = &auditListData{Entries: entries, Total: total, Filter: f, Query: q,
		Prev: max(f.Offset-f.Limit, 0), Next: f.Offset + f.Limit, HasPrev: f.Offset > 0, HasNext: f.Offset+f.Limit < total}
	s.render(w, r, http.StatusOK, "audit_list", p)
	return nil
}

// uiAuditShow shows one whole audit entry: the list leaves out before and after values
// too long to list (medsec sqlstore.AuditListValueMax) and links here.
func (s *Server) uiAuditShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.Audit.FindAuditEntry(r.Context(), id)
	if err != nil {
		return err
	}
	p := s.newPage(r, "audit.entry")
	p.Data = e
	s.render(w, r, http.StatusOK, "audit_show", p)
	return nil
}

package http

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"medsec"
)

// auditFilter reads an audit filter from the query string.
func auditFilter(r *http.Request, defaultLimit int) medsec.AuditFilter {
	q := r.URL.Query()
	f := medsec.AuditFilter{Action: q.Get("action"), Username: q.Get("user"), ObjectType: q.Get("object_type"),
		ObjectID: queryInt64(r, "object_id"), Offset: queryInt(r, "offset", 0), Limit: queryInt(r, "limit", defaultLimit)}
	if t, err := time.Parse(time.DateOnly, q.Get("since")); err == nil {
		f.Since = t
	}
	if t, err := time.Parse(time.DateOnly, q.Get("until")); err == nil {
		f.Until = t.AddDate(0, 0, 1)
	}
	return f
}

func (s *Server) apiAuditList(w http.ResponseWriter, r *http.Request) error {
	f := auditFilter(r, 100)
	entries, total, err := s.Audit.FindAuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []*medsec.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, list[*medsec.AuditEntry]{Items: entries, Total: total, Offset: f.Offset, Limit: f.Limit})
	return nil
}

// exportAudit writes the selected audit entries as CSV, newest first, up to 100,000.
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) error {
	f := auditFilter(r, 100000)
	f.Offset, f.Limit = 0, 100000
	entries, _, err := s.Audit.FindAuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="medsec-audit.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "at", "user", "action", "object_type", "object_id", "site_id", "remote_addr", "detail", "before", "after"})
	for _, e := range entries {
		cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), e.Username, e.Action, e.ObjectType,
			strconv.FormatInt(e.ObjectID, 10), strconv.FormatInt(e.SiteID, 10), e.RemoteAddr, e.Detail, string(e.Before), string(e.After)})
	}
	cw.Flush()
	return cw.Error()
}

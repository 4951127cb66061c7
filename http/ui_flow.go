package http

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"medsec"
)

// flowImportData is the flow import page.
type flowImportData struct {
	siteChoice
	Flows []*medsec.Flow
	Total int
}

func (s *Server) flowImportPage(w http.ResponseWriter, r *http.Request, status int, c siteChoice, p *page) error {
	flows, total, err := s.Zones.FindFlows(r.Context(), c.SiteID, 50)
	if err != nil {
		return err
	}
	p.Data = &flowImportData{siteChoice: c, Flows: flows, Total: total}
	s.render(w, r, status, "flow_import", p)
	return nil
}

func (s *Server) uiFlowImport(w http.ResponseWriter, r *http.Request) error {
	c, err := s.chooseSite(r)
	if err != nil {
		return err
	}
	return s.flowImportPage(w, r, http.StatusOK, c, s.newPage(r, "flows.import"))
}

// uiFlowImportPost imports an uploaded CSV of flows for the chosen site, all or nothing.
func (s *Server) uiFlowImportPost(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "flows.import")
	name, data, err := uploadedFile(r)
	c, cerr := s.chooseSite(r)
	if cerr != nil {
		return cerr
	}
	if err == nil {
		var n int
		n, err = s.Zones.ImportFlowsCSV(r.Context(), c.SiteID, bytes.NewReader(data), name)
		if err == nil {
			p.Flash = p.T("flows.imported", name, n)
			return s.flowImportPage(w, r, http.StatusOK, c, p)
		}
	}
	var ve *medsec.ValidationError
	var e *medsec.Error
	switch {
	case errors.As(err, &ve):
		p.Error = p.T("import.rejected", name, len(ve.Errors))
		p.Errors = ve.Errors
	case errors.As(err, &e) && e.Code == medsec.EINVALID:
		p.Error = p.T(e.Key, e.Args...)
	default:
		return err
	}
	return s.flowImportPage(w, r, http.StatusUnprocessableEntity, c, p)
}

// requiredSiteParam reads the required "site" query parameter of an API call.
func requiredSiteParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.URL.Query().Get("site"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "site", Key: "err.required", Message: "the site query parameter is required"}}}
	}
	return id, nil
}

package http

import (
	"bytes"
	"net/http"

	"medsec"
)

func (s *Server) apiFlowList(w http.ResponseWriter, r *http.Request) error {
	site, err := requiredSiteParam(r)
	if err != nil {
		return err
	}
	limit := queryInt(r, "limit", 100)
	flows, total, err := s.Zones.FindFlows(r.Context(), site, limit)
	if err != nil {
		return err
	}
	if flows == nil {
		flows = []*medsec.Flow{}
	}
	writeJSON(w, http.StatusOK, list[*medsec.Flow]{Items: flows, Total: total, Limit: limit})
	return nil
}

// apiFlowImport takes a CSV of flows (multipart "file" field or the raw body) for the site
// named by the "site" query parameter and imports it all or nothing.
func (s *Server) apiFlowImport(w http.ResponseWriter, r *http.Request) error {
	site, err := requiredSiteParam(r)
	if err != nil {
		return err
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return err
	}
	n, err := s.Zones.ImportFlowsCSV(r.Context(), site, bytes.NewReader(data), name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"imported": n})
	return nil
}

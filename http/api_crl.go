package http

import (
	"net/http"

	"medsec"
)

func (s *Server) apiCRLList(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rs, err := s.Zones.FindCRLReviews(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.CRLReview]{Items: rs, Total: len(rs), Limit: len(rs)})
	return nil
}

func (s *Server) apiCRLCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var rv medsec.CRLReview
	if err := readJSON(r, &rv); err != nil {
		return err
	}
	rv.AssetID, rv.ID = id, 0
	if err := s.Zones.CreateCRLReview(r.Context(), &rv); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &rv)
	return nil
}

func (s *Server) apiCRLMissing(w http.ResponseWriter, r *http.Request) error {
	site, err := requiredSiteParam(r)
	if err != nil {
		return err
	}
	assets, err := s.Zones.MissingCRLReviews(r.Context(), site)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.Asset]{Items: assets, Total: len(assets), Limit: len(assets)})
	return nil
}

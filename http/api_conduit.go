package http

import (
	"net/http"

	"medsec"
)

func (s *Server) apiConduitList(w http.ResponseWriter, r *http.Request) error {
	site, err := requiredSiteParam(r)
	if err != nil {
		return err
	}
	cs, err := s.Zones.FindConduits(r.Context(), site)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []*medsec.Conduit{}
	}
	writeJSON(w, http.StatusOK, list[*medsec.Conduit]{Items: cs, Total: len(cs), Limit: len(cs)})
	return nil
}

func (s *Server) apiConduitCreate(w http.ResponseWriter, r *http.Request) error {
	var c medsec.Conduit
	if err := readJSON(r, &c); err != nil {
		return err
	}
	if err := s.Zones.CreateConduit(r.Context(), &c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &c)
	return nil
}

func (s *Server) apiConduitGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Zones.FindConduitByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiConduitUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var c medsec.Conduit
	if err := readJSON(r, &c); err != nil {
		return err
	}
	c.ID = id
	if err := s.Zones.UpdateConduit(r.Context(), &c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &c)
	return nil
}

func (s *Server) apiConduitDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Zones.DeleteConduit(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

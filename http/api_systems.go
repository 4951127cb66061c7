package http

import (
	"net/http"

	"medsec"
	"medsec/systemio"
)

// systemAPIRoutes are the routes of the clinical systems [issue 15 M6, M10]: reading needs
// account:read, changes account:write; the service limits each to the systems of the
// caller's sites, refuses vendor users, and audits every change.
func systemAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/systems", Perm: medsec.PermAccountRead, Handler: s.apiSystemList},
		{Method: "POST", Path: "/api/v1/systems", Perm: medsec.PermAccountWrite, Handler: s.apiSystemCreate},
		{Method: "GET", Path: "/api/v1/systems/{id}", Perm: medsec.PermAccountRead, Handler: s.apiSystemGet},
		{Method: "PUT", Path: "/api/v1/systems/{id}", Perm: medsec.PermAccountWrite, Handler: s.apiSystemUpdate},
		{Method: "DELETE", Path: "/api/v1/systems/{id}", Perm: medsec.PermAccountWrite, Handler: s.apiSystemDelete},
		{Method: "POST", Path: "/api/v1/systems/{id}/members", Perm: medsec.PermAccountWrite, Handler: s.apiSystemMembers},
		{Method: "POST", Path: "/api/v1/systems/import", Perm: medsec.PermAccountWrite, Handler: s.apiSystemImport},
	}
}

func (s *Server) apiSystemList(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	cs, err := s.Systems.FindClinicalSystems(r.Context(), medsec.ClinicalSystemFilter{SiteID: queryInt64(r, "site_id"), AssetID: queryInt64(r, "asset_id")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.ClinicalSystem]{Items: cs, Total: len(cs), Limit: len(cs)})
	return nil
}

func (s *Server) apiSystemCreate(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	var c medsec.ClinicalSystem
	if err := readJSON(r, &c); err != nil {
		return err
	}
	c.ID = 0
	if err := s.Systems.CreateClinicalSystem(r.Context(), &c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &c)
	return nil
}

func (s *Server) apiSystemGet(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Systems.FindClinicalSystem(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiSystemUpdate(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var c medsec.ClinicalSystem
	if err := readJSON(r, &c); err != nil {
		return err
	}
	c.ID = id
	if err := s.Systems.UpdateClinicalSystem(r.Context(), &c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &c)
	return nil
}

func (s *Server) apiSystemDelete(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Systems.DeleteClinicalSystem(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// systemMembersRequest adds and removes member assets by ID.
type systemMembersRequest struct {
	Add    []int64 `json:"add"`
	Remove []int64 `json:"remove"`
}

func (s *Server) apiSystemMembers(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var req systemMembersRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	c, err := s.Systems.SetSystemMembers(r.Context(), id, req.Add, req.Remove)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// apiSystemImport imports a spreadsheet of clinical systems (systemio.ReadSystems): all
// rows or none, 422 naming the file, line and column of every problem.
func (s *Server) apiSystemImport(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return err
	}
	res, err := s.Systems.ImportClinicalSystems(r.Context(), systemio.ReadSystems(data, name))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

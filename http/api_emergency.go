package http

import (
	"net/http"

	"medsec"
)

// emergencyAPIRoutes are the routes of emergency-account uses [004 §11 ①]: reading needs
// account:read, the justification and the reset confirmation account:write; the service
// limits each to the caller's sites and audits every change.
func emergencyAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/emergency-uses", Perm: medsec.PermAccountRead, Handler: s.apiEmergencyUseList},
		{Method: "GET", Path: "/api/v1/emergency-uses/{id}", Perm: medsec.PermAccountRead, Handler: s.apiEmergencyUseGet},
		{Method: "PUT", Path: "/api/v1/emergency-uses/{id}/justification", Perm: medsec.PermAccountWrite, Handler: s.apiEmergencyUseJustify},
		{Method: "POST", Path: "/api/v1/emergency-uses/{id}/reset", Perm: medsec.PermAccountWrite, Handler: s.apiEmergencyUseReset},
	}
}

// emergencyUseFilter reads site_id, asset_id, open and overdue from the query.
func emergencyUseFilter(r *http.Request) medsec.EmergencyUseFilter {
	q := r.URL.Query()
	return medsec.EmergencyUseFilter{SiteID: queryInt64(r, "site_id"), AssetID: queryInt64(r, "asset_id"), Open: q.Get("open") == "true", Overdue: q.Get("overdue") == "true"}
}

func (s *Server) apiEmergencyUseList(w http.ResponseWriter, r *http.Request) error {
	if s.EmergencyUses == nil {
		return errAccountsOff()
	}
	us, err := s.EmergencyUses.FindEmergencyUses(r.Context(), emergencyUseFilter(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.EmergencyUse]{Items: us, Total: len(us), Limit: len(us)})
	return nil
}

func (s *Server) apiEmergencyUseGet(w http.ResponseWriter, r *http.Request) error {
	if s.EmergencyUses == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.EmergencyUses.FindEmergencyUse(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) apiEmergencyUseJustify(w http.ResponseWriter, r *http.Request) error {
	if s.EmergencyUses == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Justification string `json:"justification"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	u, err := s.EmergencyUses.JustifyEmergencyUse(r.Context(), id, in.Justification)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) apiEmergencyUseReset(w http.ResponseWriter, r *http.Request) error {
	if s.EmergencyUses == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if r.ContentLength != 0 {
		if err := readJSON(r, &in); err != nil {
			return err
		}
	}
	u, err := s.EmergencyUses.ConfirmEmergencyReset(r.Context(), id, in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

package http

import (
	"net/http"

	"medsec"
)

// maintenanceAPIRoutes are the routes of maintenance vendors' approved plans [004 §10 ④]:
// reading needs account:read, entering a plan account:write; the service limits both to
// the caller's sites and audits every plan.
func maintenanceAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/maintenance-plans", Perm: medsec.PermAccountRead, Handler: s.apiMaintenancePlanList},
		{Method: "POST", Path: "/api/v1/maintenance-plans", Perm: medsec.PermAccountWrite, Handler: s.apiMaintenancePlanCreate},
	}
}

func (s *Server) apiMaintenancePlanList(w http.ResponseWriter, r *http.Request) error {
	if s.MaintenancePlans == nil {
		return errAccountsOff()
	}
	ps, err := s.MaintenancePlans.FindMaintenancePlans(r.Context(), medsec.MaintenancePlanFilter{SiteID: queryInt64(r, "site_id"), AssetID: queryInt64(r, "asset_id")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.MaintenancePlan]{Items: ps, Total: len(ps), Limit: len(ps)})
	return nil
}

func (s *Server) apiMaintenancePlanCreate(w http.ResponseWriter, r *http.Request) error {
	if s.MaintenancePlans == nil {
		return errAccountsOff()
	}
	var p medsec.MaintenancePlan
	if err := readJSON(r, &p); err != nil {
		return err
	}
	if err := s.MaintenancePlans.CreateMaintenancePlan(r.Context(), &p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &p)
	return nil
}

package http

import (
	"net/http"

	"medsec"
)

// maintenanceAPIRoutes are the routes of maintenance vendors' plans [004 §10 ④, §10.1
// 事前申請・承認]: reading needs account:read, requesting a plan account:write, entering an
// approved plan or deciding a request maintenance:approve (never the request's own
// requester); the service limits all to the caller's sites and audits every change.
func maintenanceAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/maintenance-plans", Perm: medsec.PermAccountRead, Handler: s.apiMaintenancePlanList},
		{Method: "POST", Path: "/api/v1/maintenance-plans", Perm: medsec.PermMaintenanceApprove, Handler: s.apiMaintenancePlanCreate},
		{Method: "POST", Path: "/api/v1/maintenance-requests", Perm: medsec.PermAccountWrite, Handler: s.apiMaintenancePlanRequest},
		{Method: "POST", Path: "/api/v1/maintenance-plans/{id}/decision", Perm: medsec.PermMaintenanceApprove, Handler: s.apiMaintenancePlanDecide},
	}
}

func (s *Server) apiMaintenancePlanList(w http.ResponseWriter, r *http.Request) error {
	if s.MaintenancePlans == nil {
		return errAccountsOff()
	}
	ps, err := s.MaintenancePlans.FindMaintenancePlans(r.Context(), medsec.MaintenancePlanFilter{SiteID: queryInt64(r, "site_id"), AssetID: queryInt64(r, "asset_id"), Status: r.URL.Query().Get("status")})
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

// apiMaintenancePlanRequest files a plan for approval by another user.
func (s *Server) apiMaintenancePlanRequest(w http.ResponseWriter, r *http.Request) error {
	if s.MaintenancePlans == nil {
		return errAccountsOff()
	}
	var p medsec.MaintenancePlan
	if err := readJSON(r, &p); err != nil {
		return err
	}
	if err := s.MaintenancePlans.RequestMaintenancePlan(r.Context(), &p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &p)
	return nil
}

// apiMaintenancePlanDecide approves or refuses a requested plan.
func (s *Server) apiMaintenancePlanDecide(w http.ResponseWriter, r *http.Request) error {
	if s.MaintenancePlans == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var d medsec.MaintenanceDecision
	if err := readJSON(r, &d); err != nil {
		return err
	}
	p, err := s.MaintenancePlans.DecideMaintenancePlan(r.Context(), id, d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

package http

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"medsec"
)

// maintenanceUIRoutes registers the maintenance plans page [004 §10 ④, §10.1]: the
// vendors' plans with their status, the form to request one (or, for an approver, enter
// one approved), the approvers' decision on each request, and the alerts of vendor logins
// outside every approved plan.
func (s *Server) maintenanceUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /accounts/maintenance", s.ui(medsec.PermAccountRead, s.uiMaintenancePlans))
	mux.Handle("POST /accounts/maintenance", s.ui(medsec.PermMaintenanceApprove, s.uiMaintenancePlanCreate))
	mux.Handle("POST /accounts/maintenance/request", s.ui(medsec.PermAccountWrite, s.uiMaintenancePlanRequest))
	mux.Handle("POST /accounts/maintenance/{id}/decision", s.ui(medsec.PermMaintenanceApprove, s.uiMaintenancePlanDecide))
}

// maintenanceData is the plans page with what a refused form said.
type maintenanceData struct {
	Plans   []*medsec.MaintenancePlan
	Alerts  []*medsec.Alert
	Vendors []*medsec.Vendor
	Assets  []*medsec.Asset
	Form    maintenanceForm
	// Me is the caller's user name: a request's own requester is offered no decision.
	Me string
	// DecideID and Note are a refused decision's plan and what it said.
	DecideID int64
	Note     string
}

// maintenanceForm is the plan form as entered.
type maintenanceForm struct {
	VendorID                      int64
	AssetIDs                      map[int64]bool
	Engineer, Purpose, Start, End string
}

func (s *Server) renderMaintenance(w http.ResponseWriter, r *http.Request, status int, form maintenanceForm, formErr error) error {
	return s.renderMaintenanceDecision(w, r, status, 0, "", formErr, form)
}

// renderMaintenanceDecision shows the plans page with a refused decision's plan and note,
// or a refused plan form.
func (s *Server) renderMaintenanceDecision(w http.ResponseWriter, r *http.Request, status int, decideID int64, note string, formErr error, forms ...maintenanceForm) error {
	if s.MaintenancePlans == nil {
		return errAccountsOff()
	}
	var form maintenanceForm
	if len(forms) > 0 {
		form = forms[0]
	}
	d := &maintenanceData{Form: form, Me: medsec.UserFromContext(r.Context()).Username, DecideID: decideID, Note: note}
	var err error
	if d.Plans, err = s.MaintenancePlans.FindMaintenancePlans(r.Context(), medsec.MaintenancePlanFilter{}); err != nil {
		return err
	}
	if s.Alerts != nil && s.Rules != nil && medsec.UserFromContext(r.Context()).Role.Can(medsec.PermAlertRead) {
		rules, err := s.Rules.FindRules(r.Context(), medsec.RuleFilter{Query: medsec.RuleUIDVendorUnplanned})
		if err != nil {
			return err
		}
		if len(rules) == 1 {
			if d.Alerts, _, err = s.Alerts.FindAlerts(r.Context(), medsec.AlertFilter{RuleID: rules[0].ID, Limit: 50}); err != nil {
				return err
			}
		}
	}
	if d.Vendors, err = s.Org.FindVendors(r.Context()); err != nil {
		return err
	}
	if d.Assets, err = s.accountAssets(r); err != nil {
		return err
	}
	p := s.newPage(r, "maintenance.title")
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "maintenance", p)
	return nil
}

func (s *Server) uiMaintenancePlans(w http.ResponseWriter, r *http.Request) error {
	return s.renderMaintenance(w, r, http.StatusOK, maintenanceForm{}, nil)
}

// uiMaintenancePlanCreate enters an approved plan (an approver's); its window is read in
// the time zone of the site of its first system.
func (s *Server) uiMaintenancePlanCreate(w http.ResponseWriter, r *http.Request) error {
	return s.uiMaintenancePlanSave(w, r, false)
}

// uiMaintenancePlanRequest requests a plan for another user's approval.
func (s *Server) uiMaintenancePlanRequest(w http.ResponseWriter, r *http.Request) error {
	return s.uiMaintenancePlanSave(w, r, true)
}

// uiMaintenancePlanSave reads the plan form and enters the plan approved, or requests it.
func (s *Server) uiMaintenancePlanSave(w http.ResponseWriter, r *http.Request, request bool) error {
	if s.MaintenancePlans == nil {
		return errAccountsOff()
	}
	if err := r.ParseForm(); err != nil {
		return medsec.Errorf(medsec.EINVALID, "The form could not be read.")
	}
	form := maintenanceForm{AssetIDs: map[int64]bool{}, Engineer: r.PostFormValue("engineer"), Purpose: r.PostFormValue("purpose"),
		Start: strings.TrimSpace(r.PostFormValue("start")), End: strings.TrimSpace(r.PostFormValue("end"))}
	form.VendorID, _ = strconv.ParseInt(r.PostFormValue("vendor_id"), 10, 64)
	p := &medsec.MaintenancePlan{VendorID: form.VendorID, Engineer: form.Engineer, Purpose: form.Purpose}
	for _, v := range r.PostForm["asset_id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			p.AssetIDs, form.AssetIDs[id] = append(p.AssetIDs, id), true
		}
	}
	loc := time.UTC
	if len(p.AssetIDs) > 0 {
		if a, err := s.Assets.FindAssetByID(r.Context(), p.AssetIDs[0]); err == nil {
			if sites, err := s.Org.FindSites(r.Context()); err == nil {
				for _, x := range sites {
					if x.ID == a.SiteID {
						if l, err := medsec.LoadZone("site", x.Zone()); err == nil {
							loc = l
						}
					}
				}
			}
		}
	}
	var errs []medsec.FieldError
	for _, f := range []struct {
		name, value string
		into        *time.Time
	}{{"start", form.Start, &p.Start}, {"end", form.End, &p.End}} {
		t, err := time.ParseInLocation("2006-01-02T15:04", f.value, loc)
		if err != nil {
			errs = append(errs, medsec.FieldError{Field: f.name, Key: "incident.err.bad_time", Message: "is not a date and time (YYYY-MM-DD hh:mm)", Value: f.value})
			continue
		}
		*f.into = t
	}
	if errs != nil {
		return s.renderMaintenance(w, r, http.StatusUnprocessableEntity, form, &medsec.ValidationError{Errors: errs})
	}
	save, done := s.MaintenancePlans.CreateMaintenancePlan, "maintenance.created"
	if request {
		save, done = s.MaintenancePlans.RequestMaintenancePlan, "maintenance.requested"
	}
	if err := save(r.Context(), p); err != nil {
		if medsec.ErrorCode(err) == medsec.ENOTFOUND {
			err = &medsec.Error{Code: medsec.EINVALID, Message: "Choose the system the accounts are of.", Key: "accounts.choose_system"}
		}
		return s.renderMaintenance(w, r, errorStatus(err), form, err)
	}
	flash(w, done)
	http.Redirect(w, r, "/accounts/maintenance", http.StatusSeeOther)
	return nil
}

// uiMaintenancePlanDecide approves or refuses a requested plan; a refused decision (no
// note to a refusal, the requester's own plan) is shown again with its note.
func (s *Server) uiMaintenancePlanDecide(w http.ResponseWriter, r *http.Request) error {
	if s.MaintenancePlans == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return medsec.Errorf(medsec.EINVALID, "The form could not be read.")
	}
	d := medsec.MaintenanceDecision{Approve: r.PostFormValue("decision") == "approve", Note: r.PostFormValue("note")}
	if _, err := s.MaintenancePlans.DecideMaintenancePlan(r.Context(), id, d); err != nil {
		code := medsec.ErrorCode(err)
		if code != medsec.EINVALID && code != medsec.ECONFLICT && code != medsec.EFORBIDDEN {
			return err
		}
		// The requester's own plan is refused as the API refuses it (403, the same message),
		// as risk-review signing refuses a signature the signer may not give; the page shows
		// the refusal as the form's problem.
		status := errorStatus(err)
		var e *medsec.Error
		if code == medsec.EFORBIDDEN && errors.As(err, &e) {
			err = &medsec.Error{Code: medsec.EINVALID, Message: e.Message, Key: e.Key}
		}
		return s.renderMaintenanceDecision(w, r, status, id, d.Note, err)
	}
	if d.Approve {
		flash(w, "maintenance.approved")
	} else {
		flash(w, "maintenance.refused")
	}
	http.Redirect(w, r, "/accounts/maintenance#plan-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"medsec"
)

// maintenanceUIRoutes registers the maintenance plans page [004 §10 ④]: the vendors'
// approved plans, the form to enter one, and the alerts of vendor logins outside every
// plan.
func (s *Server) maintenanceUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /accounts/maintenance", s.ui(medsec.PermAccountRead, s.uiMaintenancePlans))
	mux.Handle("POST /accounts/maintenance", s.ui(medsec.PermAccountWrite, s.uiMaintenancePlanCreate))
}

// maintenanceData is the plans page with what a refused form said.
type maintenanceData struct {
	Plans   []*medsec.MaintenancePlan
	Alerts  []*medsec.Alert
	Vendors []*medsec.Vendor
	Assets  []*medsec.Asset
	Form    maintenanceForm
}

// maintenanceForm is the plan form as entered.
type maintenanceForm struct {
	VendorID                      int64
	AssetIDs                      map[int64]bool
	Engineer, Purpose, Start, End string
}

func (s *Server) renderMaintenance(w http.ResponseWriter, r *http.Request, status int, form maintenanceForm, formErr error) error {
	if s.MaintenancePlans == nil {
		return errAccountsOff()
	}
	d := &maintenanceData{Form: form}
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

// uiMaintenancePlanCreate enters a plan; its window is read in the time zone of the site of
// its first system.
func (s *Server) uiMaintenancePlanCreate(w http.ResponseWriter, r *http.Request) error {
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
	if err := s.MaintenancePlans.CreateMaintenancePlan(r.Context(), p); err != nil {
		if medsec.ErrorCode(err) == medsec.ENOTFOUND {
			err = &medsec.Error{Code: medsec.EINVALID, Message: "Choose the system the accounts are of.", Key: "accounts.choose_system"}
		}
		return s.renderMaintenance(w, r, errorStatus(err), form, err)
	}
	flash(w, "maintenance.created")
	http.Redirect(w, r, "/accounts/maintenance", http.StatusSeeOther)
	return nil
}

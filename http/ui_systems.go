package http

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"medsec"
	"medsec/systemio"
)

// systemUIRoutes registers the pages of the clinical systems (a system of assets: an HIS,
// a PACS) [issue 15 M6, M10]: the list with the form of a new system, and each system with
// its members, its edit form and the forms adding and removing members.
func (s *Server) systemUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /systems", s.ui(medsec.PermAccountRead, s.uiSystemList))
	mux.Handle("POST /systems", s.ui(medsec.PermAccountWrite, s.uiSystemCreate))
	mux.Handle("GET /systems/{id}", s.ui(medsec.PermAccountRead, s.uiSystemShow))
	mux.Handle("POST /systems/{id}", s.ui(medsec.PermAccountWrite, s.uiSystemUpdate))
	mux.Handle("POST /systems/import", s.ui(medsec.PermAccountWrite, s.uiSystemImport))
	mux.Handle("POST /systems/{id}/members", s.ui(medsec.PermAccountWrite, s.uiSystemMembers))
	mux.Handle("POST /systems/{id}/delete", s.ui(medsec.PermAccountWrite, s.uiSystemDelete))
}

// systemFieldLabels names the system form's fields in problems.
var systemFieldLabels = map[string]string{"site_id": "field.site", "name": "systems.name", "owner_id": "systems.owner",
	"description": "systems.description", "rto_hours": "backups.rto_hours", "rpo_hours": "backups.rpo_hours",
	"fallback": "backups.fallback", "members": "systems.members"}

// systemPageData is the systems page and one system's page.
type systemPageData struct {
	Systems []*medsec.ClinicalSystem
	System  *medsec.ClinicalSystem
	// Form is the new or edited system's form (what a refused form said); Action is
	// where it posts.
	Form   *medsec.ClinicalSystem
	Action string
	Sites  []*medsec.Site
	People []*medsec.Person
	// Assets are the active assets the system may take as members (of its site, not yet
	// members); on the list page, those of every site the user sees.
	Assets []*medsec.Asset
	// Plans are the backup plans of the member assets.
	Plans []*medsec.BackupPlan
	// Accounts counts the accounts on the member assets; SystemAccounts the accounts of
	// the system itself (an HIS's own user list, imported with the system as holder).
	Accounts, SystemAccounts int
}

// errSystemsOff is the answer when the server runs without the clinical system service.
func errSystemsOff() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "This server keeps no clinical systems."}
}

func (s *Server) systemFormLists(r *http.Request, d *systemPageData) error {
	var err error
	if d.Sites, err = s.Org.FindSites(r.Context()); err != nil {
		return err
	}
	if d.People, err = s.Org.FindPeople(r.Context()); err != nil {
		return err
	}
	return nil
}

func (s *Server) renderSystemList(w http.ResponseWriter, r *http.Request, status int, form *medsec.ClinicalSystem, formErr error) error {
	return s.renderSystemListFlash(w, r, status, form, formErr, "")
}

// renderSystemListFlash renders the systems page with flashText, when not empty, as its
// message (what an import did).
func (s *Server) renderSystemListFlash(w http.ResponseWriter, r *http.Request, status int, form *medsec.ClinicalSystem, formErr error, flashText string) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	d := &systemPageData{Action: "/systems"}
	var err error
	if d.Systems, err = s.Systems.FindClinicalSystems(r.Context(), medsec.ClinicalSystemFilter{SiteID: queryInt64(r, "site_id"), AssetID: queryInt64(r, "asset_id")}); err != nil {
		return err
	}
	if err := s.systemFormLists(r, d); err != nil {
		return err
	}
	if form == nil {
		form = &medsec.ClinicalSystem{}
		if len(d.Sites) == 1 {
			form.SiteID = d.Sites[0].ID
		}
	}
	d.Form = form
	p := s.newPage(r, "systems.title")
	p.Data, p.FieldLabels = d, systemFieldLabels
	if flashText != "" {
		p.Flash = flashText
	}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "systems", p)
	return nil
}

func (s *Server) uiSystemList(w http.ResponseWriter, r *http.Request) error {
	return s.renderSystemList(w, r, http.StatusOK, nil, nil)
}

// readSystemForm reads the system form; numbers that are not numbers are field errors.
func readSystemForm(r *http.Request) (*medsec.ClinicalSystem, []medsec.FieldError) {
	var errs []medsec.FieldError
	num := func(name string) int {
		v := strings.TrimSpace(r.PostFormValue(name))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, medsec.FieldError{Field: name, Key: "err.bad_number", Value: v, Message: "is not a whole number"})
		}
		return n
	}
	c := &medsec.ClinicalSystem{Name: r.PostFormValue("name"), Description: strings.TrimSpace(r.PostFormValue("description")),
		RTOHours: num("rto_hours"), RPOHours: num("rpo_hours"), Fallback: strings.TrimSpace(r.PostFormValue("fallback"))}
	c.SiteID, _ = strconv.ParseInt(r.PostFormValue("site_id"), 10, 64)
	c.OwnerID, _ = strconv.ParseInt(r.PostFormValue("owner_id"), 10, 64)
	return c, errs
}

func (s *Server) uiSystemCreate(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	c, errs := readSystemForm(r)
	var err error
	if len(errs) > 0 {
		err = &medsec.ValidationError{Errors: errs}
	} else {
		err = s.Systems.CreateClinicalSystem(r.Context(), c)
	}
	if err != nil {
		return s.renderSystemList(w, r, errorStatus(err), c, err)
	}
	flash(w, "systems.saved")
	http.Redirect(w, r, fmt.Sprintf("/systems/%d", c.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) renderSystem(w http.ResponseWriter, r *http.Request, status int, form *medsec.ClinicalSystem, formErr error) error {
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
	d := &systemPageData{System: c, Action: fmt.Sprintf("/systems/%d", id)}
	if err := s.systemFormLists(r, d); err != nil {
		return err
	}
	assets, _, err := s.Assets.FindAssets(r.Context(), medsec.AssetFilter{SiteID: c.SiteID, Status: medsec.StatusActive, Sort: "name", Limit: 5000})
	if err != nil {
		return err
	}
	member := map[int64]bool{}
	for _, m := range c.Members {
		member[m.AssetID] = true
	}
	for _, a := range assets {
		if !member[a.ID] {
			d.Assets = append(d.Assets, a)
		}
	}
	u := medsec.UserFromContext(r.Context())
	if s.Backups != nil && u != nil && u.Role.Can(medsec.PermBackupRead) {
		// The system's own plans first, then those of its members.
		ps, err := s.Backups.FindBackupPlans(r.Context(), medsec.BackupPlanFilter{SystemID: c.ID})
		if err != nil {
			return err
		}
		d.Plans = append(d.Plans, ps...)
	}
	for _, m := range c.Members {
		if s.Backups != nil && u != nil && u.Role.Can(medsec.PermBackupRead) {
			ps, err := s.Backups.FindBackupPlans(r.Context(), medsec.BackupPlanFilter{AssetID: m.AssetID})
			if err != nil {
				return err
			}
			d.Plans = append(d.Plans, ps...)
		}
		if s.Accounts != nil {
			as, err := s.Accounts.FindAccounts(r.Context(), medsec.AccountFilter{AssetID: m.AssetID})
			if err != nil {
				return err
			}
			d.Accounts += len(as)
		}
	}
	if s.Accounts != nil {
		as, err := s.Accounts.FindAccounts(r.Context(), medsec.AccountFilter{SystemID: c.ID})
		if err != nil {
			return err
		}
		d.SystemAccounts = len(as)
	}
	if form == nil {
		form = c
	}
	d.Form = form
	p := s.newPage(r, "systems.title")
	p.Title = c.Name
	p.Data, p.FieldLabels = d, systemFieldLabels
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "system", p)
	return nil
}

func (s *Server) uiSystemShow(w http.ResponseWriter, r *http.Request) error {
	return s.renderSystem(w, r, http.StatusOK, nil, nil)
}

func (s *Server) uiSystemUpdate(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	c, errs := readSystemForm(r)
	c.ID = id
	if len(errs) > 0 {
		err = &medsec.ValidationError{Errors: errs}
	} else {
		err = s.Systems.UpdateClinicalSystem(r.Context(), c)
	}
	if err != nil {
		return s.renderSystem(w, r, errorStatus(err), c, err)
	}
	flash(w, "systems.saved")
	http.Redirect(w, r, fmt.Sprintf("/systems/%d", id), http.StatusSeeOther)
	return nil
}

// uiSystemMembers adds the assets of the "add" field and removes those of "remove".
func (s *Server) uiSystemMembers(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &medsec.Error{Code: medsec.EINVALID, Message: "The form could not be read."}
	}
	ids := func(name string) []int64 {
		var out []int64
		for _, v := range r.PostForm[name] {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	if _, err := s.Systems.SetSystemMembers(r.Context(), id, ids("add"), ids("remove")); err != nil {
		return s.renderSystem(w, r, errorStatus(err), nil, err)
	}
	flash(w, "systems.members_saved")
	http.Redirect(w, r, fmt.Sprintf("/systems/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiSystemDelete(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Systems.DeleteClinicalSystem(r.Context(), id); err != nil {
		return s.renderSystem(w, r, errorStatus(err), nil, err)
	}
	flash(w, "systems.deleted")
	http.Redirect(w, r, "/systems", http.StatusSeeOther)
	return nil
}

// uiSystemImport imports the uploaded spreadsheet of systems: all rows or none, every
// problem shown above the form with its line and column.
func (s *Server) uiSystemImport(w http.ResponseWriter, r *http.Request) error {
	if s.Systems == nil {
		return errSystemsOff()
	}
	name, data, err := uploadedFile(r)
	if err == nil {
		var res medsec.SystemImportResult
		if res, err = s.Systems.ImportClinicalSystems(r.Context(), systemio.ReadSystems(data, name)); err == nil {
			p := s.newPage(r, "systems.title")
			return s.renderSystemListFlash(w, r, http.StatusOK, nil, nil, p.T("systems.imported", res.Created, res.Updated, res.Unchanged))
		}
	}
	return s.renderSystemList(w, r, errorStatus(err), nil, err)
}

// SiteName returns the name of the site of the given ID among the page's sites.
func (d *systemPageData) SiteName(id int64) string {
	for _, s := range d.Sites {
		if s.ID == id {
			return s.Name
		}
	}
	return ""
}

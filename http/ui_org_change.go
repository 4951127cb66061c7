package http

import (
	"net/http"
	"strconv"
	"strings"

	"medsec"
)

// orgKinds are the master-data records the organisation page edits and deletes, by the
// path segment that names them: the service's kind, and the message keys of their edit
// and delete page titles.
var orgKinds = map[string]struct{ kind, edit, del string }{
	"departments": {"department", "org.edit_department", "org.delete_department"},
	"people":      {"person", "org.edit_person", "org.delete_person"},
	"vendors":     {"vendor", "org.edit_vendor", "org.delete_vendor"},
}

// orgRecordData is the edit or delete page of one department, person or vendor.
type orgRecordData struct {
	What       string // departments, people or vendors
	ID         int64
	Name       string
	Department *medsec.Department
	Person     *medsec.Person
	Vendor     *medsec.Vendor
	// Sites and Departments fill the form's selects; DeptNames name departments with
	// their site.
	Sites       []*medsec.Site
	Departments []*medsec.Department
	DeptNames   map[int64]string
	// References are what keeps the record from being deleted (the delete page).
	References []medsec.OrgReference
}

// RefName names a kind of referring record in the page's language (org.ref.<table>),
// or by its table when medsec has no name for it.
func (p *page) RefName(table string) string {
	if key := "org.ref." + table; p.s.i18n.Has(key) {
		return p.T(key)
	}
	return table
}

// CanChangeShared reports whether the page's user may change what every site shares
// (vendors): inventory:write and limited to no site and no vendor.
func (p *page) CanChangeShared() bool {
	return p.Can(string(medsec.PermInventoryWrite)) && p.User.SeesEveryAsset()
}

// orgRecord reads the record of the path ({what}/{id}) as the caller sees it, with what
// its forms need; ENOTFOUND for a kind or record the caller cannot see.
func (s *Server) orgRecord(r *http.Request) (*orgRecordData, error) {
	what := r.PathValue("what")
	if _, ok := orgKinds[what]; !ok {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	id, err := parseID(r, "id")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	d := &orgRecordData{What: what, ID: id, DeptNames: map[int64]string{}}
	if d.Sites, err = s.Org.FindSites(ctx); err != nil {
		return nil, err
	}
	if d.Departments, err = s.Org.FindDepartments(ctx); err != nil {
		return nil, err
	}
	siteNames := map[int64]string{}
	for _, x := range d.Sites {
		siteNames[x.ID] = x.Name
	}
	for _, x := range d.Departments {
		d.DeptNames[x.ID] = siteNames[x.SiteID] + " / " + x.Name
	}
	switch what {
	case "departments":
		for _, x := range d.Departments {
			if x.ID == id {
				d.Department, d.Name = x, x.Name
			}
		}
		if d.Department == nil {
			return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.department_not_found", "Department not found.")
		}
	case "people":
		people, err := s.Org.FindPeople(ctx)
		if err != nil {
			return nil, err
		}
		for _, x := range people {
			if x.ID == id {
				d.Person, d.Name = x, x.Name
			}
		}
		if d.Person == nil {
			return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.person_not_found", "Person not found.")
		}
	case "vendors":
		vendors, err := s.Org.FindVendors(ctx)
		if err != nil {
			return nil, err
		}
		for _, x := range vendors {
			if x.ID == id {
				d.Vendor, d.Name = x, x.Name
			}
		}
		if d.Vendor == nil {
			return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.vendor_not_found", "Vendor not found.")
		}
	}
	return d, nil
}

// uiOrgEdit shows the edit form of a department, person or vendor.
func (s *Server) uiOrgEdit(w http.ResponseWriter, r *http.Request) error {
	d, err := s.orgRecord(r)
	if err != nil {
		return err
	}
	return s.renderOrgRecord(w, r, http.StatusOK, "org_edit", orgKinds[d.What].edit, d, nil)
}

// renderOrgRecord renders the edit or delete page of d with an error the user can fix.
func (s *Server) renderOrgRecord(w http.ResponseWriter, r *http.Request, status int, view, title string, d *orgRecordData, formErr error) error {
	p := s.newPage(r, title)
	p.Title = p.T(title, d.Name)
	p.FieldLabels = orgLabels
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, view, p)
	return nil
}

// uiOrgUpdate saves the edit form of a department (site, name), person (name, title,
// department, e-mail, phone) or vendor (name, contact, e-mail, phone). The service checks
// the role and scope and audits the change with before and after; a field it refuses or
// a name another record has shows the form again with the problem.
func (s *Server) uiOrgUpdate(w http.ResponseWriter, r *http.Request) error {
	d, err := s.orgRecord(r)
	if err != nil {
		return err
	}
	r.ParseForm()
	val := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	num := func(name string) int64 { v, _ := strconv.ParseInt(val(name), 10, 64); return v }
	ctx := r.Context()
	switch d.What {
	case "departments":
		x := *d.Department
		x.SiteID, x.Name = num("site_id"), val("name")
		d.Department = &x
		err = s.Org.UpdateDepartment(ctx, &x)
	case "people":
		x := *d.Person
		x.Name, x.Title, x.Email, x.Phone, x.DepartmentID = val("name"), val("title"), val("email"), val("phone"), num("department_id")
		d.Person = &x
		err = s.Org.UpdatePerson(ctx, &x)
	case "vendors":
		x := *d.Vendor
		x.Name, x.Contact, x.Email, x.Phone = val("name"), val("contact"), val("email"), val("phone")
		d.Vendor = &x
		err = s.Org.UpdateVendor(ctx, &x)
	}
	if err != nil {
		if code := medsec.ErrorCode(err); code == medsec.EINVALID || code == medsec.ECONFLICT {
			return s.renderOrgRecord(w, r, errorStatus(err), "org_edit", orgKinds[d.What].edit, d, err)
		}
		return err
	}
	flash(w, "org.created")
	http.Redirect(w, r, "/organisation#"+d.What+"-"+strconv.FormatInt(d.ID, 10), http.StatusSeeOther)
	return nil
}

// uiOrgDeleteConfirm shows what deleting a department, person or vendor would do: when
// records still refer to it, how many of each kind (so that it cannot be deleted until
// they are moved), else a button to confirm.
func (s *Server) uiOrgDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	d, err := s.orgRecord(r)
	if err != nil {
		return err
	}
	if d.References, err = s.Org.FindReferences(r.Context(), orgKinds[d.What].kind, d.ID); err != nil {
		return err
	}
	return s.renderOrgRecord(w, r, http.StatusOK, "org_delete", orgKinds[d.What].del, d, nil)
}

// uiOrgDelete deletes a department, person or vendor nothing refers to (audited by the
// service); when something does, the confirmation page shows again with what, status 409.
func (s *Server) uiOrgDelete(w http.ResponseWriter, r *http.Request) error {
	d, err := s.orgRecord(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	switch d.What {
	case "departments":
		err = s.Org.DeleteDepartment(ctx, d.ID)
	case "people":
		err = s.Org.DeletePerson(ctx, d.ID)
	case "vendors":
		err = s.Org.DeleteVendor(ctx, d.ID)
	}
	if medsec.ErrorCode(err) == medsec.ECONFLICT {
		if d.References, err = s.Org.FindReferences(ctx, orgKinds[d.What].kind, d.ID); err != nil {
			return err
		}
		return s.renderOrgRecord(w, r, http.StatusConflict, "org_delete", orgKinds[d.What].del, d, errInUse())
	}
	if err != nil {
		return err
	}
	flash(w, "org.deleted")
	http.Redirect(w, r, "/organisation", http.StatusSeeOther)
	return nil
}

// errInUse is the page's error for a record that others still refer to.
func errInUse() error {
	return &medsec.Error{Code: medsec.ECONFLICT, Message: "This record is still referred to.", Key: "err.in_use"}
}

// uiOrgSiteRetire retires a site from the button on its row (RetireSite: site:admin and
// the site, audited); a site where active assets remain, or one retired already, shows
// the organisation page again saying why, status 409.
func (s *Server) uiOrgSiteRetire(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Org.RetireSite(r.Context(), id); err != nil {
		if medsec.ErrorCode(err) == medsec.ECONFLICT {
			return s.renderOrg(w, r, http.StatusConflict, err)
		}
		return err
	}
	flash(w, "org.site_retired")
	http.Redirect(w, r, "/organisation#site-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

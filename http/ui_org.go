package http

import (
	"net/http"
	"strconv"
	"strings"

	"medsec"
)

// orgData is the organisation page: sites, departments, people and vendors.
type orgData struct {
	Sites       []*medsec.Site
	Departments []*medsec.Department
	People      []*medsec.Person
	Vendors     []*medsec.Vendor
	SiteNames   map[int64]string
	DeptNames   map[int64]string
}

func (s *Server) uiOrg(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrg(w, r, http.StatusOK, nil)
}

func (s *Server) renderOrg(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	ctx := r.Context()
	d := &orgData{SiteNames: map[int64]string{}, DeptNames: map[int64]string{}}
	var err error
	if d.Sites, err = s.Org.FindSites(ctx); err != nil {
		return err
	}
	if d.Departments, err = s.Org.FindDepartments(ctx); err != nil {
		return err
	}
	if d.People, err = s.Org.FindPeople(ctx); err != nil {
		return err
	}
	if d.Vendors, err = s.Org.FindVendors(ctx); err != nil {
		return err
	}
	for _, x := range d.Sites {
		d.SiteNames[x.ID] = x.Name
	}
	for _, x := range d.Departments {
		d.DeptNames[x.ID] = d.SiteNames[x.SiteID] + " / " + x.Name
	}
	p := s.newPage(r, "org.title")
	p.FieldLabels = orgLabels
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "org", p)
	return nil
}

// orgLabels names the fields of the organisation page's forms by their labels.
var orgLabels = map[string]string{
	"code": "org.code", "name": "field.name", "address": "org.address", "jurisdiction": "org.jurisdiction", "time_zone": "org.time_zone",
	"title": "org.title_role", "email": "org.email", "phone": "org.phone", "contact": "org.contact", "site_id": "field.site",
	"department_id": "field.department", "id": "field.site",
}

// uiOrgSiteUpdate changes a site's jurisdiction (which decides its incidents' reporting
// duties and holiday calendar) and time zone ("" for the jurisdiction's), from the form
// on the site's row. The service checks site:admin and the site scope and audits the
// change (site.update, before and after).
func (s *Server) uiOrgSiteUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	r.ParseForm()
	ctx := r.Context()
	sites, err := s.Org.FindSites(ctx)
	if err != nil {
		return err
	}
	var site *medsec.Site
	for _, x := range sites {
		if x.ID == id {
			site = x
		}
	}
	if site == nil {
		return medsec.Errorf(medsec.ENOTFOUND, "Site not found.")
	}
	site.Jurisdiction = medsec.Jurisdiction(strings.TrimSpace(r.PostFormValue("jurisdiction")))
	site.TimeZone = strings.TrimSpace(r.PostFormValue("time_zone"))
	if err := s.Org.UpdateSite(ctx, site); err != nil {
		if refused(err) {
			return err
		}
		if code := medsec.ErrorCode(err); code == medsec.EINVALID || code == medsec.ECONFLICT {
			return s.renderOrg(w, r, errorStatus(err), err)
		}
		return err
	}
	flash(w, "org.site_saved")
	http.Redirect(w, r, "/organisation#site-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// uiOrgCreate creates a site, department, person or vendor, named by the form's "what".
func (s *Server) uiOrgCreate(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	ctx := r.Context()
	id := func(name string) int64 { v, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64); return v }
	val := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	var err error
	switch r.PathValue("what") {
	case "sites":
		err = s.createSite(ctx, &medsec.Site{Code: val("code"), Name: val("name"), Address: val("address"),
			Jurisdiction: medsec.Jurisdiction(val("jurisdiction")), TimeZone: val("time_zone")})
	case "departments":
		err = s.Org.CreateDepartment(ctx, &medsec.Department{SiteID: id("site_id"), Name: val("name")})
	case "people":
		err = s.Org.CreatePerson(ctx, &medsec.Person{Name: val("name"), Title: val("title"), Email: val("email"), Phone: val("phone"), DepartmentID: id("department_id")})
	case "vendors":
		err = s.Org.CreateVendor(ctx, &medsec.Vendor{Name: val("name"), Contact: val("contact"), Email: val("email"), Phone: val("phone")})
	default:
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	if err != nil {
		if code := medsec.ErrorCode(err); code == medsec.EINVALID || code == medsec.ECONFLICT {
			return s.renderOrg(w, r, errorStatus(err), err)
		}
		return err
	}
	flash(w, "org.created")
	http.Redirect(w, r, "/organisation", http.StatusSeeOther)
	return nil
}

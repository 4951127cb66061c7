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
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "org", p)
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
		err = s.Org.CreateSite(ctx, &medsec.Site{Code: val("code"), Name: val("name"), Address: val("address"),
			Jurisdiction: medsec.Jurisdiction(val("jurisdiction")), TimeZone: val("time_zone")})
	case "departments":
		err = s.Org.CreateDepartment(ctx, &medsec.Department{SiteID: id("site_id"), Name: val("name")})
	case "people":
		err = s.Org.CreatePerson(ctx, &medsec.Person{Name: val("name"), Title: val("title"), Email: val("email"), Phone: val("phone"), DepartmentID: id("department_id")})
	case "vendors":
		err = s.Org.CreateVendor(ctx, &medsec.Vendor{Name: val("name"), Contact: val("contact"), Email: val("email"), Phone: val("phone")})
	default:
		return medsec.Errorf(medsec.ENOTFOUND, "Not found.")
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

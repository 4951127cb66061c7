package http

import (
	"context"
	"net/http"

	"medsec"
)

func (s *Server) apiSiteList(w http.ResponseWriter, r *http.Request) error {
	return writeAll(w, r, s.Org.FindSites)
}

func (s *Server) apiSiteCreate(w http.ResponseWriter, r *http.Request) error {
	return createJSON(w, r, s.createSite, &medsec.Site{})
}

// createSite creates a site and then its governance calendar items of the periods
// holding today [M11; 003 §3.4], so a new site's recurring duties show at once instead
// of after the hourly job. The items are the calendar's, not the site's: when they cannot
// be made (no governance service, a caller without governance:write) the site stands and
// the hourly job makes them.
func (s *Server) createSite(ctx context.Context, x *medsec.Site) error {
	if err := s.Org.CreateSite(ctx, x); err != nil {
		return err
	}
	if s.Governance != nil && medsec.UserFromContext(ctx).Role.Can(medsec.PermGovernanceWrite) {
		if _, err := s.Governance.EnsureGovernanceItems(ctx, s.now()); err != nil {
			s.logger.Warn("governance items of a new site", "site", x.ID, "err", err)
		}
	}
	return nil
}

func (s *Server) apiSiteUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var x medsec.Site
	if err := readJSON(r, &x); err != nil {
		return err
	}
	x.ID = id
	if err := s.Org.UpdateSite(r.Context(), &x); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &x)
	return nil
}

// apiSiteRetire retires a site no active asset is at any more (RetireSite) and answers
// the site with its retired_at.
func (s *Server) apiSiteRetire(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	site, err := s.Org.RetireSite(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, site)
	return nil
}

func (s *Server) apiDepartmentList(w http.ResponseWriter, r *http.Request) error {
	return writeAll(w, r, s.Org.FindDepartments)
}

func (s *Server) apiDepartmentCreate(w http.ResponseWriter, r *http.Request) error {
	return createJSON(w, r, s.Org.CreateDepartment, &medsec.Department{})
}

func (s *Server) apiPersonList(w http.ResponseWriter, r *http.Request) error {
	return writeAll(w, r, s.Org.FindPeople)
}

func (s *Server) apiPersonCreate(w http.ResponseWriter, r *http.Request) error {
	return createJSON(w, r, s.Org.CreatePerson, &medsec.Person{})
}

func (s *Server) apiVendorList(w http.ResponseWriter, r *http.Request) error {
	return writeAll(w, r, s.Org.FindVendors)
}

func (s *Server) apiVendorCreate(w http.ResponseWriter, r *http.Request) error {
	return createJSON(w, r, s.Org.CreateVendor, &medsec.Vendor{})
}

// writeAll writes a complete list as a page holding everything.
func writeAll[T any](w http.ResponseWriter, r *http.Request, find func(context.Context) ([]T, error)) error {
	items, err := find(r.Context())
	if err != nil {
		return err
	}
	if items == nil {
		items = []T{}
	}
	writeJSON(w, http.StatusOK, list[T]{Items: items, Total: len(items), Limit: len(items)})
	return nil
}

// createJSON decodes v from the body, creates it, and writes it back with its new id.
func createJSON[T any](w http.ResponseWriter, r *http.Request, create func(context.Context, *T) error, v *T) error {
	if err := readJSON(r, v); err != nil {
		return err
	}
	if err := create(r.Context(), v); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// updateJSON decodes v from the body, sets its id from the path, updates it and writes it
// back.
func updateJSON[T any](w http.ResponseWriter, r *http.Request, update func(context.Context, *T) error, v *T, setID func(*T, int64)) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := readJSON(r, v); err != nil {
		return err
	}
	setID(v, id)
	if err := update(r.Context(), v); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// deleteByID deletes the record of the path's id and answers 204.
func deleteByID(w http.ResponseWriter, r *http.Request, del func(context.Context, int64) error) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := del(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiDepartmentUpdate(w http.ResponseWriter, r *http.Request) error {
	return updateJSON(w, r, s.Org.UpdateDepartment, &medsec.Department{}, func(x *medsec.Department, id int64) { x.ID = id })
}

func (s *Server) apiDepartmentDelete(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, s.Org.DeleteDepartment)
}

func (s *Server) apiPersonUpdate(w http.ResponseWriter, r *http.Request) error {
	return updateJSON(w, r, s.Org.UpdatePerson, &medsec.Person{}, func(x *medsec.Person, id int64) { x.ID = id })
}

func (s *Server) apiPersonDelete(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, s.Org.DeletePerson)
}

func (s *Server) apiVendorUpdate(w http.ResponseWriter, r *http.Request) error {
	return updateJSON(w, r, s.Org.UpdateVendor, &medsec.Vendor{}, func(x *medsec.Vendor, id int64) { x.ID = id })
}

func (s *Server) apiVendorDelete(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, s.Org.DeleteVendor)
}

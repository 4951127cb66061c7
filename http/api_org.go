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
	return createJSON(w, r, s.Org.CreateSite, &medsec.Site{})
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

package medsec

import (
	"context"
	"strings"
)

// Site is one hospital campus of the organisation.
type Site struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
}

// Department is a clinical or technical department at a site.
type Department struct {
	ID     int64  `json:"id"`
	SiteID int64  `json:"site_id"`
	Name   string `json:"name"`
}

// Person is someone responsible for assets: a clinical engineer, an IT operator, a head of
// department.
type Person struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Title        string `json:"title,omitempty"`
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
	DepartmentID int64  `json:"department_id,omitempty"`
}

// Vendor is a device manufacturer or a maintenance company.
type Vendor struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Contact string `json:"contact,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
}

// Validate checks a site's fields.
func (s *Site) Validate() error {
	return requireFields(map[string]string{"code": s.Code, "name": s.Name})
}

// Validate checks a department's fields.
func (d *Department) Validate() error {
	if err := requireFields(map[string]string{"name": d.Name}); err != nil {
		return err
	}
	if d.SiteID <= 0 {
		return &ValidationError{Errors: []FieldError{{Field: "site", Key: "err.required", Message: "is required"}}}
	}
	return nil
}

// Validate checks a person's fields.
func (p *Person) Validate() error { return requireFields(map[string]string{"name": p.Name}) }

// Validate checks a vendor's fields.
func (v *Vendor) Validate() error { return requireFields(map[string]string{"name": v.Name}) }

func requireFields(fields map[string]string) error {
	var errs []FieldError
	for _, name := range []string{"code", "name"} {
		if v, ok := fields[name]; ok && strings.TrimSpace(v) == "" {
			errs = append(errs, FieldError{Field: name, Key: "err.required", Message: "is required"})
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// OrgService manages sites, departments, people and vendors. Sites are created by admins;
// the others by roles that may write the inventory. Every change is audited.
type OrgService interface {
	// FindSites returns the sites the caller may see.
	FindSites(ctx context.Context) ([]*Site, error)
	// CreateSite stores a new site. Admin only.
	CreateSite(ctx context.Context, s *Site) error
	// FindDepartments returns the departments of the sites the caller may see.
	FindDepartments(ctx context.Context) ([]*Department, error)
	// CreateDepartment stores a new department.
	CreateDepartment(ctx context.Context, d *Department) error
	// FindPeople returns the people the caller may see: everyone for a user of every site;
	// for a user limited to sites, the people of those sites' departments, of no department,
	// and those answerable for an asset it sees; for a vendor user, the people answerable
	// for its company's assets.
	FindPeople(ctx context.Context) ([]*Person, error)
	// CreatePerson stores a new person.
	CreatePerson(ctx context.Context, p *Person) error
	// FindVendors returns every vendor; a vendor user sees only its own company.
	FindVendors(ctx context.Context) ([]*Vendor, error)
	// CreateVendor stores a new vendor.
	CreateVendor(ctx context.Context, v *Vendor) error
}

package medsec

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Site is one hospital campus of the organisation.
type Site struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
	// Jurisdiction is where the site is (TW, CN, JP): it decides its incidents' reporting
	// duties and its default time zone. Empty on input means JurisdictionTW.
	Jurisdiction Jurisdiction `json:"jurisdiction"`
	// TimeZone is an IANA time zone name overriding the jurisdiction's ("" for none).
	TimeZone string `json:"time_zone,omitempty"`
	// RetiredAt is when the site was retired (OrgService.RetireSite); zero while in use.
	// Read only: updates leave it as it is.
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

// DefaultTimeZone returns the IANA time zone of a jurisdiction, "UTC" for an unknown one.
func DefaultTimeZone(j Jurisdiction) string {
	switch j {
	case JurisdictionTW:
		return "Asia/Taipei"
	case JurisdictionCN:
		return "Asia/Shanghai"
	case JurisdictionJP:
		return "Asia/Tokyo"
	}
	return "UTC"
}

// Zone returns the site's time zone name: its own, else its jurisdiction's.
func (s *Site) Zone() string {
	if s.TimeZone != "" {
		return s.TimeZone
	}
	return DefaultTimeZone(s.Jurisdiction)
}

// LoadZone returns the location of an IANA time zone name; an empty, unknown or local
// name is EINVALID (the field error names field).
func LoadZone(field, name string) (*time.Location, error) {
	if name != "" && name != "Local" && !strings.ContainsAny(name, " \\") {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, nil
		}
	}
	return nil, &ValidationError{Errors: []FieldError{{Field: field, Key: "err.time_zone", Message: "is not a known time zone (IANA name such as Asia/Taipei)", Value: name}}}
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
	err := checkFields(map[string]string{"code": s.Code, "name": s.Name, "address": s.Address}, "code", "name")
	var errs []FieldError
	if ve, ok := err.(*ValidationError); ok {
		errs = ve.Errors
	} else if err != nil {
		return err
	}
	if !s.Jurisdiction.Valid() {
		errs = append(errs, FieldError{Field: "jurisdiction", Key: "err.unknown_value", Message: "is not one of TW, CN, JP", Value: string(s.Jurisdiction),
			Allowed: []string{string(JurisdictionTW), string(JurisdictionCN), string(JurisdictionJP)}, Enum: "jurisdiction"})
	}
	if s.TimeZone != "" {
		if _, err := LoadZone("time_zone", s.TimeZone); err != nil {
			errs = append(errs, err.(*ValidationError).Errors...)
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// Validate checks a department's fields.
func (d *Department) Validate() error {
	if err := checkFields(map[string]string{"name": d.Name}, "name"); err != nil {
		return err
	}
	if d.SiteID <= 0 {
		return &ValidationError{Errors: []FieldError{{Field: "site", Key: "err.required", Message: "is required"}}}
	}
	return nil
}

// Validate checks a person's fields.
func (p *Person) Validate() error {
	return checkFields(map[string]string{"name": p.Name, "title": p.Title, "email": p.Email, "phone": p.Phone}, "name")
}

// Validate checks a vendor's fields.
func (v *Vendor) Validate() error {
	return checkFields(map[string]string{"name": v.Name, "contact": v.Contact, "email": v.Email, "phone": v.Phone}, "name")
}

// checkFields checks single-line text fields by name: the required ones must not be blank,
// none may hold a character BadRune refuses or be longer than 200 characters.
func checkFields(fields map[string]string, required ...string) error {
	var errs []FieldError
	for _, name := range required {
		if strings.TrimSpace(fields[name]) == "" {
			errs = append(errs, FieldError{Field: name, Key: "err.required", Message: "is required"})
		}
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if fe := CheckText(name, fields[name], false); fe != nil {
			errs = append(errs, *fe)
		} else if utf8.RuneCountInString(fields[name]) > 200 {
			errs = append(errs, FieldError{Field: name, Key: "err.too_long", Message: "is longer than 200 characters"})
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
	// UpdateSite changes a site's code, name, address, jurisdiction and time zone
	// (PermSiteAdmin and the site; EINVALID, ENOTFOUND, ECONFLICT for a taken name).
	UpdateSite(ctx context.Context, s *Site) error
	// RetireSite retires a site that no active asset is at any more (PermSiteAdmin and
	// the site): it stays, with its zones, retired assets, incidents and audit trail, marked
	// retired from now, and the change is audited (site.retire). A site where active assets
	// remain is ECONFLICT (err.site_has_assets, naming how many: retire or move them
	// first); one retired already is ECONFLICT (err.site_retired); ENOTFOUND for a site
	// the caller cannot see.
	RetireSite(ctx context.Context, id int64) (*Site, error)
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

	// UpdateDepartment renames a department or moves it to another site (PermInventoryWrite
	// and both sites; EINVALID, ENOTFOUND, ECONFLICT for a taken name).
	UpdateDepartment(ctx context.Context, d *Department) error
	// DeleteDepartment removes a department that nothing refers to; one that an asset, a
	// person or any other record refers to is ECONFLICT (err.in_use) and stays.
	DeleteDepartment(ctx context.Context, id int64) error
	// UpdatePerson changes a person's fields (PermInventoryWrite; a user limited to sites
	// changes only the people of its sites' departments). EINVALID, ENOTFOUND, ECONFLICT.
	UpdatePerson(ctx context.Context, p *Person) error
	// DeletePerson removes a person nothing refers to; ECONFLICT (err.in_use) otherwise.
	DeletePerson(ctx context.Context, id int64) error
	// UpdateVendor changes a vendor's fields. Vendors are shared by every site, so only a
	// user limited to no site and no vendor may (else EFORBIDDEN). EINVALID, ENOTFOUND,
	// ECONFLICT.
	UpdateVendor(ctx context.Context, v *Vendor) error
	// DeleteVendor removes a vendor nothing refers to (same users as UpdateVendor);
	// ECONFLICT (err.in_use) otherwise.
	DeleteVendor(ctx context.Context, id int64) error
	// FindReferences counts, per kind of record, what refers to a department, person or
	// vendor (kind "department", "person" or "vendor") and so keeps it from being
	// deleted; empty when it can be. Same users and errors as the kind's update; an
	// unknown kind is EINVALID.
	FindReferences(ctx context.Context, kind string, id int64) ([]OrgReference, error)
}

// OrgReference counts the records of one kind that refer to a department, person or
// vendor.
type OrgReference struct {
	// Table names the kind of record by its table ("assets", "people", "accounts"); pages
	// name it by the message key org.ref.<table>.
	Table string `json:"table"`
	Count int    `json:"count"`
}

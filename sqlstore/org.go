package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"medsec"
)

// OrgService implements medsec.OrgService.
type OrgService struct{ db *DB }

var _ medsec.OrgService = (*OrgService)(nil)

// NewOrgService returns the organisation service of db.
func NewOrgService(db *DB) *OrgService { return &OrgService{db: db} }

// FindSites returns the sites the caller may see, by name.
func (s *OrgService) FindSites(ctx context.Context) ([]*medsec.Site, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, code, name, address FROM sites ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find sites: %w", err)
	}
	defer rows.Close()
	var sites []*medsec.Site
	for rows.Next() {
		var x medsec.Site
		if err := rows.Scan(&x.ID, &x.Code, &x.Name, &x.Address); err != nil {
			return nil, fmt.Errorf("find sites: %w", err)
		}
		if u.CanSeeSite(x.ID) {
			sites = append(sites, &x)
		}
	}
	return sites, rows.Err()
}

// CreateSite stores a new site. Needs PermSiteAdmin.
func (s *OrgService) CreateSite(ctx context.Context, x *medsec.Site) error {
	if _, err := medsec.Authorize(ctx, medsec.PermSiteAdmin); err != nil {
		return err
	}
	x.Code, x.Name = strings.TrimSpace(x.Code), strings.TrimSpace(x.Name)
	if err := x.Validate(); err != nil {
		return err
	}
	return s.db.create(ctx, "site", &x.ID, x.ID, x,
		`INSERT INTO sites (code, name, address) VALUES (?, ?, ?)`, x.Code, x.Name, x.Address)
}

// FindDepartments returns the departments of the sites the caller may see.
func (s *OrgService) FindDepartments(ctx context.Context) ([]*medsec.Department, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, site_id, name FROM departments ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find departments: %w", err)
	}
	defer rows.Close()
	var depts []*medsec.Department
	for rows.Next() {
		var x medsec.Department
		if err := rows.Scan(&x.ID, &x.SiteID, &x.Name); err != nil {
			return nil, fmt.Errorf("find departments: %w", err)
		}
		if u.CanSeeSite(x.SiteID) {
			depts = append(depts, &x)
		}
	}
	return depts, rows.Err()
}

// CreateDepartment stores a new department at a site the caller may write.
func (s *OrgService) CreateDepartment(ctx context.Context, x *medsec.Department) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	x.Name = strings.TrimSpace(x.Name)
	if err := x.Validate(); err != nil {
		return err
	}
	if !u.CanSeeSite(x.SiteID) {
		return medsec.ErrForbidden()
	}
	return s.db.create(ctx, "department", &x.ID, x.SiteID, x,
		`INSERT INTO departments (site_id, name) VALUES (?, ?)`, x.SiteID, x.Name)
}

// FindPeople returns every person, by name.
func (s *OrgService) FindPeople(ctx context.Context) ([]*medsec.Person, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermInventoryRead); err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, name, title, email, phone, COALESCE(department_id, 0) FROM people ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find people: %w", err)
	}
	defer rows.Close()
	var people []*medsec.Person
	for rows.Next() {
		var x medsec.Person
		if err := rows.Scan(&x.ID, &x.Name, &x.Title, &x.Email, &x.Phone, &x.DepartmentID); err != nil {
			return nil, fmt.Errorf("find people: %w", err)
		}
		people = append(people, &x)
	}
	return people, rows.Err()
}

// CreatePerson stores a new person.
func (s *OrgService) CreatePerson(ctx context.Context, x *medsec.Person) error {
	if _, err := medsec.Authorize(ctx, medsec.PermInventoryWrite); err != nil {
		return err
	}
	x.Name = strings.TrimSpace(x.Name)
	if err := x.Validate(); err != nil {
		return err
	}
	return s.db.create(ctx, "person", &x.ID, 0, x,
		`INSERT INTO people (name, title, email, phone, department_id) VALUES (?, ?, ?, ?, ?)`, x.Name, x.Title, x.Email, x.Phone, nullID(x.DepartmentID))
}

// FindVendors returns every vendor, by name.
func (s *OrgService) FindVendors(ctx context.Context) ([]*medsec.Vendor, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermInventoryRead); err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, name, contact, email, phone FROM vendors ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find vendors: %w", err)
	}
	defer rows.Close()
	var vendors []*medsec.Vendor
	for rows.Next() {
		var x medsec.Vendor
		if err := rows.Scan(&x.ID, &x.Name, &x.Contact, &x.Email, &x.Phone); err != nil {
			return nil, fmt.Errorf("find vendors: %w", err)
		}
		vendors = append(vendors, &x)
	}
	return vendors, rows.Err()
}

// CreateVendor stores a new vendor.
func (s *OrgService) CreateVendor(ctx context.Context, x *medsec.Vendor) error {
	if _, err := medsec.Authorize(ctx, medsec.PermInventoryWrite); err != nil {
		return err
	}
	x.Name = strings.TrimSpace(x.Name)
	if err := x.Validate(); err != nil {
		return err
	}
	return s.db.create(ctx, "vendor", &x.ID, 0, x,
		`INSERT INTO vendors (name, contact, email, phone) VALUES (?, ?, ?, ?)`, x.Name, x.Contact, x.Email, x.Phone)
}

// create inserts one row, sets *id, and audits the creation, all in one transaction.
// A unique-constraint failure is ECONFLICT.
func (db *DB) create(ctx context.Context, objectType string, id *int64, siteID int64, obj any, query string, args ...any) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	newID, err := tx.insert(ctx, query, args...)
	if err != nil {
		if isUniqueViolation(err) {
			return &medsec.Error{Code: medsec.ECONFLICT, Message: "A " + objectType + " with this name already exists.", Key: "err.exists"}
		}
		return fmt.Errorf("create %s: %w", objectType, referenceError(err))
	}
	*id = newID
	if objectType == "site" {
		siteID = newID
	}
	if err := tx.auditChange(ctx, objectType+".create", objectType, newID, siteID, nil, obj); err != nil {
		return err
	}
	return tx.Commit()
}

func isUniqueViolation(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint") || strings.Contains(msg, "SQLSTATE 23505")
}

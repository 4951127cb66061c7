package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"medsec"
)

// errInUse is the answer to deleting a record that another refers to.
func errInUse(what string) error {
	return &medsec.Error{Code: medsec.ECONFLICT, Message: "The " + what + " is still referred to (by assets, people or other records); it was not deleted.", Key: "err.in_use"}
}

// findDepartment reads one department, ENOTFOUND when there is none or the scope does not
// see its site.
func (s *OrgService) findDepartment(ctx context.Context, tx *Tx, sc scope, id int64) (*medsec.Department, error) {
	var d medsec.Department
	err := tx.queryRow(ctx, `SELECT id, site_id, name FROM departments WHERE id = ?`, id).Scan(&d.ID, &d.SiteID, &d.Name)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !sc.seesSite(d.SiteID) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.department_not_found", "Department not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find department: %w", err)
	}
	return &d, nil
}

// UpdateDepartment renames a department or moves it, audited with before and after.
func (s *OrgService) UpdateDepartment(ctx context.Context, x *medsec.Department) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	x.Name = strings.TrimSpace(x.Name)
	if err := x.Validate(); err != nil {
		return err
	}
	if !sc.seesSite(x.SiteID) {
		return medsec.ErrForbidden()
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := s.findDepartment(ctx, tx, sc, x.ID)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE departments SET site_id = ?, name = ? WHERE id = ?`, x.SiteID, x.Name, x.ID); err != nil {
		if isUniqueViolation(err) {
			return &medsec.Error{Code: medsec.ECONFLICT, Message: "A department with this name already exists.", Key: "err.exists"}
		}
		return fmt.Errorf("update department: %w", err)
	}
	if err := tx.auditChange(ctx, "department.update", "department", x.ID, x.SiteID, before, x); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteDepartment removes a department that nothing refers to, audited.
func (s *OrgService) DeleteDepartment(ctx context.Context, id int64) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := s.findDepartment(ctx, tx, sc, id)
	if err != nil {
		return err
	}
	return s.remove(ctx, tx, "department", id, before.SiteID, before, `DELETE FROM departments WHERE id = ?`)
}

// remove deletes one row and audits it; a foreign key that still points at the row is
// ECONFLICT (err.in_use), and nothing changes.
func (s *OrgService) remove(ctx context.Context, tx *Tx, what string, id, siteID int64, before any, query string) error {
	if _, err := tx.exec(ctx, query, id); err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "foreign key") {
			return errInUse(what)
		}
		return fmt.Errorf("delete %s: %w", what, err)
	}
	if err := tx.auditChange(ctx, what+".delete", what, id, siteID, before, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// findPerson reads one person and the site of its department (0 for none); ENOTFOUND when
// there is none or a user limited to sites is not limited to that department's site.
func (s *OrgService) findPerson(ctx context.Context, tx *Tx, sc scope, id int64) (*medsec.Person, int64, error) {
	var p medsec.Person
	var siteID int64
	err := tx.queryRow(ctx, `SELECT p.id, p.name, p.title, p.email, p.phone, COALESCE(p.department_id, 0), COALESCE(d.site_id, 0)
		FROM people p LEFT JOIN departments d ON d.id = p.department_id WHERE p.id = ?`, id).Scan(&p.ID, &p.Name, &p.Title, &p.Email, &p.Phone, &p.DepartmentID, &siteID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.person_not_found", "Person not found.")
	} else if err != nil {
		return nil, 0, fmt.Errorf("find person: %w", err)
	}
	if !sc.user.SeesEveryAsset() && (siteID == 0 || !sc.seesSite(siteID) || sc.vendor() != 0) {
		return nil, 0, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.person_not_found", "Person not found.")
	}
	return &p, siteID, nil
}

// UpdatePerson changes a person's fields, audited with before and after.
func (s *OrgService) UpdatePerson(ctx context.Context, x *medsec.Person) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	x.Name = strings.TrimSpace(x.Name)
	if err := x.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, siteID, err := s.findPerson(ctx, tx, sc, x.ID)
	if err != nil {
		return err
	}
	if x.DepartmentID != 0 {
		d, err := s.findDepartment(ctx, tx, sc, x.DepartmentID)
		if err != nil {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "department", Key: "err.unknown_reference", Message: "no such department"}}}
		}
		siteID = d.SiteID
	} else if !sc.user.SeesEveryAsset() {
		return medsec.ErrForbidden() // a person of no department belongs to every site
	}
	if _, err := tx.exec(ctx, `UPDATE people SET name = ?, title = ?, email = ?, phone = ?, department_id = ? WHERE id = ?`,
		x.Name, x.Title, x.Email, x.Phone, nullID(x.DepartmentID), x.ID); err != nil {
		if isUniqueViolation(err) {
			return &medsec.Error{Code: medsec.ECONFLICT, Message: "A person with this name already exists.", Key: "err.exists"}
		}
		return fmt.Errorf("update person: %w", err)
	}
	if err := tx.auditChange(ctx, "person.update", "person", x.ID, siteID, before, x); err != nil {
		return err
	}
	return tx.Commit()
}

// DeletePerson removes a person that nothing refers to, audited.
func (s *OrgService) DeletePerson(ctx context.Context, id int64) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, siteID, err := s.findPerson(ctx, tx, sc, id)
	if err != nil {
		return err
	}
	return s.remove(ctx, tx, "person", id, siteID, before, `DELETE FROM people WHERE id = ?`)
}

// findVendor reads one vendor for a change: only a user limited to no site and no vendor
// changes what every site shares.
func (s *OrgService) findVendor(ctx context.Context, tx *Tx, sc scope, id int64) (*medsec.Vendor, error) {
	if err := sc.writesShared(); err != nil {
		return nil, err
	}
	var v medsec.Vendor
	err := tx.queryRow(ctx, `SELECT id, name, contact, email, phone FROM vendors WHERE id = ?`, id).Scan(&v.ID, &v.Name, &v.Contact, &v.Email, &v.Phone)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.vendor_not_found", "Vendor not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find vendor: %w", err)
	}
	return &v, nil
}

// UpdateVendor changes a vendor's fields, audited with before and after.
func (s *OrgService) UpdateVendor(ctx context.Context, x *medsec.Vendor) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	x.Name = strings.TrimSpace(x.Name)
	if err := x.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := s.findVendor(ctx, tx, sc, x.ID)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE vendors SET name = ?, contact = ?, email = ?, phone = ? WHERE id = ?`, x.Name, x.Contact, x.Email, x.Phone, x.ID); err != nil {
		if isUniqueViolation(err) {
			return &medsec.Error{Code: medsec.ECONFLICT, Message: "A vendor with this name already exists.", Key: "err.exists"}
		}
		return fmt.Errorf("update vendor: %w", err)
	}
	if err := tx.auditChange(ctx, "vendor.update", "vendor", x.ID, 0, before, x); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteVendor removes a vendor that nothing refers to, audited.
func (s *OrgService) DeleteVendor(ctx context.Context, id int64) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := s.findVendor(ctx, tx, sc, id)
	if err != nil {
		return err
	}
	return s.remove(ctx, tx, "vendor", id, 0, before, `DELETE FROM vendors WHERE id = ?`)
}

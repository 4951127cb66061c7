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

// change runs fn in one transaction for a user holding PermInventoryWrite and commits
// what it did: the frame every master-data update and delete shares.
func (s *OrgService) change(ctx context.Context, fn func(tx *Tx, sc scope) error) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx, sc); err != nil {
		return err
	}
	return tx.Commit()
}

// update runs one UPDATE of a department, person or vendor (what) and audits it
// (what.update, before and after); a name another row has is ECONFLICT (err.exists).
func (s *OrgService) update(ctx context.Context, tx *Tx, what string, id, siteID int64, before, after any, query string, args ...any) error {
	if _, err := tx.exec(ctx, query, args...); err != nil {
		if isUniqueViolation(err) {
			return &medsec.Error{Code: medsec.ECONFLICT, Message: "A " + what + " with this name already exists.", Key: "err.exists"}
		}
		return fmt.Errorf("update %s: %w", what, err)
	}
	return tx.auditChange(ctx, what+".update", what, id, siteID, before, after)
}

// UpdateDepartment renames a department or moves it, audited with before and after.
func (s *OrgService) UpdateDepartment(ctx context.Context, x *medsec.Department) error {
	x.Name = strings.TrimSpace(x.Name)
	if err := x.Validate(); err != nil {
		return err
	}
	return s.change(ctx, func(tx *Tx, sc scope) error {
		if !sc.seesSite(x.SiteID) {
			return medsec.ErrForbidden()
		}
		before, err := s.findDepartment(ctx, tx, sc, x.ID)
		if err != nil {
			return err
		}
		return s.update(ctx, tx, "department", x.ID, x.SiteID, before, x,
			`UPDATE departments SET site_id = ?, name = ? WHERE id = ?`, x.SiteID, x.Name, x.ID)
	})
}

// DeleteDepartment removes a department that nothing refers to, audited.
func (s *OrgService) DeleteDepartment(ctx context.Context, id int64) error {
	return s.change(ctx, func(tx *Tx, sc scope) error {
		before, err := s.findDepartment(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		return s.remove(ctx, tx, "department", id, before.SiteID, before)
	})
}

// orgTables are the tables of the records FindReferences and remove work on, by kind.
var orgTables = map[string]string{"department": "departments", "person": "people", "vendor": "vendors"}

// remove deletes one row of a department, person or vendor (what) and audits it; a
// foreign key that still points at the row is ECONFLICT (err.in_use), and nothing changes.
func (s *OrgService) remove(ctx context.Context, tx *Tx, what string, id, siteID int64, before any) error {
	if _, err := tx.exec(ctx, `DELETE FROM `+orgTables[what]+` WHERE id = ?`, id); err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "foreign key") {
			return errInUse(what)
		}
		return fmt.Errorf("delete %s: %w", what, err)
	}
	return tx.auditChange(ctx, what+".delete", what, id, siteID, before, nil)
}

// FindReferences counts, per kind of record, what refers to a department, person or
// vendor (kind "department", "person", "vendor"), for the same users and with the same
// errors as its update; the tables are read from the engine's own foreign keys, so a
// table that a later migration adds is counted too. An empty list means it can be deleted.
func (s *OrgService) FindReferences(ctx context.Context, kind string, id int64) ([]medsec.OrgReference, error) {
	table, ok := orgTables[kind]
	if !ok {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "kind", Key: "err.invalid", Message: "must be department, person or vendor", Value: kind}}}
	}
	var refs []medsec.OrgReference
	err := s.change(ctx, func(tx *Tx, sc scope) error {
		var err error
		switch kind {
		case "department":
			_, err = s.findDepartment(ctx, tx, sc, id)
		case "person":
			_, _, err = s.findPerson(ctx, tx, sc, id)
		default:
			_, err = s.findVendor(ctx, tx, sc, id)
		}
		if err != nil {
			return err
		}
		refs, err = references(ctx, tx, table, id)
		return err
	})
	return refs, err
}

// references counts the rows of every table whose foreign key points at row id of table,
// in table and column order; tables with none are left out.
func references(ctx context.Context, tx *Tx, table string, id int64) ([]medsec.OrgReference, error) {
	q := `SELECT m.name, f."from" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" = ? ORDER BY m.name, f."from"`
	if tx.db.dialect.name == "postgres" {
		q = `SELECT cl.relname, a.attname FROM pg_constraint c
			JOIN pg_class cl ON cl.oid = c.conrelid
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
			WHERE c.contype = 'f' AND c.confrelid = to_regclass(?) ORDER BY cl.relname, a.attname`
	}
	rows, err := tx.query(ctx, q, table)
	if err != nil {
		return nil, fmt.Errorf("foreign keys of %s: %w", table, err)
	}
	type fk struct{ table, column string }
	var fks []fk
	for rows.Next() {
		var f fk
		if err := rows.Scan(&f.table, &f.column); err != nil {
			rows.Close()
			return nil, err
		}
		fks = append(fks, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var refs []medsec.OrgReference
	for _, f := range fks {
		var n int
		// The names come from the engine's catalogue, not from the caller.
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM `+f.table+` WHERE `+f.column+` = ?`, id).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s.%s: %w", f.table, f.column, err)
		}
		if n == 0 {
			continue
		}
		if k := len(refs); k > 0 && refs[k-1].Table == f.table {
			refs[k-1].Count += n
			continue
		}
		refs = append(refs, medsec.OrgReference{Table: f.table, Count: n})
	}
	return refs, nil
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
	x.Name = strings.TrimSpace(x.Name)
	if err := x.Validate(); err != nil {
		return err
	}
	return s.change(ctx, func(tx *Tx, sc scope) error {
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
		return s.update(ctx, tx, "person", x.ID, siteID, before, x,
			`UPDATE people SET name = ?, title = ?, email = ?, phone = ?, department_id = ? WHERE id = ?`,
			x.Name, x.Title, x.Email, x.Phone, nullID(x.DepartmentID), x.ID)
	})
}

// DeletePerson removes a person that nothing refers to, audited.
func (s *OrgService) DeletePerson(ctx context.Context, id int64) error {
	return s.change(ctx, func(tx *Tx, sc scope) error {
		before, siteID, err := s.findPerson(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		return s.remove(ctx, tx, "person", id, siteID, before)
	})
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
	x.Name = strings.TrimSpace(x.Name)
	if err := x.Validate(); err != nil {
		return err
	}
	return s.change(ctx, func(tx *Tx, sc scope) error {
		before, err := s.findVendor(ctx, tx, sc, x.ID)
		if err != nil {
			return err
		}
		return s.update(ctx, tx, "vendor", x.ID, 0, before, x,
			`UPDATE vendors SET name = ?, contact = ?, email = ?, phone = ? WHERE id = ?`, x.Name, x.Contact, x.Email, x.Phone, x.ID)
	})
}

// DeleteVendor removes a vendor that nothing refers to, audited.
func (s *OrgService) DeleteVendor(ctx context.Context, id int64) error {
	return s.change(ctx, func(tx *Tx, sc scope) error {
		before, err := s.findVendor(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		return s.remove(ctx, tx, "vendor", id, 0, before)
	})
}

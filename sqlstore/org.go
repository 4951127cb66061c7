package sqlstore

import (
	"context"
	"database/sql"
	"errors"
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
	rows, err := s.db.read.QueryContext(ctx, `SELECT s.id, s.code, s.name, s.address, COALESCE(j.jurisdiction, '`+string(DefaultJurisdiction)+`'), s.time_zone, s.retired_at
		FROM sites s LEFT JOIN incident_site_settings j ON j.site_id = s.id ORDER BY s.name`)
	if err != nil {
		return nil, fmt.Errorf("find sites: %w", err)
	}
	defer rows.Close()
	var sites []*medsec.Site
	for rows.Next() {
		var x medsec.Site
		var retired sql.NullTime
		if err := rows.Scan(&x.ID, &x.Code, &x.Name, &x.Address, &x.Jurisdiction, &x.TimeZone, &retired); err != nil {
			return nil, fmt.Errorf("find sites: %w", err)
		}
		if retired.Valid {
			x.RetiredAt = retired.Time.UTC()
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
	x.Jurisdiction, x.TimeZone = medsec.Jurisdiction(strings.ToUpper(strings.TrimSpace(string(x.Jurisdiction)))), strings.TrimSpace(x.TimeZone)
	if x.Jurisdiction == "" {
		x.Jurisdiction = DefaultJurisdiction
	}
	if err := x.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.saveSite(ctx, tx, x, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// UpdateSite changes a site's code, name, address, jurisdiction and time zone, with its
// audit row (before and after) in the same transaction. Needs PermSiteAdmin and the site.
func (s *OrgService) UpdateSite(ctx context.Context, x *medsec.Site) error {
	sc, err := authorize(ctx, medsec.PermSiteAdmin)
	if err != nil {
		return err
	}
	if !sc.seesSite(x.ID) {
		return medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", x.ID), x.ID)
	}
	x.Code, x.Name = strings.TrimSpace(x.Code), strings.TrimSpace(x.Name)
	x.Jurisdiction, x.TimeZone = medsec.Jurisdiction(strings.ToUpper(strings.TrimSpace(string(x.Jurisdiction)))), strings.TrimSpace(x.TimeZone)
	if x.Jurisdiction == "" {
		x.Jurisdiction = DefaultJurisdiction
	}
	if err := x.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var before medsec.Site
	err = tx.queryRow(ctx, `SELECT s.id, s.code, s.name, s.address, COALESCE(j.jurisdiction, '`+string(DefaultJurisdiction)+`'), s.time_zone
		FROM sites s LEFT JOIN incident_site_settings j ON j.site_id = s.id WHERE s.id = ?`, x.ID).Scan(&before.ID, &before.Code, &before.Name, &before.Address, &before.Jurisdiction, &before.TimeZone)
	if errors.Is(err, sql.ErrNoRows) {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.site_not_found", "Site not found.")
	} else if err != nil {
		return fmt.Errorf("update site: %w", err)
	}
	if err := s.saveSite(ctx, tx, x, &before); err != nil {
		return err
	}
	return tx.Commit()
}

// RetireSite marks a site retired once no active asset is at it, audited (site.retire).
func (s *OrgService) RetireSite(ctx context.Context, id int64) (*medsec.Site, error) {
	sc, err := authorize(ctx, medsec.PermSiteAdmin)
	if err != nil {
		return nil, err
	}
	if !sc.seesSite(id) {
		return nil, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", id), id)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var before medsec.Site
	var retired sql.NullTime
	err = tx.queryRow(ctx, `SELECT s.id, s.code, s.name, s.address, COALESCE(j.jurisdiction, '`+string(DefaultJurisdiction)+`'), s.time_zone, s.retired_at
		FROM sites s LEFT JOIN incident_site_settings j ON j.site_id = s.id WHERE s.id = ?`, id).Scan(&before.ID, &before.Code, &before.Name, &before.Address, &before.Jurisdiction, &before.TimeZone, &retired)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.site_not_found", "Site not found.")
	} else if err != nil {
		return nil, fmt.Errorf("retire site: %w", err)
	}
	if retired.Valid {
		return nil, medsec.ErrorWithKey(medsec.ECONFLICT, "err.site_retired", "The site %s is retired already.", before.Name)
	}
	var active int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM assets WHERE site_id = ? AND status <> ?`, id, medsec.StatusRetired).Scan(&active); err != nil {
		return nil, fmt.Errorf("retire site: %w", err)
	}
	if active > 0 {
		return nil, medsec.ErrorWithKey(medsec.ECONFLICT, "err.site_has_assets", "%d assets that are not retired are still at the site %s; retire them or move them to another site first.", active, before.Name)
	}
	after := before
	after.RetiredAt = tx.now
	if _, err := tx.exec(ctx, `UPDATE sites SET retired_at = ? WHERE id = ?`, tx.now, id); err != nil {
		return nil, fmt.Errorf("retire site: %w", err)
	}
	if err := tx.auditChange(ctx, "site.retire", "site", id, id, &before, &after); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return &after, nil
}

// saveSite inserts the site (before nil) or updates it, stores its jurisdiction and writes
// the audit row.
func (s *OrgService) saveSite(ctx context.Context, tx *Tx, x *medsec.Site, before *medsec.Site) error {
	action := "site.create"
	if before == nil {
		id, err := tx.insert(ctx, `INSERT INTO sites (code, name, address, time_zone) VALUES (?, ?, ?, ?)`, x.Code, x.Name, x.Address, x.TimeZone)
		if err != nil {
			if isUniqueViolation(err) {
				return &medsec.Error{Code: medsec.ECONFLICT, Message: "A site with this name already exists.", Key: "err.exists"}
			}
			return fmt.Errorf("create site: %w", referenceError(err))
		}
		x.ID = id
	} else {
		action = "site.update"
		if _, err := tx.exec(ctx, `UPDATE sites SET code = ?, name = ?, address = ?, time_zone = ? WHERE id = ?`, x.Code, x.Name, x.Address, x.TimeZone, x.ID); err != nil {
			if isUniqueViolation(err) {
				return &medsec.Error{Code: medsec.ECONFLICT, Message: "A site with this name already exists.", Key: "err.exists"}
			}
			return fmt.Errorf("update site: %w", err)
		}
	}
	if _, err := tx.exec(ctx, `INSERT INTO incident_site_settings (site_id, jurisdiction) VALUES (?, ?)
		ON CONFLICT (site_id) DO UPDATE SET jurisdiction = excluded.jurisdiction`, x.ID, string(x.Jurisdiction)); err != nil {
		return fmt.Errorf("site jurisdiction: %w", err)
	}
	var b any
	if before != nil {
		b = before
	}
	return tx.auditChange(ctx, action, "site", x.ID, x.ID, b, x)
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

// FindPeople returns the people of the caller's scope, by name: for a user of every site,
// everyone; for a user limited to sites, the people of those sites' departments, the people
// of no department (the organisation's own) and the people answerable for an asset it sees;
// for a vendor user, only the people answerable for its company's assets (its contacts at
// the hospital), so that no other member of staff's e-mail or phone is shown.
func (s *OrgService) FindPeople(ctx context.Context) ([]*medsec.Person, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	where, args := "", []any(nil)
	if assets, aargs := sc.assetCond("a"); assets != "" {
		responsible := "id IN (SELECT a.responsible_id FROM assets a WHERE a.responsible_id IS NOT NULL AND " + assets + ")"
		where, args = " WHERE "+responsible, aargs
		if sc.vendor() == 0 {
			sites, sargs := sc.siteCond("site_id")
			where = " WHERE (department_id IS NULL OR department_id IN (SELECT id FROM departments WHERE " + sites + ") OR " + responsible + ")"
			args = append(sargs, aargs...)
		}
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT id, name, title, email, phone, COALESCE(department_id, 0) FROM people`+where+` ORDER BY name`), args...)
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
	// The audit row belongs to the department's site, so that a user limited to other sites
	// does not read the person's details there.
	var siteID int64
	if x.DepartmentID != 0 {
		if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT site_id FROM departments WHERE id = ?`), x.DepartmentID).Scan(&siteID); err != nil {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "department", Key: "err.unknown_reference", Message: "no such department"}}}
		}
	}
	return s.db.create(ctx, "person", &x.ID, siteID, x,
		`INSERT INTO people (name, title, email, phone, department_id) VALUES (?, ?, ?, ?, ?)`, x.Name, x.Title, x.Email, x.Phone, nullID(x.DepartmentID))
}

// FindVendors returns the vendors, by name; a vendor user sees only its own company.
func (s *OrgService) FindVendors(ctx context.Context) ([]*medsec.Vendor, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	where, args := "", []any(nil)
	if v := sc.vendor(); v != 0 {
		where, args = " WHERE id = ?", []any{v}
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT id, name, contact, email, phone FROM vendors`+where+` ORDER BY name`), args...)
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

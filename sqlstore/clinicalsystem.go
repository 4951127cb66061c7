package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"medsec"
)

// ClinicalSystemService implements medsec.ClinicalSystemService on the clinical_systems
// and clinical_system_assets tables.
type ClinicalSystemService struct {
	db *DB
}

var _ medsec.ClinicalSystemService = (*ClinicalSystemService)(nil)

// NewClinicalSystemService returns the clinical system service of db.
func NewClinicalSystemService(db *DB) *ClinicalSystemService { return &ClinicalSystemService{db: db} }

const systemColumns = `c.id, c.site_id, c.name, COALESCE(c.owner_id, 0), COALESCE(p.name, ''), c.description, c.rto_hours, c.rpo_hours,
	c.fallback, c.created_at, c.updated_at`

const systemFrom = ` FROM clinical_systems c LEFT JOIN people p ON p.id = c.owner_id`

func scanSystem(scan func(dest ...any) error) (*medsec.ClinicalSystem, error) {
	var c medsec.ClinicalSystem
	if err := scan(&c.ID, &c.SiteID, &c.Name, &c.OwnerID, &c.OwnerName, &c.Description, &c.RTOHours, &c.RPOHours,
		&c.Fallback, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.Members = []medsec.SystemMember{}
	return &c, nil
}

func errSystemNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Clinical system not found.", Key: "err.system_not_found"}
}

// systemScope refuses vendor users: a system's accounts and continuity plan are the
// hospital's, and no vendor role holds the account permissions that reach here anyway.
func systemScope(ctx context.Context, p medsec.Permission) (scope, error) {
	sc, err := authorize(ctx, p)
	if err != nil {
		return sc, err
	}
	if sc.vendor() != 0 {
		return sc, medsec.ErrForbidden()
	}
	return sc, nil
}

// findSystems returns the systems of the filter within the scope, with their members.
func (s *ClinicalSystemService) findSystems(ctx context.Context, q querier, sc scope, f medsec.ClinicalSystemFilter) ([]*medsec.ClinicalSystem, error) {
	conds, args := []string{"1 = 1"}, []any(nil)
	if c, a := sc.siteCond("c.site_id"); c != "" {
		conds, args = append(conds, c), append(args, a...)
	}
	if f.SiteID != 0 {
		conds, args = append(conds, "c.site_id = ?"), append(args, f.SiteID)
	}
	if f.AssetID != 0 {
		conds, args = append(conds, "c.id IN (SELECT system_id FROM clinical_system_assets WHERE asset_id = ?)"), append(args, f.AssetID)
	}
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+systemColumns+systemFrom+` WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY c.site_id, c.name, c.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("find clinical systems: %w", err)
	}
	defer rows.Close()
	out := []*medsec.ClinicalSystem{}
	for rows.Next() {
		c, err := scanSystem(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find clinical systems: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find clinical systems: %w", err)
	}
	return out, s.fillMembers(ctx, q, out)
}

// fillMembers reads the member assets of the systems.
func (s *ClinicalSystemService) fillMembers(ctx context.Context, q querier, systems []*medsec.ClinicalSystem) error {
	if len(systems) == 0 {
		return nil
	}
	byID := map[int64]*medsec.ClinicalSystem{}
	ids := make([]any, len(systems))
	for i, c := range systems {
		byID[c.ID], ids[i] = c, c.ID
	}
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT m.system_id, a.id, a.name, a.kind FROM clinical_system_assets m
		JOIN assets a ON a.id = m.asset_id WHERE m.system_id IN (`+placeholders(len(ids))+`) ORDER BY a.name, a.id`), ids...)
	if err != nil {
		return fmt.Errorf("clinical system members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid int64
		var m medsec.SystemMember
		if err := rows.Scan(&sid, &m.AssetID, &m.Name, &m.Kind); err != nil {
			return fmt.Errorf("clinical system members: %w", err)
		}
		byID[sid].Members = append(byID[sid].Members, m)
	}
	return rows.Err()
}

// system returns one system of the scope or ENOTFOUND.
func (s *ClinicalSystemService) system(ctx context.Context, q querier, sc scope, id int64) (*medsec.ClinicalSystem, error) {
	c, err := scanSystem(q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+systemColumns+systemFrom+` WHERE c.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSystemNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("clinical system %d: %w", id, err)
	}
	if !sc.seesSite(c.SiteID) {
		return nil, medsec.NotInScope("Clinical system not found.", "err.system_not_found", fmt.Sprintf("clinical system %d", id), c.SiteID)
	}
	return c, s.fillMembers(ctx, q, []*medsec.ClinicalSystem{c})
}

// FindClinicalSystems implements medsec.ClinicalSystemService.
func (s *ClinicalSystemService) FindClinicalSystems(ctx context.Context, f medsec.ClinicalSystemFilter) ([]*medsec.ClinicalSystem, error) {
	sc, err := systemScope(ctx, medsec.PermAccountRead)
	if err != nil {
		return nil, err
	}
	return s.findSystems(ctx, s.db.read, sc, f)
}

// FindClinicalSystem implements medsec.ClinicalSystemService.
func (s *ClinicalSystemService) FindClinicalSystem(ctx context.Context, id int64) (*medsec.ClinicalSystem, error) {
	sc, err := systemScope(ctx, medsec.PermAccountRead)
	if err != nil {
		return nil, err
	}
	return s.system(ctx, s.db.read, sc, id)
}

// checkOwner refuses an owner who is not a person of the roster.
func checkOwner(ctx context.Context, tx *Tx, id int64) error {
	if id == 0 {
		return nil
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM people WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("clinical system owner: %w", err)
	}
	if n == 0 {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "owner_id", Key: "err.unknown_person", Value: strconv.FormatInt(id, 10),
			Message: "unknown person"}}}
	}
	return nil
}

// checkMembers refuses member assets that do not exist or are of another site than the
// system's, naming the field "members" and the asset by its ID (an asset of a site the
// caller cannot see must not be named).
func checkMembers(ctx context.Context, tx *Tx, siteID int64, ids []int64) error {
	var errs []medsec.FieldError
	for _, id := range ids {
		var site int64
		err := tx.queryRow(ctx, `SELECT site_id FROM assets WHERE id = ?`, id).Scan(&site)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			errs = append(errs, medsec.FieldError{Field: "members", Key: "err.system_member_unknown", Value: strconv.FormatInt(id, 10),
				Message: "no such asset"})
		case err != nil:
			return fmt.Errorf("clinical system member %d: %w", id, err)
		case site != siteID:
			errs = append(errs, medsec.FieldError{Field: "members", Key: "err.system_member_site", Value: strconv.FormatInt(id, 10),
				Message: "the asset is of another site than the system"})
		}
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	return nil
}

func errSystemNameTaken(name string) error {
	return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "name", Key: "err.system_name_taken", Value: name,
		Message: "the site has a system of this name"}}}
}

// CreateClinicalSystem implements medsec.ClinicalSystemService.
func (s *ClinicalSystemService) CreateClinicalSystem(ctx context.Context, c *medsec.ClinicalSystem) error {
	sc, err := systemScope(ctx, medsec.PermAccountWrite)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if !sc.seesSite(c.SiteID) {
		return medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", c.SiteID), c.SiteID)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkOwner(ctx, tx, c.OwnerID); err != nil {
		return err
	}
	members := uniqueIDs(c.MemberIDs())
	if err := checkMembers(ctx, tx, c.SiteID, members); err != nil {
		return err
	}
	var taken int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM clinical_systems WHERE site_id = ? AND name = ?`, c.SiteID, c.Name).Scan(&taken); err != nil {
		return fmt.Errorf("create clinical system: %w", err)
	}
	if taken > 0 {
		return errSystemNameTaken(c.Name)
	}
	id, err := tx.insert(ctx, `INSERT INTO clinical_systems (site_id, name, owner_id, description, rto_hours, rpo_hours, fallback, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.SiteID, c.Name, nullID(c.OwnerID), c.Description, c.RTOHours, c.RPOHours, c.Fallback, tx.now, tx.now)
	if err != nil {
		return fmt.Errorf("create clinical system: %w", err)
	}
	for _, a := range members {
		if _, err := tx.exec(ctx, `INSERT INTO clinical_system_assets (system_id, asset_id) VALUES (?, ?)`, id, a); err != nil {
			return fmt.Errorf("create clinical system: member %d: %w", a, err)
		}
	}
	after, err := commitChange(ctx, tx, "create clinical system", medsec.ActionSystemCreate, "system", id, nil,
		func() (*medsec.ClinicalSystem, error) { return s.system(ctx, tx, sc, id) }, systemSite)
	if err != nil {
		return err
	}
	*c = *after
	return nil
}

// systemSite is the site of a clinical system, for its audit row.
func systemSite(c *medsec.ClinicalSystem) int64 { return c.SiteID }

// UpdateClinicalSystem implements medsec.ClinicalSystemService.
func (s *ClinicalSystemService) UpdateClinicalSystem(ctx context.Context, c *medsec.ClinicalSystem) error {
	sc, err := systemScope(ctx, medsec.PermAccountWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := s.system(ctx, tx, sc, c.ID)
	if err != nil {
		return err
	}
	c.SiteID = before.SiteID
	if err := c.Validate(); err != nil {
		return err
	}
	if err := checkOwner(ctx, tx, c.OwnerID); err != nil {
		return err
	}
	var taken int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM clinical_systems WHERE site_id = ? AND name = ? AND id <> ?`, c.SiteID, c.Name, c.ID).Scan(&taken); err != nil {
		return fmt.Errorf("update clinical system: %w", err)
	}
	if taken > 0 {
		return errSystemNameTaken(c.Name)
	}
	if _, err := tx.exec(ctx, `UPDATE clinical_systems SET name = ?, owner_id = ?, description = ?, rto_hours = ?, rpo_hours = ?, fallback = ?,
		updated_at = ? WHERE id = ?`, c.Name, nullID(c.OwnerID), c.Description, c.RTOHours, c.RPOHours, c.Fallback, tx.now, c.ID); err != nil {
		return fmt.Errorf("update clinical system: %w", err)
	}
	after, err := commitChange(ctx, tx, "update clinical system", medsec.ActionSystemUpdate, "system", c.ID, before,
		func() (*medsec.ClinicalSystem, error) { return s.system(ctx, tx, sc, c.ID) }, systemSite)
	if err != nil {
		return err
	}
	*c = *after
	return nil
}

// SetSystemMembers implements medsec.ClinicalSystemService.
func (s *ClinicalSystemService) SetSystemMembers(ctx context.Context, id int64, add, remove []int64) (*medsec.ClinicalSystem, error) {
	sc, err := systemScope(ctx, medsec.PermAccountWrite)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	before, err := s.system(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	add, remove = uniqueIDs(add), uniqueIDs(remove)
	if n := max(len(add), len(remove), len(before.Members)+len(add)); n > medsec.MaxSystemMembers {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "members", Key: "err.too_many", Value: strconv.Itoa(n),
			Message: fmt.Sprintf("at most %d", medsec.MaxSystemMembers)}}}
	}
	if err := checkMembers(ctx, tx, before.SiteID, add); err != nil {
		return nil, err
	}
	have := before.MemberIDs()
	for _, a := range add {
		if slices.Contains(have, a) || slices.Contains(remove, a) {
			continue
		}
		if _, err := tx.exec(ctx, `INSERT INTO clinical_system_assets (system_id, asset_id) VALUES (?, ?)`, id, a); err != nil {
			return nil, fmt.Errorf("clinical system %d: add member %d: %w", id, a, err)
		}
	}
	for _, a := range remove {
		if _, err := tx.exec(ctx, `DELETE FROM clinical_system_assets WHERE system_id = ? AND asset_id = ?`, id, a); err != nil {
			return nil, fmt.Errorf("clinical system %d: remove member %d: %w", id, a, err)
		}
	}
	if _, err := tx.exec(ctx, `UPDATE clinical_systems SET updated_at = ? WHERE id = ?`, tx.now, id); err != nil {
		return nil, fmt.Errorf("clinical system %d: %w", id, err)
	}
	return commitChange(ctx, tx, fmt.Sprintf("clinical system %d", id), medsec.ActionSystemMembers, "system", id, before,
		func() (*medsec.ClinicalSystem, error) { return s.system(ctx, tx, sc, id) }, systemSite)
}

// DeleteClinicalSystem implements medsec.ClinicalSystemService.
func (s *ClinicalSystemService) DeleteClinicalSystem(ctx context.Context, id int64) error {
	sc, err := systemScope(ctx, medsec.PermAccountWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := s.system(ctx, tx, sc, id)
	if err != nil {
		return err
	}
	var held int
	if err := tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM accounts WHERE system_id = ?) + (SELECT COUNT(*) FROM access_reviews WHERE system_id = ?)
		+ (SELECT COUNT(*) FROM backup_plans WHERE system_id = ?)`, id, id, id).Scan(&held); err != nil {
		return fmt.Errorf("delete clinical system: %w", err)
	}
	if held > 0 {
		// The accounts and their reviews are the record of who had access [004 §14 ⑦];
		// the backup plans carry the system's job results and restore tests.
		return &medsec.Error{Code: medsec.ECONFLICT, Message: "The system has accounts, access reviews or backup plans on record and cannot be deleted.", Key: "err.system_has_records"}
	}
	if _, err := tx.exec(ctx, `DELETE FROM clinical_system_assets WHERE system_id = ?`, id); err != nil {
		return fmt.Errorf("delete clinical system: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM clinical_systems WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete clinical system: %w", err)
	}
	if err := tx.auditChange(ctx, medsec.ActionSystemDelete, "system", id, before.SiteID, before, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// uniqueIDs returns the positive IDs of ids, each once, in order.
func uniqueIDs(ids []int64) []int64 {
	out := []int64{}
	for _, id := range ids {
		if id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

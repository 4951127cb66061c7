package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"medsec"
	"medsec/zone"
)

// ZoneService implements medsec.ZoneService. It keeps zones, conduits, flows, placements,
// class decisions and CRL reviews in the database and hands the checking, placing and
// drawing to package zone, converting records into zone's plain types and back.
type ZoneService struct{ db *DB }

var _ medsec.ZoneService = (*ZoneService)(nil)

// NewZoneService returns the zone service of db.
func NewZoneService(db *DB) *ZoneService { return &ZoneService{db: db} }

// authorizeSite checks the caller's permission and that its scope includes the site, and
// returns the scope. A site outside the scope is ENOTFOUND (audited as a denial) for reads
// and EFORBIDDEN for writes.
func authorizeSite(ctx context.Context, p medsec.Permission, siteID int64) (scope, error) {
	sc, err := authorize(ctx, p)
	if err != nil {
		return sc, err
	}
	if !sc.seesSite(siteID) {
		if p == medsec.PermInventoryWrite {
			return sc, medsec.ErrForbidden()
		}
		return sc, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", siteID), siteID)
	}
	return sc, nil
}

func zoneNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Zone not found.", Key: "err.zone_not_found"}
}

func zoneOutOfScope(z *medsec.Zone) error {
	return medsec.NotInScope("Zone not found.", "err.zone_not_found", fmt.Sprintf("zone %d", z.ID), z.SiteID)
}

func conduitNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Conduit not found.", Key: "err.conduit_not_found"}
}

func conduitOutOfScope(c *medsec.Conduit) error {
	return medsec.NotInScope("Conduit not found.", "err.conduit_not_found", fmt.Sprintf("conduit %d", c.ID), c.SiteID)
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain slices and structs are marshalled here
	}
	return string(b)
}

func fromJSON(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

// ---- zones ----

const zoneColumns = `id, site_id, name, kind, COALESCE(parent_id, 0), ranges, vlans, ssids, ratings, sl, description, created_at, updated_at`

func scanZone(scan func(dest ...any) error) (*medsec.Zone, error) {
	var z medsec.Zone
	var ranges, vlans, ssids, ratings string
	var sl sql.NullInt64
	if err := scan(&z.ID, &z.SiteID, &z.Name, &z.Kind, &z.ParentID, &ranges, &vlans, &ssids, &ratings, &sl, &z.Description, &z.CreatedAt, &z.UpdatedAt); err != nil {
		return nil, err
	}
	if err := errors.Join(fromJSON(ranges, &z.Ranges), fromJSON(vlans, &z.VLANs), fromJSON(ssids, &z.SSIDs)); err != nil {
		return nil, fmt.Errorf("zone %d: %w", z.ID, err)
	}
	if ratings != "" {
		z.Ratings = &medsec.ZoneRatings{}
		if err := fromJSON(ratings, z.Ratings); err != nil {
			return nil, fmt.Errorf("zone %d: %w", z.ID, err)
		}
	}
	if sl.Valid {
		v := int(sl.Int64)
		z.SL = &v
	}
	z.Normalize()
	z.CreatedAt, z.UpdatedAt = z.CreatedAt.UTC(), z.UpdatedAt.UTC()
	return &z, nil
}

func findZones(ctx context.Context, q querier, d dialect, siteID int64) ([]*medsec.Zone, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT `+zoneColumns+` FROM zones WHERE site_id = ? ORDER BY name, id`), siteID)
	if err != nil {
		return nil, fmt.Errorf("find zones: %w", err)
	}
	defer rows.Close()
	var out []*medsec.Zone
	for rows.Next() {
		z, err := scanZone(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find zones: %w", err)
		}
		out = append(out, z)
	}
	return out, rows.Err()
}

func findZoneByID(ctx context.Context, q querier, d dialect, id int64) (*medsec.Zone, error) {
	z, err := scanZone(q.QueryRowContext(ctx, d.rebind(`SELECT `+zoneColumns+` FROM zones WHERE id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, zoneNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("find zone %d: %w", id, err)
	}
	return z, nil
}

// FindZones returns the site's zones ordered by name; a vendor user gets only the zones
// its company's assets sit in (and the zones enclosing them), without their addressing.
func (s *ZoneService) FindZones(ctx context.Context, siteID int64) ([]*medsec.Zone, error) {
	sc, err := authorizeSite(ctx, medsec.PermInventoryRead, siteID)
	if err != nil {
		return nil, err
	}
	zones, err := findZones(ctx, s.db.read, s.db.dialect, siteID)
	if err != nil || sc.vendor() == 0 {
		return zones, err
	}
	vis, err := s.vendorZones(ctx, sc, siteID)
	if err != nil {
		return nil, err
	}
	var out []*medsec.Zone
	for _, z := range zones {
		if vis[z.ID] {
			out = append(out, redactedZone(z))
		}
	}
	return out, nil
}

// vendorZones returns the zones of a site a vendor user may see: those its company's
// assets sit in, and the zones enclosing them.
func (s *ZoneService) vendorZones(ctx context.Context, sc scope, siteID int64) (map[int64]bool, error) {
	sm, err := loadSite(ctx, s.db.read, s.db.dialect, siteID, false)
	if err != nil {
		return nil, err
	}
	h, err := sc.hosts(ctx, s.db.read, s.db.dialect, siteID)
	if err != nil {
		return nil, err
	}
	return sm.visibleZones(h), nil
}

// redactedZone is a copy of the zone without its address ranges, VLANs and SSIDs: a
// vendor user sees the zone and level of its devices, not the hospital's addressing plan.
func redactedZone(z *medsec.Zone) *medsec.Zone {
	c := *z
	c.Ranges, c.VLANs, c.SSIDs = []string{}, []int{}, []string{}
	return &c
}

// FindZoneByID returns a zone of the caller's scope.
func (s *ZoneService) FindZoneByID(ctx context.Context, id int64) (*medsec.Zone, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	z, err := findZoneByID(ctx, s.db.read, s.db.dialect, id)
	if err != nil {
		return nil, err
	}
	if !sc.seesSite(z.SiteID) {
		return nil, zoneOutOfScope(z)
	}
	if sc.vendor() != 0 {
		vis, err := s.vendorZones(ctx, sc, z.SiteID)
		if err != nil {
			return nil, err
		}
		if !vis[z.ID] {
			return nil, zoneOutOfScope(z)
		}
		return redactedZone(z), nil
	}
	return z, nil
}

// CreateZone stores a new zone.
func (s *ZoneService) CreateZone(ctx context.Context, z *medsec.Zone) error {
	z.ID = 0
	return s.saveZone(ctx, z, nil)
}

// UpdateZone replaces a zone's fields; its site cannot change.
func (s *ZoneService) UpdateZone(ctx context.Context, z *medsec.Zone) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	before, err := findZoneByID(ctx, s.db.read, s.db.dialect, z.ID)
	if err != nil {
		return err
	}
	if !u.CanSeeSite(before.SiteID) {
		return zoneOutOfScope(before)
	}
	z.SiteID = before.SiteID
	return s.saveZone(ctx, z, before)
}

func (s *ZoneService) saveZone(ctx context.Context, z *medsec.Zone, before *medsec.Zone) error {
	z.Normalize()
	if err := z.Validate(); err != nil {
		return err
	}
	if _, err := authorizeSite(ctx, medsec.PermInventoryWrite, z.SiteID); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	zones, err := findZones(ctx, tx, tx.db.dialect, z.SiteID)
	if err != nil {
		return err
	}
	// Check the whole site's model with the changed zone in it: ranges, parents, cycles.
	var errs []medsec.FieldError
	for _, r := range z.Ranges {
		if _, err := zone.ParseRange(r); err != nil {
			errs = append(errs, medsec.FieldError{Field: "ranges", Key: "err.bad_range", Message: err.Error()})
		}
	}
	if z.ParentID != 0 {
		found := false
		for _, o := range zones {
			found = found || o.ID == z.ParentID
		}
		if !found {
			errs = append(errs, medsec.FieldError{Field: "parent", Key: "err.bad_parent", Message: "the parent zone is not a zone of this site"})
		}
	}
	for _, o := range zones {
		if o.ID != z.ID && strings.EqualFold(o.Name, z.Name) {
			errs = append(errs, medsec.FieldError{Field: "name", Key: "err.duplicate_name", Message: fmt.Sprintf("the site already has a zone named %q", z.Name)})
		}
	}
	if len(errs) == 0 && before != nil {
		// A zone must not become its own ancestor.
		parent := map[int64]int64{}
		for _, o := range zones {
			parent[o.ID] = o.ParentID
		}
		parent[z.ID] = z.ParentID
		for p, n := z.ParentID, 0; p != 0 && n <= len(zones); p, n = parent[p], n+1 {
			if p == z.ID {
				errs = append(errs, medsec.FieldError{Field: "parent", Key: "err.bad_parent", Message: "the parent chain would form a cycle"})
				break
			}
		}
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	var sl any
	if z.SL != nil {
		sl = *z.SL
	}
	ratings := ""
	if z.Ratings != nil {
		ratings = toJSON(z.Ratings)
	}
	if before == nil {
		z.CreatedAt, z.UpdatedAt = tx.now, tx.now
		z.ID, err = tx.insert(ctx, `INSERT INTO zones (site_id, name, kind, parent_id, ranges, vlans, ssids, ratings, sl, description, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			z.SiteID, z.Name, string(z.Kind), nullID(z.ParentID), toJSON(z.Ranges), toJSON(z.VLANs), toJSON(z.SSIDs), ratings, sl, z.Description, z.CreatedAt, z.UpdatedAt)
		if err != nil {
			return fmt.Errorf("create zone: %w", err)
		}
		if err := tx.auditChange(ctx, "zone.create", "zone", z.ID, z.SiteID, nil, z); err != nil {
			return err
		}
	} else {
		z.CreatedAt, z.UpdatedAt = before.CreatedAt, tx.now
		_, err = tx.exec(ctx, `UPDATE zones SET name = ?, kind = ?, parent_id = ?, ranges = ?, vlans = ?, ssids = ?, ratings = ?, sl = ?, description = ?, updated_at = ?
			WHERE id = ?`, z.Name, string(z.Kind), nullID(z.ParentID), toJSON(z.Ranges), toJSON(z.VLANs), toJSON(z.SSIDs), ratings, sl, z.Description, z.UpdatedAt, z.ID)
		if err != nil {
			return fmt.Errorf("update zone %d: %w", z.ID, err)
		}
		if err := tx.auditChange(ctx, "zone.update", "zone", z.ID, z.SiteID, before, z); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// DeleteZone removes a zone that has no sub-zones and no conduits.
func (s *ZoneService) DeleteZone(ctx context.Context, id int64) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := findZoneByID(ctx, tx, tx.db.dialect, id)
	if err != nil {
		return err
	}
	if !u.CanSeeSite(before.SiteID) {
		return zoneOutOfScope(before)
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM zones WHERE parent_id = ?) + (SELECT COUNT(*) FROM conduits WHERE from_zone_id = ? OR to_zone_id = ?)`, id, id, id).Scan(&n); err != nil {
		return fmt.Errorf("delete zone %d: %w", id, err)
	}
	if n > 0 {
		return &medsec.Error{Code: medsec.ECONFLICT, Message: "Remove the zone's sub-zones and conduits first.", Key: "err.zone_in_use"}
	}
	if _, err := tx.exec(ctx, `DELETE FROM asset_zones WHERE zone_id = ?`, id); err != nil {
		return fmt.Errorf("delete zone %d: %w", id, err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM zones WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete zone %d: %w", id, err)
	}
	if err := tx.auditChange(ctx, "zone.delete", "zone", id, before.SiteID, before, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// ---- conduits ----

const conduitColumns = `c.id, c.site_id, c.name, c.from_zone_id, c.to_zone_id, c.protocol, c.ports, c.app, c.sources, c.destinations,
	c.controls, c.description, c.created_at, c.updated_at, f.name, t.name`

const conduitFrom = ` FROM conduits c JOIN zones f ON f.id = c.from_zone_id JOIN zones t ON t.id = c.to_zone_id`

func scanConduit(scan func(dest ...any) error) (*medsec.Conduit, error) {
	var c medsec.Conduit
	var srcs, dsts, controls string
	if err := scan(&c.ID, &c.SiteID, &c.Name, &c.FromZoneID, &c.ToZoneID, &c.Protocol, &c.Ports, &c.App, &srcs, &dsts,
		&controls, &c.Description, &c.CreatedAt, &c.UpdatedAt, &c.FromZoneName, &c.ToZoneName); err != nil {
		return nil, err
	}
	if err := errors.Join(fromJSON(srcs, &c.Sources), fromJSON(dsts, &c.Destinations), fromJSON(controls, &c.Controls)); err != nil {
		return nil, fmt.Errorf("conduit %d: %w", c.ID, err)
	}
	c.Normalize()
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func findConduits(ctx context.Context, q querier, d dialect, siteID int64) ([]*medsec.Conduit, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT `+conduitColumns+conduitFrom+` WHERE c.site_id = ? ORDER BY c.id`), siteID)
	if err != nil {
		return nil, fmt.Errorf("find conduits: %w", err)
	}
	defer rows.Close()
	var out []*medsec.Conduit
	for rows.Next() {
		c, err := scanConduit(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find conduits: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func findConduitByID(ctx context.Context, q querier, d dialect, id int64) (*medsec.Conduit, error) {
	c, err := scanConduit(q.QueryRowContext(ctx, d.rebind(`SELECT `+conduitColumns+conduitFrom+` WHERE c.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, conduitNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("find conduit %d: %w", id, err)
	}
	return c, nil
}

// FindConduits returns the site's conduits in creation order. A vendor user gets none:
// conduits are the hospital's rules between zones, and their whitelists name other hosts.
func (s *ZoneService) FindConduits(ctx context.Context, siteID int64) ([]*medsec.Conduit, error) {
	sc, err := authorizeSite(ctx, medsec.PermInventoryRead, siteID)
	if err != nil {
		return nil, err
	}
	if sc.vendor() != 0 {
		return []*medsec.Conduit{}, nil
	}
	return findConduits(ctx, s.db.read, s.db.dialect, siteID)
}

// FindConduitByID returns a conduit of the caller's scope (never a vendor user's).
func (s *ZoneService) FindConduitByID(ctx context.Context, id int64) (*medsec.Conduit, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	c, err := findConduitByID(ctx, s.db.read, s.db.dialect, id)
	if err != nil {
		return nil, err
	}
	if !sc.seesSite(c.SiteID) || sc.vendor() != 0 {
		return nil, conduitOutOfScope(c)
	}
	return c, nil
}

// CreateConduit stores a new conduit.
func (s *ZoneService) CreateConduit(ctx context.Context, c *medsec.Conduit) error {
	c.ID = 0
	return s.saveConduit(ctx, c, nil)
}

// UpdateConduit replaces a conduit's fields; its site cannot change.
func (s *ZoneService) UpdateConduit(ctx context.Context, c *medsec.Conduit) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	before, err := findConduitByID(ctx, s.db.read, s.db.dialect, c.ID)
	if err != nil {
		return err
	}
	if !u.CanSeeSite(before.SiteID) {
		return conduitOutOfScope(before)
	}
	c.SiteID = before.SiteID
	return s.saveConduit(ctx, c, before)
}

// conduitRule converts a conduit to package zone's, reporting each unparsable field.
func conduitRule(c *medsec.Conduit) (zone.Conduit, []medsec.FieldError) {
	var errs []medsec.FieldError
	zc := zone.Conduit{ID: c.ID, Name: c.Name, From: c.FromZoneID, To: c.ToZoneID, Protocol: zone.NormalizeProtocol(c.Protocol), App: c.App}
	ports, err := zone.ParsePortList(c.Ports)
	if err != nil {
		errs = append(errs, medsec.FieldError{Field: "ports", Key: "err.bad_ports", Message: err.Error()})
	}
	zc.Ports = ports
	for _, side := range []struct {
		field string
		in    []string
		out   *[]zone.Range
	}{{"sources", c.Sources, &zc.Sources}, {"destinations", c.Destinations, &zc.Destinations}} {
		for _, s := range side.in {
			r, err := zone.ParseRange(s)
			if err != nil {
				errs = append(errs, medsec.FieldError{Field: side.field, Key: "err.bad_range", Message: err.Error()})
				continue
			}
			*side.out = append(*side.out, r)
		}
	}
	for _, m := range c.Controls {
		zc.Controls = append(zc.Controls, zone.Control(m))
	}
	return zc, errs
}

func (s *ZoneService) saveConduit(ctx context.Context, c *medsec.Conduit, before *medsec.Conduit) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	if _, err := authorizeSite(ctx, medsec.PermInventoryWrite, c.SiteID); err != nil {
		return err
	}
	zc, errs := conduitRule(c)
	if len(errs) == 0 {
		// The rule checks of package zone (ports only for tcp/udp, families of whitelists).
		m := zone.Model{Zones: []zone.Zone{{ID: 1, Kind: zone.KindIntranet}, {ID: 2, Kind: zone.KindOT}}}
		zc.ID, zc.From, zc.To = 1, 1, 2
		m.Conduits = []zone.Conduit{zc}
		if err := m.Validate(); err != nil {
			var ve *zone.ValidationError
			if errors.As(err, &ve) {
				for _, p := range ve.Problems {
					errs = append(errs, medsec.FieldError{Field: "rule", Key: "err.bad_rule", Message: strings.TrimPrefix(p, "conduit 1: ")})
				}
			}
		}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, side := range []struct {
		field string
		id    int64
		name  *string
	}{{"from_zone", c.FromZoneID, &c.FromZoneName}, {"to_zone", c.ToZoneID, &c.ToZoneName}} {
		z, err := findZoneByID(ctx, tx, tx.db.dialect, side.id)
		if err != nil || z.SiteID != c.SiteID {
			errs = append(errs, medsec.FieldError{Field: side.field, Key: "err.bad_zone", Message: "is not a zone of this site"})
			continue
		}
		*side.name = z.Name
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	args := []any{c.Name, c.FromZoneID, c.ToZoneID, c.Protocol, c.Ports, c.App, toJSON(c.Sources), toJSON(c.Destinations), toJSON(c.Controls), c.Description}
	if before == nil {
		c.CreatedAt, c.UpdatedAt = tx.now, tx.now
		c.ID, err = tx.insert(ctx, `INSERT INTO conduits (name, from_zone_id, to_zone_id, protocol, ports, app, sources, destinations, controls, description, site_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, c.SiteID, c.CreatedAt, c.UpdatedAt)...)
		if err != nil {
			return fmt.Errorf("create conduit: %w", err)
		}
		if err := tx.auditChange(ctx, "conduit.create", "conduit", c.ID, c.SiteID, nil, c); err != nil {
			return err
		}
	} else {
		c.CreatedAt, c.UpdatedAt = before.CreatedAt, tx.now
		_, err = tx.exec(ctx, `UPDATE conduits SET name = ?, from_zone_id = ?, to_zone_id = ?, protocol = ?, ports = ?, app = ?, sources = ?,
			destinations = ?, controls = ?, description = ?, updated_at = ? WHERE id = ?`, append(args, c.UpdatedAt, c.ID)...)
		if err != nil {
			return fmt.Errorf("update conduit %d: %w", c.ID, err)
		}
		if err := tx.auditChange(ctx, "conduit.update", "conduit", c.ID, c.SiteID, before, c); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// DeleteConduit removes a conduit.
func (s *ZoneService) DeleteConduit(ctx context.Context, id int64) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := findConduitByID(ctx, tx, tx.db.dialect, id)
	if err != nil {
		return err
	}
	if !u.CanSeeSite(before.SiteID) {
		return conduitOutOfScope(before)
	}
	if _, err := tx.exec(ctx, `DELETE FROM conduits WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete conduit %d: %w", id, err)
	}
	if err := tx.auditChange(ctx, "conduit.delete", "conduit", id, before.SiteID, before, nil); err != nil {
		return err
	}
	return tx.Commit()
}

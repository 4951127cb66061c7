package sqlstore

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"medsec"
)

// memberIndex finds the assets of one site a spreadsheet's members cell names: by name
// (host name), serial number (asset tag) or IP address.
type memberIndex []*medsec.Asset

// find returns the asset v names: ok false for none, ambiguous for several (an active
// asset is taken over retired ones of the same key).
func (ix memberIndex) find(v string) (id int64, ok, ambiguous bool) {
	ip, ipErr := netip.ParseAddr(v)
	var hits []*medsec.Asset
	for _, a := range ix {
		match := strings.EqualFold(a.Name, v) || (a.Serial != "" && strings.EqualFold(a.Serial, v))
		if !match && ipErr == nil {
			match = slices.ContainsFunc(a.IPs, func(s string) bool { x, err := netip.ParseAddr(s); return err == nil && x == ip })
		}
		if match {
			hits = append(hits, a)
		}
	}
	if len(hits) > 1 {
		active := slices.DeleteFunc(slices.Clone(hits), func(a *medsec.Asset) bool { return a.Status == medsec.StatusRetired })
		if len(active) == 1 {
			hits = active
		}
	}
	switch len(hits) {
	case 0:
		return 0, false, false
	case 1:
		return hits[0].ID, true, false
	}
	return 0, false, true
}

// siteAssets reads the assets of the sites, by site.
func siteAssets(ctx context.Context, tx *Tx, sites []int64) (map[int64]memberIndex, error) {
	out := map[int64]memberIndex{}
	if len(sites) == 0 {
		return out, nil
	}
	args := make([]any, len(sites))
	for i, s := range sites {
		args[i] = s
	}
	rows, err := tx.query(ctx, `SELECT `+assetColumns+assetFrom+` WHERE a.site_id IN (`+placeholders(len(args))+`) ORDER BY a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("import clinical systems: assets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAsset(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("import clinical systems: assets: %w", err)
		}
		out[a.SiteID] = append(out[a.SiteID], a)
	}
	return out, rows.Err()
}

// ImportClinicalSystems implements medsec.ClinicalSystemService.
func (s *ClinicalSystemService) ImportClinicalSystems(ctx context.Context, imp medsec.SystemImport) (medsec.SystemImportResult, error) {
	var res medsec.SystemImportResult
	sc, err := systemScope(ctx, medsec.PermAccountWrite)
	if err != nil {
		return res, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	names, err := tx.loadNames(ctx)
	if err != nil {
		return res, err
	}
	people, err := loadPeople(ctx, tx)
	if err != nil {
		return res, err
	}
	problems := slices.Clone(imp.Problems)
	bad := func(line int, col, key, value, msg string, args ...string) {
		problems = append(problems, medsec.FieldError{Line: line, Field: imp.Column(col), Key: key, Value: value, Args: args, Message: msg})
	}
	rows := slices.Clone(imp.Rows)
	var sites []int64
	// The reader finds a system twice as written; here the site is resolved, so a system
	// whose site is written once by code and once by name, or whose name differs only in
	// case, is found too: one system a file may change once (bt15i H1, H2).
	seen := map[string]int{}
	for i := range rows {
		r := &rows[i]
		id, ok := names.sites[r.Site]
		key := strconv.FormatInt(id, 10) + "\x00" + strings.ToLower(r.System.Name)
		first, dup := seen[key]
		switch {
		case r.Site == "":
		case !ok:
			bad(r.Line, "site", "err.unknown_site", r.Site, fmt.Sprintf("unknown site %q", r.Site))
		case !sc.seesSite(id):
			// A site the caller may not change is named as the caller wrote it, as an
			// asset import does; nothing of it is read.
			bad(r.Line, "site", "err.forbidden_site", r.Site, fmt.Sprintf("you may not change the systems of site %q", r.Site))
		case dup && r.System.Name != "":
			bad(r.Line, "name", "err.system_duplicate", r.System.Name, fmt.Sprintf("the system %q of this site is also on line %d", r.System.Name, first),
				strconv.Itoa(first))
		default:
			seen[key] = r.Line
			r.System.SiteID = id
			if !slices.Contains(sites, id) {
				sites = append(sites, id)
			}
		}
		if r.Owner != "" {
			if r.System.OwnerID, ok = people.person(medsec.AccountRow{Person: r.Owner}); !ok {
				bad(r.Line, "owner", "err.unknown_person", r.Owner, fmt.Sprintf("no person of the roster has the employee number or name %q", r.Owner))
			}
		}
	}
	assets, err := siteAssets(ctx, tx, sites)
	if err != nil {
		return res, err
	}
	for i := range rows {
		r := &rows[i]
		if r.System.SiteID == 0 {
			continue
		}
		for _, m := range r.Members {
			id, ok, ambiguous := assets[r.System.SiteID].find(m)
			switch {
			case ambiguous:
				bad(r.Line, "members", "err.system_member_ambiguous", m, fmt.Sprintf("several assets of site %q are named %q or have it as serial number or IP address", r.Site, m))
			case !ok:
				bad(r.Line, "members", "err.system_member_not_found", m, fmt.Sprintf("no asset of site %q has the name, serial number or IP address %q", r.Site, m))
			case !slices.ContainsFunc(r.System.Members, func(x medsec.SystemMember) bool { return x.AssetID == id }):
				r.System.Members = append(r.System.Members, medsec.SystemMember{AssetID: id})
			}
		}
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b medsec.FieldError) int { return a.Line - b.Line })
		return res, &medsec.ValidationError{Source: imp.Source, Sheet: imp.Sheet, Errors: problems}
	}
	existing, err := s.findSystems(ctx, tx, sc, medsec.ClinicalSystemFilter{})
	if err != nil {
		return res, err
	}
	for i := range rows {
		r := &rows[i]
		c := &r.System
		// The system of that name, or else of that name in another case (a file may
		// correct the case); a system of the exact name wins, so two systems differing
		// only in case, entered before, stay apart (bt15i H1).
		var before *medsec.ClinicalSystem
		for _, x := range existing {
			if x.SiteID == c.SiteID && x.Name == c.Name {
				before = x
				break
			}
			if before == nil && x.SiteID == c.SiteID && strings.EqualFold(x.Name, c.Name) {
				before = x
			}
		}
		if before == nil {
			id, err := tx.insert(ctx, `INSERT INTO clinical_systems (site_id, name, owner_id, description, rto_hours, rpo_hours, fallback, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.SiteID, c.Name, nullID(c.OwnerID), c.Description, c.RTOHours, c.RPOHours, c.Fallback, tx.now, tx.now)
			if err != nil {
				return res, fmt.Errorf("import clinical systems: line %d: %w", r.Line, err)
			}
			if err := s.setImportedMembers(ctx, tx, id, nil, c.MemberIDs()); err != nil {
				return res, fmt.Errorf("import clinical systems: line %d: %w", r.Line, err)
			}
			after, err := s.system(ctx, tx, sc, id)
			if err != nil {
				return res, err
			}
			if err := tx.auditChange(ctx, medsec.ActionSystemCreate, "system", id, c.SiteID, nil, after); err != nil {
				return res, err
			}
			res.Created++
			continue
		}
		// Only the columns the file has change an existing system.
		next := *before
		for _, f := range []struct {
			col  string
			copy func()
		}{
			{"name", func() { next.Name = c.Name }},
			{"owner", func() { next.OwnerID = c.OwnerID }},
			{"description", func() { next.Description = c.Description }},
			{"rto_hours", func() { next.RTOHours = c.RTOHours }},
			{"rpo_hours", func() { next.RPOHours = c.RPOHours }},
			{"fallback", func() { next.Fallback = c.Fallback }},
		} {
			if imp.Has(f.col) {
				f.copy()
			}
		}
		members := before.MemberIDs()
		if imp.Has("members") {
			members = c.MemberIDs()
		}
		have := before.MemberIDs()
		slices.Sort(have)
		want := slices.Sorted(slices.Values(members))
		if next.Name == before.Name && next.OwnerID == before.OwnerID && next.Description == before.Description && next.RTOHours == before.RTOHours &&
			next.RPOHours == before.RPOHours && next.Fallback == before.Fallback && slices.Equal(have, want) {
			res.Unchanged++
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE clinical_systems SET name = ?, owner_id = ?, description = ?, rto_hours = ?, rpo_hours = ?, fallback = ?,
			updated_at = ? WHERE id = ?`, next.Name, nullID(next.OwnerID), next.Description, next.RTOHours, next.RPOHours, next.Fallback, tx.now, before.ID); err != nil {
			return res, fmt.Errorf("import clinical systems: line %d: %w", r.Line, err)
		}
		if err := s.setImportedMembers(ctx, tx, before.ID, have, want); err != nil {
			return res, fmt.Errorf("import clinical systems: line %d: %w", r.Line, err)
		}
		after, err := s.system(ctx, tx, sc, before.ID)
		if err != nil {
			return res, err
		}
		action := medsec.ActionSystemUpdate
		if !slices.Equal(have, want) {
			action = medsec.ActionSystemMembers
			if next.Name != before.Name || next.OwnerID != before.OwnerID || next.Description != before.Description || next.RTOHours != before.RTOHours ||
				next.RPOHours != before.RPOHours || next.Fallback != before.Fallback {
				action = medsec.ActionSystemUpdate
			}
		}
		if err := tx.auditChange(ctx, action, "system", before.ID, before.SiteID, before, after); err != nil {
			return res, err
		}
		res.Updated++
	}
	site := int64(0)
	if len(sites) == 1 {
		site = sites[0]
	}
	if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionSystemImport, ObjectType: "system", SiteID: site,
		Detail: truncateDetail(fmt.Sprintf("%s: %d created, %d updated, %d unchanged", imp.Source, res.Created, res.Updated, res.Unchanged))}); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// setImportedMembers makes the members of system id want, from have.
func (s *ClinicalSystemService) setImportedMembers(ctx context.Context, tx *Tx, id int64, have, want []int64) error {
	for _, a := range want {
		if !slices.Contains(have, a) {
			if _, err := tx.exec(ctx, `INSERT INTO clinical_system_assets (system_id, asset_id) VALUES (?, ?)`, id, a); err != nil {
				return fmt.Errorf("add member %d: %w", a, err)
			}
		}
	}
	for _, a := range have {
		if !slices.Contains(want, a) {
			if _, err := tx.exec(ctx, `DELETE FROM clinical_system_assets WHERE system_id = ? AND asset_id = ?`, id, a); err != nil {
				return fmt.Errorf("remove member %d: %w", a, err)
			}
		}
	}
	return nil
}

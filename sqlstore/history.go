package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/vuln"
)

// A closed period's report shows the inventory as recorded at the period's end. Assets,
// zones, conduits and hand placements keep no history of their own, but every change to
// them is in the audit trail with the whole record before and after it (asset.create,
// asset.update — retiring included —, asset.place, zone.*, conduit.*; auditChange). An
// object changed at or after the end was, at the end, what the "before" of its first such
// change says (nothing, when that change created it); one not changed since is as it is
// now. Changes made outside medsec's services (a migration's backfill) are not in the
// trail and are not undone.

// recordedBefore returns, for the objects of objectType changed by one of actions at or
// after at (within siteID's audit rows when siteID is not 0), the "before" value of the
// first such change: nil when that change created the object.
func recordedBefore(ctx context.Context, q querier, d dialect, objectType string, actions []string, at time.Time, siteID int64) (map[int64][]byte, error) {
	args := []any{objectType}
	for _, a := range actions {
		args = append(args, a)
	}
	args = append(args, at.UTC())
	cond := ""
	if siteID != 0 {
		cond, args = " AND site_id = ?", append(args, siteID)
	}
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT object_id, before_json FROM audit_log WHERE id IN (SELECT MIN(id) FROM audit_log
		WHERE object_type = ? AND action IN (`+placeholders(len(actions))+`) AND at >= ?`+cond+` GROUP BY object_id)`), args...)
	if err != nil {
		return nil, fmt.Errorf("read %s history: %w", objectType, err)
	}
	defer rows.Close()
	out := map[int64][]byte{}
	for rows.Next() {
		var id int64
		var before string
		if err := rows.Scan(&id, &before); err != nil {
			return nil, fmt.Errorf("read %s history: %w", objectType, err)
		}
		out[id] = nil
		if before != "" && before != "null" {
			out[id] = []byte(before)
		}
	}
	return out, rows.Err()
}

// rewind returns list as recorded at at: each object changed since replaced by its
// recorded "before" (dropped when created since), and the objects deleted since, of
// siteID, added back. id and site read an object's ID and site.
func rewind[T any](list []*T, before map[int64][]byte, id func(*T) int64, site func(*T) int64, siteID int64) ([]*T, error) {
	have := map[int64]bool{}
	out := make([]*T, 0, len(list))
	for _, x := range list {
		have[id(x)] = true
		b, changed := before[id(x)]
		if !changed {
			out = append(out, x)
			continue
		}
		if b == nil {
			continue // created since
		}
		var old T
		if err := json.Unmarshal(b, &old); err != nil {
			return nil, fmt.Errorf("recorded state of %d: %w", id(x), err)
		}
		out = append(out, &old)
	}
	ids := make([]int64, 0, len(before))
	for k := range before {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	for _, k := range ids {
		if have[k] || before[k] == nil {
			continue
		}
		var old T
		if err := json.Unmarshal(before[k], &old); err != nil {
			return nil, fmt.Errorf("recorded state of %d: %w", k, err)
		}
		if site(&old) == siteID {
			out = append(out, &old)
		}
	}
	return out, nil
}

// zonesAt returns the site's zones and conduits as recorded at at.
func zonesAt(ctx context.Context, q querier, d dialect, siteID int64, at time.Time) ([]*medsec.Zone, []*medsec.Conduit, error) {
	zones, err := findZones(ctx, q, d, siteID)
	if err != nil {
		return nil, nil, err
	}
	before, err := recordedBefore(ctx, q, d, "zone", []string{"zone.create", "zone.update", "zone.delete"}, at, siteID)
	if err != nil {
		return nil, nil, err
	}
	if zones, err = rewind(zones, before, func(z *medsec.Zone) int64 { return z.ID }, func(z *medsec.Zone) int64 { return z.SiteID }, siteID); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(zones, func(a, b *medsec.Zone) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	conduits, err := findConduits(ctx, q, d, siteID)
	if err != nil {
		return nil, nil, err
	}
	if before, err = recordedBefore(ctx, q, d, "conduit", []string{"conduit.create", "conduit.update", "conduit.delete"}, at, siteID); err != nil {
		return nil, nil, err
	}
	if conduits, err = rewind(conduits, before, func(c *medsec.Conduit) int64 { return c.ID }, func(c *medsec.Conduit) int64 { return c.SiteID }, siteID); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(conduits, func(a, b *medsec.Conduit) int { return int(a.ID - b.ID) })
	return zones, conduits, nil
}

// assetsAt replaces each asset of list by its record as at at (the assets selected as in
// use in a period ending at at: none was created since). The names of its site,
// department, vendor and owner are today's, as for the assets not changed since: the
// organisation's names keep no history here.
func assetsAt(ctx context.Context, q querier, d dialect, list []*medsec.Asset, at time.Time) ([]*medsec.Asset, error) {
	before, err := recordedBefore(ctx, q, d, "asset", []string{"asset.update"}, at, 0)
	if err != nil {
		return nil, err
	}
	var names map[string]map[int64]string
	for i, a := range list {
		b := before[a.ID]
		if b == nil {
			continue
		}
		var old medsec.Asset
		if err := json.Unmarshal(b, &old); err != nil {
			return nil, fmt.Errorf("recorded state of asset %d: %w", a.ID, err)
		}
		if names == nil {
			if names, err = orgNames(ctx, q); err != nil {
				return nil, err
			}
		}
		old.SiteName, old.DepartmentName = names["sites"][old.SiteID], names["departments"][old.DepartmentID]
		old.VendorName, old.ResponsibleName = names["vendors"][old.VendorID], names["people"][old.ResponsibleID]
		list[i] = &old
	}
	return list, nil
}

// orgNames returns the names of sites, departments, vendors and people by table and ID.
func orgNames(ctx context.Context, q querier) (map[string]map[int64]string, error) {
	out := map[string]map[int64]string{}
	for _, table := range []string{"sites", "departments", "vendors", "people"} {
		rows, err := q.QueryContext(ctx, `SELECT id, name FROM `+table)
		if err != nil {
			return nil, fmt.Errorf("names: %w", err)
		}
		m := map[int64]string{}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("names: %w", err)
			}
			m[id] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("names: %w", err)
		}
		out[table] = m
	}
	return out, nil
}

// placementsAt returns the hand placements (asset → zone) of the site's assets as at at:
// the "before" of an asset's first asset.place since, else its placement now, else — a
// placement that a zone's deletion removed without its own audit row — the "after" of its
// last asset.place before at.
func placementsAt(ctx context.Context, q querier, d dialect, siteID int64, now map[int64]int64, at time.Time) (map[int64]int64, error) {
	out := map[int64]int64{}
	read := func(query string, args ...any) (map[int64]medsec.ZonePlacement, error) {
		rows, err := q.QueryContext(ctx, d.rebind(query), args...)
		if err != nil {
			return nil, fmt.Errorf("read placement history: %w", err)
		}
		defer rows.Close()
		m := map[int64]medsec.ZonePlacement{}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				return nil, fmt.Errorf("read placement history: %w", err)
			}
			var p medsec.ZonePlacement
			if v != "" {
				if err := json.Unmarshal([]byte(v), &p); err != nil {
					return nil, fmt.Errorf("recorded placement of asset %d: %w", id, err)
				}
			}
			m[id] = p
		}
		return m, rows.Err()
	}
	since, err := read(`SELECT object_id, before_json FROM audit_log WHERE id IN (SELECT MIN(id) FROM audit_log
		WHERE object_type = 'asset' AND action = 'asset.place' AND at >= ? AND site_id = ? GROUP BY object_id)`, at.UTC(), siteID)
	if err != nil {
		return nil, err
	}
	until, err := read(`SELECT object_id, after_json FROM audit_log WHERE id IN (SELECT MAX(id) FROM audit_log
		WHERE object_type = 'asset' AND action = 'asset.place' AND at < ? AND site_id = ? GROUP BY object_id)`, at.UTC(), siteID)
	if err != nil {
		return nil, err
	}
	for a, z := range now {
		if _, changed := since[a]; !changed {
			out[a] = z
		}
	}
	for a, p := range since {
		if p.Manual && p.ZoneID != 0 {
			out[a] = p.ZoneID
		}
	}
	for a, p := range until {
		if _, changed := since[a]; changed {
			continue
		}
		if _, placed := out[a]; !placed && p.Manual && p.ZoneID != 0 {
			out[a] = p.ZoneID
		}
	}
	return out, nil
}

// changedSinceCond is the SQL condition that asset a (alias a) has changed since the end
// of a period (its one argument): its site or department then may differ from today's.
const changedSinceCond = `a.id IN (SELECT object_id FROM audit_log WHERE object_type = 'asset' AND action = 'asset.update' AND at >= ?)`

// inUseAt keeps, of assets read for f (f.InUseTo set) and rewound to f.InUseTo
// (assetsAt), those that were then of f's site and department, in u's scope (nil: every
// asset) and in use in the period, sorted by name as the read was.
func inUseAt(list []*medsec.Asset, f medsec.AssetFilter, u *medsec.User) []*medsec.Asset {
	list = slices.DeleteFunc(list, func(a *medsec.Asset) bool {
		return u != nil && !u.CanSeeAsset(a) ||
			f.SiteID != 0 && a.SiteID != f.SiteID || f.DepartmentID != 0 && a.DepartmentID != f.DepartmentID ||
			a.Status == medsec.StatusRetired && !a.RetiredAt.IsZero() && a.RetiredAt.Before(f.InUseFrom)
	})
	slices.SortStableFunc(list, func(a, b *medsec.Asset) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return list
}

// loadSiteAt is loadSiteLevels as recorded at at, for a period [from, at): the site's
// zones, conduits and hand placements then, and the assets in use in the period that were
// then of the site, each as it then was.
func loadSiteAt(ctx context.Context, q querier, d dialect, siteID int64, from, at time.Time) (*siteModel, error) {
	sm := &siteModel{siteID: siteID, manual: map[int64]int64{}}
	var err error
	if sm.zones, sm.conduits, err = zonesAt(ctx, q, d, siteID, at); err != nil {
		return nil, err
	}
	if len(sm.zones) > 0 {
		f := medsec.AssetFilter{SiteID: siteID, InUseFrom: from, InUseTo: at}
		rows, err := q.QueryContext(ctx, d.rebind(`SELECT `+assetColumns+assetFrom+` WHERE (a.site_id = ? OR `+changedSinceCond+`)
			AND a.created_at < ? AND (a.retired_at IS NULL OR a.retired_at >= ?) ORDER BY a.id`), siteID, at.UTC(), at.UTC(), from.UTC())
		if err != nil {
			return nil, fmt.Errorf("load site %d: %w", siteID, err)
		}
		var list []*medsec.Asset
		for rows.Next() {
			a, err := scanAsset(rows.Scan)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("load site %d: %w", siteID, err)
			}
			list = append(list, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load site %d: %w", siteID, err)
		}
		if list, err = assetsAt(ctx, q, d, list, at); err != nil {
			return nil, err
		}
		sm.assets = inUseAt(list, f, nil)
		slices.SortFunc(sm.assets, func(a, b *medsec.Asset) int { return int(a.ID - b.ID) })
		now := map[int64]int64{}
		rows, err = q.QueryContext(ctx, d.rebind(`SELECT az.asset_id, az.zone_id FROM asset_zones az JOIN zones z ON z.id = az.zone_id WHERE z.site_id = ?`), siteID)
		if err != nil {
			return nil, fmt.Errorf("load placements: %w", err)
		}
		for rows.Next() {
			var a, z int64
			if err := rows.Scan(&a, &z); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load placements: %w", err)
			}
			now[a] = z
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load placements: %w", err)
		}
		placed, err := placementsAt(ctx, q, d, siteID, now, at)
		if err != nil {
			return nil, err
		}
		for a, z := range placed {
			if sm.zoneByID(z) != nil {
				sm.manual[a] = z
			}
		}
	}
	if err := sm.build(); err != nil {
		return nil, fmt.Errorf("site %d as at %s: %w", siteID, at.Format(time.DateOnly), err)
	}
	return sm, nil
}

// findingsInScopeAt keeps, of the findings read for f (f.AsOf set, findingWhereAt
// rewound), those whose asset was at f.AsOf in sc's scope and of f.SiteID when set: an
// asset changed since (asset.update at or after f.AsOf) is judged on the site and vendor
// of its record then; one not changed since was read by today's, which were then's.
func findingsInScopeAt(ctx context.Context, q querier, d dialect, list []*medsec.Finding, sc scope, f medsec.FindingFilter) ([]*medsec.Finding, error) {
	before, err := recordedBefore(ctx, q, d, "asset", []string{"asset.update"}, f.AsOf, 0)
	if err != nil {
		return nil, err
	}
	then := map[int64]*medsec.Asset{}
	for id, b := range before {
		if b == nil { // no record before the change: judged on the finding's own site
			then[id] = nil
			continue
		}
		var old medsec.Asset
		if err := json.Unmarshal(b, &old); err != nil {
			return nil, fmt.Errorf("recorded state of asset %d: %w", id, err)
		}
		then[id] = &old
	}
	return slices.DeleteFunc(list, func(fd *medsec.Finding) bool {
		a, changed := then[fd.AssetID]
		if !changed {
			return false
		}
		if a == nil {
			return !sc.seesSite(fd.SiteID) || f.SiteID != 0 && fd.SiteID != f.SiteID
		}
		return !sc.seesAsset(a) || f.SiteID != 0 && a.SiteID != f.SiteID
	}), nil
}

// findingsAt sets each finding of list as recorded at at (FindingFilter.AsOf): its state,
// justification and detail the "before" of its first vuln.finding.analyze at or after at,
// with who analysed it and when from its last such row before at; its score and
// environmental vector the "before" of its first vuln.finding.rescore since, its deadline
// that of the first vuln.finding.rescore or vuln.finding.deadline (a change of the site's
// deadline policy) since; a fix or disappearance at or after at not yet there; its
// compensating control's review day the last control's recorded before at; late as
// judged at at.
func findingsAt(ctx context.Context, q querier, d dialect, list []*medsec.Finding, at time.Time) error {
	analysed, err := recordedBefore(ctx, q, d, "vuln_finding", []string{"vuln.finding.analyze"}, at, 0)
	if err != nil {
		return err
	}
	rescored, err := recordedBefore(ctx, q, d, "vuln_finding", []string{"vuln.finding.rescore"}, at, 0)
	if err != nil {
		return err
	}
	// The deadline then: before the first re-scoring or change of the site's deadline
	// policy (vuln.finding.deadline) since, whichever came first.
	redone, err := recordedBefore(ctx, q, d, "vuln_finding", []string{"vuln.finding.rescore", "vuln.finding.deadline"}, at, 0)
	if err != nil {
		return err
	}
	type by struct {
		name string
		at   time.Time
	}
	last := map[int64]by{}
	if len(analysed) > 0 {
		rows, err := q.QueryContext(ctx, d.rebind(`SELECT object_id, username, at FROM audit_log WHERE id IN (SELECT MAX(id) FROM audit_log
			WHERE object_type = 'vuln_finding' AND action = 'vuln.finding.analyze' AND at < ? GROUP BY object_id)`), at.UTC())
		if err != nil {
			return fmt.Errorf("read finding history: %w", err)
		}
		for rows.Next() {
			var id int64
			var b by
			if err := rows.Scan(&id, &b.name, &b.at); err != nil {
				rows.Close()
				return fmt.Errorf("read finding history: %w", err)
			}
			last[id] = b
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read finding history: %w", err)
		}
	}
	// The review day of a mitigated finding is its last compensating control's recorded
	// before at (bt16 #3: a control added later moved a closed year's finding on time).
	reviews := map[int64]medsec.Date{}
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT finding_id, review_on FROM vuln_controls WHERE id IN (SELECT MAX(id) FROM vuln_controls
		WHERE created_at < ? GROUP BY finding_id)`), at.UTC())
	if err != nil {
		return fmt.Errorf("read compensating controls: %w", err)
	}
	for rows.Next() {
		var id int64
		var day string
		if err := rows.Scan(&id, &day); err != nil {
			rows.Close()
			return fmt.Errorf("read compensating controls: %w", err)
		}
		if reviews[id], err = medsec.ParseDate(day); err != nil {
			rows.Close()
			return fmt.Errorf("finding %d: control review day: %w", id, err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read compensating controls: %w", err)
	}
	goneThen, err := goneAt(ctx, q, d, at)
	if err != nil {
		return err
	}
	for _, f := range list {
		f.ControlReviewOn = reviews[f.ID]
		if b := analysed[f.ID]; b != nil {
			var old struct {
				State         medsec.FindingState `json:"state"`
				Justification string              `json:"justification"`
				Detail        string              `json:"detail"`
				Version       int64               `json:"version"`
			}
			if err := json.Unmarshal(b, &old); err != nil {
				return fmt.Errorf("recorded state of finding %d: %w", f.ID, err)
			}
			f.State, f.Justification, f.Detail, f.Version = old.State, old.Justification, old.Detail, old.Version
			f.AnalyzedBy, f.AnalyzedAt = last[f.ID].name, last[f.ID].at.UTC()
		}
		if b := rescored[f.ID]; b != nil {
			var old struct {
				EnvVector    string    `json:"env_vector"`
				Score        float64   `json:"score"`
				Due          time.Time `json:"due"`
				DeadlineRule string    `json:"deadline_rule"`
			}
			if err := json.Unmarshal(b, &old); err != nil {
				return fmt.Errorf("recorded score of finding %d: %w", f.ID, err)
			}
			f.EnvVector, f.Score, f.Due, f.DeadlineRule = old.EnvVector, old.Score, old.Due.UTC(), old.DeadlineRule
			f.EnvScore = 0
			if old.EnvVector != "" {
				f.EnvScore = old.Score
			}
			rateFinding(f)
			f.DeadlineBasis = vuln.Basis(vuln.Rule(f.DeadlineRule), f.Due.Sub(f.FoundAt))
		}
		if b := redone[f.ID]; b != nil {
			var old struct {
				Due          time.Time `json:"due"`
				DeadlineRule string    `json:"deadline_rule"`
				// Score is recorded when matching re-scored the finding (issue 11).
				Score *float64 `json:"score"`
			}
			if err := json.Unmarshal(b, &old); err != nil {
				return fmt.Errorf("recorded deadline of finding %d: %w", f.ID, err)
			}
			if !old.Due.IsZero() {
				f.Due, f.DeadlineRule = old.Due.UTC(), old.DeadlineRule
				f.DeadlineBasis = vuln.Basis(vuln.Rule(f.DeadlineRule), f.Due.Sub(f.FoundAt))
			}
			if old.Score != nil && f.EnvVector == "" {
				f.Score = *old.Score
				rateFinding(f)
			}
		}
		if !f.FixedAt.Before(at) || f.State != medsec.FindingFixed {
			f.FixedAt = time.Time{}
		}
		// Gone then: the last change of the finding's gone_at before at (vuln_finding_gone),
		// a disappearance since not yet there, a return since not yet either.
		f.GoneAt = goneThen[f.ID]
		f.Late(at)
	}
	return nil
}

// goneAt returns, of every finding gone from its asset at at, since when: the last change
// of its gone_at recorded before at (vuln_finding_gone, migration 0099) when that change
// was a disappearance. A finding gone and back again before at, or gone only since, is
// not in it (issue 16: gone_at, set and cleared in place, could not be rewound).
func goneAt(ctx context.Context, q querier, d dialect, at time.Time) (map[int64]time.Time, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT finding_id, gone, at FROM vuln_finding_gone WHERE id IN (SELECT MAX(id) FROM vuln_finding_gone
		WHERE at < ? GROUP BY finding_id)`), at.UTC())
	if err != nil {
		return nil, fmt.Errorf("read finding history: %w", err)
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var id int64
		var gone int
		var when time.Time
		if err := rows.Scan(&id, &gone, &when); err != nil {
			return nil, fmt.Errorf("read finding history: %w", err)
		}
		if gone == 1 {
			out[id] = when.UTC()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read finding history: %w", err)
	}
	return out, nil
}

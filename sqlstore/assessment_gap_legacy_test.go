package sqlstore

import (
	"context"
	"slices"
	"time"

	"medsec"
	"medsec/catalog"
)

// legacyGapReport is GapReport as it was before it counted in bulk (every asset and
// control walked, every check input read per asset): the reference the bulk report must
// match. For the TW baseline the subjects are the active assets the caller sees (or
// one asset); for the other catalogs, the organisation.
func (s *AssessmentService) legacyGapReport(ctx context.Context, f medsec.GapFilter) (*medsec.GapReport, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	if f.CatalogID == "" {
		f.CatalogID = catalog.IDTaiwanBaseline
	}
	c, err := catalog.Find(s.catalogs, f.CatalogID)
	if err != nil {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.catalog_not_found", "Catalog not found.")
	}
	now := s.db.Now().UTC()
	rep := &medsec.GapReport{CatalogID: c.ID(), Title: c.Title(), GeneratedAt: now, Counts: []medsec.GapCount{},
		Totals: medsec.GapCount{ByStatus: map[medsec.AssessmentStatus]int{}}, Open: []medsec.GapItem{},
		LeftOut: []medsec.GapLeftOut{}, UncarriedChecks: []medsec.GapCheck{}, BySite: []medsec.GapGroup{}, ByDepartment: []medsec.GapGroup{}, Domains: []string{}, DomainsEn: []string{}}
	domains := map[string]bool{}
	counts := map[medsec.Level]*medsec.GapCount{}
	count := func(level medsec.Level, st medsec.AssessmentStatus) {
		gc := counts[level]
		if gc == nil {
			gc = &medsec.GapCount{Level: level, ByStatus: map[medsec.AssessmentStatus]int{}}
			counts[level] = gc
		}
		gc.ByStatus[st]++
		gc.Total++
		rep.Totals.ByStatus[st]++
		rep.Totals.Total++
	}
	bySite, byDept := map[int64]*medsec.GapGroup{}, map[int64]*medsec.GapGroup{}
	byDomain := map[string]*medsec.GapGroup{}
	group := func(m map[int64]*medsec.GapGroup, id int64, name string, siteID int64) *medsec.GapGroup {
		g := m[id]
		if g == nil {
			g = &medsec.GapGroup{ID: id, Name: name, SiteID: siteID, Totals: medsec.GapCount{ByStatus: map[medsec.AssessmentStatus]int{}}}
			m[id] = g
		}
		return g
	}
	addItem := func(ac medsec.ApplicableControl, asset *medsec.Asset, failed []string, evidence []medsec.CheckDatum) {
		if !domains[ac.Domain] {
			domains[ac.Domain] = true
			rep.Domains = append(rep.Domains, ac.Domain)
			rep.DomainsEn = append(rep.DomainsEn, ac.DomainEn)
		}
		if f.Level != "" && ac.Level != f.Level || f.Status != "" && ac.Status != f.Status || f.Domain != "" && ac.Domain != f.Domain {
			return
		}
		count(ac.Level, ac.Status)
		dg := byDomain[ac.Domain]
		if dg == nil {
			dg = &medsec.GapGroup{Name: ac.Domain, NameEn: ac.DomainEn, Totals: medsec.GapCount{ByStatus: map[medsec.AssessmentStatus]int{}}}
			byDomain[ac.Domain] = dg
		}
		dg.Totals.ByStatus[ac.Status]++
		dg.Totals.Total++
		if asset != nil {
			for _, g := range []*medsec.GapGroup{group(bySite, asset.SiteID, asset.SiteName, asset.SiteID),
				group(byDept, asset.DepartmentID, asset.DepartmentName, asset.SiteID)} {
				g.Totals.ByStatus[ac.Status]++
				g.Totals.Total++
			}
		}
		if !ac.Status.Open() && len(failed) == 0 {
			return
		}
		it := medsec.GapItem{CatalogID: ac.CatalogID, ControlID: ac.ControlID, Title: ac.Title, TitleEn: ac.TitleEn, Domain: ac.Domain, DomainEn: ac.DomainEn, Level: ac.Level,
			Status: ac.Status, FailedChecks: failed, Evidence: evidence}
		if asset != nil {
			it.AssetID, it.AssetName, it.Owner = asset.ID, asset.Name, asset.ResponsibleName
			it.SiteName, it.DepartmentName = asset.SiteName, asset.DepartmentName
		}
		if ac.Current != nil {
			it.AssessedOn, it.NextReview = ac.Current.AssessedOn, ac.Current.NextReview
		}
		rep.Open = append(rep.Open, it)
	}
	if c.ID() == catalog.IDTaiwanBaseline {
		var assets []*medsec.Asset
		if f.AssetID != 0 {
			a, err := s.visibleAsset(ctx, u, f.AssetID)
			if err != nil {
				return nil, err
			}
			assets = []*medsec.Asset{a}
		} else if assets, err = legacyVisibleAssets(ctx, s, u, medsec.AssetFilter{SiteID: f.SiteID, DepartmentID: f.DepartmentID}); err != nil {
			return nil, err
		}
		current, err := s.findAssessments(ctx, u, medsec.AssessmentFilter{CatalogID: c.ID(), AssetID: f.AssetID}, true)
		if err != nil {
			return nil, err
		}
		type key struct {
			asset   int64
			control string
		}
		byKey := map[key]*medsec.Assessment{}
		for _, x := range current {
			byKey[key{x.AssetID, x.ControlID}] = x
		}
		levels := s.newLevelCache()
		profiles := newMDS2Cache(s.db.read, s.db.dialect)
		seen := make(map[int64]bool, len(assets))
		for _, a := range assets {
			seen[a.ID] = true
		}
		if f.OwnerID != 0 { // after seen: boundary hosts answered for by others still carry
			assets = slices.DeleteFunc(assets, func(a *medsec.Asset) bool { return a.ResponsibleID != f.OwnerID })
		}
		for _, a := range assets {
			lv, err := levels.level(ctx, a)
			if err != nil {
				return nil, err
			}
			pl, err := levels.place(ctx, a)
			if err != nil {
				return nil, err
			}
			tr, err := levels.twApplicable(a, lv, pl)
			if err != nil {
				return nil, err
			}
			var hosts []medsec.AssetRef
			if tr.carriage == medsec.CarriedByBoundaryHost {
				if f.AssetID == 0 { // every asset u sees is in assets
					hosts = slices.DeleteFunc(slices.Clone(pl.hosts), func(r medsec.AssetRef) bool { return !seen[r.ID] })
				} else {
					hosts = s.visibleRefs(ctx, u, pl.hosts)
				}
			}
			ref := medsec.AssetRef{ID: a.ID, Name: a.Name}
			results, err := s.runChecks(ctx, profiles, a, lv.Level, now)
			if err != nil {
				return nil, err
			}
			carried := map[string]bool{}
			if len(tr.controls) == 0 {
				rep.LeftOut = append(rep.LeftOut, medsec.GapLeftOut{Asset: ref, Class: a.Class, Reason: tr.carriageFor(pl), CarriedBy: hosts, LocalLAN: pl.lan})
			} else {
				rep.Subjects++
				group(bySite, a.SiteID, a.SiteName, a.SiteID).Subjects++
				group(byDept, a.DepartmentID, a.DepartmentName, a.SiteID).Subjects++
			}
			for _, ac := range tr.controls {
				carried[ac.ControlID] = true
				if x := byKey[key{a.ID, ac.ControlID}]; x != nil {
					ac.Current, ac.Status = x, x.Status
				}
				var failed []string
				var evidence []medsec.CheckDatum
				for _, r := range checksFor(results, ac.CatalogID, ac.ControlID) {
					if r.Outcome == medsec.CheckFail && ac.Status != medsec.AssessNotApplicable {
						failed = append(failed, r.CheckID)
						evidence = append(evidence, r.Data...)
					}
				}
				addItem(ac, a, failed, evidence)
			}
			// A failing check that none of the asset's rows carries is listed on its own.
			for _, r := range results {
				if r.Outcome != medsec.CheckFail || slices.ContainsFunc(r.Controls, func(ref medsec.ControlRef) bool { return carried[ref.ControlID] }) {
					continue
				}
				rep.UncarriedChecks = append(rep.UncarriedChecks, medsec.GapCheck{Asset: ref, CheckID: r.CheckID, Controls: r.Controls, Detail: r.Detail, CarriedBy: hosts})
			}
		}
	} else if u.Role != medsec.RoleVendor {
		controls, err := s.organisationControls(ctx, u, c.ID(), time.Time{})
		if err != nil {
			return nil, err
		}
		rep.Subjects = 1
		for _, ac := range controls {
			if !ac.Voluntary { // encouraged or recommended: not a gap
				addItem(ac, nil, nil, nil)
			}
		}
	}
	// Worst first: not implemented, partial, not assessed, then items open only because
	// an automatic check fails; within each, the highest level first.
	rank := map[medsec.AssessmentStatus]int{medsec.AssessNotImplemented: 0, medsec.AssessPartial: 1, medsec.AssessNotAssessed: 2}
	levelRank := map[medsec.Level]int{medsec.LevelHigh: 0, medsec.LevelModerate: 1, medsec.LevelLow: 2}
	slices.SortStableFunc(rep.Open, func(a, b medsec.GapItem) int {
		ra, ok := rank[a.Status]
		if !ok {
			ra = 3
		}
		rb, ok := rank[b.Status]
		if !ok {
			rb = 3
		}
		if ra != rb {
			return ra - rb
		}
		return levelRank[a.Level] - levelRank[b.Level]
	})
	for _, l := range []medsec.Level{medsec.LevelLow, medsec.LevelModerate, medsec.LevelHigh, medsec.LevelNone} {
		if gc := counts[l]; gc != nil {
			rep.Counts = append(rep.Counts, *gc)
		}
	}
	rep.BySite, rep.ByDepartment = sortedGroups(bySite, nil), sortedGroups(byDept, bySite)
	rep.ByDomain = []medsec.GapGroup{}
	for _, d := range rep.Domains {
		if g := byDomain[d]; g != nil {
			rep.ByDomain = append(rep.ByDomain, *g)
		}
	}
	rep.OpenTotal = len(rep.Open)
	return rep, nil
}

// legacyVisibleAssets is visibleAssets as it was: every column of every active asset u
// may see, so that the reference does not share the report's narrower read.
func legacyVisibleAssets(ctx context.Context, s *AssessmentService, u *medsec.User, f medsec.AssetFilter) ([]*medsec.Asset, error) {
	f.Status = medsec.StatusActive
	where, args := assetWhere(s.db.dialect, u, f, medsec.DateOf(s.db.Now()))
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+assetColumns+assetFrom+where+` ORDER BY a.name, a.id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*medsec.Asset
	for rows.Next() {
		a, err := scanAsset(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

package sqlstore

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"medsec"
	"medsec/catalog"
)

// catalogLevel maps a baseline level to the catalog's; an unset level is taken as 普
// (low), the level every asset reaches at least.
func catalogLevel(l medsec.Level) (catalog.Level, medsec.Level, bool) {
	switch l {
	case medsec.LevelModerate:
		return catalog.LevelModerate, l, false
	case medsec.LevelHigh:
		return catalog.LevelHigh, l, false
	case medsec.LevelLow:
		return catalog.LevelLow, l, false
	}
	return catalog.LevelLow, medsec.LevelLow, true
}

// levelCache gives assets their effective level (the zone's SL mapped to 普/中/高, else
// the level set on the asset), loading each site's zone model once.
// It also keeps the applicable rows per (class, level, zone), which a report over
// thousands of assets otherwise recomputes for each.
type levelCache struct {
	s          *AssessmentService
	sites      map[int64]*siteModel
	applicable map[applicKey]applicResult
}

type applicKey struct {
	class medsec.DeviceClass
	level medsec.Level
	src   medsec.LevelSource
	zone  string
	sl    int
}

type applicResult struct {
	controls []medsec.ApplicableControl
	level    medsec.Level
	assumed  bool
	targets  []string
}

func (s *AssessmentService) newLevelCache() *levelCache {
	return &levelCache{s: s, sites: map[int64]*siteModel{}, applicable: map[applicKey]applicResult{}}
}

// twApplicable is AssessmentService.twApplicable, remembered; callers must not change the
// returned slice's elements in place.
func (c *levelCache) twApplicable(a *medsec.Asset, lv *medsec.AssetLevel) ([]medsec.ApplicableControl, medsec.Level, bool, []string, error) {
	k := applicKey{a.Class, lv.Level, lv.Source, lv.ZoneName, lv.SL}
	if r, ok := c.applicable[k]; ok {
		return r.controls, r.level, r.assumed, r.targets, nil
	}
	controls, level, assumed, targets, err := c.s.twApplicable(a, lv)
	if err != nil {
		return nil, "", false, nil, err
	}
	c.applicable[k] = applicResult{controls, level, assumed, targets}
	return controls, level, assumed, targets, nil
}

func (c *levelCache) level(ctx context.Context, a *medsec.Asset) (*medsec.AssetLevel, error) {
	sm := c.sites[a.SiteID]
	if sm == nil {
		var err error
		if sm, err = loadSite(ctx, c.s.db.read, c.s.db.dialect, a.SiteID, false); err != nil {
			return nil, err
		}
		c.sites[a.SiteID] = sm
	}
	return sm.level(a), nil
}

func domainLevel(l catalog.Level) medsec.Level {
	switch l {
	case catalog.LevelLow:
		return medsec.LevelLow
	case catalog.LevelModerate:
		return medsec.LevelModerate
	case catalog.LevelHigh:
		return medsec.LevelHigh
	}
	return medsec.LevelNone
}

// crosswalkLinks returns the controls of other catalogs on the same subjects as the control.
func crosswalkLinks(x *catalog.Crosswalk, catalogID, controlID string) []medsec.CrosswalkLink {
	if x == nil {
		return nil
	}
	var out []medsec.CrosswalkLink
	for _, sub := range x.SubjectsOf(catalogID, controlID) {
		for _, e := range sub.Entries {
			if e.Catalog != catalogID {
				out = append(out, medsec.CrosswalkLink{Subject: sub.Title, SubjectLabels: sub.Labels, CatalogID: e.Catalog, ControlID: e.Control, Relation: e.Relation})
			}
		}
	}
	return out
}

func applicableControl(catalogID string, ap catalog.Applicability) medsec.ApplicableControl {
	ctl := ap.Control
	return medsec.ApplicableControl{
		CatalogID: catalogID, ControlID: ctl.ID, Title: ctl.Title, TitleEn: ctl.TitleEnglish(),
		Original: ctl.OriginalText(), OriginalLang: ctl.OriginalLang(), English: ctl.English(), SourceRef: ctl.SourceRef(),
		Level: domainLevel(ap.Level), Reason: ap.Reason, Cadence: ctl.Cadence(), Status: medsec.AssessNotAssessed,
		Target: string(ap.Target), TargetBasis: ctl.TargetBasis(), LevelInferred: ctl.LevelInferred(),
	}
}

// twApplicable returns the TW baseline rows that apply to an asset at its effective
// level, and the level used.
func (s *AssessmentService) twApplicable(a *medsec.Asset, lv *medsec.AssetLevel) ([]medsec.ApplicableControl, medsec.Level, bool, []string, error) {
	tw, err := catalog.Find(s.catalogs, catalog.IDTaiwanBaseline)
	if err != nil {
		return nil, "", false, nil, err
	}
	level, used, assumed := catalogLevel(lv.Level)
	targets := catalog.TargetsForClass(string(a.Class))
	names := make([]string, 0, len(targets))
	for _, t := range targets {
		names = append(names, string(t))
	}
	var out []medsec.ApplicableControl
	for _, ap := range tw.Applicable(targets, level) {
		c := applicableControl(tw.ID(), ap)
		c.Crosswalk = crosswalkLinks(s.crosswalk, c.CatalogID, c.ControlID)
		c.Reason = fmt.Sprintf("class %s → %s; %s", a.Class, ap.Target, ap.Reason) // no asset-specific data: levelCache shares it
		switch {
		case assumed:
			c.Reason += "; the asset has no level, 普 (low) assumed"
		case lv.Source == medsec.LevelFromZone:
			c.Reason += fmt.Sprintf("; level %s from zone %s (SL%d)", used, lv.ZoneName, lv.SL)
		}
		out = append(out, c)
	}
	return out, used, assumed, names, nil
}

// AssetControls returns the TW baseline controls that apply to the asset.
func (s *AssessmentService) AssetControls(ctx context.Context, assetID int64) (*medsec.AssetControls, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	a, err := s.visibleAsset(ctx, u, assetID)
	if err != nil {
		return nil, err
	}
	lv, err := s.newLevelCache().level(ctx, a)
	if err != nil {
		return nil, err
	}
	controls, level, assumed, targets, err := s.twApplicable(a, lv)
	if err != nil {
		return nil, err
	}
	current, err := s.findAssessments(ctx, u, medsec.AssessmentFilter{CatalogID: catalog.IDTaiwanBaseline, AssetID: a.ID}, true)
	if err != nil {
		return nil, err
	}
	byControl := map[string]*medsec.Assessment{}
	for _, x := range current {
		byControl[x.ControlID] = x
	}
	results := s.checks.Run(a, s.db.Now())
	for i := range controls {
		c := &controls[i]
		if x := byControl[c.ControlID]; x != nil {
			c.Current, c.Status = x, x.Status
		}
		c.Checks = checksFor(results, c.CatalogID, c.ControlID)
	}
	return &medsec.AssetControls{Asset: a, Level: level, LevelAssumed: assumed, LevelSource: lv.Source, Zone: lv.ZoneName, SL: lv.SL,
		Targets: targets, Controls: controls, Checks: results}, nil
}

func checksFor(results []medsec.CheckResult, catalogID, controlID string) []medsec.CheckResult {
	var out []medsec.CheckResult
	for _, r := range results {
		if slices.ContainsFunc(r.Controls, func(ref medsec.ControlRef) bool { return ref.CatalogID == catalogID && ref.ControlID == controlID }) {
			out = append(out, r)
		}
	}
	return out
}

// orgProfile turns the compliance settings into the catalog's organisation profile.
func orgProfile(set medsec.ComplianceSettings) catalog.OrgProfile {
	p, err := catalog.ParsePattern(set.JPPattern)
	if err != nil {
		p = catalog.PatternI
	}
	return catalog.OrgProfile{MLPSLevel: set.MLPSLevel, PersonalInfoOver100k: set.PersonalInfoOver100k, CIIOperator: set.CIIOperator, Pattern: p}
}

// OrganisationControls returns the obligations of an organisational catalog that apply.
func (s *AssessmentService) OrganisationControls(ctx context.Context, catalogID string) ([]medsec.ApplicableControl, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	if u.Role == medsec.RoleVendor {
		return []medsec.ApplicableControl{}, nil // the organisation's obligations are not a vendor's
	}
	return s.organisationControls(ctx, u, catalogID)
}

func (s *AssessmentService) organisationControls(ctx context.Context, u *medsec.User, catalogID string) ([]medsec.ApplicableControl, error) {
	c, err := catalog.Find(s.catalogs, catalogID)
	if err != nil || catalogID == catalog.IDTaiwanBaseline {
		return nil, medsec.Errorf(medsec.ENOTFOUND, "Catalog not found.")
	}
	set, err := s.complianceSettings(ctx)
	if err != nil {
		return nil, err
	}
	current, err := s.findAssessments(ctx, u, medsec.AssessmentFilter{CatalogID: catalogID, OrganisationOnly: true}, true)
	if err != nil {
		return nil, err
	}
	byControl := map[string]*medsec.Assessment{}
	for _, x := range current {
		byControl[x.ControlID] = x
	}
	var out []medsec.ApplicableControl
	for _, ap := range c.ApplicableToOrganisation(orgProfile(set)) {
		ac := applicableControl(catalogID, ap)
		ac.Crosswalk = crosswalkLinks(s.crosswalk, catalogID, ac.ControlID)
		if x := byControl[ac.ControlID]; x != nil {
			ac.Current, ac.Status = x, x.Status
		}
		out = append(out, ac)
	}
	return out, nil
}

// visibleAssets returns the active assets u may see.
func (s *AssessmentService) visibleAssets(ctx context.Context, u *medsec.User) ([]*medsec.Asset, error) {
	where, args := assetWhere(u, medsec.AssetFilter{Status: medsec.StatusActive})
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+assetColumns+assetFrom+where+` ORDER BY a.name, a.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("find assets: %w", err)
	}
	defer rows.Close()
	var out []*medsec.Asset
	for rows.Next() {
		a, err := scanAsset(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find assets: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// GapReport counts applicable (subject, control) pairs by status and level and lists the
// open ones. For the TW baseline the subjects are the active assets the caller sees (or
// one asset); for the other catalogs, the organisation.
func (s *AssessmentService) GapReport(ctx context.Context, f medsec.GapFilter) (*medsec.GapReport, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	if f.CatalogID == "" {
		f.CatalogID = catalog.IDTaiwanBaseline
	}
	c, err := catalog.Find(s.catalogs, f.CatalogID)
	if err != nil {
		return nil, medsec.Errorf(medsec.ENOTFOUND, "Catalog not found.")
	}
	now := s.db.Now().UTC()
	rep := &medsec.GapReport{CatalogID: c.ID(), Title: c.Title(), GeneratedAt: now, Counts: []medsec.GapCount{},
		Totals: medsec.GapCount{ByStatus: map[medsec.AssessmentStatus]int{}}, Open: []medsec.GapItem{}}
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
	addItem := func(ac medsec.ApplicableControl, asset *medsec.Asset, failed []string) {
		count(ac.Level, ac.Status)
		if !ac.Status.Open() && len(failed) == 0 {
			return
		}
		it := medsec.GapItem{CatalogID: ac.CatalogID, ControlID: ac.ControlID, Title: ac.Title, TitleEn: ac.TitleEn, Level: ac.Level,
			Status: ac.Status, FailedChecks: failed}
		if asset != nil {
			it.AssetID, it.AssetName, it.Owner = asset.ID, asset.Name, asset.ResponsibleName
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
		} else if assets, err = s.visibleAssets(ctx, u); err != nil {
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
		for _, a := range assets {
			lv, err := levels.level(ctx, a)
			if err != nil {
				return nil, err
			}
			controls, _, _, _, err := levels.twApplicable(a, lv)
			if err != nil {
				return nil, err
			}
			if len(controls) == 0 {
				continue
			}
			rep.Subjects++
			results := s.checks.Run(a, now)
			for _, ac := range controls {
				if x := byKey[key{a.ID, ac.ControlID}]; x != nil {
					ac.Current, ac.Status = x, x.Status
				}
				var failed []string
				for _, r := range checksFor(results, ac.CatalogID, ac.ControlID) {
					if r.Outcome == medsec.CheckFail && ac.Status != medsec.AssessNotApplicable {
						failed = append(failed, r.CheckID)
					}
				}
				addItem(ac, a, failed)
			}
		}
	} else if u.Role != medsec.RoleVendor {
		controls, err := s.organisationControls(ctx, u, c.ID())
		if err != nil {
			return nil, err
		}
		rep.Subjects = 1
		for _, ac := range controls {
			addItem(ac, nil, nil)
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
	return rep, nil
}

// ObligationCalendar returns the organisational obligations (CN measures and the
// incident plan) whose cadence is a day or longer as dated tasks. Shorter cadences are
// clocks inside an incident (report every 30 minutes), not calendar duties.
func (s *AssessmentService) ObligationCalendar(ctx context.Context) ([]medsec.ObligationTask, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	out := []medsec.ObligationTask{}
	if u.Role == medsec.RoleVendor {
		return out, nil // the organisation's obligations are not a vendor's
	}
	now := s.db.Now().UTC()
	today := medsec.DateOf(now)
	for _, id := range []string{catalog.IDChinaMeasures, catalog.IDIncidentPlan} {
		if _, err := catalog.Find(s.catalogs, id); err != nil {
			continue
		}
		controls, err := s.organisationControls(ctx, u, id)
		if err != nil {
			return nil, err
		}
		for _, ac := range controls {
			if ac.Cadence == "" {
				continue
			}
			if _, err := AddCadence(today, ac.Cadence); err != nil {
				continue // a cadence under a day
			}
			t := medsec.ObligationTask{CatalogID: id, ControlID: ac.ControlID, Title: ac.Title, TitleEn: ac.TitleEn, SourceRef: ac.SourceRef,
				Cadence: ac.Cadence, Current: ac.Current, NextDue: today}
			if done, err := s.lastDone(ctx, u, id, ac.ControlID); err != nil {
				return nil, err
			} else if !done.IsZero() {
				t.LastDone = done
				t.NextDue, _ = AddCadence(done, ac.Cadence)
			}
			t.Overdue = t.NextDue.Before(now)
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b medsec.ObligationTask) int {
		if c := compareDates(a.NextDue, b.NextDue); c != 0 {
			return c
		}
		return 0
	})
	return out, nil
}

func compareDates(a, b medsec.Date) int {
	switch {
	case a.String() < b.String():
		return -1
	case a.String() > b.String():
		return 1
	}
	return 0
}

// lastDone returns the date of the latest implemented (or compensated) assessment of an
// organisational obligation, zero when none.
func (s *AssessmentService) lastDone(ctx context.Context, u *medsec.User, catalogID, controlID string) (medsec.Date, error) {
	hist, err := s.findAssessments(ctx, u, medsec.AssessmentFilter{CatalogID: catalogID, ControlID: controlID, OrganisationOnly: true}, false)
	if err != nil {
		return medsec.Date{}, err
	}
	for _, x := range hist { // newest first
		if x.Status == medsec.AssessImplemented || x.Status == medsec.AssessCompensating {
			return x.AssessedOn, nil
		}
	}
	return medsec.Date{}, nil
}

var cadencePattern = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$`)

// AddCadence returns d plus an ISO 8601 duration of years, months, weeks and days
// ("P1Y", "P3M", "P1W"). Durations with a time part ("PT2H") are an error: they are not
// calendar cadences.
func AddCadence(d medsec.Date, cadence string) (medsec.Date, error) {
	m := cadencePattern.FindStringSubmatch(cadence)
	if m == nil || cadence == "P" {
		return medsec.Date{}, fmt.Errorf("cadence %q is not a duration in years, months, weeks or days", cadence)
	}
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	t, err := time.Parse(time.DateOnly, d.String())
	if err != nil {
		return medsec.Date{}, fmt.Errorf("cadence from %q: %w", d.String(), err)
	}
	return medsec.DateOf(t.AddDate(n(m[1]), n(m[2]), 7*n(m[3])+n(m[4]))), nil
}

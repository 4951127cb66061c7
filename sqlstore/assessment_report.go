package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/catalog"
	"medsec/mds2"
	"medsec/vuln"
	"medsec/zone"
)

// catalogLevel maps a baseline level to the catalog's; 0 when the asset has none.
func catalogLevel(l medsec.Level) catalog.Level {
	switch l {
	case medsec.LevelLow:
		return catalog.LevelLow
	case medsec.LevelModerate:
		return catalog.LevelModerate
	case medsec.LevelHigh:
		return catalog.LevelHigh
	}
	return 0
}

// levelCache gives assets their effective level (the zone's SL mapped to 普/中/高, else
// the level set on the asset) and their place towards a boundary host, loading each
// site's zone model once. It also keeps the applicable rows per (class, level, zone,
// Local LAN), which a report over thousands of assets otherwise recomputes for each.
type levelCache struct {
	s          *AssessmentService
	sites      map[int64]*siteModel
	applicable map[applicKey]*twResult
	// from and at, when at is set, are a closed period's: sites are loaded as at its end.
	from, at time.Time
}

type applicKey struct {
	class      medsec.DeviceClass
	level      medsec.Level
	src        medsec.LevelSource
	zone       string
	sl         int
	onLocalLAN bool
}

// twResult is what the TW baseline asks of one asset.
type twResult struct {
	controls []medsec.ApplicableControl
	level    medsec.Level
	assumed  bool
	targets  []string
	carriage string
}

func (s *AssessmentService) newLevelCache() *levelCache {
	return &levelCache{s: s, sites: map[int64]*siteModel{}, applicable: map[applicKey]*twResult{}}
}

// newLevelCacheAt is newLevelCache as recorded at the end of the period [from, at): the
// sites' zones, placements and assets then (loadSiteAt).
func (s *AssessmentService) newLevelCacheAt(from, at time.Time) *levelCache {
	c := s.newLevelCache()
	c.from, c.at = from, at
	return c
}

// twApplicable is AssessmentService.twApplicable, remembered; callers must not change the
// result's elements in place.
func (c *levelCache) twApplicable(a *medsec.Asset, lv *medsec.AssetLevel, pl *lanPlace) (*twResult, error) {
	k := applicKey{a.Class, lv.Level, lv.Source, lv.ZoneName, lv.SL, pl.onLocalLAN}
	if r, ok := c.applicable[k]; ok {
		return r, nil
	}
	r, err := c.s.twApplicable(a, lv, pl.onLocalLAN)
	if err != nil {
		return nil, err
	}
	c.applicable[k] = r
	return r, nil
}

func (c *levelCache) site(ctx context.Context, siteID int64) (*siteModel, error) {
	sm := c.sites[siteID]
	if sm == nil {
		var err error
		if !c.at.IsZero() {
			sm, err = loadSiteAt(ctx, c.s.db.read, c.s.db.dialect, siteID, c.from, c.at)
		} else {
			sm, err = loadSiteLevels(ctx, c.s.db.read, c.s.db.dialect, siteID)
		}
		if err != nil {
			return nil, err
		}
		c.sites[siteID] = sm
	}
	return sm, nil
}

func (c *levelCache) level(ctx context.Context, a *medsec.Asset) (*medsec.AssetLevel, error) {
	sm, err := c.site(ctx, a.SiteID)
	if err != nil {
		return nil, err
	}
	return sm.level(a), nil
}

// lanPlace is where an asset sits towards a boundary host: on a device Local LAN (or
// another trusted connection) or not, and the boundary hosts that front that LAN.
type lanPlace struct {
	onLocalLAN bool
	lan        string
	hosts      []medsec.AssetRef
}

// place returns the asset's lanPlace. An asset placed in a trusted zone (device Local LAN,
// RS-232, Bluetooth, RF, IR [000 六(五)]) is on a Local LAN; its boundary hosts are the
// site's boundary-host assets with an address in that zone, or, for a zone without
// address ranges (RS-232), those in its parent zone with that kind of link. An asset in no zone
// is on a Local LAN when every connection it has is a trusted one; its boundary host is
// then not known.
func (c *levelCache) place(ctx context.Context, a *medsec.Asset) (*lanPlace, error) {
	sm, err := c.site(ctx, a.SiteID)
	if err != nil {
		return nil, err
	}
	return sm.lanPlace(a), nil
}

func (sm *siteModel) lanPlace(a *medsec.Asset) *lanPlace {
	z := sm.zoneByID(sm.zoneOf[a.ID])
	if z == nil {
		trusted := len(a.Connectivity) > 0
		for _, c := range a.Connectivity {
			if c == medsec.ConnInternet || c == medsec.ConnIntranet || c == medsec.ConnWiFi {
				trusted = false
			}
		}
		return &lanPlace{onLocalLAN: trusted}
	}
	if !z.Kind.Trusted() {
		return &lanPlace{}
	}
	pl := &lanPlace{onLocalLAN: true, lan: z.Name}
	zh := sm.hostsOf(z)
	others := func(refs []medsec.AssetRef) []medsec.AssetRef {
		if !slices.ContainsFunc(refs, func(r medsec.AssetRef) bool { return r.ID == a.ID }) {
			return refs // shared between the zone's assets: read only
		}
		return slices.DeleteFunc(slices.Clone(refs), func(r medsec.AssetRef) bool { return r.ID == a.ID })
	}
	if pl.hosts = others(zh.hosts); len(pl.hosts) == 0 {
		pl.hosts = others(zh.inParent)
	}
	return pl
}

// zoneHosts are the boundary hosts of a trusted zone: those with an address in it, and,
// for a zone without address ranges, those in its parent zone with its kind of link.
type zoneHosts struct {
	hosts, inParent []medsec.AssetRef
}

// hostsOf returns the zone's boundary hosts, computed once per zone: a report over every
// asset asks for them for each asset of the zone.
func (sm *siteModel) hostsOf(z *medsec.Zone) *zoneHosts {
	sm.hostsMu.Lock()
	defer sm.hostsMu.Unlock()
	if zh := sm.zoneHosts[z.ID]; zh != nil {
		return zh
	}
	zh := &zoneHosts{}
	link := map[medsec.ZoneKind]medsec.Connectivity{medsec.ZoneTrustedLocalLAN: medsec.ConnLocalLAN, medsec.ZoneTrustedRS232: medsec.ConnRS232,
		medsec.ZoneTrustedBluetooth: medsec.ConnBluetooth, medsec.ZoneTrustedRF: medsec.ConnRF, medsec.ZoneTrustedIR: medsec.ConnIR}[z.Kind]
	for _, b := range sm.assets {
		if b.Class != medsec.ClassBoundary {
			continue
		}
		ref := medsec.AssetRef{ID: b.ID, Name: b.Name}
		if slices.ContainsFunc(assetAddrs(b), func(ip netip.Addr) bool {
			p := sm.loc.PlaceAddr(ip)
			return p.Status == zone.PlaceFound && p.Zone == z.ID
		}) {
			zh.hosts = append(zh.hosts, ref)
		} else if len(z.Ranges) == 0 && z.ParentID != 0 && sm.zoneOf[b.ID] == z.ParentID && slices.Contains(b.Connectivity, link) {
			zh.inParent = append(zh.inParent, ref)
		}
	}
	if sm.zoneHosts == nil {
		sm.zoneHosts = map[int64]*zoneHosts{}
	}
	sm.zoneHosts[z.ID] = zh
	return zh
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
		Domain: ctl.Domain(), DomainEn: ctl.DomainEnglish(), Level: domainLevel(ap.Level), Reason: ap.Reason, Cadence: ctl.Cadence(), Status: medsec.AssessNotAssessed,
		Target: string(ap.Target), TargetBasis: ctl.TargetBasis(), LevelInferred: ctl.LevelInferred(),
		IncludedBy: ap.IncludedBy, Undecided: ctl.Undecided(), Voluntary: ap.Voluntary, Handling: ap.Handling,
	}
}

// twApplicable returns the TW baseline rows that apply to an asset at its effective
// level (catalog.ForAsset), as the asset's applicable controls.
func (s *AssessmentService) twApplicable(a *medsec.Asset, lv *medsec.AssetLevel, onLocalLAN bool) (*twResult, error) {
	tw, err := catalog.Find(s.catalogs, catalog.IDTaiwanBaseline)
	if err != nil {
		return nil, err
	}
	fa := tw.ForAsset(string(a.Class), catalogLevel(lv.Level), onLocalLAN)
	r := &twResult{level: domainLevel(fa.Level), assumed: fa.LevelAssumed, carriage: fa.Basis, targets: make([]string, 0, len(fa.Targets))}
	for _, t := range fa.Targets {
		r.targets = append(r.targets, string(t))
	}
	for _, ap := range fa.Controls {
		c := applicableControl(tw.ID(), ap)
		c.Crosswalk = crosswalkLinks(s.crosswalk, c.CatalogID, c.ControlID)
		c.Reason = fmt.Sprintf("class %s (%s) → %s; %s", a.Class, fa.Basis, ap.Target, ap.Reason) // no asset-specific data: levelCache shares it
		switch {
		case fa.LevelAssumed:
			c.Reason += "; the asset has no level, 普 (low) assumed"
		case lv.Source == medsec.LevelFromZone:
			c.Reason += fmt.Sprintf("; level %s from zone %s (SL%d)", r.level, lv.ZoneName, lv.SL)
		}
		r.controls = append(r.controls, c)
	}
	return r, nil
}

// carriage returns the asset's Carried* code: the catalog's, or CarriedNoBoundaryHost for
// a device behind a boundary host that the inventory does not hold.
func (r *twResult) carriageFor(pl *lanPlace) string {
	if r.carriage == medsec.CarriedByBoundaryHost && len(pl.hosts) == 0 {
		return medsec.CarriedNoBoundaryHost
	}
	return r.carriage
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
	cache := s.newLevelCache()
	lv, err := cache.level(ctx, a)
	if err != nil {
		return nil, err
	}
	pl, err := cache.place(ctx, a)
	if err != nil {
		return nil, err
	}
	tr, err := s.twApplicable(a, lv, pl.onLocalLAN)
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
	results, err := s.runChecks(ctx, newMDS2Cache(s.db.read, s.db.dialect), a, lv.Level, s.db.Now())
	if err != nil {
		return nil, err
	}
	controls := tr.controls
	for i := range controls {
		c := &controls[i]
		if x := byControl[c.ControlID]; x != nil {
			c.Current, c.Status = x, x.Status
		}
		c.Checks = checksFor(results, c.CatalogID, c.ControlID)
	}
	out := &medsec.AssetControls{Asset: a, Carriage: tr.carriageFor(pl), LocalLAN: pl.lan, Level: tr.level, LevelAssumed: tr.assumed,
		LevelSource: lv.Source, Zone: lv.ZoneName, SL: lv.SL, Targets: tr.targets, Controls: controls, Checks: results}
	if tr.carriage == medsec.CarriedByBoundaryHost {
		out.CarriedBy = s.visibleRefs(ctx, u, pl.hosts)
	}
	return out, nil
}

// runChecks runs the automatic checks on the asset (at its baseline level) — its
// vulnerabilities fixed in time, its vulnerability scans on the cadence the plans set —
// the checks of its account findings (account.Checks) and backup plans (backup.Checks), and, when its device model has an
// MDS2 profile, holds the profile against the baseline (mds2.Checks): a control the device
// cannot meet by its manufacturer's answer fails, the answer its evidence.
func (s *AssessmentService) runChecks(ctx context.Context, profiles *mds2Cache, a *medsec.Asset, level medsec.Level, now time.Time) ([]medsec.CheckResult, error) {
	results := s.checks.Run(a, now)
	fs, err := assetFindings(ctx, s.db.read, s.db.dialect, a.ID, now)
	if err != nil {
		return nil, err
	}
	results = append(results, vuln.FixedInTime(a.ID, fs, now))
	acct, err := accountChecks(ctx, s.db, a, now)
	if err != nil {
		return nil, err
	}
	results = append(results, acct...)
	bk, err := backupChecks(ctx, s.db, a, now)
	if err != nil {
		return nil, err
	}
	results = append(results, bk...)
	lc, err := logChecks(ctx, s.db, a, now)
	if err != nil {
		return nil, err
	}
	results = append(results, lc...)
	dues, err := assetScanDues(ctx, s.db.read, s.db.dialect, a, level, now)
	if err != nil {
		return nil, err
	}
	results = append(results, vuln.ScansOnCadence(a.ID, dues, now)...)
	p, err := profiles.profile(ctx, a)
	if err != nil || p == nil {
		return results, err
	}
	return append(results, mds2.Checks(p, a.ID, now)...), nil
}

// visibleRefs keeps the assets u may see.
func (s *AssessmentService) visibleRefs(ctx context.Context, u *medsec.User, refs []medsec.AssetRef) []medsec.AssetRef {
	var out []medsec.AssetRef
	for _, r := range refs {
		if _, err := s.visibleAsset(ctx, u, r.ID); err == nil {
			out = append(out, r)
		}
	}
	return out
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
	out := catalog.OrgProfile{CIIOperator: set.CIIOperator, Pattern: p}
	for _, n := range set.Networks {
		out.Networks = append(out.Networks, catalog.Network{Name: n.Name, Level: n.Level, People: n.People})
	}
	return out
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
	return s.organisationControls(ctx, u, catalogID, time.Time{})
}

// organisationControls returns the catalog's obligations that apply, each with its
// assessment recorded before asOf (zero: the current one).
func (s *AssessmentService) organisationControls(ctx context.Context, u *medsec.User, catalogID string, asOf time.Time) ([]medsec.ApplicableControl, error) {
	c, err := catalog.Find(s.catalogs, catalogID)
	if err != nil || catalogID == catalog.IDTaiwanBaseline {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.catalog_not_found", "Catalog not found.")
	}
	set, err := s.complianceSettings(ctx)
	if err != nil {
		return nil, err
	}
	current, err := s.findAssessments(ctx, u, medsec.AssessmentFilter{CatalogID: catalogID, OrganisationOnly: true, RecordedBefore: asOf}, true)
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

// gapAssetColumns are the asset columns a gap report reads (scanGapAsset): what the report
// shows, places and levels, and what the automatic checks (medsec.InventoryChecks, the
// vulnerability, scan, account, backup, log and MDS2 checks) look at. A check that reads
// another field must add it here; TestGapAssetsCarryWhatChecksRead holds the checks'
// results on these columns against those on the whole asset.
// The site, department and person names are looked up from gapNames, not joined per row.
const gapAssetColumns = `a.id, a.site_id, COALESCE(a.department_id, 0), a.name, a.kind, COALESCE(a.vendor_id, 0), a.model,
	a.software, a.firmware, a.ips, COALESCE(a.responsible_id, 0), a.connectivity, a.data_class, a.patient_records, a.end_of_support,
	a.remote_maintenance, a.patching_permitted, a.default_creds, a.class, a.level, a.status`

// gapNames are the names of sites, departments and people by ID.
type gapNames struct{ sites, depts, people map[int64]string }

func loadGapNames(ctx context.Context, db *DB) (*gapNames, error) {
	names, err := orgNames(ctx, db.read)
	if err != nil {
		return nil, err
	}
	return &gapNames{sites: names["sites"], depts: names["departments"], people: names["people"]}, nil
}

func scanGapAsset(scan func(dest ...any) error, names *gapNames) (*medsec.Asset, error) {
	var a medsec.Asset
	var ips, conn, eos string
	err := scan(&a.ID, &a.SiteID, &a.DepartmentID, &a.Name, &a.Kind, &a.VendorID, &a.Model,
		&a.Software, &a.Firmware, &ips, &a.ResponsibleID, &conn, &a.DataClass, &a.PatientRecords, &eos,
		&a.RemoteMaintenance, &a.PatchingPermitted, &a.DefaultCreds, &a.Class, &a.Level, &a.Status)
	if err != nil {
		return nil, err
	}
	a.IPs = splitList(ips)
	for _, c := range splitList(conn) {
		a.Connectivity = append(a.Connectivity, medsec.Connectivity(c))
	}
	a.EndOfSupport, _ = medsec.ParseDate(eos)
	a.SiteName, a.DepartmentName, a.ResponsibleName = names.sites[a.SiteID], names.depts[a.DepartmentID], names.people[a.ResponsibleID]
	return &a, nil
}

// visibleAssets returns the active assets u may see (those in use in the filter's
// InUseFrom–InUseTo when set), with the fields a gap report reads
// (gapAssetColumns).
func (s *AssessmentService) visibleAssets(ctx context.Context, u *medsec.User, f medsec.AssetFilter) ([]*medsec.Asset, error) {
	if f.InUseTo.IsZero() {
		f.Status = medsec.StatusActive
	}
	names, err := loadGapNames(ctx, s.db)
	if err != nil {
		return nil, err
	}
	where, args := assetWhereAt(s.db.dialect, u, f, medsec.DateOf(s.db.Now()), true)
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+gapAssetColumns+` FROM assets a`+where+` ORDER BY a.name, a.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("find assets: %w", err)
	}
	defer rows.Close()
	var out []*medsec.Asset
	for rows.Next() {
		a, err := scanGapAsset(rows.Scan, names)
		if err != nil {
			return nil, fmt.Errorf("find assets: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil || f.InUseTo.IsZero() {
		return out, err
	}
	rows.Close()
	if out, err = assetsAt(ctx, s.db.read, s.db.dialect, out, f.InUseTo); err != nil {
		return nil, err
	}
	return inUseAt(out, f, u), nil
}

// GapReport counts applicable (subject, control) pairs by status and level and lists the
// open ones. For the TW baseline the subjects are the active assets the caller sees (or
// one asset); for the other catalogs, the organisation.
//
// At tens of thousands of assets it reads in bulk: the assets once, the current
// assessments once, the checks' inputs with a few queries (checkBatch), and an asset with
// no assessment and no failing check on its rows is counted from the rows its (class,
// level, place) share with every such asset, not control by control. Only the open items
// of the asked page (GapFilter.Offset, Limit) are built.
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
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.catalog_not_found", "Catalog not found.")
	}
	whole := f
	whole.CatalogID, whole.Offset, whole.Limit = c.ID(), 0, 0
	if !whole.AsOf.IsZero() { // a comparable cache key: one location
		whole.AsOf, whole.InUseFrom = whole.AsOf.UTC(), whole.InUseFrom.UTC()
	}
	now := s.db.Now().UTC()
	g, err := s.gapCache.get(gapKey{scope: gapScope(u), filter: whole}, s.db, now, func() (*gapTally, error) {
		return s.computeGap(ctx, u, c, whole, now)
	})
	if err != nil {
		return nil, err
	}
	return g.page(f.Offset, f.Limit), nil
}

// computeGap computes the report of the filter (without its page) from the store.
func (s *AssessmentService) computeGap(ctx context.Context, u *medsec.User, c *catalog.Catalog, f medsec.GapFilter, now time.Time) (*gapTally, error) {
	rep := &medsec.GapReport{CatalogID: c.ID(), Title: c.Title(), GeneratedAt: now, Counts: []medsec.GapCount{},
		Totals: medsec.GapCount{ByStatus: map[medsec.AssessmentStatus]int{}}, Open: []medsec.GapItem{},
		LeftOut: []medsec.GapLeftOut{}, UncarriedChecks: []medsec.GapCheck{}, BySite: []medsec.GapGroup{}, ByDepartment: []medsec.GapGroup{}, Domains: []string{}, DomainsEn: []string{}}
	g := newGapTally(rep, f)
	if c.ID() == catalog.IDTaiwanBaseline {
		if err := s.gapAssets(ctx, u, c, f, g, now); err != nil {
			return nil, err
		}
	} else if u.Role != medsec.RoleVendor {
		controls, err := s.organisationControls(ctx, u, c.ID(), f.AsOf)
		if err != nil {
			return nil, err
		}
		rep.Subjects = 1
		for i := range controls {
			if ac := &controls[i]; !ac.Voluntary { // encouraged or recommended: not a gap
				g.domain(ac.Domain, ac.DomainEn)
				g.add(ac, ac.Status, ac.Current, nil, nil, nil, nil)
			}
		}
	}
	g.finish()
	return g, nil
}

// gapAssets tallies the TW baseline rows of the assets the filter selects.
func (s *AssessmentService) gapAssets(ctx context.Context, u *medsec.User, c *catalog.Catalog, f medsec.GapFilter, g *gapTally, now time.Time) error {
	rep := g.rep
	var assets []*medsec.Asset
	var err error
	var batch *checkBatch
	var nf noneFails
	if f.AssetID != 0 {
		a, err := s.visibleAsset(ctx, u, f.AssetID)
		if err != nil {
			return err
		}
		assets = []*medsec.Asset{a}
	} else if !f.AsOf.IsZero() { // a past state: the checks read today's data, so none run
		if assets, err = s.visibleAssets(ctx, u, medsec.AssetFilter{SiteID: f.SiteID, DepartmentID: f.DepartmentID, InUseFrom: f.InUseFrom, InUseTo: f.AsOf}); err != nil {
			return err
		}
	} else {
		if assets, err = s.visibleAssets(ctx, u, medsec.AssetFilter{SiteID: f.SiteID, DepartmentID: f.DepartmentID}); err != nil {
			return err
		}
		if batch, err = loadCheckBatch(ctx, s.db, now); err != nil {
			return err
		}
		if nf, err = s.noneFails(ctx, now); err != nil {
			return err
		}
	}
	current, err := s.findAssessments(ctx, u, medsec.AssessmentFilter{CatalogID: c.ID(), AssetID: f.AssetID, RecordedBefore: f.AsOf}, true)
	if err != nil {
		return err
	}
	byAsset := map[int64]map[string]*medsec.Assessment{}
	for _, x := range current {
		m := byAsset[x.AssetID]
		if m == nil {
			m = map[string]*medsec.Assessment{}
			byAsset[x.AssetID] = m
		}
		m[x.ControlID] = x
	}
	levels := s.newLevelCache()
	if !f.AsOf.IsZero() {
		levels = s.newLevelCacheAt(f.InUseFrom, f.AsOf)
	}
	profiles := newMDS2Cache(s.db.read, s.db.dialect)
	seen := make(map[int64]bool, len(assets))
	for _, a := range assets {
		seen[a.ID] = true
	}
	if f.OwnerID != 0 { // after seen: boundary hosts answered for by others still carry
		assets = slices.DeleteFunc(assets, func(a *medsec.Asset) bool { return a.ResponsibleID != f.OwnerID })
	}
	shapes := map[*twResult]*gapShape{}
	var failing []medsec.CheckResult // the asset's failing check results; reused
	for _, a := range assets {
		lv, err := levels.level(ctx, a)
		if err != nil {
			return err
		}
		pl, err := levels.place(ctx, a)
		if err != nil {
			return err
		}
		tr, err := levels.twApplicable(a, lv, pl)
		if err != nil {
			return err
		}
		sh := shapes[tr]
		if sh == nil {
			sh = g.shape(tr.controls)
			shapes[tr] = sh
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
		subj := &gapSubject{id: a.ID, name: a.Name, owner: a.ResponsibleName, site: a.SiteName, dept: a.DepartmentName}
		if !f.AsOf.IsZero() {
			failing = failing[:0]
		} else if batch != nil {
			failing, err = s.failingChecksBatch(ctx, batch, nf, profiles, a, lv.Level, now, failing[:0])
		} else {
			var results []medsec.CheckResult
			results, err = s.runChecks(ctx, profiles, a, lv.Level, now)
			failing = failing[:0]
			for _, r := range results {
				if r.Outcome == medsec.CheckFail {
					failing = append(failing, r)
				}
			}
		}
		if err != nil {
			return err
		}
		if len(tr.controls) == 0 {
			rep.LeftOut = append(rep.LeftOut, medsec.GapLeftOut{Asset: ref, Class: a.Class, Reason: tr.carriageFor(pl), CarriedBy: hosts, LocalLAN: pl.lan})
		} else {
			rep.Subjects++
			g.group(g.bySite, a.SiteID, a.SiteName, a.SiteID).Subjects++
			g.group(g.byDept, a.DepartmentID, a.DepartmentName, a.SiteID).Subjects++
		}
		for i, d := range sh.domains {
			g.domain(d, sh.domainsEn[i])
		}
		// onRows: whether a failing result is on a row of the asset (same catalog and
		// control), which the row then lists.
		onRows := false
		for _, r := range failing {
			if slices.ContainsFunc(r.Controls, func(ref medsec.ControlRef) bool { return sh.carries[[2]string{ref.CatalogID, ref.ControlID}] }) {
				onRows = true
			}
		}
		assessed := byAsset[a.ID]
		switch {
		case len(assessed) == 0 && !onRows && !sh.mixed:
			g.addShape(sh, a, subj)
		case len(assessed) == 0 && !sh.mixed:
			g.addShapeFailing(sh, a, subj, failing)
		default:
			for i := range tr.controls {
				ac := &tr.controls[i]
				st, cur := ac.Status, ac.Current
				if x := assessed[ac.ControlID]; x != nil {
					cur, st = x, x.Status
				}
				var failed []string
				var evidence []medsec.CheckDatum
				if st != medsec.AssessNotApplicable {
					for _, r := range failing {
						if slices.ContainsFunc(r.Controls, func(ref medsec.ControlRef) bool {
							return ref.CatalogID == ac.CatalogID && ref.ControlID == ac.ControlID
						}) {
							failed = append(failed, r.CheckID)
							evidence = append(evidence, r.Data...)
						}
					}
				}
				g.add(ac, st, cur, a, subj, failed, evidence)
			}
		}
		// A failing check that none of the asset's rows carries is listed on its own.
		for _, r := range failing {
			if slices.ContainsFunc(r.Controls, func(ref medsec.ControlRef) bool { return sh.ids[ref.ControlID] }) {
				continue
			}
			rep.UncarriedChecks = append(rep.UncarriedChecks, medsec.GapCheck{Asset: ref, CheckID: r.CheckID, Controls: r.Controls, Detail: r.Detail, CarriedBy: hosts})
		}
	}
	return nil
}

// gapTally adds up a gap report's rows: counts per level and status, per site, department
// and domain, and the open items of the asked page in the report's order.
type gapTally struct {
	rep            *medsec.GapReport
	f              medsec.GapFilter
	counts         map[medsec.Level]*medsec.GapCount
	bySite, byDept map[int64]*medsec.GapGroup
	byDomain       map[string]*medsec.GapGroup
	domains        map[string]bool
	// open are the open items per bucket, in order; openN counts them.
	open  [gapBuckets][]gapEntry
	openN [gapBuckets]int
}

// gapSubject is what an open item shows of its asset.
type gapSubject struct {
	id                      int64
	name, owner, site, dept string
}

// gapEntry is one open item, or, with sh set, the run of a shape asset's items in one
// bucket (the shape's rows in it), built into GapItems only for the page asked for.
type gapEntry struct {
	subj     *gapSubject // nil: the organisation
	ac       *medsec.ApplicableControl
	status   medsec.AssessmentStatus
	current  *medsec.Assessment
	failed   []string
	evidence []medsec.CheckDatum
	sh       *gapShape
	rows     []int
}

// n is how many items the entry stands for.
func (e *gapEntry) n() int {
	if e.sh != nil {
		return len(e.rows)
	}
	return 1
}

// gapBuckets are the report's order: worst status first (not implemented, partial, not
// assessed, then items open only because an automatic check fails), within each the highest
// level first (a row without a level with the highest); within a bucket, the order met.
const gapBuckets = 4 * 3

func gapBucket(st medsec.AssessmentStatus, l medsec.Level) int {
	rank := 3
	switch st {
	case medsec.AssessNotImplemented:
		rank = 0
	case medsec.AssessPartial:
		rank = 1
	case medsec.AssessNotAssessed:
		rank = 2
	}
	lr := 0
	switch l {
	case medsec.LevelModerate:
		lr = 1
	case medsec.LevelLow:
		lr = 2
	}
	return rank*3 + lr
}

func newGapTally(rep *medsec.GapReport, f medsec.GapFilter) *gapTally {
	return &gapTally{rep: rep, f: f, counts: map[medsec.Level]*medsec.GapCount{}, bySite: map[int64]*medsec.GapGroup{}, byDept: map[int64]*medsec.GapGroup{},
		byDomain: map[string]*medsec.GapGroup{}, domains: map[string]bool{}}
}

func (g *gapTally) group(m map[int64]*medsec.GapGroup, id int64, name string, siteID int64) *medsec.GapGroup {
	gg := m[id]
	if gg == nil {
		gg = &medsec.GapGroup{ID: id, Name: name, SiteID: siteID, Totals: medsec.GapCount{ByStatus: map[medsec.AssessmentStatus]int{}}}
		m[id] = gg
	}
	return gg
}

// domain notes a domain met, before the filter narrows the rows: the filter's choices.
func (g *gapTally) domain(d, en string) {
	if !g.domains[d] {
		g.domains[d] = true
		g.rep.Domains = append(g.rep.Domains, d)
		g.rep.DomainsEn = append(g.rep.DomainsEn, en)
	}
}

// passes reports whether the filter's level, status and domain select a row.
func (g *gapTally) passes(ac *medsec.ApplicableControl, st medsec.AssessmentStatus) bool {
	return !(g.f.Level != "" && ac.Level != g.f.Level || g.f.Status != "" && st != g.f.Status || g.f.Domain != "" && ac.Domain != g.f.Domain)
}

// count adds n rows of one level, status and domain to the counts and the asset's groups.
func (g *gapTally) count(level medsec.Level, st medsec.AssessmentStatus, domain, domainEn string, asset *medsec.Asset, n int) {
	gc := g.counts[level]
	if gc == nil {
		gc = &medsec.GapCount{Level: level, ByStatus: map[medsec.AssessmentStatus]int{}}
		g.counts[level] = gc
	}
	gc.ByStatus[st] += n
	gc.Total += n
	g.rep.Totals.ByStatus[st] += n
	g.rep.Totals.Total += n
	dg := g.byDomain[domain]
	if dg == nil {
		dg = &medsec.GapGroup{Name: domain, NameEn: domainEn, Totals: medsec.GapCount{ByStatus: map[medsec.AssessmentStatus]int{}}}
		g.byDomain[domain] = dg
	}
	dg.Totals.ByStatus[st] += n
	dg.Totals.Total += n
	if asset != nil {
		for _, gg := range []*medsec.GapGroup{g.group(g.bySite, asset.SiteID, asset.SiteName, asset.SiteID),
			g.group(g.byDept, asset.DepartmentID, asset.DepartmentName, asset.SiteID)} {
			gg.Totals.ByStatus[st] += n
			gg.Totals.Total += n
		}
	}
}

func gapItem(ac *medsec.ApplicableControl, st medsec.AssessmentStatus, current *medsec.Assessment, subj *gapSubject, failed []string, evidence []medsec.CheckDatum) medsec.GapItem {
	it := medsec.GapItem{CatalogID: ac.CatalogID, ControlID: ac.ControlID, Title: ac.Title, TitleEn: ac.TitleEn, Domain: ac.Domain, DomainEn: ac.DomainEn, Level: ac.Level,
		Status: st, FailedChecks: failed, Evidence: evidence}
	if subj != nil {
		it.AssetID, it.AssetName, it.Owner = subj.id, subj.name, subj.owner
		it.SiteName, it.DepartmentName = subj.site, subj.dept
	}
	if current != nil {
		it.AssessedOn, it.NextReview = current.AssessedOn, current.NextReview
	}
	return it
}

// add tallies one row of the control ac (shared: not changed) with its status and current
// assessment on the asset (nil for the organisation), its domain already noted.
func (g *gapTally) add(ac *medsec.ApplicableControl, st medsec.AssessmentStatus, current *medsec.Assessment, asset *medsec.Asset, subj *gapSubject,
	failed []string, evidence []medsec.CheckDatum) {
	if !g.passes(ac, st) {
		return
	}
	g.count(ac.Level, st, ac.Domain, ac.DomainEn, asset, 1)
	if !st.Open() && len(failed) == 0 {
		return
	}
	b := gapBucket(st, ac.Level)
	g.openN[b]++
	g.open[b] = append(g.open[b], gapEntry{subj: subj, ac: ac, status: st, current: current, failed: failed, evidence: evidence})
}

// gapShape is what the rows of a set of applicable controls add when none is assessed and
// no check fails on them: every row not assessed. Assets of the same class, level and place
// share it.
type gapShape struct {
	controls []medsec.ApplicableControl
	// rows are the indexes of the controls the filter selects; byBucket the same by the
	// bucket their items fall in.
	rows     []int
	byBucket [gapBuckets][]int
	// sums add the selected rows up by level and domain.
	sums    []gapSum
	domains []string
	// domainsEn are the English names of domains, one for one.
	domainsEn []string
	// ids and carries are the controls' IDs, and their (catalog, control) references.
	ids     map[string]bool
	carries map[[2]string]bool
	// mixed: a control comes with a status of its own; the shape does not apply.
	mixed bool
}

type gapSum struct {
	level            medsec.Level
	domain, domainEn string
	n                int
}

func (g *gapTally) shape(controls []medsec.ApplicableControl) *gapShape {
	sh := &gapShape{controls: controls, ids: map[string]bool{}, carries: map[[2]string]bool{}}
	seenDomain := map[string]bool{}
	at := map[[2]string]int{}
	for i := range controls {
		ac := &controls[i]
		sh.ids[ac.ControlID] = true
		sh.carries[[2]string{ac.CatalogID, ac.ControlID}] = true
		if !seenDomain[ac.Domain] {
			seenDomain[ac.Domain] = true
			sh.domains = append(sh.domains, ac.Domain)
			sh.domainsEn = append(sh.domainsEn, ac.DomainEn)
		}
		if ac.Status != medsec.AssessNotAssessed {
			sh.mixed = true // not so from twApplicable; counted row by row if ever
		}
		if !g.passes(ac, ac.Status) {
			continue
		}
		sh.rows = append(sh.rows, i)
		if ac.Status.Open() {
			b := gapBucket(ac.Status, ac.Level)
			sh.byBucket[b] = append(sh.byBucket[b], i)
		}
		k := [2]string{string(ac.Level), ac.Domain}
		j, ok := at[k]
		if !ok {
			j = len(sh.sums)
			at[k] = j
			sh.sums = append(sh.sums, gapSum{level: ac.Level, domain: ac.Domain, domainEn: ac.DomainEn})
		}
		sh.sums[j].n++
	}
	return sh
}

// addShapeFailing tallies an asset's rows, none assessed, some with a failing check: the
// counts are the shape's (a failing check changes no status); the rows with a failing
// check are items of their own, listing the checks in the order met and their data.
func (g *gapTally) addShapeFailing(sh *gapShape, a *medsec.Asset, subj *gapSubject, failing []medsec.CheckResult) {
	for _, s := range sh.sums {
		g.count(s.level, medsec.AssessNotAssessed, s.domain, s.domainEn, a, s.n)
	}
	type rowChecks struct {
		failed   []string
		evidence []medsec.CheckDatum
	}
	onRow := map[int]*rowChecks{}
	for _, r := range failing {
		for i, ac := range sh.controls { // in control order, as a row lists its checks
			if slices.ContainsFunc(r.Controls, func(ref medsec.ControlRef) bool {
				return ref.CatalogID == ac.CatalogID && ref.ControlID == ac.ControlID
			}) {
				rc := onRow[i]
				if rc == nil {
					rc = &rowChecks{}
					onRow[i] = rc
				}
				rc.failed = append(rc.failed, r.CheckID)
				rc.evidence = append(rc.evidence, r.Data...)
			}
		}
	}
	for b, rows := range sh.byBucket {
		from := 0
		for j, i := range rows {
			rc := onRow[i]
			if rc == nil {
				continue
			}
			if j > from {
				g.open[b] = append(g.open[b], gapEntry{subj: subj, sh: sh, rows: rows[from:j]})
			}
			ac := &sh.controls[i]
			g.open[b] = append(g.open[b], gapEntry{subj: subj, ac: ac, status: ac.Status, current: ac.Current, failed: rc.failed, evidence: rc.evidence})
			from = j + 1
		}
		if from < len(rows) {
			g.open[b] = append(g.open[b], gapEntry{subj: subj, sh: sh, rows: rows[from:]})
		}
		g.openN[b] += len(rows)
	}
}

// addShape tallies an asset's rows, none assessed and none with a failing check.
func (g *gapTally) addShape(sh *gapShape, a *medsec.Asset, subj *gapSubject) {
	for _, s := range sh.sums {
		g.count(s.level, medsec.AssessNotAssessed, s.domain, s.domainEn, a, s.n)
	}
	for b, rows := range sh.byBucket {
		if len(rows) > 0 {
			g.openN[b] += len(rows)
			g.open[b] = append(g.open[b], gapEntry{subj: subj, sh: sh, rows: rows})
		}
	}
}

// finish puts the counts and groups into the report.
func (g *gapTally) finish() {
	rep := g.rep
	for _, l := range []medsec.Level{medsec.LevelLow, medsec.LevelModerate, medsec.LevelHigh, medsec.LevelNone} {
		if gc := g.counts[l]; gc != nil {
			rep.Counts = append(rep.Counts, *gc)
		}
	}
	rep.BySite, rep.ByDepartment = sortedGroups(g.bySite, nil), sortedGroups(g.byDept, g.bySite)
	rep.ByDomain = []medsec.GapGroup{}
	for _, d := range rep.Domains {
		if dg := g.byDomain[d]; dg != nil {
			rep.ByDomain = append(rep.ByDomain, *dg)
		}
	}
	for b := range gapBuckets {
		rep.OpenTotal += g.openN[b]
	}
}

// page returns the report with the open items from offset, at most limit of them (every
// one when limit is 0). Its lists other than Open are shared with every page of the kept
// report: callers must not change their elements.
func (g *gapTally) page(offset, limit int) *medsec.GapReport {
	rep := *g.rep
	// Clipped: a caller's append copies instead of writing into the kept arrays.
	rep.LeftOut, rep.UncarriedChecks = slices.Clip(rep.LeftOut), slices.Clip(rep.UncarriedChecks)
	rep.Counts, rep.BySite, rep.ByDepartment, rep.ByDomain = slices.Clip(rep.Counts), slices.Clip(rep.BySite), slices.Clip(rep.ByDepartment), slices.Clip(rep.ByDomain)
	rep.Domains, rep.DomainsEn = slices.Clip(rep.Domains), slices.Clip(rep.DomainsEn)
	from, to := max(offset, 0), rep.OpenTotal
	if limit > 0 {
		to = min(to, from+limit)
	}
	rep.Open = make([]medsec.GapItem, 0, max(to-from, 0))
	at := 0 // the place of the next entry's first item in the whole order
	for b := range gapBuckets {
		for i := range g.open[b] {
			if at >= to {
				return &rep
			}
			e := &g.open[b][i]
			n := e.n()
			if at+n <= from {
				at += n
				continue
			}
			if e.sh == nil {
				rep.Open = append(rep.Open, gapItem(e.ac, e.status, e.current, e.subj, e.failed, e.evidence))
				at++
				continue
			}
			for _, r := range e.rows {
				if at >= from && at < to {
					ac := &e.sh.controls[r]
					rep.Open = append(rep.Open, gapItem(ac, ac.Status, ac.Current, e.subj, nil, nil))
				}
				at++
			}
		}
	}
	return &rep
}

// sortedGroups returns the groups by name; departments (sites given) by their site's name
// first, so that a site's departments stand together.
func sortedGroups(m, sites map[int64]*medsec.GapGroup) []medsec.GapGroup {
	out := make([]medsec.GapGroup, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	siteName := func(g medsec.GapGroup) string {
		if sites == nil || sites[g.SiteID] == nil {
			return ""
		}
		return sites[g.SiteID].Name
	}
	slices.SortFunc(out, func(a, b medsec.GapGroup) int {
		if c := strings.Compare(siteName(a), siteName(b)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// ObligationCalendar returns the organisational obligations (CN measures and the
// incident plan) whose cadence is a day or longer as dated tasks. Shorter cadences are
// clocks inside an incident (report every 30 minutes), not calendar duties; an obligation
// whose current assessment is not applicable is not due, and an encouraged or recommended
// item is no duty.
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
		controls, err := s.organisationControls(ctx, u, id, time.Time{})
		if err != nil {
			return nil, err
		}
		for _, ac := range controls {
			if ac.Cadence == "" || ac.Status == medsec.AssessNotApplicable || ac.Voluntary {
				continue // no recurring duty, judged not to apply (with a reason), or not an obligation
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

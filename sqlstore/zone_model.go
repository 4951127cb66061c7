package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"medsec"
	"medsec/zone"
)

// siteModel is a site's zone data as stored, and as package zone sees it.
type siteModel struct {
	siteID   int64
	zones    []*medsec.Zone
	conduits []*medsec.Conduit
	assets   []*medsec.Asset
	manual   map[int64]int64 // asset -> zone placed by hand
	flows    []*medsec.Flow

	model   zone.Model // assets placed (manual or computed)
	loc     *zone.Locator
	placing []zone.Finding           // assets no zone or several zones hold
	placed  map[int64]zone.Placement // computed placements of the assets not placed by hand
	zoneOf  map[int64]int64

	// levelsOnce computes levels, the zones' security levels (zone.Levels), once: level
	// needs them for every asset, and they walk every asset of the site.
	levelsOnce sync.Once
	levels     map[int64]zone.ZoneLevel
	// zoneHosts are the boundary hosts of each trusted zone asked for (hostsOf).
	hostsMu   sync.Mutex
	zoneHosts map[int64]*zoneHosts
}

// zoneLevels returns zone.Levels of the site's model, computed once.
func (sm *siteModel) zoneLevels() map[int64]zone.ZoneLevel {
	sm.levelsOnce.Do(func() { sm.levels = zone.Levels(sm.model.Zones, sm.model.Assets) })
	return sm.levels
}

// loadSite reads a site's zones, conduits, active assets and manual placements (and its
// flows when withFlows), and places every asset.
func loadSite(ctx context.Context, q querier, d dialect, siteID int64, withFlows bool) (*siteModel, error) {
	sm := &siteModel{siteID: siteID, manual: map[int64]int64{}}
	var err error
	if sm.zones, err = findZones(ctx, q, d, siteID); err != nil {
		return nil, err
	}
	if sm.conduits, err = findConduits(ctx, q, d, siteID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT `+assetColumns+assetFrom+` WHERE a.site_id = ? AND a.status = 'active' ORDER BY a.id`), siteID)
	if err != nil {
		return nil, fmt.Errorf("load site %d: %w", siteID, err)
	}
	for rows.Next() {
		a, err := scanAsset(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("load site %d: %w", siteID, err)
		}
		sm.assets = append(sm.assets, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load site %d: %w", siteID, err)
	}
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
		sm.manual[a] = z
	}
	rows.Close()
	if withFlows {
		if sm.flows, err = findFlows(ctx, q, d, siteID, 0); err != nil {
			return nil, err
		}
	}
	if err := sm.build(); err != nil {
		return nil, fmt.Errorf("site %d: %w", siteID, err)
	}
	return sm, nil
}

// loadSiteLevels is loadSite for what assets' levels and places need (level, lanPlace):
// a site without zones places no asset, so its assets are not read.
func loadSiteLevels(ctx context.Context, q querier, d dialect, siteID int64) (*siteModel, error) {
	zones, err := findZones(ctx, q, d, siteID)
	if err != nil {
		return nil, err
	}
	if len(zones) > 0 {
		return loadSite(ctx, q, d, siteID, false)
	}
	sm := &siteModel{siteID: siteID, manual: map[int64]int64{}}
	if err := sm.build(); err != nil {
		return nil, fmt.Errorf("site %d: %w", siteID, err)
	}
	return sm, nil
}

// zoneModelZone converts a stored zone.
func zoneModelZone(z *medsec.Zone) (zone.Zone, error) {
	out := zone.Zone{ID: z.ID, Name: z.Name, Kind: zone.Kind(z.Kind), Parent: z.ParentID, VLANs: z.VLANs, SSIDs: z.SSIDs}
	for _, s := range z.Ranges {
		r, err := zone.ParseRange(s)
		if err != nil {
			return out, fmt.Errorf("zone %d: %w", z.ID, err)
		}
		out.Ranges = append(out.Ranges, r)
	}
	if sl := z.SetSL(); sl != nil {
		out.SL = zone.SL(*sl).Ptr()
	}
	return out, nil
}

func assetAddrs(a *medsec.Asset) []netip.Addr {
	var out []netip.Addr
	for _, s := range a.IPs {
		if ip, err := netip.ParseAddr(s); err == nil {
			out = append(out, ip.Unmap())
		}
	}
	return out
}

// build converts the stored records into a zone.Model and places the assets.
func (sm *siteModel) build() error {
	m := &sm.model
	for _, z := range sm.zones {
		zz, err := zoneModelZone(z)
		if err != nil {
			return err
		}
		m.Zones = append(m.Zones, zz)
	}
	for _, c := range sm.conduits {
		zc, errs := conduitRule(c)
		if len(errs) > 0 {
			return fmt.Errorf("conduit %d: %s", c.ID, errs[0].Message)
		}
		m.Conduits = append(m.Conduits, zc)
	}
	if err := m.Validate(); err != nil {
		return err
	}
	loc, err := zone.NewLocator(m.Zones)
	if err != nil {
		return err
	}
	sm.loc = loc
	// The addresses of an asset placed by hand belong to its zone, so that its flows are
	// checked from there: each becomes a single-address range of the zone, which wins over
	// the wider range it came from (the catch-all Internet zone must keep no ranges).
	added := false
	for _, a := range sm.assets {
		zid, ok := sm.manual[a.ID]
		i := slices.IndexFunc(m.Zones, func(z zone.Zone) bool { return z.ID == zid })
		if !ok || i < 0 {
			continue
		}
		z := &m.Zones[i]
		if z.Kind == zone.KindInternet && len(z.Ranges)+len(z.VLANs)+len(z.SSIDs) == 0 {
			continue
		}
		for _, ip := range sm.boundaryAddrs(assetAddrs(a)) {
			if p := loc.PlaceAddr(ip); p.Status != zone.PlaceFound || p.Zone != zid {
				z.Ranges, added = append(z.Ranges, zone.AddrRange(ip)), true
			}
		}
	}
	if added {
		if sm.loc, err = zone.NewLocator(m.Zones); err != nil {
			return err
		}
		loc = sm.loc
	}
	sm.placed = make(map[int64]zone.Placement, len(sm.assets))
	var assets []zone.Asset
	for _, a := range sm.assets {
		za := zone.Asset{ID: a.ID, Name: a.Name, Class: zone.Class(a.Class), Zone: sm.manual[a.ID], Addrs: assetAddrs(a), VLAN: a.VLAN, SSID: a.SSID}
		if za.Zone == 0 {
			p := loc.PlaceAsset(sm.boundaryAddrs(za.Addrs), a.VLAN, a.SSID)
			sm.placed[a.ID] = p
			za.Zone = p.Zone
		}
		assets = append(assets, za)
	}
	m.Assets, sm.placing = loc.AssignZones(assets)
	sm.zoneOf = make(map[int64]int64, len(m.Assets))
	for _, a := range m.Assets {
		sm.zoneOf[a.ID] = a.Zone
	}
	return nil
}

// boundaryAddrs returns the addresses that place a host: a host with addresses both on a
// trusted connection and outside it is the boundary host of that connection and belongs to
// the zone outside, so its trusted-side addresses are left out.
func (sm *siteModel) boundaryAddrs(addrs []netip.Addr) []netip.Addr {
	var outside []netip.Addr
	for _, ip := range addrs {
		p := sm.loc.PlaceAddr(ip)
		if z := sm.zoneByID(p.Zone); p.Status != zone.PlaceFound || z == nil || !z.Kind.Trusted() {
			outside = append(outside, ip)
		}
	}
	if len(outside) == 0 {
		return addrs
	}
	return outside
}

func (sm *siteModel) zoneByID(id int64) *medsec.Zone {
	for _, z := range sm.zones {
		if z.ID == id {
			return z
		}
	}
	return nil
}

// placement says where the asset sits.
func (sm *siteModel) placement(a *medsec.Asset) medsec.ZonePlacement {
	p := medsec.ZonePlacement{AssetID: a.ID, Status: string(zone.PlaceNone)}
	if z, ok := sm.manual[a.ID]; ok {
		p.ZoneID, p.Manual, p.Status = z, true, string(zone.PlaceFound)
	} else {
		zp := sm.placed[a.ID]
		p.ZoneID, p.Status, p.Candidates = zp.Zone, string(zp.Status), zp.Candidates
	}
	if z := sm.zoneByID(p.ZoneID); z != nil {
		p.ZoneName = z.Name
	}
	return p
}

func (sm *siteModel) flowModel() []zone.Flow {
	out := make([]zone.Flow, len(sm.flows))
	for i, f := range sm.flows {
		out[i] = zone.Flow{Src: f.Src, Dst: f.Dst, Proto: zone.Protocol(f.Proto), Port: uint16(f.Port), App: f.App,
			FirstSeen: f.FirstSeen, LastSeen: f.LastSeen, Packets: uint64(f.Packets), Bytes: uint64(f.Bytes)}
	}
	return out
}

// level returns the asset's effective level. A trusted-connection zone is SL0; its devices
// take the level of the nearest enclosing zone with a known SL above 0, or 普 when none has.
func (sm *siteModel) level(a *medsec.Asset) *medsec.AssetLevel {
	out := &medsec.AssetLevel{AssetID: a.ID, SL: -1, Level: a.Level, Source: medsec.LevelFromAsset}
	zoneID := sm.zoneOf[a.ID]
	levels := sm.zoneLevels()
	zl, ok := levels[zoneID]
	if !ok || !zl.Known() {
		if a.Level == medsec.LevelNone {
			out.Source = medsec.LevelUnknown
		}
		return out
	}
	z := sm.zoneByID(zoneID)
	out.ZoneID, out.ZoneName, out.SL, out.Source = zoneID, z.Name, int(zl.SL), medsec.LevelFromZone
	out.Level = medsec.LevelOfSL(int(zl.SL))
	if zl.SL == 0 {
		out.Trusted = true
		for p := z.ParentID; p != 0; {
			pz := sm.zoneByID(p)
			if pz == nil {
				break
			}
			if pl := levels[p]; pl.Known() && pl.SL > 0 {
				out.Level = medsec.LevelOfSL(int(pl.SL))
				break
			}
			p = pz.ParentID
		}
	}
	return out
}

func zoneFinding(f zone.Finding) medsec.ZoneFinding {
	return medsec.ZoneFinding{Code: f.Code, Cite: f.Cite, ZoneID: f.Zone, ConduitID: f.Conduit, AssetID: f.Asset, Params: f.Params}
}

func (sm *siteModel) violations(vs []zone.Violation) []medsec.FlowViolation {
	out := make([]medsec.FlowViolation, len(vs))
	for i, v := range vs {
		f := v.Flow
		out[i] = medsec.FlowViolation{Code: v.Code, SrcZoneID: v.SrcZone, DstZoneID: v.DstZone, SrcZoneName: v.SrcZoneName, DstZoneName: v.DstZoneName,
			SrcAssetID: v.SrcAsset, DstAssetID: v.DstAsset, SrcAssetName: v.SrcAssetName, DstAssetName: v.DstAssetName,
			Flow: medsec.Flow{SiteID: sm.siteID, Src: f.Src, Dst: f.Dst, Proto: string(f.Proto), Port: int(f.Port), App: f.App,
				FirstSeen: f.FirstSeen, LastSeen: f.LastSeen, Packets: int64(f.Packets), Bytes: int64(f.Bytes)}}
	}
	return out
}

// analyze checks the site: levels, placements, SL and conduit findings, violations.
func (sm *siteModel) analyze(u *medsec.User) (*medsec.ZoneAnalysis, []zone.Violation, error) {
	an := &medsec.ZoneAnalysis{SiteID: sm.siteID, Conduits: sm.conduits, Flows: len(sm.flows), AssetNames: map[int64]string{}}
	if an.Conduits == nil {
		an.Conduits = []*medsec.Conduit{}
	}
	levels := zone.Levels(sm.model.Zones, sm.model.Assets)
	count := map[int64]int{}
	for _, a := range sm.model.Assets {
		count[a.Zone]++
	}
	// Zones in tree order: each zone followed by its sub-zones, siblings from the Internet
	// inwards, then by name.
	children := map[int64][]*medsec.Zone{}
	for _, z := range sm.zones {
		children[z.ParentID] = append(children[z.ParentID], z)
	}
	var walk func(parent int64, depth int)
	walk = func(parent int64, depth int) {
		for _, z := range children[parent] {
			zl := levels[z.ID]
			st := medsec.ZoneStatus{Zone: z, SL: -1, SLSource: string(zl.Source), Depth: depth, Assets: count[z.ID]}
			if zl.Known() {
				st.SL, st.Level = int(zl.SL), medsec.LevelOfSL(int(zl.SL))
			}
			an.Zones = append(an.Zones, st)
			walk(z.ID, depth+1)
		}
	}
	for _, cs := range children {
		slices.SortStableFunc(cs, func(a, b *medsec.Zone) int {
			return slices.Index(medsec.ZoneKinds, a.Kind) - slices.Index(medsec.ZoneKinds, b.Kind)
		})
	}
	walk(0, 0)
	for _, a := range sm.assets {
		if u.CanSeeAsset(a) {
			an.Placements = append(an.Placements, sm.placement(a))
			an.AssetNames[a.ID] = a.Name
		}
	}
	for _, f := range sm.placing {
		an.Findings = append(an.Findings, zoneFinding(f))
	}
	for _, f := range zone.CheckLevels(sm.model.Zones, sm.model.Assets) {
		an.Findings = append(an.Findings, zoneFinding(f))
	}
	checker, err := zone.NewChecker(&sm.model)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range checker.CheckConduits() {
		an.Findings = append(an.Findings, zoneFinding(f))
	}
	vs := checker.CheckFlows(sm.flowModel())
	an.Violations = sm.violations(vs)
	// Names of assets the caller may not see stay hidden.
	for i := range an.Violations {
		v := &an.Violations[i]
		if _, ok := an.AssetNames[v.SrcAssetID]; !ok {
			v.SrcAssetID, v.SrcAssetName = 0, ""
		}
		if _, ok := an.AssetNames[v.DstAssetID]; !ok {
			v.DstAssetID, v.DstAssetName = 0, ""
		}
	}
	if an.Findings == nil {
		an.Findings = []medsec.ZoneFinding{}
	}
	if an.Violations == nil {
		an.Violations = []medsec.FlowViolation{}
	}
	return an, vs, nil
}

// Analyze checks a site's zone model; a vendor user gets the part of it that concerns its
// company's assets (see restrict).
func (s *ZoneService) Analyze(ctx context.Context, siteID int64) (*medsec.ZoneAnalysis, error) {
	return s.analyzeSite(ctx, siteID, func() (*siteModel, error) { return loadSite(ctx, s.db.read, s.db.dialect, siteID, true) })
}

// AnalyzeAt checks a site's zone model as recorded at the end at of the period [from, at)
// (loadSiteAt); the observed flows keep no history, so none is checked.
func (s *ZoneService) AnalyzeAt(ctx context.Context, siteID int64, from, at time.Time) (*medsec.ZoneAnalysis, error) {
	return s.analyzeSite(ctx, siteID, func() (*siteModel, error) { return loadSiteAt(ctx, s.db.read, s.db.dialect, siteID, from, at) })
}

// analyzeSite checks the site model load gives, after the caller's right to read siteID's
// inventory, restricted to what the caller sees (restrict).
func (s *ZoneService) analyzeSite(ctx context.Context, siteID int64, load func() (*siteModel, error)) (*medsec.ZoneAnalysis, error) {
	sc, err := authorizeSite(ctx, medsec.PermInventoryRead, siteID)
	if err != nil {
		return nil, err
	}
	sm, err := load()
	if err != nil {
		return nil, err
	}
	an, _, err := sm.analyze(sc.user)
	if err != nil {
		return nil, err
	}
	h, err := sc.hosts(ctx, s.db.read, s.db.dialect, siteID)
	if err != nil {
		return nil, err
	}
	sm.restrict(an, h)
	return an, nil
}

// visibleZones returns the zones the hosts of h sit in and the zones enclosing them; nil
// when h sees every host (every zone is visible).
func (sm *siteModel) visibleZones(h *hostScope) map[int64]bool {
	if h == nil {
		return nil
	}
	vis := map[int64]bool{}
	for id := range h.assets {
		for z := sm.zoneOf[id]; z != 0 && !vis[z]; {
			vis[z] = true
			zz := sm.zoneByID(z)
			if zz == nil {
				break
			}
			z = zz.ParentID
		}
	}
	return vis
}

// restrict reduces a site's analysis to what the hosts of h may see (nothing changes for a
// nil h): the zones they sit in without their addressing, counting only their assets; no
// conduit; the findings about those assets and zones; the violations with an end among
// them, the other end's address, asset and (unless visible) zone left out; and the count of
// their flows.
func (sm *siteModel) restrict(an *medsec.ZoneAnalysis, h *hostScope) {
	if h == nil {
		return
	}
	vis := sm.visibleZones(h)
	own := map[string]bool{}
	for _, a := range sm.assets {
		if h.seesAsset(a.ID) {
			own[a.Name] = true
		}
	}
	zones := an.Zones[:0]
	for _, st := range an.Zones {
		if !vis[st.Zone.ID] {
			continue
		}
		st.Zone, st.Assets = redactedZone(st.Zone), 0
		for id := range h.assets {
			if sm.zoneOf[id] == st.Zone.ID {
				st.Assets++
			}
		}
		zones = append(zones, st)
	}
	an.Zones, an.Conduits = zones, []*medsec.Conduit{}
	findings := []medsec.ZoneFinding{}
	for _, f := range an.Findings {
		switch {
		case f.ConduitID != 0, f.AssetID != 0 && !h.seesAsset(f.AssetID), f.ZoneID != 0 && !vis[f.ZoneID]:
		case f.Params["asset"] != "" && !own[f.Params["asset"]]:
		default:
			findings = append(findings, f)
		}
	}
	an.Findings = findings
	violations := []medsec.FlowViolation{}
	for _, v := range an.Violations {
		if !h.seesAddr(v.Flow.Src) && !h.seesAddr(v.Flow.Dst) {
			continue
		}
		h.mask(&v.Flow)
		if !vis[v.SrcZoneID] {
			v.SrcZoneID, v.SrcZoneName = 0, ""
		}
		if !vis[v.DstZoneID] {
			v.DstZoneID, v.DstZoneName = 0, ""
		}
		violations = append(violations, v)
	}
	an.Violations = violations
	an.Flows = len(h.flows(sm.flows))
}

// assetSite loads the asset and its site's model, checking the caller may see the asset.
func (s *ZoneService) assetSite(ctx context.Context, q querier, assetID int64, p medsec.Permission, withFlows bool) (*medsec.User, *medsec.Asset, *siteModel, error) {
	u, err := medsec.Authorize(ctx, p)
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := findAssetByID(ctx, q, s.db.dialect, assetID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !u.CanSeeAsset(a) {
		return nil, nil, nil, assetOutOfScope(a.ID, a.SiteID)
	}
	sm, err := loadSite(ctx, q, s.db.dialect, a.SiteID, withFlows)
	if err != nil {
		return nil, nil, nil, err
	}
	return u, a, sm, nil
}

// FindPlacement returns the zone the asset sits in.
func (s *ZoneService) FindPlacement(ctx context.Context, assetID int64) (*medsec.ZonePlacement, error) {
	_, a, sm, err := s.assetSite(ctx, s.db.read, assetID, medsec.PermInventoryRead, false)
	if err != nil {
		return nil, err
	}
	p := sm.placement(a)
	return &p, nil
}

// EffectiveLevel returns the asset's baseline level: its zone's SL mapped to 普/中/高 (SL1–2
// low, SL3 moderate, SL4 high; a trusted-connection zone at SL0 takes its enclosing zone's
// level), else Asset.Level set by hand. The compliance assessments call this to choose the
// level-dependent baseline controls, so that the controls follow the zone.
func (s *ZoneService) EffectiveLevel(ctx context.Context, assetID int64) (*medsec.AssetLevel, error) {
	_, a, sm, err := s.assetSite(ctx, s.db.read, assetID, medsec.PermInventoryRead, false)
	if err != nil {
		return nil, err
	}
	return sm.level(a), nil
}

// PlaceAsset places the asset by hand, or (zoneID 0) returns it to computed placement.
func (s *ZoneService) PlaceAsset(ctx context.Context, assetID, zoneID int64) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	u, a, sm, err := s.assetSite(ctx, tx, assetID, medsec.PermInventoryWrite, false)
	if err != nil {
		return err
	}
	if _, err := tx.placeAsset(ctx, u, a, sm, zoneID); err != nil {
		return err
	}
	return tx.Commit()
}

// placeAsset places a, an asset of sm's site the caller u sees, in zoneID (0: computed
// placement), keeps sm in step and audits the change; it reports whether the placement
// changed (placing an asset where it already sits by hand writes nothing).
func (tx *Tx) placeAsset(ctx context.Context, u *medsec.User, a *medsec.Asset, sm *siteModel, zoneID int64) (bool, error) {
	if !u.CanSeeSite(a.SiteID) {
		return false, medsec.ErrForbidden()
	}
	if zoneID != 0 && sm.zoneByID(zoneID) == nil {
		return false, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "zone", Key: "err.bad_zone", Message: "is not a zone of the asset's site"}}}
	}
	if sm.manual[a.ID] == zoneID {
		return false, nil
	}
	before := sm.placement(a)
	if _, err := tx.exec(ctx, `DELETE FROM asset_zones WHERE asset_id = ?`, a.ID); err != nil {
		return false, fmt.Errorf("place asset %d: %w", a.ID, err)
	}
	if zoneID != 0 {
		if _, err := tx.exec(ctx, `INSERT INTO asset_zones (asset_id, zone_id, set_by, set_at) VALUES (?, ?, ?, ?)`, a.ID, zoneID, u.Username, tx.now); err != nil {
			return false, fmt.Errorf("place asset %d: %w", a.ID, err)
		}
		sm.manual[a.ID] = zoneID
	} else {
		delete(sm.manual, a.ID)
	}
	after := sm.placement(a)
	return true, tx.auditChange(ctx, "asset.place", "asset", a.ID, a.SiteID, before, after)
}

// ---- flows ----

// findFlows returns a site's flows in import order, or the newest limit flows first.
func findFlows(ctx context.Context, q querier, d dialect, siteID int64, limit int) ([]*medsec.Flow, error) {
	return findFlowsWhere(ctx, q, d, siteID, limit, "", nil)
}

// findFlowsWhere is findFlows with an extra condition (" AND ...") and its arguments.
func findFlowsWhere(ctx context.Context, q querier, d dialect, siteID int64, limit int, cond string, condArgs []any) ([]*medsec.Flow, error) {
	query := `SELECT id, site_id, src, dst, proto, port, app, first_seen, last_seen, packets, bytes, source FROM flows WHERE site_id = ?` + cond + ` ORDER BY id`
	args := append([]any{siteID}, condArgs...)
	if limit > 0 {
		query += ` DESC LIMIT ?`
		args = append(args, limit)
	}
	rows, err := q.QueryContext(ctx, d.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("find flows: %w", err)
	}
	defer rows.Close()
	var out []*medsec.Flow
	for rows.Next() {
		var f medsec.Flow
		var src, dst string
		var first, last sql.NullTime
		if err := rows.Scan(&f.ID, &f.SiteID, &src, &dst, &f.Proto, &f.Port, &f.App, &first, &last, &f.Packets, &f.Bytes, &f.Source); err != nil {
			return nil, fmt.Errorf("find flows: %w", err)
		}
		f.Src, _ = netip.ParseAddr(src)
		f.Dst, _ = netip.ParseAddr(dst)
		if first.Valid {
			f.FirstSeen = first.Time.UTC()
		}
		if last.Valid {
			f.LastSeen = last.Time.UTC()
		}
		out = append(out, &f)
	}
	return out, rows.Err()
}

// FindFlows returns up to limit of the site's flows, newest first, and their count. A vendor
// user gets the flows of its company's assets, the other end's address left out.
func (s *ZoneService) FindFlows(ctx context.Context, siteID int64, limit int) ([]*medsec.Flow, int, error) {
	sc, err := authorizeSite(ctx, medsec.PermInventoryRead, siteID)
	if err != nil {
		return nil, 0, err
	}
	h, err := sc.hosts(ctx, s.db.read, s.db.dialect, siteID)
	if err != nil {
		return nil, 0, err
	}
	cond, args := h.flowCond()
	if cond != "" {
		cond = " AND " + cond
	}
	var total int
	if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT COUNT(*) FROM flows WHERE site_id = ?`+cond), append([]any{siteID}, args...)...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count flows: %w", err)
	}
	if limit <= 0 || limit > 10000 {
		limit = 100
	}
	flows, err := findFlowsWhere(ctx, s.db.read, s.db.dialect, siteID, limit, cond, args)
	return h.flows(flows), total, err
}

// ImportFlowsCSV parses flows and stores them all, or none.
func (s *ZoneService) ImportFlowsCSV(ctx context.Context, siteID int64, r io.Reader, source string) (int, error) {
	if _, err := authorizeSite(ctx, medsec.PermInventoryWrite, siteID); err != nil {
		return 0, err
	}
	flows, err := zone.ParseFlowsCSV(r)
	if err != nil {
		var ie *zone.ImportError
		if !errors.As(err, &ie) {
			return 0, fmt.Errorf("import flows: %w", err)
		}
		ve := &medsec.ValidationError{Source: source}
		for _, pe := range ie.Errors {
			field := fmt.Sprintf("%d", pe.Column)
			if pe.Field != "" {
				field = fmt.Sprintf("%s (%d)", pe.Field, pe.Column)
			}
			msg := pe.Error()
			if pe.Err != nil {
				msg = pe.Err.Error()
			}
			ve.Errors = append(ve.Errors, medsec.FieldError{Line: pe.Line, Field: field, Key: "err.bad_flow_field", Message: msg})
		}
		return 0, ve
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	source = strings.TrimSpace(source)
	for _, f := range flows {
		_, err := tx.exec(ctx, `INSERT INTO flows (site_id, src, dst, proto, port, app, first_seen, last_seen, packets, bytes, source, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, siteID, f.Src.String(), f.Dst.String(), string(f.Proto), int(f.Port), f.App,
			nullTime(f.FirstSeen), nullTime(f.LastSeen), int64(min(f.Packets, 1<<63-1)), int64(min(f.Bytes, 1<<63-1)), source, tx.now)
		if err != nil {
			return 0, fmt.Errorf("import flows: %w", err)
		}
	}
	imported := &medsec.AuditEntry{Action: "flow.import", ObjectType: "site", ObjectID: siteID, SiteID: siteID}
	if imported.After, err = json.Marshal(map[string]any{"source": source, "flows": len(flows)}); err != nil {
		return 0, fmt.Errorf("import flows: %w", err)
	}
	if err := tx.audit(ctx, imported); err != nil {
		return 0, err
	}
	stored := make([]medsec.Flow, len(flows))
	for i, f := range flows {
		stored[i] = medsec.Flow{SiteID: siteID, Src: f.Src, Dst: f.Dst, Proto: string(f.Proto), Port: int(f.Port), App: f.App, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen}
	}
	if err := tx.emitNetwork(ctx, siteID, medsec.EventRef{Type: medsec.EventRefAudit, ID: imported.ID}, nil, stored); err != nil {
		return 0, fmt.Errorf("import flows: %w", err)
	}
	return len(flows), tx.Commit()
}

// ---- diagram and firewall ----

// WriteDiagram draws the site's network diagram as SVG, with its violations in red. A
// vendor user's diagram shows only the zones of its company's assets, those assets and the
// violations of their flows, and no conduit.
func (s *ZoneService) WriteDiagram(ctx context.Context, siteID int64, view medsec.DiagramView, w io.Writer, labels medsec.DiagramLabels) error {
	sc, err := authorizeSite(ctx, medsec.PermInventoryRead, siteID)
	if err != nil {
		return err
	}
	sm, err := loadSite(ctx, s.db.read, s.db.dialect, siteID, true)
	if err != nil {
		return err
	}
	_, vs, err := sm.analyze(sc.user)
	if err != nil {
		return err
	}
	h, err := sc.hosts(ctx, s.db.read, s.db.dialect, siteID)
	if err != nil {
		return err
	}
	m := sm.model
	// Assets the caller may not see are left out of the drawing.
	m.Assets = slices.DeleteFunc(slices.Clone(m.Assets), func(a zone.Asset) bool {
		for _, x := range sm.assets {
			if x.ID == a.ID {
				return !sc.seesAsset(x)
			}
		}
		return true
	})
	if vis := sm.visibleZones(h); vis != nil {
		m.Zones = slices.DeleteFunc(slices.Clone(m.Zones), func(z zone.Zone) bool { return !vis[z.ID] })
		for i := range m.Zones {
			m.Zones[i].Ranges, m.Zones[i].VLANs, m.Zones[i].SSIDs = nil, nil, nil
		}
		m.Conduits = nil
		vs = slices.DeleteFunc(slices.Clone(vs), func(v zone.Violation) bool {
			return !h.seesAddr(v.Flow.Src) && !h.seesAddr(v.Flow.Dst) || !vis[v.SrcZone] || !vis[v.DstZone]
		})
	}
	d := zone.Diagram{Model: &m, Levels: zone.Levels(sm.model.Zones, sm.model.Assets), Violations: vs, Labels: zone.DiagramLabels{
		Title: labels.Title, Unclassified: labels.Unclassified, More: labels.More, Violations: labels.Violations,
		LegendConduit: labels.LegendConduit, LegendViolation: labels.LegendViolation, Unplaced: labels.Unplaced, Conduits: labels.Conduits,
		Kinds: map[zone.Kind]string{}, Classes: map[zone.Class]string{}}, Focus: view.Zone, ZoneLink: view.ZoneLink}
	if _, ok := m.Zone(view.Zone); view.Zone != 0 && !ok {
		return zoneNotFound()
	}
	for k, v := range labels.Kinds {
		d.Labels.Kinds[zone.Kind(k)] = v
	}
	for k, v := range labels.Classes {
		d.Labels.Classes[zone.Class(k)] = v
	}
	if err := d.WriteSVG(w); err != nil {
		return fmt.Errorf("draw site %d: %w", siteID, err)
	}
	return nil
}

// WriteFirewall exports the site's conduits as an nftables ruleset or as CSV; a vendor
// user, who sees no conduit, gets an export without rules.
func (s *ZoneService) WriteFirewall(ctx context.Context, siteID int64, format medsec.FirewallFormat, w io.Writer) error {
	sc, err := authorizeSite(ctx, medsec.PermInventoryRead, siteID)
	if err != nil {
		return err
	}
	sm, err := loadSite(ctx, s.db.read, s.db.dialect, siteID, false)
	if err != nil {
		return err
	}
	conduits := sm.model.Conduits
	if sc.vendor() != 0 {
		conduits = nil
	}
	switch format {
	case medsec.FirewallNFT:
		err = zone.WriteNFT(w, sm.loc, conduits, zone.NFTOptions{})
	case medsec.FirewallCSV:
		err = zone.WriteCSV(w, sm.loc, conduits)
	default:
		return &medsec.Error{Code: medsec.EINVALID, Message: "Unknown firewall format.", Key: "err.bad_format"}
	}
	if err != nil {
		return fmt.Errorf("firewall export of site %d: %w", siteID, err)
	}
	return nil
}

// ProposeConduits proposes least-privilege rules from the site's flows (hosts whitelisted
// exactly) and marks the conduits broader than the flows need.
// A vendor user gets none: the rules whitelist the site's hosts and are the hospital's.
func (s *ZoneService) ProposeConduits(ctx context.Context, siteID int64) (*medsec.LeastPrivilege, error) {
	sc, err := authorizeSite(ctx, medsec.PermInventoryRead, siteID)
	if err != nil {
		return nil, err
	}
	if sc.vendor() != 0 {
		return &medsec.LeastPrivilege{Rules: []medsec.ProposedConduit{}, Conduits: []medsec.ConduitReview{}}, nil
	}
	sm, err := loadSite(ctx, s.db.read, s.db.dialect, siteID, true)
	if err != nil {
		return nil, err
	}
	checker, err := zone.NewChecker(&sm.model)
	if err != nil {
		return nil, fmt.Errorf("propose conduits of site %d: %w", siteID, err)
	}
	lp := zone.ProposeConduits(checker, sm.flowModel(), zone.ProposeOptions{})
	out := &medsec.LeastPrivilege{Rules: []medsec.ProposedConduit{}, Conduits: []medsec.ConduitReview{}}
	ranges := func(rs []zone.Range) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.String()
		}
		return out
	}
	for _, r := range lp.Rules {
		out.Rules = append(out.Rules, medsec.ProposedConduit{FromZoneID: r.From, ToZoneID: r.To, FromZoneName: r.FromName, ToZoneName: r.ToName,
			Protocol: string(r.Protocol), Port: int(r.Port), App: r.App, Sources: ranges(r.Sources), Destinations: ranges(r.Destinations),
			Flows: r.Flows, CoveredBy: r.CoveredBy, Denied: r.Denied})
	}
	for _, c := range lp.Conduits {
		out.Conduits = append(out.Conduits, medsec.ConduitReview{ConduitID: c.Conduit, Name: c.Name, Flows: c.Flows, Broader: c.Broader, Reasons: reasonsOf(c.Reasons)})
	}
	return out, nil
}

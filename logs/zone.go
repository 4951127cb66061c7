package logs

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"medsec"
)

// SenderZones tells the site a record belongs to and the time zone of its sender: one
// resolver for both, so that a record is filed in the site whose wall clock its times
// were read on [issue 13 t13 finding 15]. The site of a record is, in this order:
//
//  1. the site of the registered log source with the sender's address (a source medsec
//     registered itself on its first record counts only once linked to an asset: until
//     then it sits at the default site, which says nothing about where the sender is);
//  2. else the site of the inventory asset with that address;
//  3. else the site the receiver knows (a sensor's records: the sensor's site; a JSON
//     source over HTTPS: its own site, since its "peer" is its name, not an address);
//  4. else none: the log store files the record in the first site (RecordSite) and the
//     parser reads zone-less times in the server's zone (Parser.Location, "medsec serve
//     --logs-zone").
//
// RFC 3164 times ("Dec  1 08:00:00"), many CEF times and some JSON times carry neither
// year nor zone: a device at a Taipei site writes Taipei's wall clock, one at a Tokyo
// site Tokyo's, whatever the server's zone.
//
// The sources, assets and sites are read by Refresh (as the system) and kept. A change
// made through WatchSources is read before the change returns, so the next record already
// goes to the new source's site; one made through WatchAssets is read at once in the
// background (Run); any other (another process, the CLI) from the next periodic Refresh.
// Site, Zone and RecordSite are safe for concurrent use with Refresh.
type SenderZones struct {
	// Sources, Assets and Org are read by Refresh.
	Sources medsec.LogSourceService
	Assets  medsec.AssetService
	Org     medsec.OrgService

	snap    atomic.Pointer[zoneSnapshot]
	mu      sync.Mutex // one Refresh at a time, so an older read never replaces a newer one
	kickOne sync.Once
	kick    chan struct{}
}

// zoneSnapshot is what one Refresh read: each site's zone, the site of each registered
// source's address and of each asset's address, and the first site (lowest ID).
type zoneSnapshot struct {
	site     map[int64]*time.Location
	bySource map[netip.Addr]int64
	byAsset  map[netip.Addr]int64
	first    int64
}

// Refresh reads the sites' zones and the addresses of the log sources and assets again.
// On error the zones read before stay.
func (z *SenderZones) Refresh(ctx context.Context) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	snap := &zoneSnapshot{site: map[int64]*time.Location{}, bySource: map[netip.Addr]int64{}, byAsset: map[netip.Addr]int64{}}
	sites, err := z.Org.FindSites(sys)
	if err != nil {
		return fmt.Errorf("sender zones: sites: %w", err)
	}
	for _, s := range sites {
		if snap.first == 0 || s.ID < snap.first {
			snap.first = s.ID
		}
		if loc, err := medsec.LoadZone("time_zone", s.Zone()); err == nil {
			snap.site[s.ID] = loc
		}
	}
	add := func(m map[netip.Addr]int64, addr string, site int64) {
		a, ok := senderAddr(addr)
		if !ok || site == 0 {
			return
		}
		if _, had := m[a]; !had {
			m[a] = site
		}
	}
	if z.Assets != nil {
		err := z.Assets.EachAsset(sys, medsec.AssetFilter{}, func(a *medsec.Asset) error {
			for _, ip := range a.IPs {
				add(snap.byAsset, ip, a.SiteID)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("sender zones: assets: %w", err)
		}
	}
	if z.Sources != nil {
		srcs, err := z.Sources.FindLogSources(sys, medsec.LogSourceFilter{})
		if err != nil {
			return fmt.Errorf("sender zones: log sources: %w", err)
		}
		for _, s := range srcs {
			if !s.AutoRegistered || s.AssetID != 0 {
				add(snap.bySource, s.Address, s.SiteID)
			}
		}
	}
	z.snap.Store(snap)
	return nil
}

// senderAddr reads peer ("ip:port", "[ip6]:port" or an address) as an address.
func senderAddr(peer string) (netip.Addr, bool) {
	host := peer
	if h, _, err := net.SplitHostPort(peer); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// Site returns the site of a record from peer ("ip:port" or an address) that the
// receiver knows to be at siteID (0: not known), in the order the type's comment gives;
// 0 when none is known.
func (z *SenderZones) Site(siteID int64, peer string) int64 {
	snap := z.snap.Load()
	if snap == nil {
		return siteID
	}
	return snap.siteOf(siteID, peer)
}

func (s *zoneSnapshot) siteOf(siteID int64, peer string) int64 {
	if a, ok := senderAddr(peer); ok {
		if id, ok := s.bySource[a]; ok {
			return id
		}
		if id, ok := s.byAsset[a]; ok {
			return id
		}
	}
	return siteID
}

// RecordSite is the site whose sealed log keeps r (logstore.Config.Site): Site of its
// receiver's site and peer, else the first site, else 0.
func (z *SenderZones) RecordSite(r Record) int64 {
	snap := z.snap.Load()
	if snap == nil {
		return r.SiteID
	}
	if id := snap.siteOf(r.SiteID, r.Peer); id != 0 {
		return id
	}
	return snap.first
}

// Zone returns the zone of a record from peer at siteID (see Site): that of its site, nil
// when no site is known (Parser.Zone).
func (z *SenderZones) Zone(siteID int64, peer string) *time.Location {
	snap := z.snap.Load()
	if snap == nil {
		return nil
	}
	return snap.site[snap.siteOf(siteID, peer)]
}

// kicks is the channel that asks Run for a Refresh now (one waiting ask is enough).
func (z *SenderZones) kicks() chan struct{} {
	z.kickOne.Do(func() { z.kick = make(chan struct{}, 1) })
	return z.kick
}

// Changed asks Run to read the sources and assets again now, in the background.
func (z *SenderZones) Changed() {
	select {
	case z.kicks() <- struct{}{}:
	default:
	}
}

// Run refreshes every interval, and at once when Changed asks, until ctx ends; failures
// go to onError.
func (z *SenderZones) Run(ctx context.Context, interval time.Duration, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	kick := z.kicks()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
		if err := z.Refresh(ctx); err != nil && onError != nil {
			onError(err)
		}
	}
}

// WatchSources returns s telling z of every source registered, changed or deleted
// through it: z reads the sources again before the change returns, so the records that
// follow go to the source's site (on a failed read, Run tries again at once).
func (z *SenderZones) WatchSources(s medsec.LogSourceService) medsec.LogSourceService {
	return &watchedSources{LogSourceService: s, z: z}
}

type watchedSources struct {
	medsec.LogSourceService
	z *SenderZones
}

func (w *watchedSources) changed(ctx context.Context) {
	if err := w.z.Refresh(context.WithoutCancel(ctx)); err != nil {
		w.z.Changed()
	}
}

func (w *watchedSources) CreateLogSource(ctx context.Context, s *medsec.LogSource, withToken bool) (string, error) {
	tok, err := w.LogSourceService.CreateLogSource(ctx, s, withToken)
	if err == nil {
		w.changed(ctx)
	}
	return tok, err
}

func (w *watchedSources) UpdateLogSource(ctx context.Context, s *medsec.LogSource) error {
	err := w.LogSourceService.UpdateLogSource(ctx, s)
	if err == nil {
		w.changed(ctx)
	}
	return err
}

func (w *watchedSources) DeleteLogSource(ctx context.Context, id int64) error {
	err := w.LogSourceService.DeleteLogSource(ctx, id)
	if err == nil {
		w.changed(ctx)
	}
	return err
}

// WatchAssets returns a telling z (Changed) of every asset created, changed, retired or
// imported through it, so that Run reads the addresses again at once rather than at its
// next tick. The read is in the background: an import of thousands of assets is read
// once after it, not once per asset.
func (z *SenderZones) WatchAssets(a medsec.AssetService) medsec.AssetService {
	return &watchedAssets{AssetService: a, z: z}
}

type watchedAssets struct {
	medsec.AssetService
	z *SenderZones
}

func (w *watchedAssets) CreateAsset(ctx context.Context, a *medsec.Asset) error {
	err := w.AssetService.CreateAsset(ctx, a)
	w.z.Changed()
	return err
}

func (w *watchedAssets) UpdateAsset(ctx context.Context, a *medsec.Asset) error {
	err := w.AssetService.UpdateAsset(ctx, a)
	w.z.Changed()
	return err
}

func (w *watchedAssets) RetireAsset(ctx context.Context, id int64) error {
	err := w.AssetService.RetireAsset(ctx, id)
	w.z.Changed()
	return err
}

func (w *watchedAssets) ChangeAssets(ctx context.Context, c medsec.AssetBulkChange) (medsec.AssetBulkResult, error) {
	res, err := w.AssetService.ChangeAssets(ctx, c)
	w.z.Changed()
	return res, err
}

func (w *watchedAssets) ImportAssets(ctx context.Context, imp medsec.AssetImport) (medsec.ImportResult, error) {
	res, err := w.AssetService.ImportAssets(ctx, imp)
	w.z.Changed()
	return res, err
}

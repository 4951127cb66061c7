package logs

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"medsec"
)

// SenderZones tells the time zone of a record's sender (Parser.Zone): the zone of the
// site its registered log source belongs to, else the site of the inventory asset with
// its address. RFC 3164 times ("Dec  1 08:00:00") and many CEF times carry neither year
// nor zone: a device at a Taipei site writes Taipei's wall clock, one at a Tokyo site
// Tokyo's, whatever the server's zone [issue 13 t13 finding 15]. A sender of no known
// site gets nil, so the parser falls back to the server's configured zone
// (Parser.Location, "medsec serve --logs-zone").
//
// The sources, assets and sites are read by Refresh (as the system) and kept: a source
// or asset added later is known from the next Refresh (Run refreshes every interval).
// Zone is safe for concurrent use with Refresh.
type SenderZones struct {
	// Sources, Assets and Org are read by Refresh.
	Sources medsec.LogSourceService
	Assets  medsec.AssetService
	Org     medsec.OrgService

	snap atomic.Pointer[zoneSnapshot]
}

// zoneSnapshot is what one Refresh read: each site's zone and the site of each address.
type zoneSnapshot struct {
	site   map[int64]*time.Location
	byAddr map[netip.Addr]int64
}

// Refresh reads the sites' zones and the addresses of the log sources and assets again.
// On error the zones read before stay.
func (z *SenderZones) Refresh(ctx context.Context) error {
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	snap := &zoneSnapshot{site: map[int64]*time.Location{}, byAddr: map[netip.Addr]int64{}}
	sites, err := z.Org.FindSites(sys)
	if err != nil {
		return fmt.Errorf("sender zones: sites: %w", err)
	}
	for _, s := range sites {
		if loc, err := medsec.LoadZone("time_zone", s.Zone()); err == nil {
			snap.site[s.ID] = loc
		}
	}
	add := func(addr string, site int64, over bool) {
		a, err := netip.ParseAddr(addr)
		if err != nil || site == 0 {
			return
		}
		a = a.Unmap().WithZone("")
		if _, had := snap.byAddr[a]; !had || over {
			snap.byAddr[a] = site
		}
	}
	if z.Assets != nil {
		err := z.Assets.EachAsset(sys, medsec.AssetFilter{}, func(a *medsec.Asset) error {
			for _, ip := range a.IPs {
				add(ip, a.SiteID, false)
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
		// A registered source says where its sender is, over an asset's address.
		for _, s := range srcs {
			add(s.Address, s.SiteID, true)
		}
	}
	z.snap.Store(snap)
	return nil
}

// Zone returns the zone of a record from peer ("ip:port" or an address): that of siteID
// when the receiver knows the site, else of the site of the log source or asset with the
// peer's address; nil when none is known.
func (z *SenderZones) Zone(siteID int64, peer string) *time.Location {
	snap := z.snap.Load()
	if snap == nil {
		return nil
	}
	if siteID == 0 {
		host := peer
		if h, _, err := net.SplitHostPort(peer); err == nil {
			host = h
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return nil
		}
		siteID = snap.byAddr[a.Unmap().WithZone("")]
	}
	return snap.site[siteID]
}

// Run refreshes every interval until ctx ends; failures go to onError.
func (z *SenderZones) Run(ctx context.Context, interval time.Duration, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := z.Refresh(ctx); err != nil && onError != nil {
				onError(err)
			}
		}
	}
}

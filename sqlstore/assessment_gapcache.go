package sqlstore

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"medsec"
)

// gapCacheTTL is how long a computed gap report is served while the store's change count
// has not moved. Within it the report can miss only what time alone changes (a device
// passing its end of support, a scan falling due) and writes by another process sharing
// the database; a change through this store drops it at once.
const gapCacheTTL = time.Minute

// gapCacheSize is how many computed reports (scope and filter) are kept; the oldest is
// dropped first. A TW report over 50,000 assets keeps about 20 MB.
const gapCacheSize = 12

// gapKey names a computed report: what the user may see and the filter without its page.
type gapKey struct {
	scope  string
	filter medsec.GapFilter
}

// gapScope names what a user's gap reports may show: users with the same role, vendor and
// sites get the same reports.
func gapScope(u *medsec.User) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d", u.Role, u.VendorID)
	ids := slices.Clone(u.SiteIDs)
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, ":%d", id)
	}
	return b.String()
}

// gapCache keeps computed gap reports (the counts and every open item, paged on demand)
// per scope and filter. An entry is current while the store's change count is the one it
// was computed at and it is younger than gapCacheTTL; requests for an entry being computed
// wait for that computation.
type gapCache struct {
	mu      sync.Mutex
	entries map[gapKey]*gapCacheEntry
}

type gapCacheEntry struct {
	ready   chan struct{}
	changes uint64
	at      time.Time
	g       *gapTally
	err     error
}

// get returns the kept report of key when current, else computes it (once for concurrent
// callers). The change count is read before computing, so a change committed during the
// computation makes the result out of date at once.
func (c *gapCache) get(key gapKey, db *DB, now time.Time, compute func() (*gapTally, error)) (*gapTally, error) {
	for {
		changes := db.changes.n.Load()
		c.mu.Lock()
		e := c.entries[key]
		if e != nil {
			select {
			case <-e.ready:
				if e.err == nil && e.changes == changes && !now.Before(e.at) && now.Sub(e.at) < gapCacheTTL {
					c.mu.Unlock()
					return e.g, nil
				}
				e = nil // out of date or failed: compute again
			default:
				if e.changes != changes {
					e = nil // computed from data changed since: do not wait for it
				}
			}
		}
		if e != nil { // being computed from the current data: wait for it
			c.mu.Unlock()
			<-e.ready
			if e.err != nil {
				return nil, e.err
			}
			if e.changes == db.changes.n.Load() {
				return e.g, nil
			}
			continue
		}
		e = &gapCacheEntry{ready: make(chan struct{}), changes: changes, at: now}
		if c.entries == nil {
			c.entries = map[gapKey]*gapCacheEntry{}
		}
		c.entries[key] = e
		c.evict()
		c.mu.Unlock()
		e.g, e.err = compute()
		close(e.ready)
		if e.err != nil {
			c.mu.Lock()
			if c.entries[key] == e {
				delete(c.entries, key)
			}
			c.mu.Unlock()
		}
		return e.g, e.err
	}
}

// evict drops the oldest entries beyond gapCacheSize; c.mu is held.
func (c *gapCache) evict() {
	for len(c.entries) > gapCacheSize {
		var oldest gapKey
		var at time.Time
		first := true
		for k, e := range c.entries {
			if first || e.at.Before(at) {
				oldest, at, first = k, e.at, false
			}
		}
		delete(c.entries, oldest)
	}
}

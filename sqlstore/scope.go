package sqlstore

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"medsec"
)

// scope is the one mechanism by which the services limit what a caller sees to its sites
// and, for a vendor-maintenance user, to its company's assets and what belongs to them.
// Every service read derives it from the context's user (authorize) and applies it: in SQL
// (assetCond, siteCond), to records already loaded (seesSite, seesAsset), and, for a
// vendor, to what a site's network data shows of other hosts (hosts, see hostScope). An
// object that exists outside the scope is reported as not found, marked for the audit
// trail (medsec.NotInScope). docs/SECURITY.md describes the rules.
type scope struct {
	user *medsec.User
}

// authorize checks that the context's user holds p and returns its scope.
func authorize(ctx context.Context, p medsec.Permission) (scope, error) {
	u, err := medsec.Authorize(ctx, p)
	if err != nil {
		return scope{}, err
	}
	return scope{user: u}, nil
}

// vendor returns the vendor a vendor-maintenance user is limited to, else 0. A vendor user
// without a vendor sees no asset (vendorID -1 matches none).
func (sc scope) vendor() int64 {
	if sc.user.Role != medsec.RoleVendor {
		return 0
	}
	if sc.user.VendorID == 0 {
		return -1
	}
	return sc.user.VendorID
}

// seesSite reports whether the scope includes the site.
func (sc scope) seesSite(id int64) bool { return sc.user.CanSeeSite(id) }

// seesAsset reports whether the scope includes the asset.
func (sc scope) seesAsset(a *medsec.Asset) bool { return sc.user.CanSeeAsset(a) }

// siteWhere returns the SQL condition (never empty) keeping the rows whose column col is
// siteID, or any site of the scope when siteID is 0; a site outside the scope is ENOTFOUND.
func (sc scope) siteWhere(col string, siteID int64) (string, []any, error) {
	if siteID != 0 {
		if !sc.seesSite(siteID) {
			return "", nil, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", siteID), siteID)
		}
		return col + " = ?", []any{siteID}, nil
	}
	where, args := sc.siteCond(col)
	if where == "" {
		where = "1 = 1"
	}
	return where, args, nil
}

// siteCond returns the SQL condition (with its arguments) that keeps the rows whose column
// col is a site of the scope, or "" when every site is.
func (sc scope) siteCond(col string) (string, []any) {
	if len(sc.user.SiteIDs) == 0 {
		return "", nil
	}
	args := make([]any, len(sc.user.SiteIDs))
	for i, id := range sc.user.SiteIDs {
		args[i] = id
	}
	return col + " IN (" + placeholders(len(args)) + ")", args
}

// assetCond returns the SQL condition (with its arguments) that keeps the assets (table
// alias a) of the scope, or "" when the scope holds every asset.
func (sc scope) assetCond(a string) (string, []any) {
	cond, args := sc.siteCond(a + ".site_id")
	if v := sc.vendor(); v != 0 {
		if cond != "" {
			cond += " AND "
		}
		cond += a + ".vendor_id = ?"
		args = append(args, v)
	}
	return cond, args
}

// hostScope is what a vendor user may see of a site's hosts: the addresses and MACs of its
// company's assets there. Flows, discovery results and zone analyses show only the hosts
// of the scope; the other end of a flow is shown without its address. A nil *hostScope
// (any other user, who sees the whole of a site of its scope) sees every host.
type hostScope struct {
	assets map[int64]bool
	ips    map[netip.Addr]bool
	macs   map[string]bool
}

// hosts returns the hosts of the scope at a site the scope includes: nil (every host)
// unless the user is a vendor user.
func (sc scope) hosts(ctx context.Context, q querier, d dialect, siteID int64) (*hostScope, error) {
	v := sc.vendor()
	if v == 0 {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT id, ips, macs FROM assets WHERE site_id = ? AND vendor_id = ?`), siteID, v)
	if err != nil {
		return nil, fmt.Errorf("hosts of site %d: %w", siteID, err)
	}
	defer rows.Close()
	h := &hostScope{assets: map[int64]bool{}, ips: map[netip.Addr]bool{}, macs: map[string]bool{}}
	for rows.Next() {
		var id int64
		var ips, macs string
		if err := rows.Scan(&id, &ips, &macs); err != nil {
			return nil, fmt.Errorf("hosts of site %d: %w", siteID, err)
		}
		h.assets[id] = true
		for _, s := range splitList(ips) {
			if ip, err := netip.ParseAddr(s); err == nil {
				h.ips[ip.Unmap()] = true
			}
		}
		for _, m := range splitList(macs) {
			h.macs[m] = true
		}
	}
	return h, rows.Err()
}

// seesAddr reports whether the address is a host of the scope.
func (h *hostScope) seesAddr(ip netip.Addr) bool { return h == nil || h.ips[ip.Unmap()] }

// seesAsset reports whether the asset (by ID) is one of the scope's.
func (h *hostScope) seesAsset(id int64) bool { return h == nil || h.assets[id] }

// seesHost reports whether a host, known by its address and MACs, is one of the scope's.
func (h *hostScope) seesHost(ip netip.Addr, macs []string) bool {
	return h.seesAddr(ip) || h != nil && slices.ContainsFunc(macs, func(m string) bool { return h.macs[m] })
}

// flowCond returns the SQL condition (with its arguments) that keeps the flows (columns
// src and dst) with an end among the scope's hosts, or "" for every flow.
func (h *hostScope) flowCond() (string, []any) {
	if h == nil {
		return "", nil
	}
	if len(h.ips) == 0 {
		return "1 = 0", nil
	}
	var args []any
	for ip := range h.ips {
		args = append(args, ip.String())
	}
	slices.SortFunc(args, func(a, b any) int {
		if a.(string) < b.(string) {
			return -1
		}
		return 1
	})
	in := placeholders(len(args))
	return "(src IN (" + in + ") OR dst IN (" + in + "))", append(args, args...)
}

// flows keeps the flows with an end among the scope's hosts and hides the address of the
// other end (the zero address, JSON ""), returning copies.
func (h *hostScope) flows(in []*medsec.Flow) []*medsec.Flow {
	if h == nil {
		return in
	}
	out := make([]*medsec.Flow, 0, len(in))
	for _, f := range in {
		if !h.seesAddr(f.Src) && !h.seesAddr(f.Dst) {
			continue
		}
		c := *f
		h.mask(&c)
		out = append(out, &c)
	}
	return out
}

// mask hides the address of each end of the flow that is not a host of the scope.
func (h *hostScope) mask(f *medsec.Flow) {
	if !h.seesAddr(f.Src) {
		f.Src = netip.Addr{}
	}
	if !h.seesAddr(f.Dst) {
		f.Dst = netip.Addr{}
	}
}

// writesShared checks that the scope may change what is shared by every site: a device
// model, its SBOMs and its MDS2 profile apply to each asset of the model at every site, so
// only a user limited to no site, and no vendor-maintenance user, may change them. Other
// users get EFORBIDDEN (medsec.ErrForbidden), which the HTTP layer answers 403 and audits
// as permission.denied. docs/SECURITY.md describes the rule.
func (sc scope) writesShared() error {
	if !sc.user.SeesEveryAsset() {
		return medsec.ErrForbidden()
	}
	return nil
}

// seesUnattached reports whether the scope shows hosts attached to no asset: only a user
// limited to no site and no vendor.
func (sc scope) seesUnattached() bool { return len(sc.user.SiteIDs) == 0 && sc.vendor() == 0 }

// hostCond returns the condition on scan_hosts (alias h) of the hosts the scope sees.
func (sc scope) hostCond() (string, []any) {
	cond, args := sc.assetCond("a")
	attached := "h.asset_id IN (SELECT a.id FROM assets a"
	if cond != "" {
		attached += " WHERE " + cond
	}
	attached += ")"
	if sc.seesUnattached() {
		return "(h.asset_id IS NULL OR " + attached + ")", args
	}
	return attached, args
}

// advisoryCond returns the SQL condition (with its arguments) that keeps the advisories
// (table alias adv) the scope may see, or "" for every one. A published advisory (CSAF,
// NVD, KEV) is public and seen by all; the stand-in of a scanner report (source
// "scanner", ref SCAN-<report ID>, titled with the scanner and the report's file name)
// tells of one site's scan, so it is seen only by a scope that sees a host of the report.
func (sc scope) advisoryCond(adv string) (string, []any) {
	if sc.seesUnattached() {
		return "", nil
	}
	cond, args := sc.hostCond()
	return "(" + adv + ".source <> '" + findingFromScanner + "' OR " + adv + ".ref IN (SELECT 'SCAN-' || CAST(h.report_id AS TEXT) FROM scan_hosts h WHERE " + cond + "))", args
}

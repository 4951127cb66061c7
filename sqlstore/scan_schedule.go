package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"medsec"
	"medsec/vuln"
)

var _ medsec.ScanScheduler = (*ScanService)(nil)

// lastScan is the newest scanner report a host of which is attached to an asset.
type lastScan struct {
	at      time.Time
	report  int64
	scanner string
}

// lastScans returns, for the assets that meet cond (on the assets alias a), the newest
// report that covered each: its scan time, else its import time. A report dated in the
// future at now (medsec.ScanCounts) is no scan yet and does not count.
func lastScans(ctx context.Context, q querier, d dialect, now time.Time, cond string, args ...any) (map[int64]lastScan, error) {
	where := ""
	if cond != "" {
		where = " AND " + cond
	}
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT h.asset_id, p.id, p.scanner, p.scanned_at, p.imported_at
		FROM scan_hosts h JOIN scan_reports p ON p.id = h.report_id JOIN assets a ON a.id = h.asset_id
		WHERE h.asset_id IS NOT NULL`+where), args...)
	if err != nil {
		return nil, fmt.Errorf("last scans: %w", err)
	}
	defer rows.Close()
	out := map[int64]lastScan{}
	for rows.Next() {
		var asset int64
		var ls lastScan
		var scanned sql.NullTime
		var imported time.Time
		if err := rows.Scan(&asset, &ls.report, &ls.scanner, &scanned, &imported); err != nil {
			return nil, fmt.Errorf("last scans: %w", err)
		}
		ls.at = imported.UTC()
		if scanned.Valid {
			ls.at = scanned.Time.UTC()
		}
		if !medsec.ScanCounts(ls.at, now) {
			continue
		}
		if have, ok := out[asset]; !ok || ls.at.After(have.at) || (ls.at.Equal(have.at) && ls.report > have.report) {
			out[asset] = ls
		}
	}
	return out, rows.Err()
}

// scanDues returns the asset's row against each scan requirement it is subject to at
// its baseline level.
func scanDues(a *medsec.Asset, level medsec.Level, ls lastScan, now time.Time) []medsec.AssetScanDue {
	var out []medsec.AssetScanDue
	for i := range vuln.ScanRequirements {
		req := &vuln.ScanRequirements[i]
		if !req.Applies(a, level) {
			continue
		}
		d := medsec.AssetScanDue{AssetID: a.ID, AssetName: a.Name, SiteID: a.SiteID, Requirement: req.ID, State: req.State(ls.at, now)}
		if !ls.at.IsZero() {
			d.LastScanAt, d.LastReportID, d.LastScanner, d.DueAt = ls.at, ls.report, ls.scanner, req.Due(ls.at)
		}
		out = append(out, d)
	}
	return out
}

// assetScanDues is scanDues of one asset, its level from its site's zone model.
func assetScanDues(ctx context.Context, q querier, d dialect, a *medsec.Asset, level medsec.Level, now time.Time) ([]medsec.AssetScanDue, error) {
	ls, err := lastScans(ctx, q, d, now, "h.asset_id = ?", a.ID)
	if err != nil {
		return nil, err
	}
	return scanDues(a, level, ls[a.ID], now), nil
}

// ScanSchedule implements medsec.ScanScheduler.
func (s *ScanService) ScanSchedule(ctx context.Context, f medsec.ScanScheduleFilter) (*medsec.ScanSchedule, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	cond, args := sc.assetCond("a")
	where := "a.status = 'active'"
	if cond != "" {
		where += " AND " + cond
	}
	if f.SiteID != 0 {
		where += " AND a.site_id = ?"
		args = append(args, f.SiteID)
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT a.id, a.site_id, a.name, a.kind, a.class, a.level, s.name
		FROM assets a JOIN sites s ON s.id = a.site_id WHERE `+where+` ORDER BY s.name, a.name, a.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("scan schedule: %w", err)
	}
	var assets []*medsec.Asset
	siteNames := map[int64]string{}
	for rows.Next() {
		a := &medsec.Asset{}
		var site string
		if err := rows.Scan(&a.ID, &a.SiteID, &a.Name, &a.Kind, &a.Class, &a.Level, &site); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan schedule: %w", err)
		}
		siteNames[a.SiteID] = site
		assets = append(assets, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scan schedule: %w", err)
	}
	last, err := lastScans(ctx, s.db.read, s.db.dialect, now, where, args...)
	if err != nil {
		return nil, err
	}
	out := &medsec.ScanSchedule{ComputedAt: now, Requirements: vuln.ScanRequirements, Sites: []medsec.SiteScanSummary{}, Assets: []medsec.AssetScanDue{}}
	models := map[int64]*siteModel{}
	summary := map[[2]any]*medsec.SiteScanSummary{}
	var keys [][2]any
	for _, a := range assets {
		sm := models[a.SiteID]
		if sm == nil {
			if sm, err = loadSite(ctx, s.db.read, s.db.dialect, a.SiteID, false); err != nil {
				return nil, err
			}
			models[a.SiteID] = sm
		}
		for _, d := range scanDues(a, sm.level(a).Level, last[a.ID], now) {
			if f.Requirement != "" && d.Requirement != f.Requirement {
				continue
			}
			k := [2]any{a.SiteID, d.Requirement}
			sum := summary[k]
			if sum == nil {
				sum = &medsec.SiteScanSummary{SiteID: a.SiteID, SiteName: siteNames[a.SiteID], Requirement: d.Requirement}
				summary[k] = sum
				keys = append(keys, k)
			}
			sum.Assets++
			switch d.State {
			case medsec.ScanOK:
				sum.OK++
			case medsec.ScanDueSoon:
				sum.DueSoon++
			case medsec.ScanOverdue:
				sum.Overdue++
			case medsec.ScanNever:
				sum.Never++
			}
			if !d.LastScanAt.IsZero() {
				if sum.OldestScan.IsZero() || d.LastScanAt.Before(sum.OldestScan) {
					sum.OldestScan = d.LastScanAt
				}
				if sum.NextDue.IsZero() || d.DueAt.Before(sum.NextDue) {
					sum.NextDue = d.DueAt
				}
			}
			if f.State == "" || d.State == f.State {
				out.Assets = append(out.Assets, d)
			}
		}
	}
	for _, k := range keys {
		out.Sites = append(out.Sites, *summary[k])
	}
	// Most urgent first: never scanned, then overdue, due soon, fine; earliest due first.
	rank := func(st medsec.ScanDueState) int { return slices.Index(medsec.ScanDueStates, st) }
	slices.SortStableFunc(out.Assets, func(x, y medsec.AssetScanDue) int {
		if c := rank(x.State) - rank(y.State); c != 0 {
			return c
		}
		return x.DueAt.Compare(y.DueAt)
	})
	return out, nil
}

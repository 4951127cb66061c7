package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"medsec"
)

// ScanService implements medsec.ScanService: scanner reports attached to assets.
type ScanService struct{ db *DB }

// NewScanService returns the scan report service of db.
func NewScanService(db *DB) *ScanService { return &ScanService{db: db} }

var _ medsec.ScanService = (*ScanService)(nil)

// attachIndex finds the asset of the scope a scanned host stands for. A key that several
// assets share is ambiguous (-1) and attaches nothing.
type attachIndex struct {
	byAddr, byName, bySBOM map[string]int64
	sites                  map[int64]int64
}

func (ix *attachIndex) put(m map[string]int64, key string, id int64) {
	if key == "" {
		return
	}
	if have, ok := m[key]; ok && have != id {
		m[key] = -1
		return
	}
	m[key] = id
}

// loadAttachIndex reads the addresses, names and asset SBOMs of the assets in scope.
func (tx *Tx) loadAttachIndex(ctx context.Context, sc scope) (*attachIndex, error) {
	ix := &attachIndex{byAddr: map[string]int64{}, byName: map[string]int64{}, bySBOM: map[string]int64{}, sites: map[int64]int64{}}
	cond, args := sc.assetCond("a")
	where := " WHERE a.status = 'active'"
	if cond != "" {
		where += " AND " + cond
	}
	rows, err := tx.query(ctx, `SELECT a.id, a.site_id, a.name, a.ips FROM assets a`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("attach index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, site int64
		var name, ips string
		if err := rows.Scan(&id, &site, &name, &ips); err != nil {
			return nil, fmt.Errorf("attach index: %w", err)
		}
		ix.sites[id] = site
		ix.put(ix.byName, strings.ToLower(strings.TrimSpace(name)), id)
		for _, s := range splitList(ips) {
			if ip, err := netip.ParseAddr(s); err == nil {
				ix.put(ix.byAddr, ip.Unmap().String(), id)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attach index: %w", err)
	}
	srows, err := tx.query(ctx, `SELECT asset_id, subject, file_name FROM sboms WHERE asset_id IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("attach index: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var id int64
		var subject, file string
		if err := srows.Scan(&id, &subject, &file); err != nil {
			return nil, fmt.Errorf("attach index: %w", err)
		}
		if _, ok := ix.sites[id]; !ok {
			continue
		}
		ix.put(ix.bySBOM, strings.ToLower(subject), id)
		ix.put(ix.bySBOM, strings.ToLower(file), id)
	}
	return ix, srows.Err()
}

// attach returns the asset the host stands for and how it matched, or 0.
func (ix *attachIndex) attach(h *medsec.ScanHost) (int64, string) {
	if ip, err := netip.ParseAddr(strings.TrimSpace(h.Address)); err == nil {
		if id := ix.byAddr[ip.Unmap().String()]; id > 0 {
			return id, medsec.AttachedAddress
		}
	}
	if name := strings.ToLower(strings.TrimSpace(h.Hostname)); name != "" {
		if id := ix.byName[name]; id > 0 {
			return id, medsec.AttachedHostname
		}
		if short, _, ok := strings.Cut(name, "."); ok {
			if id := ix.byName[short]; id > 0 {
				return id, medsec.AttachedHostname
			}
		}
	}
	if t := strings.ToLower(strings.TrimSpace(h.Target)); t != "" {
		if id := ix.bySBOM[t]; id > 0 {
			return id, medsec.AttachedSBOM
		}
	}
	return 0, ""
}

// scanAudit is what the audit trail keeps of an import at one site: the report with the
// counts of what the import did there — the hosts attached at the site, their results,
// the findings created on its assets — and where those hosts went, not every result. As
// scan.attach audits each host it attaches with the findings it created, each row says
// what it did, not the whole file's counts (issue 11: every site's row held the report's
// totals). The row of a report that attached nothing (site 0) counts the whole file.
type scanAudit struct {
	*medsec.ScanReport
	AttachedTo []int64 `json:"attached_to"`
}

// ImportScan implements medsec.ScanService.
func (s *ScanService) ImportScan(ctx context.Context, imp medsec.ScanImport) (*medsec.ScanReport, error) {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rep, err := tx.importScan(ctx, sc, imp)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return rep, nil
}

// importScan stores a report in tx for the scope: hosts attached, results, findings and
// the audit row.
func (tx *Tx) importScan(ctx context.Context, sc scope, imp medsec.ScanImport) (*medsec.ScanReport, error) {
	var chosen *medsec.Asset
	var err error
	if imp.AssetID != 0 {
		if chosen, err = findAssetByID(ctx, tx, tx.db.dialect, imp.AssetID); err != nil {
			return nil, err
		}
		if !sc.seesAsset(chosen) {
			return nil, assetOutOfScope(chosen.ID, chosen.SiteID)
		}
	}
	if err := imp.ValidateTime(tx.now); err != nil {
		return nil, err
	}
	if dup, err := tx.sameScan(ctx, imp.SHA256); err != nil {
		return nil, err
	} else if dup != nil {
		return nil, tx.duplicateScan(ctx, sc, dup)
	}
	ix, err := tx.loadAttachIndex(ctx, sc)
	if err != nil {
		return nil, err
	}
	rep := &medsec.ScanReport{Format: imp.Format, Scanner: imp.Scanner, FileName: imp.FileName, SHA256: imp.SHA256, ScannedAt: imp.ScannedAt,
		ImportedAt: tx.now, ImportedBy: sc.user.Username, Hosts: len(imp.Hosts)}
	for _, h := range imp.Hosts {
		rep.Results += len(h.Results)
	}
	rep.ID, err = tx.insert(ctx, `INSERT INTO scan_reports (format, scanner, file_name, sha256, scanned_at, imported_at, imported_by, hosts, results, attached)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`, rep.Format, rep.Scanner, rep.FileName, rep.SHA256, nullTime(rep.ScannedAt), rep.ImportedAt, rep.ImportedBy, rep.Hosts, rep.Results)
	if err != nil {
		return nil, fmt.Errorf("store scan report: %w", err)
	}
	var attachedTo []int64
	attachedResults := 0
	siteHosts, siteResults := map[int64]int{}, map[int64]int{}
	assetOf := make([]int64, len(imp.Hosts))
	for i := range imp.Hosts {
		h := &imp.Hosts[i]
		var assetID, siteID int64
		var how string
		if chosen != nil {
			assetID, siteID, how = chosen.ID, chosen.SiteID, medsec.AttachedChosen
		} else if assetID, how = ix.attach(h); assetID != 0 {
			siteID = ix.sites[assetID]
		}
		if assetID != 0 {
			rep.Attached++
			attachedResults += len(h.Results)
			attachedTo = append(attachedTo, assetID)
			siteHosts[siteID]++
			siteResults[siteID] += len(h.Results)
		}
		assetOf[i] = assetID
		hostID, err := tx.insert(ctx, `INSERT INTO scan_hosts (report_id, address, hostname, target, os, asset_id, site_id, matched_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			rep.ID, h.Address, h.Hostname, h.Target, h.OS, nullID(assetID), nullID(siteID), how)
		if err != nil {
			return nil, fmt.Errorf("store scan host %d: %w", i, err)
		}
		for j, r := range h.Results {
			if _, err := tx.exec(ctx, `INSERT INTO scan_results (host_id, asset_id, scanner_id, title, severity, score, vector, port, cves, package, version, fixed_version, purl)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, hostID, nullID(assetID), r.ScannerID, r.Title, r.Severity, r.Score, r.Vector, r.Port,
				strings.Join(r.CVEs, ","), r.Package, r.Version, r.FixedVersion, r.PURL); err != nil {
				return nil, fmt.Errorf("store scan result %d of host %d: %w", j, i, err)
			}
		}
	}
	var siteFindings map[int64]int
	if rep.Findings, siteFindings, err = tx.scanFindings(ctx, rep, imp.Hosts, assetOf); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE scan_reports SET attached = ?, findings = ? WHERE id = ?`, rep.Attached, rep.Findings, rep.ID); err != nil {
		return nil, fmt.Errorf("store scan report: %w", err)
	}
	// One audit row per site the report's hosts were attached at, each naming that site's
	// assets only and counting what the import did there (scanAudit): the trail of a site
	// shows what was scanned there and nothing of the others. A report that attached
	// nothing tells of no site's host and is audited for all (site 0).
	bySite := map[int64][]int64{}
	var sites []int64
	for _, id := range attachedTo {
		site := ix.sites[id]
		if chosen != nil {
			site = chosen.SiteID
		}
		if _, ok := bySite[site]; !ok {
			sites = append(sites, site)
		}
		bySite[site] = append(bySite[site], id)
	}
	if len(sites) == 0 {
		sites = []int64{0}
	}
	for _, site := range sites {
		row := *rep
		if len(attachedTo) > 0 {
			row.Hosts, row.Attached, row.Results, row.Findings = siteHosts[site], siteHosts[site], siteResults[site], siteFindings[site]
		}
		if err := tx.auditChange(ctx, "scan.import", "scan_report", rep.ID, site, nil, scanAudit{&row, bySite[site]}); err != nil {
			return nil, err
		}
	}
	if !sc.seesUnattached() {
		// A branch importer is told what it may see, as FindScanReport tells it: the hosts
		// attached to its assets (the only ones the index holds) and their results; the
		// findings are already theirs. The others are a number (issue 11).
		view := *rep
		view.Hosts, view.Results, view.OutsideScope = rep.Attached, attachedResults, rep.Hosts-rep.Attached
		return &view, nil
	}
	return rep, nil
}

// sameScan returns the stored report whose file has the SHA-256 (hex), or nil: the same
// report imported twice would make a second scan and satisfy the scan cadence twice.
func (tx *Tx) sameScan(ctx context.Context, sha256 string) (*medsec.ScanReport, error) {
	if sha256 == "" {
		return nil, nil
	}
	rows, err := tx.query(ctx, `SELECT `+scanReportColumns+` WHERE sha256 = ? ORDER BY id LIMIT 1`, sha256)
	if err != nil {
		return nil, fmt.Errorf("find scan report by hash: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	return scanScanReport(rows.Scan)
}

// seesScan reports whether the scope sees a host of the stored report.
func (tx *Tx) seesScan(ctx context.Context, sc scope, id int64) (bool, error) {
	cond, args := sc.hostCond()
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM scan_hosts h WHERE h.report_id = ? AND `+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return false, fmt.Errorf("find scan report %d: %w", id, err)
	}
	return n > 0, nil
}

// duplicateScan is the error of a report imported before: ECONFLICT naming the stored
// report (its ID, file and import time), so the caller can open it instead; a caller
// that sees no host of it is told only that a site it does not see imported it (issue
// 11: the number and file name of another site's report are not its to know).
func (tx *Tx) duplicateScan(ctx context.Context, sc scope, r *medsec.ScanReport) error {
	if sees, err := tx.seesScan(ctx, sc, r.ID); err != nil {
		return err
	} else if !sees {
		return medsec.ErrorWithKey(medsec.ECONFLICT, "scan.err.duplicate_elsewhere",
			"this report was imported before, with the same content (SHA-256), by a site you do not see; nothing was imported")
	}
	return medsec.ErrorWithKey(medsec.ECONFLICT, "scan.err.duplicate",
		"this report was imported before, with the same content (SHA-256): scan report %d, file %s, imported %s; nothing was imported",
		r.ID, r.FileName, r.ImportedAt.UTC().Format("2006-01-02 15:04 MST"))
}

const scanReportColumns = `id, format, scanner, file_name, sha256, scanned_at, imported_at, imported_by, hosts, results, attached, findings FROM scan_reports`

func scanScanReport(scan func(...any) error) (*medsec.ScanReport, error) {
	var r medsec.ScanReport
	var scanned sql.NullTime
	if err := scan(&r.ID, &r.Format, &r.Scanner, &r.FileName, &r.SHA256, &scanned, &r.ImportedAt, &r.ImportedBy, &r.Hosts, &r.Results, &r.Attached, &r.Findings); err != nil {
		return nil, err
	}
	if scanned.Valid {
		r.ScannedAt = scanned.Time.UTC()
	}
	r.ImportedAt = r.ImportedAt.UTC()
	return &r, nil
}

// FindScanReports implements medsec.ScanService: the reports with a host the caller sees.
func (s *ScanService) FindScanReports(ctx context.Context) ([]*medsec.ScanReport, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	cond, args := sc.hostCond()
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+scanReportColumns+`
		WHERE id IN (SELECT h.report_id FROM scan_hosts h WHERE `+cond+`) ORDER BY imported_at DESC, id DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("find scan reports: %w", err)
	}
	defer rows.Close()
	out := []*medsec.ScanReport{}
	for rows.Next() {
		r, err := scanScanReport(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find scan reports: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find scan reports: %w", err)
	}
	if err := s.scopeCounts(ctx, sc, out); err != nil {
		return nil, err
	}
	return out, nil
}

// scopeCounts replaces the counts of the reports by what the scope sees of them, for a
// caller limited to sites or a vendor: the stored counts are of the whole report, every
// site's hosts included, and would tell a branch user how many hosts, results and findings
// another site's scan found (issue 11). Hosts and Attached count the hosts it sees (all
// attached), Results their results, Findings the scanner findings the report created on
// their assets (those whose first advisory is the report's stand-in, scanAdvisoryRef: a
// finding is created with it alone, and later reports and advisories go after it). A
// caller that sees every host keeps the stored counts.
func (s *ScanService) scopeCounts(ctx context.Context, sc scope, reps []*medsec.ScanReport) error {
	if sc.seesUnattached() || len(reps) == 0 {
		return nil
	}
	byID := map[int64]*medsec.ScanReport{}
	for _, r := range reps {
		r.Hosts, r.Attached, r.Results, r.Findings = 0, 0, 0, 0
		byID[r.ID] = r
	}
	cond, args := sc.hostCond()
	ref := `'` + scanAdvisoryPrefix + `' || CAST(h.report_id AS TEXT)`
	counts := []struct {
		query string
		set   func(r *medsec.ScanReport, n int)
	}{
		{`SELECT h.report_id, COUNT(*) FROM scan_hosts h WHERE ` + cond + ` GROUP BY h.report_id`,
			func(r *medsec.ScanReport, n int) { r.Hosts, r.Attached = n, n }},
		{`SELECT h.report_id, COUNT(*) FROM scan_results r JOIN scan_hosts h ON h.id = r.host_id WHERE ` + cond + ` GROUP BY h.report_id`,
			func(r *medsec.ScanReport, n int) { r.Results = n }},
		{`SELECT h.report_id, COUNT(DISTINCT f.id) FROM vuln_findings f JOIN scan_hosts h ON h.asset_id = f.asset_id
			WHERE ` + cond + ` AND f.source = '` + findingFromScanner + `' AND f.component_id = 0
			AND (f.advisories = ` + ref + ` OR f.advisories LIKE ` + ref + ` || ',%') GROUP BY h.report_id`,
			func(r *medsec.ScanReport, n int) { r.Findings = n }},
	}
	for _, c := range counts {
		if err := s.readCounts(ctx, c.query, args, byID, c.set); err != nil {
			return err
		}
	}
	return nil
}

// readCounts runs a query of (report ID, count) rows and sets each listed report's count.
func (s *ScanService) readCounts(ctx context.Context, query string, args []any, byID map[int64]*medsec.ScanReport, set func(*medsec.ScanReport, int)) error {
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(query), args...)
	if err != nil {
		return fmt.Errorf("count scan reports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return fmt.Errorf("count scan reports: %w", err)
		}
		if r := byID[id]; r != nil {
			set(r, n)
		}
	}
	return rows.Err()
}

// FindScanReport implements medsec.ScanService.
func (s *ScanService) FindScanReport(ctx context.Context, id int64) (*medsec.ScanReport, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	r, err := scanScanReport(s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+scanReportColumns+` WHERE id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.scan_report_not_found", "Scan report not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find scan report %d: %w", id, err)
	}
	cond, args := sc.hostCond()
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT h.id, h.address, h.hostname, h.target, h.os, COALESCE(h.asset_id, 0), COALESCE(a.name, ''), h.matched_by
		FROM scan_hosts h LEFT JOIN assets a ON a.id = h.asset_id WHERE h.report_id = ? AND `+cond+` ORDER BY h.id`), append([]any{id}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("find scan report %d: %w", id, err)
	}
	defer rows.Close()
	byID := map[int64]*medsec.ScanHost{}
	for rows.Next() {
		h := &medsec.ScanHost{ReportID: id, Results: []medsec.ScanResult{}}
		if err := rows.Scan(&h.ID, &h.Address, &h.Hostname, &h.Target, &h.OS, &h.AssetID, &h.AssetName, &h.MatchedBy); err != nil {
			return nil, fmt.Errorf("find scan report %d: %w", id, err)
		}
		r.HostList = append(r.HostList, h)
		byID[h.ID] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find scan report %d: %w", id, err)
	}
	if len(r.HostList) == 0 {
		return nil, medsec.NotInScope("Scan report not found.", "err.scan_report_not_found", fmt.Sprintf("scan report %d", id), 0)
	}
	results, err := s.results(ctx, `h.report_id = ?`, id)
	if err != nil {
		return nil, err
	}
	for _, res := range results {
		if h := byID[res.HostID]; h != nil {
			h.Results = append(h.Results, res)
		}
	}
	if err := s.scopeCounts(ctx, sc, []*medsec.ScanReport{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// results reads the scan results whose host meets cond, newest report first.
func (s *ScanService) results(ctx context.Context, cond string, args ...any) ([]medsec.ScanResult, error) {
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT r.id, r.host_id, COALESCE(r.asset_id, 0), r.scanner_id, r.title, r.severity, r.score, r.vector,
		r.port, r.cves, r.package, r.version, r.fixed_version, r.purl, p.id, p.scanner, p.scanned_at
		FROM scan_results r JOIN scan_hosts h ON h.id = r.host_id JOIN scan_reports p ON p.id = h.report_id
		WHERE `+cond+` ORDER BY p.imported_at DESC, p.id DESC, r.score DESC, r.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("find scan results: %w", err)
	}
	defer rows.Close()
	out := []medsec.ScanResult{}
	for rows.Next() {
		var r medsec.ScanResult
		var ids string
		var scanned sql.NullTime
		if err := rows.Scan(&r.ID, &r.HostID, &r.AssetID, &r.ScannerID, &r.Title, &r.Severity, &r.Score, &r.Vector, &r.Port, &ids,
			&r.Package, &r.Version, &r.FixedVersion, &r.PURL, &r.ReportID, &r.Scanner, &scanned); err != nil {
			return nil, fmt.Errorf("find scan results: %w", err)
		}
		r.CVEs = splitList(ids)
		if scanned.Valid {
			r.ScannedAt = scanned.Time.UTC()
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindAssetScanResults implements medsec.ScanService.
func (s *ScanService) FindAssetScanResults(ctx context.Context, assetID int64) ([]medsec.ScanResult, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	a, err := findAssetByID(ctx, s.db.read, s.db.dialect, assetID)
	if err != nil {
		return nil, err
	}
	if !sc.seesAsset(a) {
		return nil, assetOutOfScope(a.ID, a.SiteID)
	}
	return s.results(ctx, `r.asset_id = ?`, assetID)
}

package sqlstore

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"medsec"
)

// storedHost is a host of a stored scanner report that no asset was attached to.
type storedHost struct {
	host       medsec.ScanHost
	importedBy string
}

// attachStoredScans attaches to the given assets (new, or given another address, name or
// SBOM) the hosts of stored scanner reports that were attached to no asset, because the
// device was not yet in the inventory when the report was imported (issue 11 finding 7):
// a host attaches to an asset by the rule of the import (address, else host name, else
// SBOM; a key several assets share attaches nothing), among the assets the report's
// importer may see, so that a branch's report never lands on another site's device of the
// same private address. The host's results then belong to the asset and their CVEs become
// its findings, as at the import (scanFindings); the report's counts follow and each host
// attached is audited (scan.attach). A report whose importer no longer exists attaches
// nothing: its scope is unknown (the system user's, of the command line and the demo,
// is every site). Returns how many hosts were attached.
func (tx *Tx) attachStoredScans(ctx context.Context, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM scan_hosts WHERE asset_id IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("attach stored scans: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	changed := map[int64]bool{}
	for _, id := range ids {
		changed[id] = true
	}
	// The keys of the changed assets, to read only the hosts that may be theirs.
	keys := map[string]bool{}
	for _, chunk := range idChunks(sortedIDs(changed), 500) {
		rows, err := tx.query(ctx, `SELECT name, ips FROM assets WHERE status = 'active' AND id IN (`+placeholders(len(chunk))+`)`, idArgs(chunk)...)
		if err != nil {
			return 0, fmt.Errorf("attach stored scans: %w", err)
		}
		for rows.Next() {
			var name, ips string
			if err := rows.Scan(&name, &ips); err != nil {
				rows.Close()
				return 0, fmt.Errorf("attach stored scans: %w", err)
			}
			keys["n|"+strings.ToLower(strings.TrimSpace(name))] = true
			for _, s := range splitList(ips) {
				if ip, err := netip.ParseAddr(s); err == nil {
					keys["a|"+ip.Unmap().String()] = true
				}
			}
		}
		rows.Close()
		rows, err = tx.query(ctx, `SELECT subject, file_name FROM sboms WHERE asset_id IN (`+placeholders(len(chunk))+`)`, idArgs(chunk)...)
		if err != nil {
			return 0, fmt.Errorf("attach stored scans: %w", err)
		}
		for rows.Next() {
			var subject, file string
			if err := rows.Scan(&subject, &file); err != nil {
				rows.Close()
				return 0, fmt.Errorf("attach stored scans: %w", err)
			}
			keys["t|"+strings.ToLower(subject)], keys["t|"+strings.ToLower(file)] = true, true
		}
		rows.Close()
	}
	mayBe := func(h *medsec.ScanHost) bool {
		if ip, err := netip.ParseAddr(strings.TrimSpace(h.Address)); err == nil && keys["a|"+ip.Unmap().String()] {
			return true
		}
		if name := strings.ToLower(strings.TrimSpace(h.Hostname)); name != "" {
			short, _, _ := strings.Cut(name, ".")
			if keys["n|"+name] || keys["n|"+short] {
				return true
			}
		}
		t := strings.ToLower(strings.TrimSpace(h.Target))
		return t != "" && keys["t|"+t]
	}
	rows, err := tx.query(ctx, `SELECT h.id, h.report_id, h.address, h.hostname, h.target, h.os, p.imported_by
		FROM scan_hosts h JOIN scan_reports p ON p.id = h.report_id WHERE h.asset_id IS NULL ORDER BY h.id`)
	if err != nil {
		return 0, fmt.Errorf("attach stored scans: %w", err)
	}
	var candidates []storedHost
	for rows.Next() {
		var c storedHost
		if err := rows.Scan(&c.host.ID, &c.host.ReportID, &c.host.Address, &c.host.Hostname, &c.host.Target, &c.host.OS, &c.importedBy); err != nil {
			rows.Close()
			return 0, fmt.Errorf("attach stored scans: %w", err)
		}
		if mayBe(&c.host) {
			candidates = append(candidates, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("attach stored scans: %w", err)
	}
	indexes := map[string]*attachIndex{}
	attached := 0
	for _, c := range candidates {
		ix, ok := indexes[c.importedBy]
		if !ok {
			u, err := findUser(ctx, tx, tx.db.dialect, "username = ?", c.importedBy)
			if medsec.ErrorCode(err) == medsec.ENOTFOUND && c.importedBy == medsec.SystemUser.Username {
				// The command line and the demo import as the system user, who sees every site.
				u, err = medsec.SystemUser, nil
			}
			if medsec.ErrorCode(err) == medsec.ENOTFOUND {
				indexes[c.importedBy] = nil
				continue
			} else if err != nil {
				return 0, fmt.Errorf("attach stored scans: importer %s: %w", c.importedBy, err)
			}
			if ix, err = tx.loadAttachIndex(ctx, scope{user: u}); err != nil {
				return 0, err
			}
			indexes[c.importedBy] = ix
		}
		if ix == nil {
			continue
		}
		assetID, how := ix.attach(&c.host)
		if assetID == 0 || !changed[assetID] {
			continue
		}
		if err := tx.attachStoredHost(ctx, &c.host, assetID, ix.sites[assetID], how); err != nil {
			return 0, err
		}
		attached++
	}
	return attached, nil
}

// attachStoredHost attaches one stored host to the asset: the host and its results, the
// findings of its CVEs, the report's counts and the audit row.
func (tx *Tx) attachStoredHost(ctx context.Context, h *medsec.ScanHost, assetID, siteID int64, how string) error {
	rep, err := scanScanReport(tx.queryRow(ctx, `SELECT `+scanReportColumns+` WHERE id = ?`, h.ReportID).Scan)
	if err != nil {
		return fmt.Errorf("attach stored scans: report %d: %w", h.ReportID, err)
	}
	if _, err := tx.exec(ctx, `UPDATE scan_hosts SET asset_id = ?, site_id = ?, matched_by = ? WHERE id = ? AND asset_id IS NULL`, assetID, siteID, how, h.ID); err != nil {
		return fmt.Errorf("attach stored scans: host %d: %w", h.ID, err)
	}
	if _, err := tx.exec(ctx, `UPDATE scan_results SET asset_id = ? WHERE host_id = ?`, assetID, h.ID); err != nil {
		return fmt.Errorf("attach stored scans: results of host %d: %w", h.ID, err)
	}
	rows, err := tx.query(ctx, `SELECT id, scanner_id, title, severity, score, vector, port, cves, package, version, fixed_version, purl
		FROM scan_results WHERE host_id = ? ORDER BY id`, h.ID)
	if err != nil {
		return fmt.Errorf("attach stored scans: results of host %d: %w", h.ID, err)
	}
	for rows.Next() {
		r := medsec.ScanResult{HostID: h.ID, AssetID: assetID}
		var cves string
		if err := rows.Scan(&r.ID, &r.ScannerID, &r.Title, &r.Severity, &r.Score, &r.Vector, &r.Port, &cves, &r.Package, &r.Version, &r.FixedVersion, &r.PURL); err != nil {
			rows.Close()
			return fmt.Errorf("attach stored scans: results of host %d: %w", h.ID, err)
		}
		r.CVEs = splitList(cves)
		h.Results = append(h.Results, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("attach stored scans: results of host %d: %w", h.ID, err)
	}
	created, _, err := tx.scanFindings(ctx, rep, []medsec.ScanHost{*h}, []int64{assetID})
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE scan_reports SET attached = attached + 1, findings = findings + ? WHERE id = ?`, created, rep.ID); err != nil {
		return fmt.Errorf("attach stored scans: report %d: %w", rep.ID, err)
	}
	h.AssetID, h.MatchedBy = assetID, how
	return tx.auditChange(ctx, "scan.attach", "scan_report", rep.ID, siteID, nil, map[string]any{
		"host_id": h.ID, "address": h.Address, "hostname": h.Hostname, "target": h.Target, "asset_id": assetID, "matched_by": how, "findings": created})
}

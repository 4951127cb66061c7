package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/vuln"
)

// Finding sources (vuln_findings.source).
const (
	findingFromAdvisory = "advisory"
	findingFromScanner  = "scanner"
)

// Where a finding's CVSS score came from (vuln_findings.score_source, medsec.Finding.ScoreSource).
const (
	scoreFromAdvisory = medsec.ScoreFromAdvisory
	scoreFromScanner  = medsec.ScoreFromScanner
	scoreFromNone     = medsec.ScoreFromNone
)

// scanAdvisoryPrefix begins the ref of the advisory row that stands for a scan report.
const scanAdvisoryPrefix = "SCAN-"

// scanAdvisoryRef is the advisory row that stands for a scan report in the findings.
func scanAdvisoryRef(reportID int64) string { return fmt.Sprintf("%s%d", scanAdvisoryPrefix, reportID) }

// scanFindings turns the CVEs of the attached hosts' results into findings of their
// assets, through the findings store: a new (asset, CVE) becomes a finding with source
// "scanner", the deadline the site's policy gives the scanner's CVSS score (7.0 when it
// gives none, as for an unscored advisory) and the report as its advisory; an existing one
// (from an advisory or an earlier scan) gains the report among its advisories and its
// analysis stays. A new finding takes the CVE's published score when the store knows one,
// else the scanner's check's (score_source says which); the check's score never goes into
// the CVE row every site shares. Returns how many findings were created, in all and by
// the site of their asset (for the audit row of each site).
func (tx *Tx) scanFindings(ctx context.Context, rep *medsec.ScanReport, hosts []medsec.ScanHost, assetOf []int64) (int, map[int64]int, error) {
	type hit struct {
		asset int64
		cve   string
	}
	best := map[hit]medsec.ScanResult{}
	var order []hit
	for i, h := range hosts {
		if assetOf[i] == 0 {
			continue
		}
		for _, r := range h.Results {
			for _, c := range r.CVEs {
				k := hit{assetOf[i], c}
				have, ok := best[k]
				if !ok {
					order = append(order, k)
				}
				if !ok || r.Score > have.Score {
					best[k] = r
				}
			}
		}
	}
	if len(order) == 0 {
		return 0, nil, nil
	}
	ref := scanAdvisoryRef(rep.ID)
	advID, err := tx.scanAdvisory(ctx, rep)
	if err != nil {
		return 0, nil, err
	}
	policies, err := readPolicies(ctx, tx, tx.db.dialect)
	if err != nil {
		return 0, nil, err
	}
	// The scan found the CVEs when it ran, not when its report was imported (bt11g M5):
	// first seen and the deadline's clock start at the report's scan time (a Nessus
	// host's HOST_START/HOST_END, OpenVAS's scan_start, Trivy's CreatedAt), the import
	// time only when the report does not say. A time a little ahead (ScanClockSkew) counts
	// as now.
	found := tx.now
	if !rep.ScannedAt.IsZero() && rep.ScannedAt.Before(found) {
		found = rep.ScannedAt.UTC()
	}
	assets := map[int64]*medsec.Asset{}
	created, bySite := 0, map[int64]int{}
	for _, k := range order {
		r := best[k]
		a := assets[k.asset]
		if a == nil {
			if a, err = findAssetByID(ctx, tx, tx.db.dialect, k.asset); err != nil {
				return 0, nil, err
			}
			assets[k.asset] = a
		}
		// The CVE row is every site's: the scanner's check scores this finding only, so the
		// row is stored unscored when absent and an existing one is left as it is.
		if _, err := tx.exec(ctx, `INSERT INTO vuln_vulnerabilities (cve, updated_at) VALUES (?, ?) ON CONFLICT (cve) DO NOTHING`,
			k.cve, tx.now); err != nil {
			return 0, nil, fmt.Errorf("scan findings: %s: %w", k.cve, err)
		}
		var score float64
		var scoreKnown, kev int
		if err := tx.queryRow(ctx, `SELECT base_score, score_known, kev FROM vuln_vulnerabilities WHERE cve = ?`, k.cve).Scan(&score, &scoreKnown, &kev); err != nil {
			return 0, nil, fmt.Errorf("scan findings: %s: %w", k.cve, err)
		}
		exp := vuln.Exposure{Score: score, KEV: kev == 1, Terminal: terminal(a.Class)}
		source, vector := scoreFromAdvisory, ""
		if scoreKnown == 0 {
			// The CVE's published score is not known: the check's, else 7.0 as for an
			// unscored advisory.
			exp.Score, source = 7.0, scoreFromNone
			if c, err := vuln.ParseCVSS(r.Vector); err == nil {
				exp.Score, source, vector = c.Base, scoreFromScanner, r.Vector
			}
		}
		var id int64
		var refs string
		var firstSeen, due time.Time
		err := tx.queryRow(ctx, `SELECT id, advisories, found_at, due_at FROM vuln_findings WHERE asset_id = ? AND component_id = 0 AND cve = ?`, k.asset, k.cve).Scan(&id, &refs, &firstSeen, &due)
		if err == nil {
			list := splitList(refs)
			if !slices.Contains(list, ref) {
				list = append(list, ref)
				if _, err := tx.exec(ctx, `UPDATE vuln_findings SET advisories = ? WHERE id = ?`, strings.Join(list, ","), id); err != nil {
					return 0, nil, fmt.Errorf("scan findings: finding %d: %w", id, err)
				}
			}
			if found.Before(firstSeen) {
				// The scan saw it before the finding was recorded: first seen moves back,
				// and the deadline with it (its window is unchanged).
				if err := tx.findingSeenEarlier(ctx, id, a.SiteID, firstSeen.UTC(), due.UTC(), found, ref); err != nil {
					return 0, nil, err
				}
			}
			continue
		}
		dl, err := vuln.ComputeDeadline(policies[a.SiteID], exp, found)
		if err != nil {
			return 0, nil, fmt.Errorf("scan findings: deadline of %s on asset %d: %w", k.cve, a.ID, err)
		}
		w := scanWhy(rep.Scanner, r)
		why, err := json.Marshal(w)
		if err != nil {
			return 0, nil, fmt.Errorf("scan findings: why of %s on asset %d: %w", k.cve, a.ID, err)
		}
		ident, rule, test := whyEnglish(&w)
		id, err = tx.insert(ctx, `INSERT INTO vuln_findings (asset_id, component_id, site_id, cve, advisory_id, advisories, advisory_status, product_id,
			identifier, rule, version_test, why_json, confidence, score, state, found_at, due_at, deadline_rule, matched_at, source, title, score_source, score_vector)
			VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.SiteID, k.cve, advID, ref, "known_affected", "", ident, rule,
			test, string(why), string(vuln.ConfidenceHigh), exp.Score, string(medsec.FindingNew), found, dl.Due, string(dl.Rule), tx.now, findingFromScanner, shortText(r.Title, 500), source, vector)
		if err != nil {
			return 0, nil, fmt.Errorf("scan findings: store %s on asset %d: %w", k.cve, a.ID, err)
		}
		if err := tx.auditChange(ctx, "vuln.finding.create", "vuln_finding", id, a.SiteID, nil, map[string]any{
			"asset_id": a.ID, "cve": k.cve, "advisories": []string{ref}, "why": "reported by " + rep.Scanner + " (" + r.ScannerID + ")", "found": found, "due": dl.Due}); err != nil {
			return 0, nil, err
		}
		created++
		bySite[a.SiteID]++
	}
	return created, bySite, nil
}

// findingSeenEarlier moves a finding's first-seen time back to when a scan saw it, and its
// deadline by as much, with a vuln.finding.deadline audit row naming the report.
func (tx *Tx) findingSeenEarlier(ctx context.Context, id, siteID int64, firstSeen, due, seen time.Time, ref string) error {
	newDue := due.Add(seen.Sub(firstSeen))
	if _, err := tx.exec(ctx, `UPDATE vuln_findings SET found_at = ?, due_at = ? WHERE id = ?`, seen, newDue, id); err != nil {
		return fmt.Errorf("scan findings: finding %d: %w", id, err)
	}
	return tx.auditChange(ctx, "vuln.finding.deadline", "vuln_finding", id, siteID,
		map[string]any{"found": firstSeen, "due": due}, map[string]any{"found": seen, "due": newDue, "why": "seen earlier by scan " + ref})
}

// scanAdvisory returns the ID of the advisory row that stands for the report in the
// findings (scanAdvisoryRef), storing it the first time: at the import, or when a host of
// the report is attached to an asset inventoried later.
func (tx *Tx) scanAdvisory(ctx context.Context, rep *medsec.ScanReport) (int64, error) {
	ref := scanAdvisoryRef(rep.ID)
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM vuln_advisories WHERE ref = ?`, ref).Scan(&id)
	if err == nil {
		return id, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("scan findings: %w", err)
	}
	doc, err := json.Marshal(vuln.Advisory{ID: ref, Source: vuln.Source(findingFromScanner), Title: rep.Scanner + ": " + rep.FileName,
		Publisher: rep.Scanner, Published: rep.ScannedAt, Vulnerabilities: []vuln.Vulnerability{}})
	if err != nil {
		return 0, fmt.Errorf("scan findings: %w", err)
	}
	id, err = tx.insert(ctx, `INSERT INTO vuln_advisories (ref, source, title, publisher, published, file, doc_json, imported_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ref, findingFromScanner, rep.Scanner+": "+rep.FileName, rep.Scanner, nullTime(rep.ScannedAt), rep.FileName, string(doc), tx.now)
	if err != nil {
		return 0, fmt.Errorf("scan findings: %w", err)
	}
	return id, nil
}

// scanWhy is why a scanner's result made a finding, as data: the scanner's check and
// where it saw it (port, or package and version), the report's scanner, and the fixed
// version as the version test.
func scanWhy(scanner string, r medsec.ScanResult) medsec.MatchWhy {
	where := r.Port
	if r.Package != "" {
		where = strings.TrimSpace(r.Package + " " + r.Version)
	}
	w := medsec.MatchWhy{Identifiers: []medsec.WhyPart{{Kind: "scanner", Params: map[string]string{"scanner_id": r.ScannerID, "where": where}}},
		Rule: medsec.WhyPart{Kind: "scanner_report", Params: map[string]string{"scanner": scanner}}, VersionTests: []medsec.WhyPart{}}
	if r.FixedVersion != "" {
		w.VersionTests = append(w.VersionTests, medsec.WhyPart{Kind: "fixed_in", Params: map[string]string{"version": r.Version, "fixed": r.FixedVersion}})
	}
	return w
}

// scoreCheck names the scanner's check of a scanner's finding from its why (scanWhy):
// "<scanner> <check ID>", or what of it is known.
func scoreCheck(w *medsec.MatchWhy) string {
	if w == nil {
		return ""
	}
	var id, scanner string
	for _, p := range w.Identifiers {
		if p.Kind == "scanner" {
			// A finding that advisories match too keeps the scanner's name on its check
			// (keepScannerOrigin): the rule is then the advisory's.
			id, scanner = p.Params["scanner_id"], p.Params["scanner"]
			break
		}
	}
	if scanner == "" {
		scanner = w.Rule.Params["scanner"]
	}
	return strings.TrimSpace(scanner + " " + id)
}

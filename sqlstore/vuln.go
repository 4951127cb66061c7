package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/vuln"
)

// VulnService implements medsec.VulnService: advisories and their vulnerabilities as
// imported, matching against the inventory, findings and their workflow.
type VulnService struct{ db *DB }

var _ medsec.VulnService = (*VulnService)(nil)

// NewVulnService returns the vulnerability service of db.
func NewVulnService(db *DB) *VulnService { return &VulnService{db: db} }

// At returns the service of the same store whose transactions take their time from t
// instead of the store's clock: for loading a history as it happened (the demo's findings
// found and fixed over the past year). The store's own clock is left as it is.
func (s *VulnService) At(t time.Time) *VulnService {
	db := *s.db
	db.Now = func() time.Time { return t }
	return &VulnService{db: &db}
}

// VulnImport is one import of feeds (vuln.Batch).
type VulnImport = vuln.Batch

// vulnPolicyKey is the settings row holding the sites' deadline policies as JSON: site ID
// (as text) to vuln.Policy; a site without one has the plan's defaults.
const vulnPolicyKey = "vuln_deadline_policy"

// Import stores the advisories, KEV entries and EPSS scores and matches every advisory
// against every asset, in one transaction: a failure leaves nothing half-imported.
// Existing findings keep their analysis; their match, scores and deadline are updated; a
// finding no longer matched is marked gone. EPSS scores are kept for the CVEs medsec knows
// (those of stored advisories, KEV, or this import). Needs PermInventoryWrite; advisories,
// KEV and EPSS are shared by every site (like the vendor alias table and model MDS2
// profiles), so an import carrying any of them needs a user limited to no site and no
// vendor (others get EFORBIDDEN, nothing stored): a branch user's advisory would otherwise
// replace the stored one and close other sites' findings. Scan reports stay site-scoped.
func (s *VulnService) Import(ctx context.Context, in VulnImport) (medsec.ImportSummary, error) {
	sum := medsec.ImportSummary{Files: in.Files}
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return sum, err
	}
	if len(in.Advisories) > 0 || in.KEV != nil || in.EPSS != nil {
		if err := sc.writesShared(); err != nil {
			return sum, medsec.ErrorWithKey(medsec.EFORBIDDEN, "vuln.err.feed_shared",
				"Advisories, KEV and EPSS apply at every site: only a user limited to no site and no vendor may import them.")
		}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return sum, err
	}
	defer tx.Rollback()
	for _, a := range in.Advisories {
		for _, w := range a.Warnings {
			sum.Warnings = append(sum.Warnings, w.Error())
		}
		if w, err := tx.olderRevision(ctx, a); err != nil {
			return sum, err
		} else if w != "" {
			sum.Warnings = append(sum.Warnings, w)
			continue
		}
		if err := tx.upsertAdvisory(ctx, a, strings.Join(in.Files, ", ")); err != nil {
			return sum, err
		}
		sum.Advisories++
		for _, v := range a.Vulnerabilities {
			if err := tx.upsertVulnerability(ctx, a, v); err != nil {
				return sum, err
			}
			sum.Vulnerabilities++
		}
		if err := tx.adoptPublishedScores(ctx, a.Vulnerabilities); err != nil {
			return sum, err
		}
	}
	if in.KEV != nil {
		for _, e := range in.KEV.Entries {
			if _, err := tx.exec(ctx, `INSERT INTO vuln_vulnerabilities (cve, title, kev, kev_due, updated_at) VALUES (?, ?, 1, ?, ?)
				ON CONFLICT (cve) DO UPDATE SET kev = 1, kev_due = excluded.kev_due, updated_at = excluded.updated_at`,
				e.CVE, e.Name, e.DueDate.Format("2006-01-02"), tx.now); err != nil {
				return sum, fmt.Errorf("import KEV %s: %w", e.CVE, err)
			}
			sum.KEV++
		}
	}
	if in.EPSS != nil {
		n, err := tx.applyEPSS(ctx, in.EPSS)
		if err != nil {
			return sum, err
		}
		sum.EPSS = n
	}
	// Only the devices the import can change are matched again: those sharing an index
	// key with an imported advisory, and those with a finding of its CVEs or of a KEV
	// entry (whose deadline may move). EPSS changes no match or deadline. They are queued
	// here, in the import's transaction, and matched after it in committed batches
	// (drainMatchQueue): the import holds the write lock only to store.
	only, err := tx.importTouches(ctx, in)
	if err != nil {
		return sum, err
	}
	if err := tx.enqueueMatch(ctx, only); err != nil {
		return sum, err
	}
	for _, imp := range in.Scans {
		// A report imported before is skipped and said so: re-running an import of a
		// directory must not make second scans of the same report.
		if dup, err := tx.sameScan(ctx, imp.SHA256); err != nil {
			return sum, err
		} else if dup != nil {
			if sees, err := tx.seesScan(ctx, sc, dup.ID); err != nil {
				return sum, err
			} else if sees {
				sum.Warnings = append(sum.Warnings, fmt.Sprintf("%s: skipped: the same report (SHA-256) was imported before as scan report %d (%s)", imp.FileName, dup.ID, dup.FileName))
			} else {
				sum.Warnings = append(sum.Warnings, fmt.Sprintf("%s: skipped: the same report (SHA-256) was imported before by a site you do not see", imp.FileName))
			}
			sum.ScanReportsSkipped++
			continue
		}
		rep, err := tx.importScan(ctx, sc, imp)
		if err != nil {
			return sum, err
		}
		sum.ScanReports++
		sum.NewFindings += rep.Findings
	}
	if err := tx.auditChange(ctx, "vuln.import", "vuln_import", 0, 0, nil, map[string]any{"summary": sum, "devices_queued": len(only)}); err != nil {
		return sum, err
	}
	if err := tx.Commit(); err != nil {
		return sum, err
	}
	return sum, s.drainMatchQueue(ctx, &sum)
}

// Rematch matches the stored advisories against every device again (and the devices an
// earlier import or alias edit left queued), in committed batches (drainMatchQueue), so
// that other writers get in between; audited as vuln.import with the counts. Needs
// PermInventoryWrite.
func (s *VulnService) Rematch(ctx context.Context) (medsec.ImportSummary, error) {
	var sum medsec.ImportSummary
	if _, err := authorize(ctx, medsec.PermInventoryWrite); err != nil {
		return sum, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return sum, err
	}
	defer tx.Rollback()
	if err := tx.enqueueAllMatch(ctx); err != nil {
		return sum, err
	}
	if err := tx.Commit(); err != nil {
		return sum, err
	}
	if err := s.drainMatchQueue(ctx, &sum); err != nil {
		return sum, err
	}
	tx, err = s.db.begin(ctx)
	if err != nil {
		return sum, err
	}
	defer tx.Rollback()
	if err := tx.auditChange(ctx, "vuln.import", "vuln_import", 0, 0, nil, sum); err != nil {
		return sum, err
	}
	return sum, tx.Commit()
}

// importTouches returns the IDs of the active assets an import may change the findings
// of: those (or a component of theirs) sharing an index key with an imported advisory
// (vuln.IndexKeys, vuln.TargetIndexKeys), and those with a finding that an imported
// advisory names or whose CVE the import scores or lists in KEV.
func (tx *Tx) importTouches(ctx context.Context, in VulnImport) (map[int64]bool, error) {
	only := map[int64]bool{}
	if len(in.Advisories) == 0 && in.KEV == nil {
		return only, nil
	}
	keys, refs, cves := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, a := range in.Advisories {
		refs[a.ID] = true
		for _, k := range vuln.IndexKeys(a) {
			keys[k] = true
		}
		for _, c := range a.CVEs() {
			cves[c] = true
		}
	}
	if in.KEV != nil {
		for _, e := range in.KEV.Entries {
			cves[e.CVE] = true
		}
	}
	if err := tx.findingsOf(ctx, cves, refs, only); err != nil {
		return nil, err
	}
	return only, tx.targetsSharing(ctx, keys, "", only)
}

func (tx *Tx) upsertAdvisory(ctx context.Context, a *vuln.Advisory, file string) error {
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store advisory %s: %w", a.ID, err)
	}
	var id int64
	err = tx.queryRow(ctx, `SELECT id FROM vuln_advisories WHERE ref = ?`, a.ID).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id, err = tx.insert(ctx, `INSERT INTO vuln_advisories (ref, source, title, publisher, published, updated, file, doc_json, imported_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, string(a.Source), a.Title, a.Publisher, nullTime(a.Published), nullTime(a.Updated), file, string(doc), tx.now)
		if err != nil {
			return fmt.Errorf("store advisory %s: %w", a.ID, err)
		}
		if err := tx.storeAdvisoryKeys(ctx, id, a); err != nil {
			return err
		}
		return tx.auditChange(ctx, "vuln.advisory.create", "vuln_advisory", id, 0, nil, map[string]any{"ref": a.ID, "title": a.Title, "cves": a.CVEs(), "file": file})
	case err != nil:
		return fmt.Errorf("store advisory %s: %w", a.ID, err)
	}
	if _, err := tx.exec(ctx, `UPDATE vuln_advisories SET source = ?, title = ?, publisher = ?, published = ?, updated = ?, file = ?, doc_json = ?, imported_at = ? WHERE id = ?`,
		string(a.Source), a.Title, a.Publisher, nullTime(a.Published), nullTime(a.Updated), file, string(doc), tx.now, id); err != nil {
		return fmt.Errorf("store advisory %s: %w", a.ID, err)
	}
	if err := tx.storeAdvisoryKeys(ctx, id, a); err != nil {
		return err
	}
	return tx.auditChange(ctx, "vuln.advisory.update", "vuln_advisory", id, 0, nil, map[string]any{"ref": a.ID, "title": a.Title, "cves": a.CVEs(), "file": file})
}

// storeAdvisoryKeys replaces the index keys of the stored advisory id (vuln.IndexKeys).
func (tx *Tx) storeAdvisoryKeys(ctx context.Context, id int64, a *vuln.Advisory) error {
	if _, err := tx.exec(ctx, `DELETE FROM vuln_advisory_keys WHERE advisory_id = ?`, id); err != nil {
		return fmt.Errorf("index advisory %s: %w", a.ID, err)
	}
	keys := vuln.IndexKeys(a)
	for len(keys) > 0 {
		n := min(len(keys), 200)
		q := `INSERT INTO vuln_advisory_keys (key, advisory_id) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ")
		args := make([]any, 0, 2*n)
		for _, k := range keys[:n] {
			args = append(args, k, id)
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("index advisory %s: %w", a.ID, err)
		}
		keys = keys[n:]
	}
	if _, err := tx.exec(ctx, `UPDATE vuln_advisories SET keys_version = ? WHERE id = ?`, vuln.IndexKeysVersion, id); err != nil {
		return fmt.Errorf("index advisory %s: %w", a.ID, err)
	}
	return nil
}

// fillAdvisoryKeys indexes the stored advisories whose keys are missing or of an older
// vuln.IndexKeys (stored before migration 0072): each is decoded once, here.
func (tx *Tx) fillAdvisoryKeys(ctx context.Context) error {
	rows, err := tx.query(ctx, `SELECT id, doc_json FROM vuln_advisories WHERE keys_version <> ?`, vuln.IndexKeysVersion)
	if err != nil {
		return fmt.Errorf("index advisories: %w", err)
	}
	type stale struct {
		id  int64
		adv *vuln.Advisory
	}
	var todo []stale
	for rows.Next() {
		var st stale
		var doc string
		if err := rows.Scan(&st.id, &doc); err != nil {
			rows.Close()
			return fmt.Errorf("index advisories: %w", err)
		}
		st.adv = &vuln.Advisory{}
		if err := json.Unmarshal([]byte(doc), st.adv); err != nil {
			rows.Close()
			return fmt.Errorf("index advisories: advisory %d: %w", st.id, err)
		}
		todo = append(todo, st)
	}
	rows.Close()
	for _, st := range todo {
		if err := tx.storeAdvisoryKeys(ctx, st.id, st.adv); err != nil {
			return err
		}
	}
	return nil
}

// loadAdvisories decodes the stored advisories, every one when ids is nil, else those
// whose IDs it holds, in ID order; with the map of their references to IDs.
func (tx *Tx) loadAdvisories(ctx context.Context, ids map[int64]bool) ([]*vuln.Advisory, map[string]int64, error) {
	var advisories []*vuln.Advisory
	advID := map[string]int64{}
	read := func(q string, args ...any) error {
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("match: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var doc string
			if err := rows.Scan(&id, &doc); err != nil {
				return fmt.Errorf("match: %w", err)
			}
			a := &vuln.Advisory{}
			if err := json.Unmarshal([]byte(doc), a); err != nil {
				return fmt.Errorf("match: advisory %d: %w", id, err)
			}
			advisories = append(advisories, a)
			advID[a.ID] = id
		}
		return rows.Err()
	}
	if ids == nil {
		return advisories, advID, read(`SELECT id, doc_json FROM vuln_advisories ORDER BY id`)
	}
	list := make([]int64, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	slices.Sort(list)
	for len(list) > 0 {
		n := min(len(list), 500)
		args := make([]any, n)
		for i, id := range list[:n] {
			args[i] = id
		}
		if err := read(`SELECT id, doc_json FROM vuln_advisories WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+`) ORDER BY id`, args...); err != nil {
			return nil, nil, err
		}
		list = list[n:]
	}
	return advisories, advID, nil
}

// candidateAdvisories returns the IDs of the stored advisories sharing an index key with
// one of the targets (vuln.TargetIndexKeys): the only ones a matcher may find for them.
func (tx *Tx) candidateAdvisories(ctx context.Context, targets []vuln.Target) (map[int64]bool, error) {
	var keys []string
	for _, t := range targets {
		keys = append(keys, vuln.TargetIndexKeys(t)...)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	out := map[int64]bool{}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		args := make([]any, n)
		for i, k := range keys[:n] {
			args[i] = k
		}
		rows, err := tx.query(ctx, `SELECT DISTINCT advisory_id FROM vuln_advisory_keys WHERE key IN (`+strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("match: candidate advisories: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("match: candidate advisories: %w", err)
			}
			out[id] = true
		}
		rows.Close()
		keys = keys[n:]
	}
	return out, nil
}

// upsertVulnerability stores the CVE row of one of the advisory's vulnerabilities: its
// title, CWE and, when the advisory scores it, the score and who published it (the
// advisory's source, NVD or CSAF, and its ID: score_origin, score_ref).
//
// Which published score a CVE keeps (issue 11), whatever the order of the imports: a CSAF
// advisory's score wins over NVD's. A CSAF 2.0 document scores a vulnerability for the
// products it lists (OASIS CSAF v2.0 §3.2.3.12, vulnerabilities[].scores[].products): the
// manufacturer's, or CISA's with it, for the devices the hospital runs, where NVD's record
// scores the CVE generically for every product it names. So an NVD record replaces an
// NVD score, a scanner's score the code before migration 0090 stored, or none, but never a
// CSAF score; a CSAF advisory replaces any score, the last imported CSAF one included (a
// newer revision of an advisory is the only one stored, vuln.CompareRevisions). NVD's
// score is the CVE's where no CSAF advisory scores it. The finding says whose score it
// has (score_origin, score_ref).
func (tx *Tx) upsertVulnerability(ctx context.Context, a *vuln.Advisory, v vuln.Vulnerability) error {
	var base, threat float64
	known := 0
	var origin, ref string
	if v.Vector != "" {
		c, err := vuln.ScoreVector(v.Vector)
		if err == nil {
			base, threat, known, origin, ref = c.Base, c.Environmental, 1, string(a.Source), a.ID
		}
	}
	// A vector already stored is kept when this advisory gives none, and a CSAF score when
	// this is NVD's.
	replaces := `(excluded.score_known = 1 AND NOT (excluded.score_origin = '` + medsec.ScoreOriginNVD + `' AND vuln_vulnerabilities.score_origin = '` + medsec.ScoreOriginCSAF + `'))`
	_, err := tx.exec(ctx, `INSERT INTO vuln_vulnerabilities (cve, title, cwe, cvss_vector, base_score, threat_score, score_known, score_origin, score_ref, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (cve) DO UPDATE SET
			title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE vuln_vulnerabilities.title END,
			cwe = CASE WHEN excluded.cwe <> '' THEN excluded.cwe ELSE vuln_vulnerabilities.cwe END,
			cvss_vector = CASE WHEN `+replaces+` THEN excluded.cvss_vector ELSE vuln_vulnerabilities.cvss_vector END,
			base_score = CASE WHEN `+replaces+` THEN excluded.base_score ELSE vuln_vulnerabilities.base_score END,
			threat_score = CASE WHEN `+replaces+` THEN excluded.threat_score ELSE vuln_vulnerabilities.threat_score END,
			score_known = CASE WHEN `+replaces+` THEN 1 ELSE vuln_vulnerabilities.score_known END,
			score_origin = CASE WHEN `+replaces+` THEN excluded.score_origin ELSE vuln_vulnerabilities.score_origin END,
			score_ref = CASE WHEN `+replaces+` THEN excluded.score_ref ELSE vuln_vulnerabilities.score_ref END,
			updated_at = excluded.updated_at`,
		v.CVE, shortText(v.Title, 500), v.CWE, v.Vector, base, threat, known, origin, ref, tx.now)
	if err != nil {
		return fmt.Errorf("store %s: %w", v.CVE, err)
	}
	return nil
}

// adoptPublishedScores brings the findings of the vulnerabilities in step with the
// published score their CVE rows now have (stored by upsertVulnerability), for the
// findings no advisory match will reach — a scanner's findings:
//   - a finding a scanner's check scored (score_source "scanner") or nothing scored
//     ("none": its deadline took 7.0), or one whose score is
//     no longer its CVE's published base score (a row the code before migration 0090
//     filled with a scanner's score, score_origin "scanner", whose findings read it as
//     published; or a published score replaced), takes the CVE's base score, source
//     "advisory", and the deadline the site's policy gives it from when it was found;
//   - a finding re-scored for its device (env_vector) whose latest re-scoring was made on
//     another vector than the CVE's now (the scanner's check's, or a score since replaced)
//     is re-scored again: the same rubric answers and metrics on the published vector
//     (metrics that vector's CVSS version does not have are dropped), stored as a new
//     re-scoring by the importer with the person's reason, audited; its score, deadline
//     and source follow (issue 11: it kept the check's environmental score).
func (tx *Tx) adoptPublishedScores(ctx context.Context, vs []vuln.Vulnerability) error {
	var policies map[int64]vuln.Policy
	for _, v := range vs {
		var base float64
		var known, kev int
		var vector, origin, ref string
		if err := tx.queryRow(ctx, `SELECT base_score, score_known, kev, cvss_vector, score_origin, score_ref FROM vuln_vulnerabilities WHERE cve = ?`, v.CVE).
			Scan(&base, &known, &kev, &vector, &origin, &ref); err != nil {
			return fmt.Errorf("store %s: %w", v.CVE, err)
		}
		if known == 0 || vector == "" || origin == medsec.ScoreOriginScanner {
			continue
		}
		type scanned struct {
			id, site      int64
			class         medsec.DeviceClass
			found         time.Time
			score         float64
			source, env   string
			due           time.Time
			rule          string
			rescoredOn    string
			rescoreReason string
			answers       string
			metrics       string
		}
		rows, err := tx.query(ctx, `SELECT f.id, f.site_id, a.class, f.found_at, f.score, f.score_source, f.env_vector, f.due_at, f.deadline_rule,
			COALESCE(r.base_vector, ''), COALESCE(r.reason, ''), COALESCE(r.answers, ''), COALESCE(r.metrics, '')
			FROM vuln_findings f JOIN assets a ON a.id = f.asset_id
			LEFT JOIN vuln_rescores r ON r.id = (SELECT r2.id FROM vuln_rescores r2 WHERE r2.finding_id = f.id ORDER BY r2.scored_at DESC, r2.id DESC LIMIT 1)
			WHERE f.cve = ? AND f.score_source IN (?, ?, ?) ORDER BY f.id`, v.CVE, scoreFromScanner, scoreFromAdvisory, scoreFromNone)
		if err != nil {
			return fmt.Errorf("store %s: %w", v.CVE, err)
		}
		var list []scanned
		for rows.Next() {
			var x scanned
			if err := rows.Scan(&x.id, &x.site, &x.class, &x.found, &x.score, &x.source, &x.env, &x.due, &x.rule,
				&x.rescoredOn, &x.rescoreReason, &x.answers, &x.metrics); err != nil {
				rows.Close()
				return fmt.Errorf("store %s: %w", v.CVE, err)
			}
			list = append(list, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store %s: %w", v.CVE, err)
		}
		for _, x := range list {
			if x.env == "" && x.source == scoreFromAdvisory && x.score == base {
				continue
			}
			if x.env != "" && x.source == scoreFromAdvisory && x.rescoredOn == vector {
				continue
			}
			if policies == nil {
				if policies, err = readPolicies(ctx, tx, tx.db.dialect); err != nil {
					return err
				}
			}
			if x.env != "" && x.answers != "" {
				if err := tx.rescoreOnPublished(ctx, v.CVE, vector, origin, ref, kev == 1, policies[x.site], x.id, x.site, x.class, x.found,
					x.score, x.env, x.due, x.rule, x.rescoredOn, x.rescoreReason, x.answers, x.metrics); err != nil {
					return err
				}
				continue
			}
			if x.env != "" {
				// Re-scored with no stored re-scoring to apply again: its environmental
				// score stands, as matching keeps it.
				continue
			}
			dl, err := vuln.ComputeDeadline(policies[x.site], vuln.Exposure{Score: base, KEV: kev == 1, Terminal: terminal(x.class)}, x.found.UTC())
			if err != nil {
				return fmt.Errorf("store %s: deadline of finding %d: %w", v.CVE, x.id, err)
			}
			if _, err := tx.exec(ctx, `UPDATE vuln_findings SET score = ?, score_source = ?, score_vector = '', due_at = ?, deadline_rule = ? WHERE id = ?`,
				base, scoreFromAdvisory, dl.Due, string(dl.Rule), x.id); err != nil {
				return fmt.Errorf("store %s: finding %d: %w", v.CVE, x.id, err)
			}
			if err := tx.auditDeadline(ctx, x.id, x.site, x.score, x.due.UTC(), x.rule, base, dl); err != nil {
				return err
			}
		}
	}
	return nil
}

// rescoreOnPublished applies a finding's latest re-scoring (its rubric answers and
// metrics, JSON as stored) again on the CVE's published vector: a new vuln_rescores row by
// the importer with the person's reason, the finding's environmental vector, score,
// deadline and source, and a vuln.finding.rescore audit row naming the published score
// it was applied to. Metrics the vector's CVSS version lacks are dropped; answers that
// cannot be applied leave the finding as it was.
func (tx *Tx) rescoreOnPublished(ctx context.Context, cve, vector, origin, ref string, kev bool, policy vuln.Policy, id, site int64, class medsec.DeviceClass,
	found time.Time, score float64, env string, due time.Time, rule, before, reason, answersJSON, metricsJSON string) error {
	var answers medsec.RubricAnswers
	metrics := map[string]string{}
	if err := json.Unmarshal([]byte(answersJSON), &answers); err != nil {
		return fmt.Errorf("store %s: re-scoring of finding %d: %w", cve, id, err)
	}
	if err := json.Unmarshal([]byte(metricsJSON), &metrics); err != nil {
		return fmt.Errorf("store %s: re-scoring of finding %d: %w", cve, id, err)
	}
	cv, err := vuln.Rescore(vector, answers, kev, metrics)
	if err != nil && len(metrics) > 0 {
		// Metrics of another CVSS version (a v3.1 check's, a v4.0 advisory): the answers
		// alone.
		metrics = map[string]string{}
		cv, err = vuln.Rescore(vector, answers, kev, metrics)
	}
	if err != nil {
		return nil
	}
	dl, err := vuln.ComputeDeadline(policy, vuln.Exposure{Score: cv.Environmental, KEV: kev, Terminal: terminal(class)}, found.UTC())
	if err != nil {
		return fmt.Errorf("store %s: deadline of finding %d: %w", cve, id, err)
	}
	by := medsec.UserFromContext(ctx)
	scoredBy := "system"
	if by != nil && by.Username != "" {
		scoredBy = by.Username
	}
	metricsOut, err := json.Marshal(metrics)
	if err != nil {
		return fmt.Errorf("store %s: re-scoring of finding %d: %w", cve, id, err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO vuln_rescores (finding_id, base_vector, vector, score, answers, metrics, reason, due_at, deadline_rule, scored_by, scored_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, vector, cv.Vector, cv.Environmental, answersJSON, string(metricsOut), reason, dl.Due, string(dl.Rule),
		scoredBy, tx.now); err != nil {
		return fmt.Errorf("store %s: re-scoring of finding %d: %w", cve, id, err)
	}
	if _, err := tx.exec(ctx, `UPDATE vuln_findings SET env_vector = ?, env_score = ?, score = ?, score_source = ?, score_vector = '', due_at = ?, deadline_rule = ?,
		version = version + 1 WHERE id = ?`, cv.Vector, cv.Environmental, cv.Environmental, scoreFromAdvisory, dl.Due, string(dl.Rule), id); err != nil {
		return fmt.Errorf("store %s: finding %d: %w", cve, id, err)
	}
	return tx.auditChange(ctx, "vuln.finding.rescore", "vuln_finding", id, site,
		map[string]any{"cve": cve, "base_vector": before, "env_vector": env, "score": score, "due": due, "deadline_rule": rule},
		map[string]any{"cve": cve, "base_vector": vector, "env_vector": cv.Vector, "score": cv.Environmental, "due": dl.Due, "deadline_rule": string(dl.Rule),
			"answers": answers, "metrics": metrics, "reason": reason, "applied_to_published": map[string]string{"origin": origin, "ref": ref}})
}

func shortText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func (tx *Tx) applyEPSS(ctx context.Context, f *vuln.EPSSFile) (int, error) {
	rows, err := tx.query(ctx, `SELECT cve FROM vuln_vulnerabilities`)
	if err != nil {
		return 0, fmt.Errorf("import EPSS: %w", err)
	}
	known := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return 0, fmt.Errorf("import EPSS: %w", err)
		}
		known[c] = true
	}
	rows.Close()
	n := 0
	date := f.Date.Format("2006-01-02")
	for _, sc := range f.Scores {
		if !known[sc.CVE] {
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE vuln_vulnerabilities SET epss = ?, epss_percentile = ?, epss_date = ?, updated_at = ? WHERE cve = ?`,
			sc.EPSS, sc.Percentile, date, tx.now, sc.CVE); err != nil {
			return 0, fmt.Errorf("import EPSS %s: %w", sc.CVE, err)
		}
		n++
	}
	return n, nil
}

// aliases returns the built-in alias table with the hospital's own entries over it.
func (tx *Tx) aliases(ctx context.Context) (vuln.Aliases, error) {
	a := vuln.DefaultAliases()
	rows, err := tx.query(ctx, `SELECT alias, canonical FROM vuln_vendor_aliases`)
	if err != nil {
		return nil, fmt.Errorf("read vendor aliases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var alias, canonical string
		if err := rows.Scan(&alias, &canonical); err != nil {
			return nil, fmt.Errorf("read vendor aliases: %w", err)
		}
		a.Add(alias, canonical)
	}
	return a, rows.Err()
}

// policies returns the sites' deadline policies.
func readPolicies(ctx context.Context, q querier, d dialect) (map[int64]vuln.Policy, error) {
	var v string
	err := q.QueryRowContext(ctx, d.rebind(`SELECT value FROM settings WHERE key = ?`), vulnPolicyKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return map[int64]vuln.Policy{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("read deadline policies: %w", err)
	}
	var out map[int64]vuln.Policy
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("read deadline policies: %w", err)
	}
	return out, nil
}

// englishBundle holds the locales, for saying a match's why in English.
var englishBundle = sync.OnceValues(i18n.Load)

// whyEnglish says a match's why in English (the en messages), for the finding's
// identifier, rule and version_test columns, which a log or a terminal reads.
func whyEnglish(w *medsec.MatchWhy) (identifiers, rule, versionTests string) {
	b, err := englishBundle()
	if err != nil {
		// The locales are embedded: Load fails only for a broken build, which its tests catch.
		return "", "", ""
	}
	return w.Text(func(key string, args ...any) string { return b.T("en", key, args...) }, "; ")
}

// staleRangeTerm reports whether a finding's stored English text names an NVD range
// field by its term (versionEndExcluding, …), as the text stored before the terms were
// said in words (medsec.WhyPart.Text).
func staleRangeTerm(text string) bool {
	for _, term := range []string{"versionEndExcluding", "versionEndIncluding", "versionStartExcluding", "versionStartIncluding"} {
		if strings.Contains(text, term) {
			return true
		}
	}
	return false
}

// matchedAsset is what matching reads of an asset.
type matchedAsset struct {
	id, siteID int64
	class      medsec.DeviceClass
	target     vuln.Target
}

// terminal reports whether a device class is a terminal device of 003 §3.1.2 (終端): the
// standalone, group and system classes of 000 §4, not the control systems and their
// boundary hosts.
func terminal(c medsec.DeviceClass) bool {
	return c == medsec.ClassStandalone || c == medsec.ClassGroup || c == medsec.ClassSystem
}

type findingKey struct {
	asset, component int64
	cve              string
}

type existingFinding struct {
	id       int64
	source   string // findingFromAdvisory or findingFromScanner
	foundAt  time.Time
	state    string
	gone     bool
	identity string // advisories|why_json|confidence|status|score|due|deadline_rule|score_source|pub_vector|pub_ref|vendor_note, to skip unchanged rows
	// refs and why are the finding's advisories (comma-separated) and why_json as stored.
	refs, why string
	// scoreSource and scoreVector are where its score came from (medsec.ScoreFrom…) and,
	// when a scanner's check gave it, the check's vector.
	scoreSource, scoreVector string
	// envScore is the environmental score of the finding's latest re-scoring, which its
	// deadline follows; rescored is false when it was never re-scored.
	envScore float64
	rescored bool
	// score, due and rule are the finding's score and deadline as stored, so that a
	// change of the deadline is audited (vuln.finding.deadline).
	score float64
	due   time.Time
	rule  string
}

// published is the score one advisory publishes for one CVE: its vector, scored, the
// advisory's source (csaf, nvd) and ID.
type published struct {
	base           float64
	vector, origin string
	ref            string
}

// publishedScores returns, by advisory ID and CVE, the score each advisory publishes.
func publishedScores(advisories []*vuln.Advisory) map[string]map[string]published {
	out := map[string]map[string]published{}
	for _, a := range advisories {
		for _, v := range a.Vulnerabilities {
			if v.Vector == "" {
				continue
			}
			c, err := vuln.ScoreVector(v.Vector)
			if err != nil {
				continue
			}
			if out[a.ID] == nil {
				out[a.ID] = map[string]published{}
			}
			out[a.ID][v.CVE] = published{base: c.Base, vector: v.Vector, origin: string(a.Source), ref: a.ID}
		}
	}
	return out
}

// devicePublished picks the published score of a CVE for one device from the advisories
// that matched it (refs): a CSAF advisory's score when one that covers the device scores
// the CVE, else NVD's; of several of one kind, the highest. The precedence of CSAF over
// NVD (upsertVulnerability) is decided per device, not per CVE (issue 11): a device no
// CSAF advisory covers keeps NVD's score even when another vendor's CSAF advisory scores
// the CVE for its own devices, and two vendors' advisories each score their own devices.
// false when no advisory that matched scores it (the CVE row's score stands).
func devicePublished(refs []string, cve string, pubs map[string]map[string]published) (published, bool) {
	var best published
	found := false
	rank := func(p published) int {
		if p.origin == string(vuln.SourceCSAF) {
			return 2
		}
		return 1
	}
	for _, r := range refs {
		p, ok := pubs[r][cve]
		if !ok {
			continue
		}
		if !found || rank(p) > rank(best) || (rank(p) == rank(best) && p.base > best.base) {
			best, found = p, true
		}
	}
	return best, found
}

// rematch matches every stored advisory against the active assets and brings their
// findings in step: every asset when only is nil, else the assets whose IDs only holds
// (the findings of other assets are left as they are).
func (tx *Tx) rematch(ctx context.Context, sum *medsec.ImportSummary, only map[int64]bool) error {
	return tx.rematchWith(ctx, sum, only, true)
}

// rematchWith is rematch; with useIndex false, a match of some assets decodes every stored
// advisory as before migration 0072 (the peer of the benchmark and of the index's test).
func (tx *Tx) rematchWith(ctx context.Context, sum *medsec.ImportSummary, only map[int64]bool, useIndex bool) error {
	aliases, err := tx.aliases(ctx)
	if err != nil {
		return err
	}
	products, err := tx.productAliases(ctx)
	if err != nil {
		return err
	}
	policies, err := readPolicies(ctx, tx, tx.db.dialect)
	if err != nil {
		return err
	}
	assets, components, err := tx.loadTargets(ctx, only)
	if err != nil {
		return err
	}
	// Advisories: every stored one, or, for some assets, only those sharing an index key
	// with them (vuln.TargetIndexKeys), so that a device change decodes a handful.
	var candidates map[int64]bool
	if only != nil && useIndex {
		if err := tx.fillAdvisoryKeys(ctx); err != nil {
			return err
		}
		var targets []vuln.Target
		for _, a := range assets {
			targets = append(append(targets, a.target), components[a.id]...)
		}
		if candidates, err = tx.candidateAdvisories(ctx, withVariants(aliases, products, targets)); err != nil {
			return err
		}
	}
	advisories, advID, err := tx.loadAdvisories(ctx, candidates)
	if err != nil {
		return err
	}
	// Scores: of every CVE, or, for some assets, of the loaded advisories' CVEs (the only
	// ones a match can give).
	var cves []string
	if only != nil {
		for _, a := range advisories {
			cves = append(cves, a.CVEs()...)
		}
	}
	scores, err := tx.readScores(ctx, only != nil, cves)
	if err != nil {
		return err
	}
	// Existing findings: every one, or those of the assets.
	existing := map[findingKey]*existingFinding{}
	if only == nil {
		err = tx.readExisting(ctx, "", nil, existing)
	} else {
		for _, chunk := range idChunks(sortedIDs(only), 500) {
			if err = tx.readExisting(ctx, ` WHERE asset_id IN (`+placeholders(len(chunk))+`)`, idArgs(chunk), existing); err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}

	matcher := vuln.NewMatcher(aliases, advisories)
	matcher.SetProductAliases(products)
	m := vuln.NewMatchCache(matcher)
	pubs := publishedScores(advisories)
	seen := map[findingKey]bool{}
	for _, asset := range assets {
		// The device's targets are matched first, so that a manufacturer's statement that
		// the device is not affected (on the asset or a component) is weighed against
		// NVD's matches of the same CVE on any of them (vuln.StatementDecides).
		targets := append([]vuln.Target{asset.target}, components[asset.id]...)
		matches := make([][]vuln.Match, len(targets))
		var all []vuln.Match
		for i, target := range targets {
			matches[i] = m.Match(target)
			all = append(all, matches[i]...)
		}
		statements := vuln.VendorStatements(all)
		for i, target := range targets {
			if err := tx.matchTarget(ctx, matches[i], statements, asset, target, advID, scores, pubs, policies, existing, seen, sum); err != nil {
				return err
			}
		}
	}
	for k, e := range existing {
		// A scanner's finding stays until a person or a later scan closes it: matching
		// advisories says nothing of it.
		if seen[k] || e.gone || e.source == findingFromScanner {
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE vuln_findings SET gone_at = ? WHERE id = ?`, tx.now, e.id); err != nil {
			return fmt.Errorf("match: finding %d: %w", e.id, err)
		}
		if err := tx.recordGone(ctx, e.id, true); err != nil {
			return err
		}
		sum.Gone++
	}
	return nil
}

// recordGone keeps the history of a finding's gone_at (migration 0099): gone when the
// matcher no longer matches it, back when it matches again, at tx.now; a closed period's
// report reads the state at the period's end from it (findingsAt).
func (tx *Tx) recordGone(ctx context.Context, id int64, gone bool) error {
	if _, err := tx.exec(ctx, `INSERT INTO vuln_finding_gone (finding_id, gone, at) VALUES (?, ?, ?)`, id, boolInt(gone), tx.now); err != nil {
		return fmt.Errorf("match: finding %d: gone history: %w", id, err)
	}
	return nil
}

// readScores reads what the deadlines of CVEs depend on: of every CVE, or, when some is
// true, of the CVEs listed (in IN lists of bounded length).
func (tx *Tx) readScores(ctx context.Context, some bool, cves []string) (map[string]cveScore, error) {
	scores := map[string]cveScore{}
	read := func(cond string, args []any) error {
		rows, err := tx.query(ctx, `SELECT cve, base_score, score_known, kev FROM vuln_vulnerabilities`+cond, args...)
		if err != nil {
			return fmt.Errorf("match: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			var sc cveScore
			var known, kev int
			if err := rows.Scan(&c, &sc.base, &known, &kev); err != nil {
				return fmt.Errorf("match: %w", err)
			}
			sc.known, sc.kev = known == 1, kev == 1
			scores[c] = sc
		}
		return rows.Err()
	}
	if !some {
		return scores, read("", nil)
	}
	slices.Sort(cves)
	cves = slices.Compact(cves)
	for len(cves) > 0 {
		n := min(len(cves), 500)
		args := make([]any, n)
		for i, c := range cves[:n] {
			args[i] = c
		}
		if err := read(` WHERE cve IN (`+placeholders(n)+`)`, args); err != nil {
			return nil, err
		}
		cves = cves[n:]
	}
	return scores, nil
}

// readExisting reads the findings the condition (" WHERE …" or "") selects into existing.
func (tx *Tx) readExisting(ctx context.Context, cond string, args []any, existing map[findingKey]*existingFinding) error {
	rows, err := tx.query(ctx, `SELECT id, asset_id, component_id, cve, advisories, found_at, state, gone_at,
		why_json, confidence, advisory_status, score, due_at, source, env_vector, env_score, score_source, score_vector, pub_vector, pub_ref, deadline_rule, vendor_note FROM vuln_findings`+cond, args...)
	if err != nil {
		return fmt.Errorf("match: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k findingKey
		e := &existingFinding{}
		var gone sql.NullTime
		var why, conf, status, refs, env, pubVector, pubRef, note string
		var sc float64
		var due time.Time
		if err := rows.Scan(&e.id, &k.asset, &k.component, &k.cve, &refs, &e.foundAt, &e.state, &gone, &why, &conf, &status, &sc, &due, &e.source,
			&env, &e.envScore, &e.scoreSource, &e.scoreVector, &pubVector, &pubRef, &e.rule, &note); err != nil {
			return fmt.Errorf("match: %w", err)
		}
		e.gone, e.rescored = gone.Valid, env != ""
		e.refs, e.why = refs, why
		e.score, e.due = sc, due.UTC()
		e.identity = fmt.Sprintf("%s|%s|%s|%s|%.1f|%d|%s|%s|%s|%s|%s", refs, why, conf, status, sc, due.UTC().Unix(), e.rule, e.scoreSource, pubVector, pubRef, note)
		existing[k] = e
	}
	return rows.Err()
}

// loadTargets reads the active assets (those whose IDs only holds, every one when only is
// nil) as matching targets, and the components of their SBOMs and their models' by asset.
func (tx *Tx) loadTargets(ctx context.Context, only map[int64]bool) ([]matchedAsset, map[int64][]vuln.Target, error) {
	if only == nil {
		return tx.loadTargetsWhere(ctx, "", nil)
	}
	// Some devices: only their rows are read, in IN lists of bounded length.
	var assets []matchedAsset
	components := map[int64][]vuln.Target{}
	for _, chunk := range idChunks(sortedIDs(only), 500) {
		as, cs, err := tx.loadTargetsWhere(ctx, ` AND a.id IN (`+placeholders(len(chunk))+`)`, idArgs(chunk))
		if err != nil {
			return nil, nil, err
		}
		assets = append(assets, as...)
		for id, c := range cs {
			components[id] = append(components[id], c...)
		}
	}
	return assets, components, nil
}

// loadTargetsWhere is loadTargets of the active assets the condition cond (on assets a,
// " AND …" or "") with args selects.
func (tx *Tx) loadTargetsWhere(ctx context.Context, cond string, args []any) ([]matchedAsset, map[int64][]vuln.Target, error) {
	// Assets.
	rows, err := tx.query(ctx, `SELECT a.id, a.site_id, a.class, COALESCE(v.name, ''), a.model, a.firmware, a.software, a.firmware_cpe, a.hardware_cpe, a.purl
		FROM assets a LEFT JOIN vendors v ON v.id = a.vendor_id WHERE a.status = 'active'`+cond+` ORDER BY a.id`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("match: %w", err)
	}
	var assets []matchedAsset
	for rows.Next() {
		var m matchedAsset
		var fwCPE, hwCPE, purl string
		if err := rows.Scan(&m.id, &m.siteID, &m.class, &m.target.Vendor, &m.target.Model, &m.target.Firmware, &m.target.Software, &fwCPE, &hwCPE, &purl); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("match: %w", err)
		}
		m.target.AssetID = m.id
		for _, c := range []string{fwCPE, hwCPE} {
			if c != "" {
				m.target.CPEs = append(m.target.CPEs, c)
			}
		}
		if purl != "" {
			m.target.PURLs = []string{purl}
		}
		assets = append(assets, m)
	}
	rows.Close()
	// Components of the assets' SBOMs: the asset's own and its model's.
	components := map[int64][]vuln.Target{}
	for _, q := range []string{
		`SELECT a.id, c.id, c.type, c.name, c.version, c.supplier, c.cpe, c.purl FROM components c JOIN assets a ON a.id = c.asset_id
			WHERE a.status = 'active'` + cond + ` ORDER BY c.id`,
		`SELECT a.id, c.id, c.type, c.name, c.version, c.supplier, c.cpe, c.purl FROM assets a
			JOIN device_models dm ON dm.vendor_id = a.vendor_id AND dm.name = a.model
			JOIN components c ON c.model_id = dm.id WHERE a.status = 'active'` + cond + ` ORDER BY c.id`,
	} {
		rows, err = tx.query(ctx, q, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("match components: %w", err)
		}
		for rows.Next() {
			var t vuln.Target
			var typ, version, cpe, purl string
			if err := rows.Scan(&t.AssetID, &t.ComponentID, &typ, &t.Model, &version, &t.Vendor, &cpe, &purl); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("match components: %w", err)
			}
			if typ == "firmware" || typ == "operating-system" {
				t.Firmware = version
			} else {
				t.Software = version
			}
			if cpe != "" {
				t.CPEs = []string{cpe}
			}
			if purl != "" {
				t.PURLs = []string{purl}
			}
			components[t.AssetID] = append(components[t.AssetID], t)
		}
		rows.Close()
	}
	return assets, components, nil
}

// rematchAssets matches the stored advisories again against the given assets, in the
// transaction that changed them (their identity, firmware, CPEs, purl, status, or an SBOM
// of theirs or of their model), so that a new or changed device is matched at once rather
// than at the next feed import. The hosts of stored scanner reports that no asset was
// attached to and that stand for these assets are attached first (attachStoredScans),
// with their findings. Without stored advisories the matching does nothing. The findings
// it creates are audited one by one (vuln.finding.create); a summary row
// (vuln.rematch) records what changed.
func (tx *Tx) rematchAssets(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.attachStoredScans(ctx, ids); err != nil {
		return err
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM vuln_advisories`).Scan(&n); err != nil {
		return fmt.Errorf("match: %w", err)
	}
	if n == 0 {
		return nil
	}
	only := map[int64]bool{}
	for _, id := range ids {
		only[id] = true
	}
	var sum medsec.ImportSummary
	if err := tx.rematch(ctx, &sum, only); err != nil {
		return err
	}
	if sum.NewFindings+sum.Updated+sum.Gone == 0 {
		return nil
	}
	return tx.auditChange(ctx, "vuln.rematch", "vuln_import", 0, 0, nil, map[string]any{"assets": ids, "summary": sum})
}

// modelAssets returns the IDs of the assets of a device model.
func (tx *Tx) modelAssets(ctx context.Context, modelID int64) ([]int64, error) {
	rows, err := tx.query(ctx, `SELECT a.id FROM assets a JOIN device_models dm ON dm.vendor_id = a.vendor_id AND dm.name = a.model
		WHERE dm.id = ? ORDER BY a.id`, modelID)
	if err != nil {
		return nil, fmt.Errorf("assets of model %d: %w", modelID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("assets of model %d: %w", modelID, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// cveScore is what the deadline of a CVE depends on.
type cveScore struct {
	base  float64
	known bool
	kev   bool
}

// cveMatches are the matches of one CVE on one target: the surest one, whose why the
// finding shows, and every advisory that named it.
type cveMatches struct {
	primary vuln.Match
	refs    []string
	// note is a manufacturer's low-confidence statement that the device is not affected,
	// which does not outrank the matches (vuln.StatementDecides); "" when none.
	note string
}

var confidenceRank = map[vuln.Confidence]int{vuln.ConfidenceHigh: 3, vuln.ConfidenceMedium: 2, vuln.ConfidenceLow: 1}

// groupByCVE groups a target's affected and under-investigation matches by CVE, in the
// matcher's order. NVD's matches of a CVE of which the device's manufacturer says, in a
// statement surely matched to the device, that it is fixed or not affected are left out
// (vuln.StatementDecides); a statement matched only with low confidence is kept as the
// group's note instead.
func groupByCVE(ms []vuln.Match, statements map[string]vuln.Match) []*cveMatches {
	var out []*cveMatches
	by := map[string]*cveMatches{}
	for _, mt := range ms {
		if mt.Status != "known_affected" && mt.Status != "under_investigation" {
			continue
		}
		st, stated := statements[mt.CVE]
		if stated && vuln.StatementDecides(st) && vuln.FromNVD(mt) {
			continue
		}
		g := by[mt.CVE]
		if g == nil {
			g = &cveMatches{primary: mt}
			by[mt.CVE] = g
			out = append(out, g)
		} else if confidenceRank[mt.Confidence] > confidenceRank[g.primary.Confidence] {
			g.primary = mt
		}
		if !slices.Contains(g.refs, mt.AdvisoryID) {
			g.refs = append(g.refs, mt.AdvisoryID)
		}
	}
	for _, g := range out {
		slices.Sort(g.refs)
		if st, ok := statements[g.primary.CVE]; ok && !vuln.StatementDecides(st) {
			b, err := json.Marshal(medsec.VendorNote{Advisory: st.AdvisoryID, ProductID: st.ProductID, Status: st.Status, Confidence: string(st.Confidence), Why: &st.Why})
			if err == nil {
				g.note = string(b)
			}
		}
	}
	return out
}

// matchTarget matches one asset or component and brings its findings in step: one
// finding per CVE, naming every advisory that gives it.
func (tx *Tx) matchTarget(ctx context.Context, ms []vuln.Match, statements map[string]vuln.Match, asset matchedAsset, target vuln.Target, advID map[string]int64,
	scores map[string]cveScore, pubs map[string]map[string]published, policies map[int64]vuln.Policy, existing map[findingKey]*existingFinding, seen map[findingKey]bool, sum *medsec.ImportSummary) error {
	for _, g := range groupByCVE(ms, statements) {
		mt, refs := g.primary, strings.Join(g.refs, ",")
		k := findingKey{asset.id, target.ComponentID, mt.CVE}
		if seen[k] {
			continue
		}
		seen[k] = true
		sc := scores[mt.CVE]
		pub, devScored := devicePublished(g.refs, mt.CVE, pubs)
		if devScored {
			sc.base, sc.known = pub.base, true
		}
		exp := vuln.Exposure{Score: sc.base, KEV: sc.kev, Terminal: terminal(asset.class)}
		if !sc.known {
			// No advisory scored it: treated as high until someone does, so that an
			// unscored vulnerability is never given the longest window.
			exp.Score = 7.0
		}
		source := scoreFromAdvisory
		if !sc.known {
			source = scoreFromNone
		}
		e := existing[k]
		found := tx.now
		if e != nil {
			found = e.foundAt.UTC()
			if !sc.known && e.scoreSource == scoreFromScanner {
				// A scanner's check scored it and still nothing published did: the
				// check's score stays. A published score replaces it.
				if c, err := vuln.ParseCVSS(e.scoreVector); err == nil {
					exp.Score, source = c.Base, scoreFromScanner
				}
			}
			if e.rescored {
				exp.Score = e.envScore
			}
		}
		dl, err := vuln.ComputeDeadline(policies[asset.siteID], exp, found)
		if err != nil {
			return fmt.Errorf("match: deadline of %s on asset %d: %w", mt.CVE, asset.id, err)
		}
		if e != nil && e.source == findingFromScanner {
			refs, mt.Why = keepScannerOrigin(e, g.refs, mt.Why)
		}
		why, err := json.Marshal(mt.Why)
		if err != nil {
			return fmt.Errorf("match: why of %s on asset %d: %w", mt.CVE, asset.id, err)
		}
		if e == nil {
			ident, rule, test := whyEnglish(&mt.Why)
			id, err := tx.insert(ctx, `INSERT INTO vuln_findings (asset_id, component_id, site_id, cve, advisory_id, advisories, advisory_status, product_id,
				identifier, rule, version_test, why_json, confidence, score, state, found_at, due_at, deadline_rule, matched_at, score_source, pub_vector, pub_origin, pub_ref, vendor_note)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				asset.id, target.ComponentID, asset.siteID, mt.CVE, advID[mt.AdvisoryID], refs, mt.Status, mt.ProductID, ident, rule, test, string(why),
				string(mt.Confidence), exp.Score, string(medsec.FindingNew), found, dl.Due, string(dl.Rule), tx.now, source, pub.vector, pub.origin, pub.ref, g.note)
			if err != nil {
				return fmt.Errorf("match: store finding %s on asset %d: %w", mt.CVE, asset.id, err)
			}
			if err := tx.auditChange(ctx, "vuln.finding.create", "vuln_finding", id, asset.siteID, nil, map[string]any{
				"asset_id": asset.id, "component_id": target.ComponentID, "cve": mt.CVE, "advisories": g.refs, "why": mt.Why, "confidence": mt.Confidence, "due": dl.Due}); err != nil {
				return err
			}
			if err := tx.emit(ctx, vulnMatchedEvent(id, asset, mt.CVE, g.refs, exp, dl.Due)); err != nil {
				return err
			}
			sum.NewFindings++
			continue
		}
		// The rule is part of it: a KEV entry on a high finding keeps its 24 h but not its
		// rule (issue 11: the rule stayed "high").
		identity := fmt.Sprintf("%s|%s|%s|%s|%.1f|%d|%s|%s|%s|%s|%s", refs, why, mt.Confidence, mt.Status, exp.Score, dl.Due.Unix(), dl.Rule, source, pub.vector, pub.ref, g.note)
		if identity == e.identity && !e.gone {
			continue
		}
		ident, rule, test := whyEnglish(&mt.Why)
		if _, err := tx.exec(ctx, `UPDATE vuln_findings SET advisory_id = ?, advisories = ?, advisory_status = ?, product_id = ?, identifier = ?, rule = ?,
			version_test = ?, why_json = ?, confidence = ?, score = ?, due_at = ?, deadline_rule = ?, matched_at = ?, gone_at = NULL, score_source = ?,
			pub_vector = ?, pub_origin = ?, pub_ref = ?, vendor_note = ? WHERE id = ?`,
			advID[mt.AdvisoryID], refs, mt.Status, mt.ProductID, ident, rule, test, string(why), string(mt.Confidence), exp.Score, dl.Due,
			string(dl.Rule), tx.now, source, pub.vector, pub.origin, pub.ref, g.note, e.id); err != nil {
			return fmt.Errorf("match: update finding %d: %w", e.id, err)
		}
		// A re-scoring (a published score arriving, a KEV entry, a scanner's score
		// replaced) that moves the deadline is recorded as a policy change records it, so
		// that a closed period's report shows the deadline and score then (findingsAt).
		if err := tx.auditDeadline(ctx, e.id, asset.siteID, e.score, e.due, e.rule, exp.Score, dl); err != nil {
			return err
		}
		if e.gone {
			if err := tx.recordGone(ctx, e.id, false); err != nil {
				return err
			}
		}
		sum.Updated++
	}
	return nil
}

// keepScannerOrigin returns the advisories and why of a scanner's finding that
// advisories now match as well: the scan reports' stand-ins first (a report's finding
// count reads the first one), then the advisories; the scanner's check (its "scanner"
// identifiers) before the advisory's identifiers, so the finding still names the check
// that found it and, while no advisory scores the CVE, the check its score comes from
// (scoreCheck). Was: the advisory's refs and why replaced them (issue 11).
func keepScannerOrigin(e *existingFinding, advisories []string, w medsec.MatchWhy) (string, medsec.MatchWhy) {
	var refs []string
	for _, r := range splitList(e.refs) {
		if strings.HasPrefix(r, scanAdvisoryPrefix) && !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	for _, r := range advisories {
		if !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	var old medsec.MatchWhy
	if e.why != "" && json.Unmarshal([]byte(e.why), &old) == nil {
		var ids []medsec.WhyPart
		for _, p := range old.Identifiers {
			if p.Kind != "scanner" {
				continue
			}
			if name := old.Rule.Params["scanner"]; old.Rule.Kind == "scanner_report" && name != "" {
				params := maps.Clone(p.Params)
				if params == nil {
					params = map[string]string{}
				}
				params["scanner"] = name
				p.Params = params
			}
			ids = append(ids, p)
		}
		w.Identifiers = append(ids, w.Identifiers...)
	}
	return strings.Join(refs, ","), w
}

// vulnMatchedEvent is the event of a new finding (issue 13: a vulnerability match passes
// through detection like any other event): ECS vulnerability.* fields, the score the
// deadline used, whether CISA lists it as exploited, the advisories and the due day.
func vulnMatchedEvent(findingID int64, asset matchedAsset, cve string, advisories []string, exp vuln.Exposure, due time.Time) medsec.Event {
	e := medsec.Event{SiteID: asset.siteID, AssetID: asset.id, Ref: medsec.EventRef{Type: medsec.EventRefFinding, ID: findingID}}
	e.Set("event.kind", "event").Set("event.category", []string{"vulnerability"}).Set("event.type", []string{"info"}).
		Set("event.action", medsec.EventVulnMatched).Set("event.dataset", medsec.DatasetVuln).Set("event.provider", "medsec").
		Set("vulnerability.id", cve).Set("vulnerability.enumeration", "CVE").Set("vulnerability.score.base", exp.Score).
		Set("vulnerability.reference", slices.Clone(advisories)).Set("medsec.vuln.kev", exp.KEV).
		Set("medsec.vuln.due", due.UTC().Format(time.RFC3339)).Set("medsec.asset.class", string(asset.class))
	return e
}

const findingColumns = `f.id, f.asset_id, a.name, f.component_id, f.site_id, f.cve, adv.ref, f.advisories, f.advisory_status, f.product_id,
	f.identifier, f.rule, f.version_test, f.confidence, CASE WHEN COALESCE(v.title, '') <> '' THEN v.title ELSE f.title END, COALESCE(v.cvss_vector, ''),
	COALESCE(v.base_score, 0), COALESCE(v.threat_score, 0), f.score, COALESCE(v.score_known, 0), COALESCE(v.epss, 0),
	COALESCE(v.epss_percentile, 0), COALESCE(v.kev, 0), f.state, f.justification, f.detail, f.analyzed_by, f.analyzed_at,
	f.found_at, f.due_at, f.deadline_rule, f.gone_at, f.fixed_at, f.version, f.source, f.env_vector, f.env_score, f.why_json,
	COALESCE(` + controlReviewOn + `, ''), f.score_source, f.score_vector, COALESCE(v.score_origin, ''), COALESCE(v.score_ref, ''),
	f.pub_vector, f.pub_origin, f.pub_ref, f.vendor_note`

// controlReviewOn is the review day (text, YYYY-MM-DD) of the newest compensating control
// of the finding f, NULL when it has none.
const controlReviewOn = `(SELECT c.review_on FROM vuln_controls c WHERE c.finding_id = f.id ORDER BY c.id DESC LIMIT 1)`

const findingFrom = ` FROM vuln_findings f
	JOIN assets a ON a.id = f.asset_id
	JOIN vuln_advisories adv ON adv.id = f.advisory_id
	LEFT JOIN vuln_vulnerabilities v ON v.cve = f.cve`

// rateFinding sets a finding's severity from its score: the re-scoring's when there is one,
// else the advisory's, rated by the scale of the version that computed it (NVD's three v2
// ratings for a v2 vector).
func rateFinding(f *medsec.Finding) {
	scoredBy := vuln.Version(f.CVSSVersion)
	if f.EnvVector != "" {
		scoredBy = vuln.VectorVersion(f.EnvVector)
	}
	f.Severity = string(vuln.RateIn(scoredBy, f.Score))
	f.BaseSeverity = string(vuln.RateIn(vuln.Version(f.CVSSVersion), f.BaseScore))
	if !f.ScoreKnown {
		f.Severity, f.BaseSeverity = "unscored", "unscored"
	}
}

func scanFinding(scan func(...any) error, now time.Time) (*medsec.Finding, error) {
	var f medsec.Finding
	var known, kev int
	var analyzed, gone, fixed sql.NullTime
	var refs, why, reviewOn, scoreVector, origin, ref, pubVector, pubOrigin, pubRef, note string
	if err := scan(&f.ID, &f.AssetID, &f.AssetName, &f.ComponentID, &f.SiteID, &f.CVE, &f.Advisory, &refs, &f.AdvisoryStatus, &f.ProductID,
		&f.Identifier, &f.Rule, &f.VersionTest, &f.Confidence, &f.Title, &f.CVSSVector,
		&f.BaseScore, &f.ThreatScore, &f.Score, &known, &f.EPSS, &f.EPSSPercentile, &kev, &f.State, &f.Justification, &f.Detail,
		&f.AnalyzedBy, &analyzed, &f.FoundAt, &f.Due, &f.DeadlineRule, &gone, &fixed, &f.Version, &f.Source, &f.EnvVector, &f.EnvScore, &why, &reviewOn,
		&f.ScoreSource, &scoreVector, &origin, &ref, &pubVector, &pubOrigin, &pubRef, &note); err != nil {
		return nil, err
	}
	if note != "" {
		f.VendorNote = &medsec.VendorNote{}
		if err := json.Unmarshal([]byte(note), f.VendorNote); err != nil {
			return nil, fmt.Errorf("finding %d: vendor note: %w", f.ID, err)
		}
	}
	if f.ScoreSource == scoreFromAdvisory && pubVector != "" {
		// The published score chosen for this device (devicePublished), not the CVE
		// row's, which may be another vendor's advisory for its own devices.
		if c, err := vuln.ScoreVector(pubVector); err == nil {
			f.CVSSVector, f.BaseScore, f.ThreatScore, f.ScoreKnown = pubVector, c.Base, c.Environmental, true
			origin, ref = pubOrigin, pubRef
		}
	}
	if why != "" {
		f.Why = &medsec.MatchWhy{}
		if err := json.Unmarshal([]byte(why), f.Why); err != nil {
			return nil, fmt.Errorf("finding %d: why: %w", f.ID, err)
		}
		// A finding matched before the NVD range fields were said in words stored the
		// term ("(versionEndExcluding)") in its English text: said again from its why, as
		// findings matched since (issue 16; the pages and reports say the why in the
		// reader's language).
		if staleRangeTerm(f.Identifier + f.Rule + f.VersionTest) {
			f.Identifier, f.Rule, f.VersionTest = whyEnglish(f.Why)
		}
	}
	f.ScoreKnown, f.KEV = known == 1, kev == 1
	if f.ScoreSource == scoreFromScanner {
		// The scanner's check scored this finding, not the CVE: its vector and base score
		// are shown, whatever the CVE's row says.
		f.CVSSVector, f.BaseScore, f.ThreatScore, f.ScoreKnown = scoreVector, 0, 0, true
		if c, err := vuln.ParseCVSS(scoreVector); err == nil {
			f.BaseScore = c.Base
		}
		f.ScoreCheck = scoreCheck(f.Why)
	} else if f.ScoreSource == scoreFromAdvisory {
		f.ScoreOrigin, f.ScoreRef = origin, ref
	}
	f.CVSSVersion = string(vuln.VectorVersion(f.CVSSVector))
	f.Advisories = splitList(refs)
	f.FoundAt, f.Due = f.FoundAt.UTC(), f.Due.UTC()
	if analyzed.Valid {
		f.AnalyzedAt = analyzed.Time.UTC()
	}
	if gone.Valid {
		f.GoneAt = gone.Time.UTC()
	}
	if fixed.Valid {
		f.FixedAt = fixed.Time.UTC()
	}
	rateFinding(&f)
	if reviewOn != "" {
		var err error
		if f.ControlReviewOn, err = medsec.ParseDate(reviewOn); err != nil {
			return nil, fmt.Errorf("finding %d: control review day: %w", f.ID, err)
		}
	}
	f.DeadlineBasis = vuln.Basis(vuln.Rule(f.DeadlineRule), f.Due.Sub(f.FoundAt))
	f.Late(now)
	return &f, nil
}

// findingWhere builds the WHERE clause of a filter, limited to the scope.
func findingWhere(sc scope, f medsec.FindingFilter, now time.Time) (string, []any) {
	return findingWhereAt(sc, f, now, false)
}

// findingWhereAt is findingWhere; with rewound, for a closed period's read (f.AsOf set)
// whose rows are then kept by findingsInScopeAt, a finding whose asset changed since the
// period's end is read whatever the asset's site or vendor today, to be judged by the
// site it had then (issue 16 break-test: a branch user's last-year ledger lost the
// findings of an asset moved since to another site). Without rewound (a page of
// FindFindings) the scope and site are today's.
func findingWhereAt(sc scope, f medsec.FindingFilter, now time.Time, rewound bool) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	asOf := rewound && !f.AsOf.IsZero()
	if cond, cargs := sc.assetCond("a"); cond != "" && asOf {
		add("("+cond+" OR "+changedSinceCond+")", append(cargs, f.AsOf.UTC())...)
	} else if cond != "" {
		add(cond, cargs...)
	}
	if f.AssetID != 0 {
		add("f.asset_id = ?", f.AssetID)
	}
	if f.SiteID != 0 && asOf {
		add("(a.site_id = ? OR "+changedSinceCond+")", f.SiteID, f.AsOf.UTC())
	} else if f.SiteID != 0 {
		add("a.site_id = ?", f.SiteID)
	}
	if f.Advisory != "" {
		add(`(',' || f.advisories || ',') LIKE ? ESCAPE '\'`, "%,"+escapeLike(f.Advisory)+",%")
	}
	if f.CVE != "" {
		add("f.cve = ?", f.CVE)
	}
	if f.State != "" {
		add("f.state = ?", string(f.State))
	}
	if f.Open {
		add("f.state IN ('new', 'confirmed', 'mitigated') AND f.gone_at IS NULL")
	}
	// As medsec.Finding.Late: a compensating control whose review day has passed no
	// longer stops the clock. A mitigated finding without a control (none is made so)
	// counts as reviewed.
	today := now.UTC().Format("2006-01-02")
	lapsed := "f.state = 'mitigated' AND COALESCE(" + controlReviewOn + ", '9999-12-31') < ?"
	if f.Overdue {
		add("(f.state IN ('new', 'confirmed') OR ("+lapsed+")) AND f.gone_at IS NULL AND f.due_at < ?", today, now)
	}
	if f.ControlReviewOverdue {
		add(lapsed+" AND f.gone_at IS NULL", today)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + escapeLike(strings.ToLower(q)) + "%"
		add(`(LOWER(a.name) LIKE ? ESCAPE '\' OR LOWER(f.cve) LIKE ? ESCAPE '\' OR LOWER(adv.ref) LIKE ? ESCAPE '\' OR LOWER(COALESCE(v.title, '')) LIKE ? ESCAPE '\' OR LOWER(f.title) LIKE ? ESCAPE '\')`, like, like, like, like, like)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// FindFindings returns a page of the findings in scope the filter selects, most urgent
// first (open before closed, then by deadline). Needs PermInventoryRead.
func (s *VulnService) FindFindings(ctx context.Context, f medsec.FindingFilter) ([]*medsec.Finding, int, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, 0, err
	}
	limit, err := medsec.PageLimit(f.Limit, 100)
	if err != nil {
		return nil, 0, err
	}
	now := s.db.Now().UTC()
	where, args := findingWhere(sc, f, now)
	d := s.db.dialect
	var total int
	if err := s.db.read.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*)`+findingFrom+where), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count findings: %w", err)
	}
	rows, err := s.db.read.QueryContext(ctx, d.rebind(`SELECT `+findingColumns+findingFrom+where+`
		ORDER BY CASE WHEN f.state IN ('new', 'confirmed', 'mitigated') THEN 0 ELSE 1 END, f.due_at, f.id LIMIT ? OFFSET ?`), append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find findings: %w", err)
	}
	defer rows.Close()
	out := []*medsec.Finding{}
	for rows.Next() {
		fd, err := scanFinding(rows.Scan, now)
		if err != nil {
			return nil, 0, fmt.Errorf("find findings: %w", err)
		}
		out = append(out, fd)
	}
	return out, total, rows.Err()
}

// EachFinding calls fn with every finding in scope the filter selects (Offset and Limit
// ignored), in the order of FindFindings. Needs PermInventoryRead.
func (s *VulnService) EachFinding(ctx context.Context, f medsec.FindingFilter, fn func(*medsec.Finding) error) error {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return err
	}
	now := s.db.Now().UTC()
	where, args := findingWhereAt(sc, f, now, true)
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+findingColumns+findingFrom+where+`
		ORDER BY CASE WHEN f.state IN ('new', 'confirmed', 'mitigated') THEN 0 ELSE 1 END, f.due_at, f.id`), args...)
	if err != nil {
		return fmt.Errorf("read findings: %w", err)
	}
	defer rows.Close()
	var past []*medsec.Finding // as at f.AsOf, rewound before fn sees them
	for rows.Next() {
		fd, err := scanFinding(rows.Scan, now)
		if err != nil {
			return fmt.Errorf("read findings: %w", err)
		}
		if !f.AsOf.IsZero() {
			past = append(past, fd)
			continue
		}
		if err := fn(fd); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil || f.AsOf.IsZero() {
		return err
	}
	rows.Close()
	if past, err = findingsInScopeAt(ctx, s.db.read, s.db.dialect, past, sc, f); err != nil {
		return err
	}
	if err := findingsAt(ctx, s.db.read, s.db.dialect, past, f.AsOf); err != nil {
		return err
	}
	for _, fd := range past {
		if err := fn(fd); err != nil {
			return err
		}
	}
	return nil
}

// FindFinding returns one finding in scope with its manufacturer permission, else
// ENOTFOUND. Needs PermInventoryRead.
func (s *VulnService) FindFinding(ctx context.Context, id int64) (*medsec.Finding, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	f, err := s.findFinding(ctx, s.db.read, sc, id)
	if err != nil {
		return nil, err
	}
	f.Permission, err = findPermission(ctx, s.db.read, s.db.dialect, f.AssetID)
	return f, err
}

func (s *VulnService) findFinding(ctx context.Context, q querier, sc scope, id int64) (*medsec.Finding, error) {
	now := s.db.Now().UTC()
	f, err := scanFinding(q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+findingColumns+findingFrom+` WHERE f.id = ?`), id).Scan, now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.finding_not_found", "Finding not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find finding %d: %w", id, err)
	}
	a, err := findAssetByID(ctx, q, s.db.dialect, f.AssetID)
	if err != nil {
		return nil, err
	}
	if !sc.seesAsset(a) {
		return nil, medsec.NotInScope("Finding not found.", "err.finding_not_found", fmt.Sprintf("finding %d", id), a.SiteID)
	}
	return f, nil
}

// findPermission returns the manufacturer's latest word for the asset: its own, else its
// model's; nil when none is recorded.
func findPermission(ctx context.Context, q querier, d dialect, assetID int64) (*medsec.PatchPermission, error) {
	// The model key is computed in Go; read the asset's model first.
	var vendorID int64
	var model string
	if err := q.QueryRowContext(ctx, d.rebind(`SELECT COALESCE(vendor_id, 0), model FROM assets WHERE id = ?`), assetID).Scan(&vendorID, &model); err != nil {
		return nil, fmt.Errorf("find permission: %w", err)
	}
	row := q.QueryRowContext(ctx, d.rebind(`SELECT p.id, COALESCE(p.vendor_id, 0), p.model, COALESCE(p.asset_id, 0), p.allowed, p.said_by, p.said_on, p.evidence, p.recorded_by, p.created_at
		FROM vuln_patch_permissions p
		WHERE p.asset_id = ? OR (p.asset_id IS NULL AND p.vendor_id = ? AND p.model_key = ?)
		ORDER BY CASE WHEN p.asset_id IS NULL THEN 1 ELSE 0 END, p.id DESC LIMIT 1`), assetID, vendorID, vuln.NameKey(model))
	var p medsec.PatchPermission
	var allowed int
	var said string
	err := row.Scan(&p.ID, &p.VendorID, &p.Model, &p.AssetID, &allowed, &p.SaidBy, &said, &p.Evidence, &p.RecordedBy, &p.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find permission: %w", err)
	}
	p.Allowed = allowed == 1
	p.SaidOn, _ = medsec.ParseDate(said)
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}

// AnalyzeFinding records a person's decision on a finding. Mitigated needs a
// compensating control first (AddCompensatingControl sets it); fixed sets the fix time.
// Needs PermInventoryWrite; EINVALID, ECONFLICT for a stale version, ENOTFOUND out of scope.
func (s *VulnService) AnalyzeFinding(ctx context.Context, id int64, a medsec.FindingAnalysis) (*medsec.Finding, error) {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	before, err := s.findFinding(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if a.Version != 0 && a.Version != before.Version {
		return nil, medsec.ErrorWithKey(medsec.ECONFLICT, "err.stale", "The finding was changed by someone else; reload it.")
	}
	if a.State == medsec.FindingMitigated {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM vuln_controls WHERE finding_id = ?`, id).Scan(&n); err != nil {
			return nil, fmt.Errorf("analyze finding %d: %w", id, err)
		}
		if n == 0 {
			return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "state", Key: "err.compensating_required", Message: "a mitigated finding needs a compensating control"}}}
		}
	}
	if err := tx.setFindingState(ctx, before, a.State, a.Justification, a.Detail); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindFinding(ctx, id)
}

func (tx *Tx) setFindingState(ctx context.Context, before *medsec.Finding, state medsec.FindingState, justification, detail string) error {
	by := "system"
	if u := medsec.UserFromContext(ctx); u != nil {
		by = u.Username
	}
	var fixed any
	if state == medsec.FindingFixed {
		fixed = tx.now
	}
	if _, err := tx.exec(ctx, `UPDATE vuln_findings SET state = ?, justification = ?, detail = ?, analyzed_by = ?, analyzed_at = ?, fixed_at = ?, version = version + 1 WHERE id = ?`,
		string(state), justification, detail, by, tx.now, fixed, before.ID); err != nil {
		return fmt.Errorf("analyze finding %d: %w", before.ID, err)
	}
	if state.Open() && !before.State.Open() {
		// Opened again after its device moved: it joins the device's site.
		var site int64
		if err := tx.queryRow(ctx, `SELECT site_id FROM assets WHERE id = ?`, before.AssetID).Scan(&site); err != nil {
			return fmt.Errorf("analyze finding %d: %w", before.ID, err)
		}
		if err := tx.moveFindings(ctx, before.AssetID, site); err != nil {
			return err
		}
	}
	after := *before
	after.State, after.Justification, after.Detail, after.AnalyzedBy, after.AnalyzedAt, after.Version = state, justification, detail, by, tx.now, before.Version+1
	return tx.auditChange(ctx, "vuln.finding.analyze", "vuln_finding", before.ID, before.SiteID, analysisView(before), analysisView(&after))
}

func analysisView(f *medsec.Finding) map[string]any {
	return map[string]any{"asset_id": f.AssetID, "cve": f.CVE, "advisory": f.Advisory, "state": f.State, "justification": f.Justification, "detail": f.Detail, "version": f.Version}
}

// AddCompensatingControl records a control on a finding and marks it mitigated (it stays
// open). Needs PermInventoryWrite.
func (s *VulnService) AddCompensatingControl(ctx context.Context, c *medsec.CompensatingControl) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	f, err := s.findFinding(ctx, tx, sc, c.FindingID)
	if err != nil {
		return err
	}
	if err := c.ValidateReview(f.FoundAt); err != nil {
		return err
	}
	c.CreatedAt, c.CreatedBy = tx.now, sc.user.Username
	if c.ID, err = tx.insert(ctx, `INSERT INTO vuln_controls (finding_id, description, review_on, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
		c.FindingID, c.Description, c.ReviewOn.String(), c.CreatedBy, c.CreatedAt); err != nil {
		return fmt.Errorf("add compensating control: %w", err)
	}
	if err := tx.auditChange(ctx, "vuln.control.create", "vuln_control", c.ID, f.SiteID, nil, c); err != nil {
		return err
	}
	if f.State != medsec.FindingMitigated {
		if err := tx.setFindingState(ctx, f, medsec.FindingMitigated, "", f.Detail); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// FindControls returns a finding's compensating controls, newest first. Needs
// PermInventoryRead; ENOTFOUND out of scope.
func (s *VulnService) FindControls(ctx context.Context, findingID int64) ([]*medsec.CompensatingControl, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	if _, err := s.findFinding(ctx, s.db.read, sc, findingID); err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT id, finding_id, description, review_on, created_by, created_at FROM vuln_controls WHERE finding_id = ? ORDER BY id DESC`), findingID)
	if err != nil {
		return nil, fmt.Errorf("find controls: %w", err)
	}
	defer rows.Close()
	out := []*medsec.CompensatingControl{}
	for rows.Next() {
		var c medsec.CompensatingControl
		var review string
		if err := rows.Scan(&c.ID, &c.FindingID, &c.Description, &review, &c.CreatedBy, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("find controls: %w", err)
		}
		c.ReviewOn, _ = medsec.ParseDate(review)
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, &c)
	}
	return out, rows.Err()
}

// SetPatchPermission records the manufacturer's word on patching, for one asset or for
// every asset of a vendor's model. Needs PermInventoryWrite; the asset must be in scope,
// and a model's permission, which applies at every site, needs a user limited to no site
// and no vendor (scope.writesShared; others get EFORBIDDEN).
func (s *VulnService) SetPatchPermission(ctx context.Context, p *medsec.PatchPermission) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := p.ValidateSaidOn(tx.now); err != nil {
		return err
	}
	var siteID int64
	if p.AssetID != 0 {
		a, err := findAssetByID(ctx, tx, s.db.dialect, p.AssetID)
		if err != nil {
			return err
		}
		if !sc.seesAsset(a) {
			return assetOutOfScope(a.ID, a.SiteID)
		}
		siteID = a.SiteID
		p.VendorID, p.Model = a.VendorID, a.Model
	} else if err := sc.writesShared(); err != nil {
		// A model's permission applies to its assets at every site (the rule of
		// model SBOMs and MDS2 profiles): only a user limited to no site may give it.
		return err
	}
	p.RecordedBy, p.CreatedAt = sc.user.Username, tx.now
	var assetID any
	if p.AssetID != 0 {
		assetID = p.AssetID
	}
	if p.ID, err = tx.insert(ctx, `INSERT INTO vuln_patch_permissions (vendor_id, model_key, model, asset_id, allowed, said_by, said_on, evidence, recorded_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, nullID(p.VendorID), vuln.NameKey(p.Model), p.Model, assetID, boolInt(p.Allowed), p.SaidBy, p.SaidOn.String(), p.Evidence, p.RecordedBy, p.CreatedAt); err != nil {
		return fmt.Errorf("set patch permission: %w", referenceError(err))
	}
	if err := tx.auditChange(ctx, "vuln.permission.create", "vuln_permission", p.ID, siteID, nil, p); err != nil {
		return err
	}
	if err := tx.applyPermission(ctx, p); err != nil {
		return err
	}
	return tx.Commit()
}

// applyPermission writes the manufacturer's word into patching_permitted of the assets it
// covers, so the asset's page and the check patching-permission-recorded show it (break-test
// bt11g M4): an asset's own permission sets that asset; a model's sets every asset of the
// vendor's model (matched by name key, as findPermission does) that has no permission of its
// own, which takes precedence. Each changed asset gets a new version and an asset.update
// audit record, so its history shows the change.
func (tx *Tx) applyPermission(ctx context.Context, p *medsec.PatchPermission) error {
	want := medsec.No
	if p.Allowed {
		want = medsec.Yes
	}
	var ids []int64
	if p.AssetID != 0 {
		ids = []int64{p.AssetID}
	} else {
		rows, err := tx.query(ctx, `SELECT a.id, a.model FROM assets a WHERE a.vendor_id = ?
			AND NOT EXISTS (SELECT 1 FROM vuln_patch_permissions o WHERE o.asset_id = a.id)`, p.VendorID)
		if err != nil {
			return fmt.Errorf("apply patch permission: %w", err)
		}
		key := vuln.NameKey(p.Model)
		for rows.Next() {
			var id int64
			var model string
			if err := rows.Scan(&id, &model); err != nil {
				rows.Close()
				return fmt.Errorf("apply patch permission: %w", err)
			}
			if vuln.NameKey(model) == key {
				ids = append(ids, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("apply patch permission: %w", err)
		}
	}
	for _, id := range ids {
		before, err := findAssetByID(ctx, tx, tx.db.dialect, id)
		if err != nil {
			return err
		}
		if before.PatchingPermitted == want {
			continue
		}
		after := *before
		after.PatchingPermitted, after.UpdatedAt, after.Version = want, tx.now, before.Version+1
		if _, err := tx.exec(ctx, `UPDATE assets SET patching_permitted = ?, updated_at = ?, version = ? WHERE id = ?`,
			string(want), after.UpdatedAt, after.Version, id); err != nil {
			return fmt.Errorf("apply patch permission to asset %d: %w", id, err)
		}
		if err := tx.auditChange(ctx, "asset.update", "asset", id, before.SiteID, before, &after); err != nil {
			return err
		}
	}
	return nil
}

// modelPermission returns whether the manufacturer's latest word for the vendor's model
// allows patching: Unknown when none is recorded. A new asset of the model takes it.
func (tx *Tx) modelPermission(ctx context.Context, vendorID int64, model string) (medsec.Tristate, error) {
	if vendorID == 0 || strings.TrimSpace(model) == "" {
		return medsec.Unknown, nil
	}
	var allowed int
	err := tx.queryRow(ctx, `SELECT allowed FROM vuln_patch_permissions WHERE asset_id IS NULL AND vendor_id = ? AND model_key = ?
		ORDER BY id DESC LIMIT 1`, vendorID, vuln.NameKey(model)).Scan(&allowed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return medsec.Unknown, nil
	case err != nil:
		return "", fmt.Errorf("model patch permission: %w", err)
	case allowed == 1:
		return medsec.Yes, nil
	}
	return medsec.No, nil
}

// AddFixEntry appends a line to the fix ledger; a passed verification marks the finding
// fixed. Needs PermInventoryWrite; ENOTFOUND out of scope.
func (s *VulnService) AddFixEntry(ctx context.Context, e *medsec.FixEntry) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	f, err := s.findFinding(ctx, tx, sc, e.FindingID)
	if err != nil {
		return err
	}
	e.CreatedBy, e.AssetID, e.AssetName, e.SiteID, e.CVE = sc.user.Username, f.AssetID, f.AssetName, f.SiteID, f.CVE
	e.At = e.At.UTC()
	if err := e.ValidateTimes(f.FoundAt, tx.now); err != nil {
		return err
	}
	var retest string
	if !e.RetestOn.IsZero() {
		retest = e.RetestOn.String()
	}
	if e.ID, err = tx.insert(ctx, `INSERT INTO vuln_fix_ledger (finding_id, at, operator, action, verification, result, retest_on, retest_result, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.FindingID, e.At, e.Operator, e.Action, e.Verification, string(e.Result), retest, e.RetestResult, e.CreatedBy, tx.now); err != nil {
		return fmt.Errorf("add fix entry: %w", err)
	}
	if err := tx.auditChange(ctx, "vuln.fix.create", "vuln_fix", e.ID, f.SiteID, nil, e); err != nil {
		return err
	}
	if e.Result == medsec.FixPassed && f.State != medsec.FindingFixed {
		if err := tx.setFindingState(ctx, f, medsec.FindingFixed, "", f.Detail); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// FindFixEntries returns the fix ledger, of one finding (findingID != 0) or of every
// finding in scope, newest first. Needs PermInventoryRead.
func (s *VulnService) FindFixEntries(ctx context.Context, findingID int64) ([]*medsec.FixEntry, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if findingID != 0 {
		if _, err := s.findFinding(ctx, s.db.read, sc, findingID); err != nil {
			return nil, err
		}
		where, args = append(where, "l.finding_id = ?"), append(args, findingID)
	}
	if cond, cargs := sc.assetCond("a"); cond != "" {
		where, args = append(where, cond), append(args, cargs...)
	}
	q := `SELECT l.id, l.finding_id, f.asset_id, a.name, f.site_id, f.cve, l.at, l.operator, l.action, l.verification, l.result, l.retest_on, l.retest_result, l.created_by
		FROM vuln_fix_ledger l JOIN vuln_findings f ON f.id = l.finding_id JOIN assets a ON a.id = f.asset_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(q+` ORDER BY l.at DESC, l.id DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("find fix entries: %w", err)
	}
	defer rows.Close()
	out := []*medsec.FixEntry{}
	for rows.Next() {
		var e medsec.FixEntry
		var retest string
		if err := rows.Scan(&e.ID, &e.FindingID, &e.AssetID, &e.AssetName, &e.SiteID, &e.CVE, &e.At, &e.Operator, &e.Action, &e.Verification, &e.Result, &retest, &e.RetestResult, &e.CreatedBy); err != nil {
			return nil, fmt.Errorf("find fix entries: %w", err)
		}
		e.At = e.At.UTC()
		e.RetestOn, _ = medsec.ParseDate(retest)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// CountFindings summarises the findings in scope: open, overdue, in KEV, by state and by
// severity of the open ones. Open and in KEV count only the findings still matched
// (Finding.Open: a gone finding is not open, bt11g); by state counts them all. Needs
// PermInventoryRead.
func (s *VulnService) CountFindings(ctx context.Context) (medsec.FindingCounts, error) {
	c := medsec.FindingCounts{ByState: map[string]int{}, BySeverity: map[string]int{}}
	err := s.EachFinding(ctx, medsec.FindingFilter{}, func(f *medsec.Finding) error {
		c.ByState[string(f.State)]++
		if f.Open() {
			c.Open++
			c.BySeverity[f.Severity]++
			if f.KEV {
				c.KEV++
			}
		}
		if f.Overdue {
			c.Overdue++
		}
		if f.ControlReviewOverdue {
			c.ControlReviewOverdue++
		}
		return nil
	})
	return c, err
}

// FindAdvisories returns the stored advisories, newest first, each with how many
// findings in scope it has. Needs PermInventoryRead.
func (s *VulnService) FindAdvisories(ctx context.Context) ([]*medsec.AdvisorySummary, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	counts := map[string][2]int{}
	if err := s.EachFinding(ctx, medsec.FindingFilter{}, func(f *medsec.Finding) error {
		for _, ref := range f.Advisories {
			c := counts[ref]
			c[0]++
			if f.Open() {
				c[1]++
			}
			counts[ref] = c
		}
		return nil
	}); err != nil {
		return nil, err
	}
	where, args := sc.advisoryCond("adv")
	if where != "" {
		where = " WHERE " + where
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT id, ref, source, title, publisher, published, doc_json, imported_at FROM vuln_advisories adv`+where+`
		ORDER BY published DESC, ref`), args...)
	if err != nil {
		return nil, fmt.Errorf("find advisories: %w", err)
	}
	defer rows.Close()
	out := []*medsec.AdvisorySummary{}
	for rows.Next() {
		var a medsec.AdvisorySummary
		var published sql.NullTime
		var doc string
		if err := rows.Scan(&a.ID, &a.Ref, &a.Source, &a.Title, &a.Publisher, &published, &doc, &a.ImportedAt); err != nil {
			return nil, fmt.Errorf("find advisories: %w", err)
		}
		if published.Valid {
			a.Published = published.Time.UTC()
		}
		var adv vuln.Advisory
		if err := json.Unmarshal([]byte(doc), &adv); err == nil {
			a.CVEs = adv.CVEs()
		}
		a.Findings, a.Open = counts[a.Ref][0], counts[a.Ref][1]
		a.ImportedAt = a.ImportedAt.UTC()
		out = append(out, &a)
	}
	return out, rows.Err()
}

// FindAdvisory returns one stored advisory as parsed, and its findings in scope. Needs
// PermInventoryRead; ENOTFOUND for an unknown reference.
func (s *VulnService) FindAdvisory(ctx context.Context, ref string) (*vuln.Advisory, []*medsec.Finding, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, nil, err
	}
	var doc string
	err = s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT doc_json FROM vuln_advisories WHERE ref = ?`), ref).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.advisory_not_found", "Advisory not found.")
	} else if err != nil {
		return nil, nil, fmt.Errorf("find advisory %s: %w", ref, err)
	}
	if cond, args := sc.advisoryCond("adv"); cond != "" {
		var n int
		if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT COUNT(*) FROM vuln_advisories adv WHERE adv.ref = ? AND `+cond),
			append([]any{ref}, args...)...).Scan(&n); err != nil {
			return nil, nil, fmt.Errorf("find advisory %s: %w", ref, err)
		}
		if n == 0 {
			return nil, nil, medsec.NotInScope("Advisory not found.", "err.advisory_not_found", "advisory "+ref, 0)
		}
	}
	a := &vuln.Advisory{}
	if err := json.Unmarshal([]byte(doc), a); err != nil {
		return nil, nil, fmt.Errorf("find advisory %s: %w", ref, err)
	}
	var fs []*medsec.Finding
	err = s.EachFinding(ctx, medsec.FindingFilter{Advisory: ref}, func(f *medsec.Finding) error { fs = append(fs, f); return nil })
	slices.SortStableFunc(fs, func(x, y *medsec.Finding) int { return strings.Compare(x.AssetName, y.AssetName) })
	return a, fs, err
}

// FindVendorAliases returns the vendor alias table: medsec's built-in lines and the
// hospital's own (which override a built-in line of the same alias), ordered by canonical
// name and alias. Needs PermInventoryRead.
func (s *VulnService) FindVendorAliases(ctx context.Context) ([]*medsec.VendorAlias, error) {
	if _, err := authorize(ctx, medsec.PermInventoryRead); err != nil {
		return nil, err
	}
	byKey := map[string]*medsec.VendorAlias{}
	for key, canonical := range vuln.DefaultAliases() {
		byKey[key] = &medsec.VendorAlias{Alias: key, Canonical: canonical, Builtin: true}
	}
	for _, names := range vuln.DefaultAliasNames() {
		for _, n := range names {
			if a := byKey[vuln.NameKey(n)]; a != nil && a.Alias == vuln.NameKey(n) {
				a.Alias = n
			}
		}
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT alias_key, alias, canonical, created_at FROM vuln_vendor_aliases`)
	if err != nil {
		return nil, fmt.Errorf("read vendor aliases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		a := &medsec.VendorAlias{}
		if err := rows.Scan(&key, &a.Alias, &a.Canonical, &a.CreatedAt); err != nil {
			return nil, fmt.Errorf("read vendor aliases: %w", err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		byKey[key] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read vendor aliases: %w", err)
	}
	out := make([]*medsec.VendorAlias, 0, len(byKey))
	for _, a := range byKey {
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y *medsec.VendorAlias) int {
		return cmp.Or(strings.Compare(strings.ToLower(x.Canonical), strings.ToLower(y.Canonical)), strings.Compare(strings.ToLower(x.Alias), strings.ToLower(y.Alias)))
	})
	return out, nil
}

// SetVendorAlias records that alias names the manufacturer canonical (replacing the line of
// the same alias, built-in or not), audited as vuln.alias.set, and matches again only the
// devices the edit can change (rematchAlias). Needs PermInventoryWrite and a user limited to no site and no
// vendor (the table applies at every site; others get EFORBIDDEN).
func (s *VulnService) SetVendorAlias(ctx context.Context, alias, canonical string) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	alias, canonical = strings.TrimSpace(alias), strings.TrimSpace(canonical)
	if err := (&medsec.VendorAlias{Alias: alias, Canonical: canonical}).Validate(); err != nil {
		return err
	}
	if err := sc.writesShared(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	key := vuln.NameKey(alias)
	var before any
	var oldAlias, oldCanonical string
	if err := tx.queryRow(ctx, `SELECT alias, canonical FROM vuln_vendor_aliases WHERE alias_key = ?`, key).Scan(&oldAlias, &oldCanonical); err == nil {
		before = map[string]string{"alias": oldAlias, "canonical": oldCanonical}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("set vendor alias: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO vuln_vendor_aliases (alias_key, alias, canonical, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (alias_key) DO UPDATE SET alias = excluded.alias, canonical = excluded.canonical`, key, alias, canonical, tx.now); err != nil {
		return fmt.Errorf("set vendor alias: %w", err)
	}
	if err := tx.auditChange(ctx, "vuln.alias.set", "vuln_alias", 0, 0, before, map[string]string{"alias": alias, "canonical": canonical}); err != nil {
		return err
	}
	return s.rematchAlias(ctx, tx, key)
}

// DeleteVendorAlias removes the hospital's line of the alias (a built-in line of the same
// alias then applies again) and matches again the devices that can change, audited as
// vuln.alias.delete. ENOTFOUND when the hospital has no such line (built-in lines cannot
// be removed). Needs what SetVendorAlias needs.
func (s *VulnService) DeleteVendorAlias(ctx context.Context, alias string) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	if err := sc.writesShared(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	key := vuln.NameKey(alias)
	var oldAlias, oldCanonical string
	if err := tx.queryRow(ctx, `SELECT alias, canonical FROM vuln_vendor_aliases WHERE alias_key = ?`, key).Scan(&oldAlias, &oldCanonical); errors.Is(err, sql.ErrNoRows) {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "alias.err.not_found", "The hospital's alias table has no line for %q (built-in lines cannot be removed).", alias)
	} else if err != nil {
		return fmt.Errorf("delete vendor alias: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM vuln_vendor_aliases WHERE alias_key = ?`, key); err != nil {
		return fmt.Errorf("delete vendor alias: %w", err)
	}
	if err := tx.auditChange(ctx, "vuln.alias.delete", "vuln_alias", 0, 0, map[string]string{"alias": oldAlias, "canonical": oldCanonical}, nil); err != nil {
		return err
	}
	return s.rematchAlias(ctx, tx, key)
}

// rematchAlias finishes an alias edit in tx: it queues the devices the edit of the alias
// whose NameKey is key can change (aliasTouches), commits with the edit, then matches them
// in committed batches (drainMatchQueue).
func (s *VulnService) rematchAlias(ctx context.Context, tx *Tx, key string) error {
	only, err := tx.aliasTouches(ctx, key)
	if err != nil {
		return err
	}
	if err := tx.enqueueMatch(ctx, only); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	var sum medsec.ImportSummary
	return s.drainMatchQueue(ctx, &sum)
}

type medsecChecker struct{ errs []medsec.FieldError }

func (c *medsecChecker) need(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.errs = append(c.errs, medsec.FieldError{Field: field, Key: "err.required", Message: "is required"})
	} else if fe := medsec.CheckText(field, v, false); fe != nil {
		c.errs = append(c.errs, *fe)
	} else if fe := medsec.CheckLength(field, v, medsec.MaxNameLength); fe != nil {
		c.errs = append(c.errs, *fe)
	}
}

func (c *medsecChecker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return &medsec.ValidationError{Errors: c.errs}
}

// VEX writes, for the advisory ref, the status of every device in scope that a finding
// names (CSAF or CycloneDX VEX, format "csaf" or "cyclonedx"); base gives the publisher and
// time. A gone finding still open in its workflow says what Advisory.GoneStatus says
// (fixed, or known_not_affected with vulnerable_code_not_present). Needs PermInventoryRead; ENOTFOUND for an unknown advisory, EINVALID for another
// format.
func (s *VulnService) VEX(ctx context.Context, ref, format string, base vuln.VEXInput) ([]byte, error) {
	if format != "csaf" && format != "cyclonedx" {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "format", Key: "err.unknown_value", Message: "must be csaf or cyclonedx"}}}
	}
	adv, findings, err := s.FindAdvisory(ctx, ref)
	if err != nil {
		return nil, err
	}
	in := base
	in.Advisory = adv
	if in.Now.IsZero() {
		in.Now = s.db.Now().UTC()
	}
	for _, f := range findings {
		a, err := s.assetOf(ctx, f.AssetID)
		if err != nil {
			return nil, err
		}
		d := vuln.VEXDevice{ProductID: fmt.Sprintf("MEDSEC-ASSET-%d", f.AssetID), Name: a.Name, Vendor: a.VendorName, Model: a.Model,
			Version: a.Firmware, CPE: a.FirmwareCPE, CVE: f.CVE, Status: f.State.VEXStatus(), Justification: f.Justification, Detail: f.Detail}
		if !f.GoneAt.IsZero() && f.State.Open() {
			// medsec marked it gone and no person has decided otherwise: fixed when the
			// advisory now says the product is fixed, else not affected, the vulnerable
			// version no longer being on the device (was: under_investigation, bt11g).
			d.Status, d.Justification = adv.GoneStatus(f.CVE, f.ProductID)
			if d.Detail == "" {
				d.Detail = "No longer matched by the advisory's affected products (" + f.GoneAt.UTC().Format("2006-01-02") + ")."
			}
		}
		if d.Version == "" {
			d.Version = a.Software
		}
		if f.ComponentID != 0 {
			d.ProductID = fmt.Sprintf("MEDSEC-ASSET-%d-COMPONENT-%d", f.AssetID, f.ComponentID)
			d.Name += " (SBOM component)"
			d.CPE = ""
		}
		if f.State == medsec.FindingMitigated {
			cs, err := s.FindControls(ctx, f.ID)
			if err != nil {
				return nil, err
			}
			if len(cs) > 0 {
				d.Mitigation = cs[0].Description
			}
		}
		in.Devices = append(in.Devices, d)
	}
	if format == "csaf" {
		return vuln.CSAFVEX(in)
	}
	return vuln.CycloneDXVEX(in)
}

func (s *VulnService) assetOf(ctx context.Context, id int64) (*medsec.Asset, error) {
	return findAssetByID(ctx, s.db.read, s.db.dialect, id)
}

// assetFindings returns every finding of an asset (the caller has checked the asset is in
// scope), for the automatic checks computed from them.
func assetFindings(ctx context.Context, q querier, d dialect, assetID int64, now time.Time) ([]*medsec.Finding, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT `+findingColumns+findingFrom+` WHERE f.asset_id = ? ORDER BY f.due_at, f.id`), assetID)
	if err != nil {
		return nil, fmt.Errorf("findings of asset %d: %w", assetID, err)
	}
	defer rows.Close()
	var out []*medsec.Finding
	for rows.Next() {
		f, err := scanFinding(rows.Scan, now)
		if err != nil {
			return nil, fmt.Errorf("findings of asset %d: %w", assetID, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"medsec"
	"medsec/vuln"
)

// matchBatch is how many queued devices one committed batch of matching takes: a feed
// import, an alias edit or a re-match holds the write lock (on SQLite, the whole server's)
// for one batch at a time, and other writers get in between.
var matchBatch = 200

// matchBatchDone, when not nil (tests), is called after each committed batch with the
// number of devices matched so far; an error stops the matching there, as a crash would.
var matchBatchDone func(done int) error

// matchDrain lets one matching of the queue run at a time in the process, so that two
// imports do not match the same devices at once.
var matchDrain sync.Mutex

// sortedIDs returns the IDs of a set, ascending.
func sortedIDs(set map[int64]bool) []int64 {
	out := make([]int64, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// idChunks splits ids into lists of at most n, for IN lists of bounded length.
func idChunks(ids []int64, n int) [][]int64 {
	var out [][]int64
	for len(ids) > 0 {
		k := min(len(ids), n)
		out = append(out, ids[:k])
		ids = ids[k:]
	}
	return out
}

func idArgs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// enqueueMatch queues the devices to be matched again (vuln_match_queue), in the
// transaction that stored what changed: a crash after it commits leaves them queued.
func (tx *Tx) enqueueMatch(ctx context.Context, ids map[int64]bool) error {
	for _, chunk := range idChunks(sortedIDs(ids), 250) {
		q := `INSERT INTO vuln_match_queue (asset_id, queued_at) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(chunk)), ", ") + ` ON CONFLICT (asset_id) DO NOTHING`
		args := make([]any, 0, 2*len(chunk))
		for _, id := range chunk {
			args = append(args, id, tx.now)
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("queue devices for matching: %w", err)
		}
	}
	return nil
}

// enqueueAllMatch queues every active device and every device holding a finding still
// matched (a retired device's findings are then marked gone).
func (tx *Tx) enqueueAllMatch(ctx context.Context) error {
	for _, q := range []string{
		// CURRENT_TIMESTAMP: a bound time in a SELECT list is text to PostgreSQL.
		`INSERT INTO vuln_match_queue (asset_id, queued_at) SELECT id, CURRENT_TIMESTAMP FROM assets WHERE status = 'active' ON CONFLICT (asset_id) DO NOTHING`,
		`INSERT INTO vuln_match_queue (asset_id, queued_at) SELECT DISTINCT asset_id, CURRENT_TIMESTAMP FROM vuln_findings WHERE gone_at IS NULL ON CONFLICT (asset_id) DO NOTHING`,
	} {
		if _, err := tx.exec(ctx, q); err != nil {
			return fmt.Errorf("queue devices for matching: %w", err)
		}
	}
	return nil
}

// drainMatchQueue matches the queued devices against the stored advisories in batches of
// matchBatch, each in its own transaction that also removes its devices from the queue and
// audits what changed (vuln.rematch), adding the counts to sum. Readers see each device
// either as it was or matched anew, never half; a crash leaves the rest queued for the
// next drain.
func (s *VulnService) drainMatchQueue(ctx context.Context, sum *medsec.ImportSummary) error {
	matchDrain.Lock()
	defer matchDrain.Unlock()
	done := 0
	for {
		n, err := s.matchQueuedBatch(ctx, sum)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		done += n
		if matchBatchDone != nil {
			if err := matchBatchDone(done); err != nil {
				return err
			}
		}
	}
}

// matchQueuedBatch matches one batch of the queue and returns how many devices it took.
func (s *VulnService) matchQueuedBatch(ctx context.Context, sum *medsec.ImportSummary) (int, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT asset_id FROM vuln_match_queue ORDER BY asset_id LIMIT ?`, matchBatch)
	if err != nil {
		return 0, fmt.Errorf("match: queue: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("match: queue: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		return 0, nil
	}
	only := make(map[int64]bool, len(ids))
	for _, id := range ids {
		only[id] = true
	}
	var batch medsec.ImportSummary
	if err := tx.rematch(ctx, &batch, only); err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, `DELETE FROM vuln_match_queue WHERE asset_id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...); err != nil {
		return 0, fmt.Errorf("match: queue: %w", err)
	}
	if batch.NewFindings+batch.Updated+batch.Gone > 0 {
		if err := tx.auditChange(ctx, "vuln.rematch", "vuln_import", 0, 0, nil, map[string]any{"assets": ids, "summary": batch}); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("match: %w", err)
	}
	sum.NewFindings += batch.NewFindings
	sum.Updated += batch.Updated
	sum.Gone += batch.Gone
	sum.DevicesMatched += len(ids)
	return len(ids), nil
}

// MatchQueued matches the devices an import, alias edit or Rematch queued but did not
// reach, because the process stopped midway; the server's scheduler runs it at start and
// every few minutes. It returns what changed (vuln.rematch audits each batch). Needs
// PermInventoryWrite.
func (s *VulnService) MatchQueued(ctx context.Context) (medsec.ImportSummary, error) {
	var sum medsec.ImportSummary
	if _, err := authorize(ctx, medsec.PermInventoryWrite); err != nil {
		return sum, err
	}
	if err := s.fillMissingWhy(ctx); err != nil {
		return sum, err
	}
	err := s.drainMatchQueue(ctx, &sum)
	return sum, err
}

// fillMissingWhy gives the findings stored before migration 0073, which kept why they
// matched only as English sentences (identifier, rule, version_test), their why as data
// (why_json), so that every page, the API and the reports say it in the reader's
// language: a scanner's finding from the first stored scan result of its CVE on its asset
// (scanWhy), a finding of an advisory still matched by queueing its device to be matched
// again (the match writes the why). Findings that have it are left alone, so after one
// run this finds nothing.
func (s *VulnService) fillMissingWhy(ctx context.Context) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT id, asset_id, cve, source FROM vuln_findings WHERE why_json = '' AND gone_at IS NULL ORDER BY id`)
	if err != nil {
		return fmt.Errorf("findings without why: %w", err)
	}
	type old struct {
		id, asset   int64
		cve, source string
	}
	var olds []old
	for rows.Next() {
		var o old
		if err := rows.Scan(&o.id, &o.asset, &o.cve, &o.source); err != nil {
			rows.Close()
			return fmt.Errorf("findings without why: %w", err)
		}
		olds = append(olds, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("findings without why: %w", err)
	}
	if len(olds) == 0 {
		return nil
	}
	queue := map[int64]bool{}
	for _, o := range olds {
		if o.source != findingFromScanner {
			queue[o.asset] = true
			continue
		}
		var r medsec.ScanResult
		var scanner, cves string
		err := tx.queryRow(ctx, `SELECT r.scanner_id, r.port, r.package, r.version, r.fixed_version, r.cves, p.scanner
			FROM scan_results r JOIN scan_hosts h ON h.id = r.host_id JOIN scan_reports p ON p.id = h.report_id
			WHERE r.asset_id = ? AND (',' || r.cves || ',') LIKE ? ORDER BY p.id, r.score DESC, r.id LIMIT 1`, o.asset, "%,"+o.cve+",%").
			Scan(&r.ScannerID, &r.Port, &r.Package, &r.Version, &r.FixedVersion, &cves, &scanner)
		if errors.Is(err, sql.ErrNoRows) {
			continue // the result is no longer stored: the English why stays
		} else if err != nil {
			return fmt.Errorf("finding %d: why: %w", o.id, err)
		}
		w := scanWhy(scanner, r)
		why, err := json.Marshal(w)
		if err != nil {
			return fmt.Errorf("finding %d: why: %w", o.id, err)
		}
		if _, err := tx.exec(ctx, `UPDATE vuln_findings SET why_json = ? WHERE id = ? AND why_json = ''`, string(why), o.id); err != nil {
			return fmt.Errorf("finding %d: why: %w", o.id, err)
		}
	}
	if err := tx.enqueueMatch(ctx, queue); err != nil {
		return err
	}
	return tx.Commit()
}

// QueuedForMatching returns how many devices wait to be matched again (an import or alias
// edit stopped midway leaves some; the next one matches them). Needs PermInventoryRead.
func (s *VulnService) QueuedForMatching(ctx context.Context) (int, error) {
	if _, err := authorize(ctx, medsec.PermInventoryRead); err != nil {
		return 0, err
	}
	var n int
	if err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM vuln_match_queue`).Scan(&n); err != nil {
		return 0, fmt.Errorf("match: queue: %w", err)
	}
	return n, nil
}

// aliasTouches returns the IDs of the devices an edit of the alias whose NameKey is key can
// change the findings of: only the names with that key compare differently, so those are
// the devices carrying the name (their vendor, a CPE's vendor, a component's supplier or
// CPE vendor), those sharing an index key with an advisory writing the name (the key
// index's "v|" keys, vuln.IndexKeys), and those holding a finding of such an advisory.
func (tx *Tx) aliasTouches(ctx context.Context, key string) (map[int64]bool, error) {
	if err := tx.fillAdvisoryKeys(ctx); err != nil {
		return nil, err
	}
	advIDs := map[int64]bool{}
	refs := map[string]bool{}
	rows, err := tx.query(ctx, `SELECT k.advisory_id, a.ref FROM vuln_advisory_keys k JOIN vuln_advisories a ON a.id = k.advisory_id WHERE k.key = ?`, "v|"+key)
	if err != nil {
		return nil, fmt.Errorf("match: advisories of an alias: %w", err)
	}
	for rows.Next() {
		var id int64
		var ref string
		if err := rows.Scan(&id, &ref); err != nil {
			rows.Close()
			return nil, fmt.Errorf("match: advisories of an alias: %w", err)
		}
		advIDs[id], refs[ref] = true, true
	}
	rows.Close()
	keys := map[string]bool{}
	for _, chunk := range idChunks(sortedIDs(advIDs), 500) {
		rows, err := tx.query(ctx, `SELECT DISTINCT key FROM vuln_advisory_keys WHERE advisory_id IN (`+placeholders(len(chunk))+`)`, idArgs(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("match: keys of an alias's advisories: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("match: keys of an alias's advisories: %w", err)
			}
			keys[k] = true
		}
		rows.Close()
	}
	// Product alias lines of the name apply to other devices once the name compares
	// otherwise: the devices of their models and names.
	products, err := tx.productAliases(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range products {
		if vuln.NameKey(p.Vendor) == key {
			for _, n := range []string{p.Name, p.Model} {
				keys["n|"+vuln.NameKey(n)], keys["c|"+vuln.NameKey(n)] = true, true
			}
		}
	}
	only := map[int64]bool{}
	if len(refs) > 0 {
		if err := tx.findingsOf(ctx, nil, refs, only); err != nil {
			return nil, err
		}
	}
	if err := tx.targetsSharing(ctx, keys, key, only); err != nil {
		return nil, err
	}
	return only, nil
}

// findingsOf adds to only the devices holding a finding of one of the CVEs or naming one
// of the advisory references.
func (tx *Tx) findingsOf(ctx context.Context, cves, refs map[string]bool, only map[int64]bool) error {
	rows, err := tx.query(ctx, `SELECT asset_id, cve, advisories FROM vuln_findings`)
	if err != nil {
		return fmt.Errorf("match: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var cve, advisories string
		if err := rows.Scan(&id, &cve, &advisories); err != nil {
			return fmt.Errorf("match: %w", err)
		}
		if cves[cve] || slices.ContainsFunc(splitList(advisories), func(r string) bool { return refs[r] }) {
			only[id] = true
		}
	}
	return rows.Err()
}

// targetsSharing adds to only the active devices that (or a component of which) share an
// index key with keys (vuln.TargetIndexKeys), or carry a manufacturer name whose NameKey is
// vendorKey (vuln.TargetVendorKeys; none when vendorKey is ""). Keys are computed once per
// distinct target identity: a fleet's components repeat across the devices of a model.
func (tx *Tx) targetsSharing(ctx context.Context, keys map[string]bool, vendorKey string, only map[int64]bool) error {
	if len(keys) == 0 && vendorKey == "" {
		return nil
	}
	assets, components, err := tx.loadTargets(ctx, nil)
	if err != nil {
		return err
	}
	aliases, err := tx.aliases(ctx)
	if err != nil {
		return err
	}
	products, err := tx.productAliases(ctx)
	if err != nil {
		return err
	}
	memo := map[string]bool{}
	hits := func(t vuln.Target) bool {
		id := fmt.Sprintf("%s\x00%s\x00%q\x00%q", t.Vendor, t.Model, t.CPEs, t.PURLs)
		if h, ok := memo[id]; ok {
			return h
		}
		shares := func(t vuln.Target) bool {
			return slices.ContainsFunc(vuln.TargetIndexKeys(t), func(k string) bool { return keys[k] })
		}
		h := shares(t) || slices.ContainsFunc(products.Variants(aliases, t), shares) ||
			vendorKey != "" && slices.Contains(vuln.TargetVendorKeys(t), vendorKey)
		memo[id] = h
		return h
	}
	for _, a := range assets {
		if !only[a.id] && (hits(a.target) || slices.ContainsFunc(components[a.id], hits)) {
			only[a.id] = true
		}
	}
	return nil
}

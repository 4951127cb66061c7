package sqlstore

import (
	"context"
	"database/sql"

	"medsec"
)

// WritePool exposes the writer to the tests, which check the search index (FTS5 writes its integrity check).
func (db *DB) WritePool() *sql.DB { return db.write }

// ExecRaw runs one statement on the database as written, bypassing the services, for
// tests that need data the services refuse (legacy rows written before a rule existed).
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(query), args...)
	return err
}

// LegacyGapReport is the gap report as computed before it counted in bulk, the reference
// of TestGapReportBulkMatchesWalk.
func (s *AssessmentService) LegacyGapReport(ctx context.Context, f medsec.GapFilter) (*medsec.GapReport, error) {
	return s.legacyGapReport(ctx, f)
}

// ForgetGapReports drops the kept gap reports, so that a benchmark times the computation.
func (s *AssessmentService) ForgetGapReports() {
	s.gapCache.mu.Lock()
	s.gapCache.entries = nil
	s.gapCache.mu.Unlock()
}

// GapAssetChecks returns the automatic checks' results on every active asset u may see,
// once on the asset as the gap report reads it (gapAssetColumns) and once read whole.
func (s *AssessmentService) GapAssetChecks(ctx context.Context) (narrow, whole [][]medsec.CheckResult, err error) {
	u := medsec.UserFromContext(ctx)
	now := s.db.Now().UTC()
	for _, read := range []func() ([]*medsec.Asset, error){
		func() ([]*medsec.Asset, error) { return s.visibleAssets(ctx, u, medsec.AssetFilter{}) },
		func() ([]*medsec.Asset, error) { return legacyVisibleAssets(ctx, s, u, medsec.AssetFilter{}) },
	} {
		assets, err := read()
		if err != nil {
			return nil, nil, err
		}
		var out [][]medsec.CheckResult
		for _, a := range assets {
			rs, err := s.runChecks(ctx, newMDS2Cache(s.db.read, s.db.dialect), a, a.Level, now)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, rs)
		}
		if narrow == nil {
			narrow = out
		} else {
			whole = out
		}
	}
	return narrow, whole, nil
}

// RematchAssetsTimed matches the stored advisories again against the given assets in a
// transaction it rolls back, through the advisory index (useIndex) or by decoding every
// stored advisory: the two ways a device change was matched, for BenchmarkDeviceChangeRematch.
func (s *VulnService) RematchAssetsTimed(ctx context.Context, useIndex bool, ids ...int64) (medsec.ImportSummary, error) {
	var sum medsec.ImportSummary
	tx, err := s.db.begin(ctx)
	if err != nil {
		return sum, err
	}
	defer tx.Rollback()
	only := map[int64]bool{}
	for _, id := range ids {
		only[id] = true
	}
	err = tx.rematchWith(ctx, &sum, only, useIndex)
	return sum, err
}

// SetMatchBatch sets how many queued devices one committed batch of matching takes and
// returns the function restoring the default.
func SetMatchBatch(n int) func() {
	old := matchBatch
	matchBatch = n
	return func() { matchBatch = old }
}

// SetMatchBatchDone sets the function called after each committed batch of matching
// (with the devices matched so far; an error stops the matching as a crash would) and
// returns the function removing it.
func SetMatchBatchDone(f func(done int) error) func() {
	matchBatchDone = f
	return func() { matchBatchDone = nil }
}

// RematchAllInOneTx matches every stored advisory against every device in one transaction
// it rolls back: how an alias edit or "Rematch" matched before t11 finding 25, the peer of
// BenchmarkAliasEdit.
func (s *VulnService) RematchAllInOneTx(ctx context.Context) (medsec.ImportSummary, error) {
	var sum medsec.ImportSummary
	tx, err := s.db.begin(ctx)
	if err != nil {
		return sum, err
	}
	defer tx.Rollback()
	err = tx.rematch(ctx, &sum, nil)
	return sum, err
}

// countingQuerier counts the queries read through it.
type countingQuerier struct {
	querier
	n int
}

func (c *countingQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n++
	return c.querier.QueryContext(ctx, query, args...)
}

func (c *countingQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c.n++
	return c.querier.QueryRowContext(ctx, query, args...)
}

// FindRiskReviewsCounting lists the risk reviews as FindRiskReviews does and says how many
// queries it took.
func (s *RiskReviewService) FindRiskReviewsCounting(ctx context.Context, f medsec.RiskReviewFilter) ([]*medsec.RiskReview, int, error) {
	c := &countingQuerier{querier: s.db.read}
	out, err := s.findAll(ctx, c, f)
	return out, c.n, err
}

// AssetBigrams is assetBigrams: the grams asset_bigrams holds for one search text.
var AssetBigrams = assetBigrams

// SearchCondForTest is the engine's search condition of a query (table alias a), with
// the engine's placeholders, for tests that read its query plan.
func (db *DB) SearchCondForTest(query string) (string, []any) {
	cond, args := db.dialect.searchCond(query)
	return db.dialect.rebind(cond), args
}

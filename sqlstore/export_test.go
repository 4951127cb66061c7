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

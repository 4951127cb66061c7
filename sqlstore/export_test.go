package sqlstore

import "database/sql"

// WritePool exposes the writer to the tests, which check the search index (FTS5 writes its integrity check).
func (db *DB) WritePool() *sql.DB { return db.write }

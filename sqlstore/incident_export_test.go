package sqlstore

import "context"

// QueryRowForTest reads one value with shared SQL, for tests that check rows the services
// do not return.
func (db *DB) QueryRowForTest(query string, dest any) error {
	return db.read.QueryRowContext(context.Background(), db.dialect.rebind(query)).Scan(dest)
}

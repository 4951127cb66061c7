package sqlstore

import "context"

// QueryRowForTest reads one value with shared SQL, for tests that check rows the services
// do not return.
func (db *DB) QueryRowForTest(query string, dest any) error {
	return db.read.QueryRowContext(context.Background(), db.dialect.rebind(query)).Scan(dest)
}

// ExecForTest runs a statement with shared SQL, for tests that make the rows an older
// version of medsec left.
func (db *DB) ExecForTest(query string, args ...any) error {
	_, err := db.write.ExecContext(context.Background(), db.dialect.rebind(query), args...)
	return err
}

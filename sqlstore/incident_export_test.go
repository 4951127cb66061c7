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

// RerunMigrationForTest applies the migration file name again (forgetting it was applied),
// for tests that make the rows an older version left and check what the migration does
// to them.
func (db *DB) RerunMigrationForTest(name string) error {
	if err := db.ExecForTest(`DELETE FROM schema_migrations WHERE name = ?`, name); err != nil {
		return err
	}
	return db.migrateFile(context.Background(), "migrations/"+db.dialect.name+"/"+name)
}

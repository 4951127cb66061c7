package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"medsec/sqlstore"
)

// openStore opens the database of a command: the PostgreSQL one at db, or the SQLite one
// in the data directory. A command that only reads (read true: list, show, ledger,
// findings, export) refuses a data directory or database that does not exist, naming the
// path, instead of creating an empty database there: a mistyped --data would otherwise
// leave a new medsec.db behind and answer an empty list as if the hospital had no
// records. Only "medsec serve" and the import commands create a database.
func openStore(ctx context.Context, data, db string, read bool) (*sqlstore.DB, error) {
	if db == "" && read {
		if err := checkDataDir(data); err != nil {
			return nil, err
		}
	}
	return sqlstore.Open(ctx, dsnFor(data, db))
}

// checkDataDir returns an error naming the path when data is not a directory holding a
// medsec database (medsec.db).
func checkDataDir(data string) error {
	fi, err := os.Stat(data)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("data directory %s does not exist: check --data (a read command does not create one; medsec serve --data DIR does)", data)
	case err != nil:
		return fmt.Errorf("data directory %s: %w", data, err)
	case !fi.IsDir():
		return fmt.Errorf("data directory %s is not a directory: check --data", data)
	}
	path := filepath.Join(data, "medsec.db")
	if fi, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no medsec database in %s (%s does not exist): check --data (a read command does not create one; medsec serve --data DIR does)", data, path)
	} else if err != nil {
		return fmt.Errorf("database %s: %w", path, err)
	} else if fi.IsDir() {
		return fmt.Errorf("database %s is a directory, not a medsec database: check --data", path)
	}
	return nil
}

// Package sqlstore implements medsec's services on an embedded SQLite database or on
// PostgreSQL. Both engines share the SQL; the dialect type holds the few differences.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"medsec"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

//go:embed migrations
var migrationsFS embed.FS

// DB is an open store. Writes go through one connection (SQLite allows one writer; a single
// writer connection avoids busy errors); reads use a pool.
type DB struct {
	write   *sql.DB
	read    *sql.DB
	dialect dialect
	path    string // SQLite file, "" for PostgreSQL

	// Now is the clock every transaction takes its time from; tests set it.
	Now func() time.Time
	// Events, when set, is the event stream that medsec's own events (stored by the
	// transaction that raised them) are published to after it commits.
	Events medsec.EventPublisher
	// PublishWait overrides how long a commit waits for Events to take its events before
	// queuing them (0: the constant PublishWait).
	PublishWait time.Duration

	// changes counts committed transactions that changed report data (changeCounter);
	// copies of the DB (VulnService.At) share it.
	changes *changeCounter
	// outbox publishes the events of commits the stream did not take at once.
	outbox *outbox
}

// Open opens the store named by dsn and brings its schema up to date. A dsn starting with
// postgres:// or postgresql:// is a PostgreSQL server; anything else is a SQLite file path.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{Now: func() time.Time { return time.Now().UTC() }, changes: &changeCounter{}, outbox: &outbox{}}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.dialect = postgres
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(16)
		db.write, db.read = pool, pool
	} else {
		db.dialect = sqlite
		db.path = dsn
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("open sqlite: %w", err)
			}
		}
		// WAL lets readers run beside the writer; busy_timeout waits instead of failing.
		conn := "file:" + dsn + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)"
		var err error
		if db.write, err = sql.Open("sqlite", conn+"&_txlock=immediate"); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		db.write.SetMaxOpenConns(1)
		if db.read, err = sql.Open("sqlite", conn+"&mode=ro"); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		db.read.SetMaxOpenConns(4)
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect %s: %w", db.dialect.name, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the store's connections.
func (db *DB) Close() error {
	var err error
	if db.read != nil && db.read != db.write {
		err = db.read.Close()
	}
	if db.write != nil {
		if cerr := db.write.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name }

// migrate applies the embedded migrations not yet recorded in schema_migrations, each in
// its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	dir := "migrations/" + db.dialect.name
	names, err := fs.Glob(migrationsFS, dir+"/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migrate %s: %w", filepath.Base(name), err)
		}
	}
	return nil
}

func (db *DB) migrateFile(ctx context.Context, name string) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, db.dialect.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`), filepath.Base(name)).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	script, err := fs.ReadFile(migrationsFS, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(script)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.dialect.rebind(`INSERT INTO schema_migrations (name) VALUES (?)`), filepath.Base(name)); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx is a write transaction with the time it started, used as "now" by everything it does.
type Tx struct {
	*sql.Tx
	db  *DB
	now time.Time
	// stmts caches prepared statements for the transaction: an import runs the same few
	// statements tens of thousands of times.
	stmts map[string]*sql.Stmt
	// events are the events emitted in the transaction, published when it commits.
	events []medsec.Event
	// changes: a statement wrote report data (writesReportData); the store's change
	// count moves when the transaction commits.
	changes bool
}

// begin starts a write transaction.
func (db *DB) begin(ctx context.Context) (*Tx, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond), stmts: map[string]*sql.Stmt{}}, nil
}

// prepared returns the transaction's prepared statement for a query in shared SQL.
func (tx *Tx) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := tx.stmts[query]; ok {
		return st, nil
	}
	st, err := tx.PrepareContext(ctx, tx.db.dialect.rebind(query))
	if err != nil {
		return nil, err
	}
	tx.stmts[query] = st
	return st, nil
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	tx.note(query)
	st, err := tx.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// scanAll reads every row with scan and closes rows; what names the rows in errors.
func scanAll[T any](rows *sql.Rows, what string, scan func(func(...any) error) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	tx.note(query)
	return tx.QueryContext(ctx, tx.db.dialect.rebind(query), args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	tx.note(query)
	st, err := tx.prepared(ctx, query)
	if err != nil {
		return tx.QueryRowContext(ctx, tx.db.dialect.rebind(query), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// insert runs an INSERT and returns the new row's id.
func (tx *Tx) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// querier is what read helpers need: a transaction or the reader pool.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// dialect holds what differs between the engines.
type dialect struct {
	name string
	// numbered placeholders ($1, $2) instead of "?".
	numbered bool
}

var (
	sqlite   = dialect{name: "sqlite"}
	postgres = dialect{name: "postgres", numbered: true}
)

// rebind turns the "?" placeholders of shared SQL into the engine's own.
func (d dialect) rebind(query string) string {
	if !d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// Backup writes a consistent copy of a running SQLite store to path, which must not exist.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect.name != "sqlite" {
		return fmt.Errorf("backup: the PostgreSQL store is backed up with pg_dump")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	// VACUUM INTO reads one snapshot, so the copy is consistent while writers go on.
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// evidenceReferences are the columns that cite an evidence file by its SHA-256. A table
// that starts citing evidence must be added here, so that restore checks its files too.
var evidenceReferences = []struct{ table, column string }{
	{"assessment_evidence", "sha256"},
	{"evidence_uploads", "sha256"},
	{"incident_evidence", "sha256"},
	{"reports", "sha256"},
}

// EvidenceHashes returns, sorted and without repeats, the SHA-256 of every evidence file
// the database cites. Restore checks that a backup holds each of them. A report still being
// generated (or failed) cites no file yet: its empty hash is not listed.
func (db *DB) EvidenceHashes(ctx context.Context) ([]string, error) {
	var parts []string
	for _, r := range evidenceReferences {
		parts = append(parts, "SELECT "+r.column+" AS h FROM "+r.table)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT h FROM (`+strings.Join(parts, " UNION ALL ")+`) cited WHERE h <> '' ORDER BY h`)
	if err != nil {
		return nil, fmt.Errorf("list cited evidence: %w", err)
	}
	defer rows.Close()
	var hashes []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("list cited evidence: %w", err)
		}
		hashes = append(hashes, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list cited evidence: %w", err)
	}
	return hashes, nil
}

// CheckIntegrity runs SQLite's integrity check and stores its answer ("ok" when sound).
func (db *DB) CheckIntegrity(ctx context.Context, result *string) error {
	if db.dialect.name != "sqlite" {
		*result = "ok"
		return nil
	}
	return db.read.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(result)
}

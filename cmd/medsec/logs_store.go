package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"medsec"
	"medsec/logs"
	"medsec/logstore"
	"medsec/sqlstore"
)

// logStoreDir is where a data directory keeps its sealed log store.
func logStoreDir(data string) string { return filepath.Join(data, "logs") }

// openLogStore opens the log store of a data directory for a command-line command. It
// fails with a clear message while a server holds it.
func openLogStore(data string, readOnly bool, site func(logs.Record) int64) (*logstore.Store, error) {
	return logstore.Open(logstore.Config{Dir: logStoreDir(data), ReadOnly: readOnly, Site: site})
}

// parseLogTime reads a time flag: RFC 3339, a date (YYYY-MM-DD, UTC midnight), "now", or
// an offset from now such as "-24h" or "-7d".
func parseLogTime(name, v string, now time.Time) (time.Time, error) {
	switch {
	case v == "now":
		return now, nil
	case strings.HasPrefix(v, "-"):
		s := v[1:]
		mult := time.Duration(1)
		if d, ok := strings.CutSuffix(s, "d"); ok {
			s, mult = d+"h", 24
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("--%s %q: not an offset like -24h or -7d", name, v)
		}
		return now.Add(-d * mult), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--%s %q: want RFC 3339 (2026-11-30T08:00:00Z), a date (2026-11-30), now, or an offset (-24h, -7d)", name, v)
}

// logCommand is what search and export share: the data directory, the database for the
// audit trail, and the store.
type logCommand struct {
	db    *sqlstore.DB
	store *logstore.Store
	svc   *sqlstore.LogService
}

// openLogCommand opens the store of data and its database: the SQLite one in data, or the
// PostgreSQL one at dbURL when given (a central server of a group).
func openLogCommand(ctx context.Context, data, dbURL string) (*logCommand, error) {
	if _, err := os.Stat(dsnFor(data, dbURL)); err != nil && dbURL == "" {
		return nil, fmt.Errorf("no database in %s", data)
	}
	db, err := sqlstore.Open(ctx, dsnFor(data, dbURL))
	if err != nil {
		return nil, err
	}
	st, err := openLogStore(data, true, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &logCommand{db: db, store: st, svc: sqlstore.NewLogService(db, st)}, nil
}

func (c *logCommand) close() {
	c.store.Close()
	c.db.Close()
}

// runLogsSearch implements "medsec logs search [--data DIR] --from T --to T QUERY --json".
func runLogsSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logs search", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	dbURL := fs.String("db", "", "PostgreSQL URL of the server's database, when it runs on PostgreSQL (postgres://...)")
	from := fs.String("from", "-24h", "start of the receive-time range (RFC 3339, date, now, -24h)")
	to := fs.String("to", "now", "end of the receive-time range, excluded")
	limit := fs.Int("limit", 100, "most records to print, newest first (1-10000)")
	asJSON := fs.Bool("json", false, "print one JSON object: hits, total and histogram")
	if err := fs.Parse(moveFlagsFirst(args, "json")); err != nil {
		return err
	}
	now := time.Now().UTC()
	f, err := parseLogTime("from", *from, now)
	if err != nil {
		return fmt.Errorf("logs search: %w", err)
	}
	t, err := parseLogTime("to", *to, now)
	if err != nil {
		return fmt.Errorf("logs search: %w", err)
	}
	c, err := openLogCommand(ctx, *data, *dbURL)
	if err != nil {
		return fmt.Errorf("logs search: %w", err)
	}
	defer c.close()
	res, err := c.svc.SearchLogs(asSystem(ctx), medsec.LogQuery{From: f, To: t, Query: strings.Join(fs.Args(), " "), Limit: *limit})
	if err != nil {
		return fmt.Errorf("logs search: %s", medsec.ErrorMessage(err))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(res)
	}
	for _, h := range res.Hits {
		fmt.Fprintf(stdout, "%s site %d #%d %s %s\n", h.Received.Format(time.RFC3339Nano), h.SiteID, h.Index, h.Source, h.Raw)
	}
	fmt.Fprintf(stdout, "%d records matched (%d shown) in %d ms\n", res.Total, len(res.Hits), res.TookMS)
	return nil
}

// moveFlagsFirst lets boolean flags follow the positional arguments ("QUERY --json"), as
// the issue writes the commands: the standard flag package stops at the first argument.
func moveFlagsFirst(args []string, bools ...string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		if strings.HasPrefix(a, "-") && a != "-" && a != "--" {
			flags = append(flags, a)
			isBool := false
			for _, b := range bools {
				if name == b || strings.HasPrefix(name, b+"=") {
					isBool = true
				}
			}
			if !isBool && !strings.Contains(a, "=") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	return append(flags, rest...)
}

// runLogsExport implements "medsec logs export [--data DIR] --from T --to T --out BUNDLE".
func runLogsExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logs export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	dbURL := fs.String("db", "", "PostgreSQL URL of the server's database, when it runs on PostgreSQL (postgres://...)")
	from := fs.String("from", "", "start of the receive-time range (RFC 3339, date, now, -24h)")
	to := fs.String("to", "now", "end of the receive-time range, excluded")
	out := fs.String("out", "", "bundle file to write (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *out == "" {
		return errors.New("logs export: --from and --out are required")
	}
	now := time.Now().UTC()
	f, err := parseLogTime("from", *from, now)
	if err != nil {
		return fmt.Errorf("logs export: %w", err)
	}
	t, err := parseLogTime("to", *to, now)
	if err != nil {
		return fmt.Errorf("logs export: %w", err)
	}
	c, err := openLogCommand(ctx, *data, *dbURL)
	if err != nil {
		return fmt.Errorf("logs export: %w", err)
	}
	defer c.close()
	w, err := os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("logs export: %w", err)
	}
	err = c.svc.ExportLogs(asSystem(ctx), f, t, w)
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return fmt.Errorf("logs export: %s", medsec.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "bundle written to %s\npublic key: %s\n", *out, c.store.PublicKey())
	return nil
}

// runLogsVerify implements "medsec logs verify (--data DIR | BUNDLE) [--key PUBLIC-KEY]".
// It exits non-zero when anything is wrong and names each problem.
func runLogsVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logs verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "verify the live store of this data directory")
	dbURL := fs.String("db", "", "PostgreSQL URL of the server's database, when it runs on PostgreSQL (postgres://...)")
	key := fs.String("key", "", "public key the bundle must be signed with (default: the bundle's own; give the key you were handed)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(moveFlagsFirst(args, "json")); err != nil {
		return err
	}
	var rep *medsec.LogVerifyReport
	switch {
	case *data != "" && fs.NArg() == 0:
		c, err := openLogCommand(ctx, *data, *dbURL)
		if err != nil {
			return fmt.Errorf("logs verify: %w", err)
		}
		defer c.close()
		if rep, err = c.svc.VerifyLogs(asSystem(ctx)); err != nil {
			return fmt.Errorf("logs verify: %s", medsec.ErrorMessage(err))
		}
		fmt.Fprintf(stderr, "public key: %s\n", c.store.PublicKey())
	case *data == "" && fs.NArg() == 1:
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("logs verify: %w", err)
		}
		defer f.Close()
		r, err := logstore.VerifyBundle(f, *key)
		if err != nil {
			return fmt.Errorf("logs verify: %s: %w", fs.Arg(0), err)
		}
		rep = sqlstore.ReportOf(r)
		if *key == "" {
			fmt.Fprintln(stderr, "note: checked against the key inside the bundle; pass --key with the key you were given to be sure of the signer")
		}
	default:
		return errors.New("logs verify: give --data DIR or one BUNDLE file")
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, p := range rep.Problems {
			at := ""
			if !p.Time.IsZero() {
				at = " at " + p.Time.Format(time.RFC3339Nano)
			}
			fmt.Fprintf(stdout, "%s: site %d record %d%s: %s\n", strings.ToUpper(p.Kind), p.SiteID, p.Index, at, p.Detail)
		}
		if rep.OK {
			fmt.Fprintf(stdout, "OK: %d records verified\n", rep.Checked)
		}
	}
	if !rep.OK {
		return fmt.Errorf("logs verify: %d problem(s) found", len(rep.Problems))
	}
	return nil
}

// runLogsKey implements "medsec logs key [--data DIR]": it prints the seal's public key.
func runLogsKey(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logs key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	k, err := logstore.LoadOrCreateKey(logStoreDir(*data))
	if err != nil {
		return fmt.Errorf("logs key: %w", err)
	}
	fmt.Fprintln(stdout, k.Public)
	return nil
}

// siteResolver returns the function that puts a record in a site's log, read once from
// the database (for the CLI, which runs briefly): logs.SenderZones.RecordSite — the site of
// the registered log source with the sender's address, else of the asset with it, else
// the site the receiver set (a JSON source's, a sensor's), else the first site. The
// server keeps its resolver current instead (openServeLogs).
func siteResolver(ctx context.Context, db *sqlstore.DB) (func(logs.Record) int64, error) {
	z := &logs.SenderZones{Sources: sqlstore.NewLogSourceService(db), Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db)}
	if err := z.Refresh(ctx); err != nil {
		return nil, err
	}
	return z.RecordSite, nil
}

// runLogsIngest implements "medsec logs ingest [--data DIR] FILE...": it parses the files
// (plain or .gz, rotated ones oldest first) and stores and seals every line.
func runLogsIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logs ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	format := fs.String("format", "auto", "auto, rfc5424, rfc3164, cef or json")
	zone := fs.String("zone", "UTC", "time zone of RFC 3164 and CEF times that carry none (IANA name)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("logs ingest: give one or more files")
	}
	logstore.TuneGC()
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return fmt.Errorf("logs ingest: --zone %q: %w", *zone, err)
	}
	if _, err := os.Stat(dsnFor(*data, "")); err != nil {
		return fmt.Errorf("logs ingest: no database in %s", *data)
	}
	db, err := sqlstore.Open(ctx, dsnFor(*data, ""))
	if err != nil {
		return fmt.Errorf("logs ingest: %w", err)
	}
	defer db.Close()
	site, err := siteResolver(ctx, db)
	if err != nil {
		return fmt.Errorf("logs ingest: %w", err)
	}
	st, err := openLogStore(*data, false, site)
	if err != nil {
		return fmt.Errorf("logs ingest: %w", err)
	}
	stats, err := logs.ImportFiles(ctx, st, &logs.Parser{Format: *format, Location: loc}, fs.Args(), time.Now().UTC(), 2000)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	for _, le := range stats.Errors {
		fmt.Fprintf(stderr, "%v (stored with its raw bytes)\n", le)
	}
	if err != nil {
		return fmt.Errorf("logs ingest: %w", err)
	}
	fmt.Fprintf(stdout, "%d records from %d file(s) stored and sealed\n", stats.Records, stats.Files)
	return nil
}

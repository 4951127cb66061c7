package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"medsec/sqlstore"
)

// runBackup implements "medsec backup": a consistent copy of the SQLite store, taken while
// the server may be running.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	out := fs.String("out", "", "backup file to write (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: --out is required")
	}
	path := dsnFor(*data, "")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: no database in %s", *data)
	}
	db, err := sqlstore.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", *out)
	return nil
}

// runRestore implements "medsec restore": it checks a backup and puts it in place of the
// data directory's database, keeping the old one beside it. The server must be stopped.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	from := fs.String("from", "", "backup file made by medsec backup")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: --from is required")
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	unlock, err := lockDataDir(*data)
	if err != nil {
		return fmt.Errorf("restore: stop the server first: %w", err)
	}
	defer unlock()

	// Check the backup on a private copy, so that a bad file changes nothing.
	staged := filepath.Join(*data, "medsec.db.restoring")
	os.Remove(staged)
	if err := copyFile(*from, staged); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	check, err := sqlstore.Open(ctx, staged)
	if err != nil {
		os.Remove(staged)
		return fmt.Errorf("restore: %s is not a medsec backup: %w", *from, err)
	}
	var result string
	err = check.CheckIntegrity(ctx, &result)
	check.Close()
	if err != nil || result != "ok" {
		os.Remove(staged)
		return fmt.Errorf("restore: %s failed the integrity check: %v %s", *from, err, result)
	}
	target := dsnFor(*data, "")
	if _, err := os.Stat(target); err == nil {
		old := target + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(target+suffix, old+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("restore: %w", err)
			}
		}
		fmt.Fprintf(stdout, "previous database kept as %s\n", old)
	}
	os.Remove(staged + "-wal")
	os.Remove(staged + "-shm")
	if err := os.Rename(staged, target); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", *from, *data)
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

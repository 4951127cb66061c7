package main

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"medsec/sqlstore"
)

// A backup is a tar archive: "medsec.db", a consistent copy of the SQLite store, and
// "evidence/XX/SHA256", every evidence file. Evidence files are named by their content's
// SHA-256, which restore checks.

// runBackup implements "medsec backup": a consistent copy of the store and the evidence
// files, taken while the server may be running.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	out := fs.String("out", "", "backup file to write (must not exist); it is written as .FILE.partial-PID-... beside it and renamed when whole. A killed backup leaves that partial file, which the next backup to the same --out removes (delete it by hand otherwise)")
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
	if _, err := os.Lstat(*out); err == nil {
		return fmt.Errorf("backup: %s already exists", *out)
	}
	removeStale(*data, snapshotPrefix)
	dir, base := filepath.Split(*out)
	partialPrefix := "." + base + ".partial-"
	removeStale(dir, partialPrefix)
	// The archive is written under a temporary name beside --out, flushed to disk, and only
	// then given its name: a backup cut short (kill -9, a full disk) never leaves a file at
	// --out that looks like a backup. A partial file left by a killed run is removed by the
	// next backup to the same name: only there is it known to be a partial medsec archive
	// (the name carries --out's base name), so no other clean-up looks for it.
	f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%s%d-%d", partialPrefix, os.Getpid(), time.Now().UnixNano())), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp := f.Name()
	err = writeBackup(ctx, *data, path, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Link, unlike rename, refuses to replace a file that appeared at --out meanwhile.
		err = os.Link(tmp, *out)
	}
	os.Remove(tmp)
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backup written to %s\n", *out)
	return nil
}

// snapshotPrefix begins the name of the database snapshot a backup takes in the data
// directory: snapshotPrefix + PID + "-" + nanoseconds.
const snapshotPrefix = "medsec.db.backup-"

// removeStale removes the files in dir whose names begin with prefix followed by the PID
// of a process that no longer runs: the snapshots or partial archives of a backup that was
// killed. SQLite's -journal, -wal and -shm files of a snapshot go with it. A name with no
// PID (made by earlier versions) is always stale.
func removeStale(dir, prefix string) {
	if dir == "" {
		dir = "."
	}
	names, err := filepath.Glob(filepath.Join(dir, prefix+"*"))
	if err != nil {
		return
	}
	for _, name := range names {
		rest := strings.TrimPrefix(filepath.Base(name), prefix)
		pidText, _, hasPID := strings.Cut(rest, "-")
		if pid, err := strconv.Atoi(pidText); hasPID && err == nil && processRuns(pid) {
			continue
		}
		os.Remove(name)
	}
}

// processRuns reports whether a process with the PID runs (signal 0 checks without
// sending anything).
func processRuns(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// syncDir flushes a directory's entries to disk, so that a rename in it survives a crash.
func syncDir(dir string) error {
	if dir == "" {
		dir = "."
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func writeBackup(ctx context.Context, dataDir, dbPath string, w io.Writer) error {
	db, err := sqlstore.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	snapshot := filepath.Join(dataDir, fmt.Sprintf("%s%d-%d", snapshotPrefix, os.Getpid(), time.Now().UnixNano()))
	defer removeSnapshot(snapshot)
	err = db.Backup(ctx, snapshot)
	db.Close()
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	if err := addFile(tw, snapshot, "medsec.db"); err != nil {
		return err
	}
	evidenceDir := filepath.Join(dataDir, "evidence")
	err = filepath.WalkDir(evidenceDir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == evidenceDir {
			return fs.SkipDir
		} else if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dataDir, p)
		if err != nil {
			return err
		}
		return addFile(tw, p, filepath.ToSlash(rel))
	})
	if err != nil {
		return err
	}
	if err := addLogStore(tw, dataDir); err != nil {
		return fmt.Errorf("log store: %w", err)
	}
	return tw.Close()
}

// removeSnapshot removes a snapshot and the files SQLite may keep beside it.
func removeSnapshot(path string) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

func addFile(tw *tar.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// evidenceName is the only evidence path a backup may hold: evidence/XX/SHA256.
var evidenceName = regexp.MustCompile(`^evidence/([0-9a-f]{2})/([0-9a-f]{64})$`)

// runRestore implements "medsec restore": it checks a backup whole (the database's
// integrity, every evidence file's hash) before it touches the data directory, then puts
// it in place and keeps the old database and evidence beside. The server must be stopped.
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
	// A refused restore leaves no trace: the data directory and its lock file are removed
	// again when this run created them (retest N7: a refused restore into a new directory
	// left the directory with medsec.lock in it). The defer runs after the unlock and after
	// the staging directory is removed; os.Remove leaves a directory that is not empty.
	lockPath := filepath.Join(*data, "medsec.lock")
	var createdDirs []string // the directories MkdirAll will create, deepest first
	for d := filepath.Clean(*data); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); !errors.Is(err, os.ErrNotExist) || d == filepath.Dir(d) {
			break
		}
		createdDirs = append(createdDirs, d)
	}
	_, err := os.Lstat(lockPath)
	createdLock := errors.Is(err, os.ErrNotExist)
	restored := false
	defer func() {
		if restored {
			return
		}
		if createdLock {
			os.Remove(lockPath)
		}
		for _, d := range createdDirs {
			os.Remove(d)
		}
	}()
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	unlock, err := lockDataDir(*data)
	if err != nil {
		return fmt.Errorf("restore: stop the server first: %w", err)
	}
	defer unlock()

	staged, err := os.MkdirTemp(*data, "restoring-")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(staged)
	if err := unpackBackup(*from, staged); err != nil {
		return fmt.Errorf("restore: %s is not a usable medsec backup: %w", *from, err)
	}
	check, err := sqlstore.Open(ctx, filepath.Join(staged, "medsec.db"))
	if err != nil {
		return fmt.Errorf("restore: %s: the database does not open: %w", *from, err)
	}
	var result string
	err = check.CheckIntegrity(ctx, &result)
	check.Close()
	if err != nil || result != "ok" {
		return fmt.Errorf("restore: %s failed the integrity check: %v %s", *from, err, result)
	}
	os.Remove(filepath.Join(staged, "medsec.db-wal"))
	os.Remove(filepath.Join(staged, "medsec.db-shm"))
	if err := checkEvidencePresent(ctx, staged); err != nil {
		return fmt.Errorf("restore: %s is not whole: %w; nothing was changed", *from, err)
	}
	if err := checkLogStore(staged); err != nil {
		return fmt.Errorf("restore: %s: %w; nothing was changed", *from, err)
	}

	restored = true // from here on the data directory is being changed; keep it and its lock
	target := dsnFor(*data, "")
	kept := []string{target, target + "-wal", target + "-shm", filepath.Join(*data, "evidence"), filepath.Join(*data, "logs")}
	// A second restore within the same second gets "-2", "-3", …: a rename onto the first
	// one's kept copy would fail half-way.
	stamp := ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
	for base, n := stamp, 2; slices.ContainsFunc(kept, func(name string) bool { _, err := os.Lstat(name + stamp); return err == nil }); n++ {
		stamp = fmt.Sprintf("%s-%d", base, n)
	}
	for _, name := range kept[:4] {
		if err := os.Rename(name, name+stamp); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(filepath.Join(staged, "medsec.db"), target); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(filepath.Join(staged, "evidence"), filepath.Join(*data, "evidence")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("restore: %w", err)
	}
	if err := restoreLogStore(staged, *data, stamp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored %s into %s; the previous database and evidence are kept with the suffix %s\n", *from, *data, stamp)
	return nil
}

// checkEvidencePresent checks that every evidence file the unpacked database cites is in
// the unpacked evidence directory, naming the first missing ones.
func checkEvidencePresent(ctx context.Context, staged string) error {
	db, err := sqlstore.Open(ctx, filepath.Join(staged, "medsec.db"))
	if err != nil {
		return err
	}
	hashes, err := db.EvidenceHashes(ctx)
	db.Close()
	os.Remove(filepath.Join(staged, "medsec.db-wal"))
	os.Remove(filepath.Join(staged, "medsec.db-shm"))
	if err != nil {
		return err
	}
	var missing []string
	for _, h := range hashes {
		if len(h) < 2 {
			missing = append(missing, h)
			continue
		}
		if _, err := os.Stat(filepath.Join(staged, "evidence", h[:2], h)); err != nil {
			missing = append(missing, h)
		}
	}
	switch n := len(missing); {
	case n == 0:
		return nil
	case n == 1:
		return fmt.Errorf("evidence file %s, cited by the database, is missing from the archive", missing[0])
	case n <= 5:
		return fmt.Errorf("%d evidence files cited by the database are missing from the archive: %s", n, strings.Join(missing, ", "))
	default:
		return fmt.Errorf("%d evidence files cited by the database are missing from the archive: %s and %d more", n, strings.Join(missing[:5], ", "), n-5)
	}
}

// unpackBackup extracts a backup into dir, refusing any entry that is not the database or
// an evidence file whose content matches its name.
func unpackBackup(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	haveDB := false
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if hdr.Typeflag != tar.TypeReg {
			return fmt.Errorf("entry %q is not a regular file", hdr.Name)
		}
		m := evidenceName.FindStringSubmatch(hdr.Name)
		switch {
		case hdr.Name == "medsec.db" && !haveDB:
			haveDB = true
		case m != nil && m[1] == m[2][:2]:
		case logStoreEntry(hdr.Name):
		default:
			return fmt.Errorf("unexpected entry %q", hdr.Name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(io.MultiWriter(out, h), tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if m != nil && hex.EncodeToString(h.Sum(nil)) != m[2] {
			return fmt.Errorf("evidence file %s does not match its hash", m[2])
		}
		if m != nil {
			os.Chmod(dst, 0o400)
		}
	}
	if !haveDB {
		return errors.New("no database in the archive")
	}
	return nil
}

package main

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"medsec/logstore"
)

// addLogStore adds a consistent snapshot of the data directory's log store (records,
// seal, key) to a backup under logs/. A running server writes the snapshot on request;
// otherwise the store is opened here.
func addLogStore(tw *tar.Writer, dataDir string) error {
	dir := logStoreDir(dataDir)
	if _, err := os.Stat(filepath.Join(dir, "seal.key")); errors.Is(err, fs.ErrNotExist) {
		return nil // no log store yet
	}
	var snap string
	if logStoreInUse(dir) {
		var err error
		if snap, err = logstore.RequestSnapshot(dir, 2*time.Minute); err != nil {
			return err
		}
	} else {
		st, err := openLogStore(dataDir, false, nil)
		if err != nil {
			return err
		}
		snap = filepath.Join(dir, fmt.Sprintf("%sbackup-%d-%d", logstore.SnapshotPrefix, os.Getpid(), time.Now().UnixNano()))
		err = st.Snapshot(snap)
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	defer os.RemoveAll(snap)
	return filepath.WalkDir(snap, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(snap, p)
		if err != nil {
			return err
		}
		return addFile(tw, p, "logs/"+filepath.ToSlash(rel))
	})
}

// logStoreInUse reports whether another process (a running server) holds the store.
func logStoreInUse(dir string) bool {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// logStoreEntry reports whether a backup entry belongs to the log store: a clean
// relative path under logs/.
func logStoreEntry(name string) bool {
	return strings.HasPrefix(name, "logs/") && path.Clean(name) == name && !strings.Contains(name, "..")
}

// checkLogStore opens an unpacked backup's log store and verifies it against its seal;
// a restore refuses a backup whose logs do not verify.
func checkLogStore(staged string) error {
	dir := filepath.Join(staged, "logs")
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	st, err := logstore.Open(logstore.Config{Dir: dir})
	if err != nil {
		return fmt.Errorf("the log store does not open: %w", err)
	}
	rep, err := st.Verify(context.Background(), nil)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("the log store cannot be verified: %w", err)
	}
	if !rep.OK {
		p := rep.Problems[0]
		return fmt.Errorf("the log store does not verify: %d problem(s), first: %s record %d of site %d", len(rep.Problems), p.Kind, p.Index, p.Site)
	}
	return nil
}

// restoreLogStore puts an unpacked backup's log store in place, keeping the old one
// beside with the suffix stamp.
func restoreLogStore(staged, data, stamp string) error {
	src := filepath.Join(staged, "logs")
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	dst := logStoreDir(data)
	if err := os.Rename(dst, dst+stamp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(src, dst)
}

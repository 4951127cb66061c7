package logstore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Snapshot writes a consistent copy of the store to dst, a new directory on the same file
// system as the store (inside Config.Dir is best): the seal key, each site log's hashes,
// checkpoints and day index, the journal, and a snapshot of every partition of the search
// storage (hard links to its immutable parts, taken once every row is in them: see
// settle). Writing is paused while it is taken, so the copy holds exactly the records
// the seal holds. Opening the copy with Open replays
// its journal, as after a crash.
func (s *Store) Snapshot(dst string) error { return s.snapshot(dst, true) }

// snapshot is Snapshot; flush false leaves out the flush first (the copy's journal then
// holds everything since the last flush, which opening the copy replays).
func (s *Store) snapshot(dst string, flush bool) (err error) {
	if err := os.Mkdir(dst, 0o700); err != nil {
		return fmt.Errorf("log store snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dst)
			err = fmt.Errorf("log store snapshot: %w", err)
		}
	}()
	// Flushed first, the copy's search storage holds every record sealed so far and its
	// journal only what came in since, so opening the copy replays little.
	if flush && !s.cfg.ReadOnly {
		if err := s.Flush(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.copySeal(dst); err != nil {
		return err
	}
	// s.mu keeps new records out: settle has every row in the storage's files, so the
	// snapshot, which holds only files, holds every row.
	s.syncIndex()
	if err := s.settle(nil); err != nil {
		return err
	}
	if err := s.copyStorage(dst); err != nil {
		return err
	}
	return syncDir(dst)
}

// copySeal copies to dst what replaying needs besides the search storage: the journal's
// segments (the current one closed first, so each copied segment is whole and on disk),
// the seal key and each site log's hashes, checkpoints and day index. The caller holds
// s.mu.
func (s *Store) copySeal(dst string) error {
	if s.journal != nil {
		if err := s.journal.rotate(); err != nil {
			return err
		}
		segs, err := s.journal.segments()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, "journal"), 0o700); err != nil {
			return err
		}
		for _, seq := range segs {
			if seq == s.journal.seq {
				continue
			}
			if err := copyFile(s.journal.path(seq), filepath.Join(dst, "journal", filepath.Base(s.journal.path(seq)))); err != nil {
				return err
			}
		}
	}
	for _, name := range []string{"seal.key", "seal.pub"} {
		if err := copyFile(filepath.Join(s.cfg.Dir, name), filepath.Join(dst, name)); err != nil {
			return err
		}
	}
	for id, l := range s.sites {
		if err := l.sync(); err != nil {
			return err
		}
		dir := filepath.Join(dst, "seal", strconv.FormatInt(id, 10))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		for _, name := range []string{"hashes", "checkpoints", "days"} {
			if err := copyFile(filepath.Join(l.dir, name), filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyStorage puts a snapshot of every partition of the search storage in dst/data: hard
// links to the parts in its files, which hold the rows in memory only if the caller
// settled the storage first.
func (s *Store) copyStorage(dst string) error {
	parts := filepath.Join(dst, "data", "partitions")
	if err := os.MkdirAll(parts, 0o700); err != nil {
		return err
	}
	for _, p := range s.vl.PartitionSnapshotMustCreate("") {
		// p is .../partitions/DAY/snapshots/NAME: move it into the copy as partition DAY.
		day := filepath.Base(filepath.Dir(filepath.Dir(p)))
		if err := os.Rename(p, filepath.Join(parts, day)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// SnapshotRequestPrefix begins the name of the file another process (medsec backup) puts
// in the store's directory to ask the running server for a snapshot: the server writes
// the snapshot to the directory of the same name with SnapshotRequestPrefix replaced by
// SnapshotPrefix, and creates the file SnapshotReady in it when it is whole.
const (
	SnapshotRequestPrefix = "snapshot-request-"
	SnapshotPrefix        = "snapshot-"
	SnapshotReady         = "READY"
)

// serveSnapshotRequests answers the snapshot requests found in the store's directory.
func (s *Store) serveSnapshotRequests() {
	des, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return
	}
	for _, de := range des {
		name, ok := strings.CutPrefix(de.Name(), SnapshotRequestPrefix)
		if !ok {
			continue
		}
		os.Remove(filepath.Join(s.cfg.Dir, de.Name()))
		dst := filepath.Join(s.cfg.Dir, SnapshotPrefix+name)
		if err := s.Snapshot(dst); err != nil {
			s.log.Error("log store snapshot for a backup", "err", err)
			continue
		}
		if err := os.WriteFile(filepath.Join(dst, SnapshotReady), nil, 0o600); err != nil {
			s.log.Error("log store snapshot for a backup", "err", err)
		}
	}
}

// RequestSnapshot asks the server that holds the store in dir for a snapshot and waits
// for it (up to timeout); it returns the snapshot's directory, which the caller removes.
func RequestSnapshot(dir string, timeout time.Duration) (string, error) {
	name := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	req := filepath.Join(dir, SnapshotRequestPrefix+name)
	if err := os.WriteFile(req, nil, 0o600); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, SnapshotPrefix+name)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dst, SnapshotReady)); err == nil {
			os.Remove(filepath.Join(dst, SnapshotReady))
			return dst, nil
		}
	}
	os.Remove(req)
	return "", errors.New("the running server did not write a snapshot of the log store in time")
}

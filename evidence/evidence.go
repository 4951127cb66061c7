// Package evidence keeps evidence files (of assessments, later of incidents) on the
// filesystem, content-addressed by SHA-256: a file is stored once under its digest and
// never overwritten, so a digest recorded in the database always names the same bytes.
// PostgreSQL deployments keep evidence files on disk too, under the data directory.
package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// ErrNotFound is returned (wrapped) when no file has the digest.
var ErrNotFound = errors.New("evidence file not found")

// MaxSize is the largest evidence file accepted, in bytes.
const MaxSize = 64 << 20

// ErrTooLarge is returned (wrapped) when a file exceeds MaxSize.
var ErrTooLarge = errors.New("evidence file too large")

var digestPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Store is a directory of evidence files named by their SHA-256: dir/ab/abcdef....
type Store struct {
	dir string
}

// Open returns the store in dir, creating it if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open evidence store: %w", err)
	}
	return &Store{dir: dir}, nil
}

func (s *Store) path(sum string) string { return filepath.Join(s.dir, sum[:2], sum) }

// Put reads r to the end and stores its bytes; it returns the hex SHA-256 and the size.
// Content already present is not written again (and the existing file is kept, never
// replaced). The file appears under its name only once complete.
func (s *Store) Put(r io.Reader) (sum string, size int64, err error) {
	tmp, err := os.CreateTemp(s.dir, ".upload-*")
	if err != nil {
		return "", 0, fmt.Errorf("store evidence: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // a no-op once renamed
	}()
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, MaxSize+1))
	if err != nil {
		return "", 0, fmt.Errorf("store evidence: %w", err)
	}
	if size > MaxSize {
		return "", 0, fmt.Errorf("store evidence: %w (over %d bytes)", ErrTooLarge, MaxSize)
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("store evidence: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("store evidence: %w", err)
	}
	sum = hex.EncodeToString(h.Sum(nil))
	dst := s.path(sum)
	if _, err := os.Stat(dst); err == nil {
		return sum, size, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", 0, fmt.Errorf("store evidence: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o400); err != nil {
		return "", 0, fmt.Errorf("store evidence: %w", err)
	}
	// Link, not rename: link fails if the name exists, so a concurrent upload of the
	// same content can never replace a file already stored.
	if err := os.Link(tmp.Name(), dst); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", 0, fmt.Errorf("store evidence: %w", err)
	}
	return sum, size, nil
}

// Open returns the file with the digest sum. It fails with ErrNotFound for a digest that
// is malformed or not stored.
func (s *Store) Open(sum string) (*os.File, error) {
	if !digestPattern.MatchString(sum) {
		return nil, fmt.Errorf("open evidence %q: %w", sum, ErrNotFound)
	}
	f, err := os.Open(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open evidence %s: %w", sum, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("open evidence %s: %w", sum, err)
	}
	return f, nil
}

// Verify re-reads the file with the digest sum and reports whether its content still has
// that digest (evidence must not change after it is stored).
func (s *Store) Verify(sum string) error {
	f, err := s.Open(sum)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("verify evidence %s: %w", sum, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("verify evidence %s: content has digest %s", sum, got)
	}
	return nil
}

package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestPutOpenVerify(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ content string }{{"firewall rule review 2026-11"}, {""}, {strings.Repeat("日誌", 10000)}}
	for _, tt := range tests {
		want := sha256.Sum256([]byte(tt.content))
		sum, size, err := s.Put(strings.NewReader(tt.content))
		if err != nil {
			t.Fatal(err)
		}
		if got := sum; got != hex.EncodeToString(want[:]) {
			t.Errorf("sum = %s, want %x", got, want)
		}
		if size != int64(len(tt.content)) {
			t.Errorf("size = %d, want %d", size, len(tt.content))
		}
		f, err := s.Open(sum)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if string(got) != tt.content {
			t.Errorf("read back %d bytes, want %d", len(got), len(tt.content))
		}
		if err := s.Verify(sum); err != nil {
			t.Error(err)
		}
	}
}

func TestNeverOverwritten(t *testing.T) {
	s, _ := Open(t.TempDir())
	sum, _, err := s.Put(strings.NewReader("original"))
	if err != nil {
		t.Fatal(err)
	}
	info1, _ := os.Stat(s.path(sum))
	// Same content again: same digest, the first file kept.
	sum2, _, err := s.Put(strings.NewReader("original"))
	if err != nil || sum2 != sum {
		t.Fatalf("second put = %s, %v", sum2, err)
	}
	info2, _ := os.Stat(s.path(sum))
	if !os.SameFile(info1, info2) {
		t.Error("the stored file was replaced")
	}
	if info2.Mode().Perm()&0o222 != 0 {
		t.Errorf("stored file is writable: %v", info2.Mode())
	}
	// Tampering is detected.
	os.Chmod(s.path(sum), 0o600)
	os.WriteFile(s.path(sum), []byte("changed"), 0o600)
	if err := s.Verify(sum); err == nil {
		t.Error("Verify accepted changed content")
	}
}

func TestOpenErrors(t *testing.T) {
	s, _ := Open(t.TempDir())
	for _, sum := range []string{"", "../../etc/passwd", strings.Repeat("a", 64), strings.Repeat("A", 64)} {
		if _, err := s.Open(sum); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", sum, err)
		}
	}
}

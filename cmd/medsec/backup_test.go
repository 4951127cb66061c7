package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"medsec/sqlstore"
)

// TestRestoreRefusesMissingEvidence: a backup from which one cited evidence file was
// removed is refused, naming the file, and the data directory is left as it was (security
// review F18).
func TestRestoreRefusesMissingEvidence(t *testing.T) {
	ctx := context.Background()
	_, data := startServer(t)
	backup := filepath.Join(t.TempDir(), "full.tar")
	if err := run(ctx, []string{"backup", "--data", data, "--out", backup}, io.Discard, io.Discard); err != nil {
		t.Fatalf("backup: %v", err)
	}
	stopServer(t)

	// The evidence the backup's own store cites: the demo's reports are generated in the
	// background, and one written while the backup was taken may be in the archive and the
	// live store but not in the backup's snapshot of it (CI: the restore was not refused).
	snapshot := filepath.Join(t.TempDir(), "medsec.db")
	tarFile(t, backup, "medsec.db", snapshot)
	db, err := sqlstore.Open(ctx, snapshot)
	if err != nil {
		t.Fatal(err)
	}
	cited, err := db.EvidenceHashes(ctx)
	db.Close()
	if err != nil || len(cited) == 0 {
		t.Fatalf("the demo cites no evidence (%v): the test would prove nothing", err)
	}
	inBackup := tarNames(t, backup)
	missing := ""
	for _, h := range cited {
		if inBackup["evidence/"+h[:2]+"/"+h] {
			missing = h
			break
		}
	}
	if missing == "" {
		t.Fatalf("the backup holds none of the %d cited evidence files", len(cited))
	}
	partial := filepath.Join(t.TempDir(), "missing-evidence.tar")
	copyTarWithout(t, backup, partial, "evidence/"+missing[:2]+"/"+missing)

	before := dirState(t, data)
	err = run(ctx, []string{"restore", "--data", data, "--from", partial}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("restore of a backup without %s: err = %v, want a refusal naming it", missing, err)
	}
	if after := dirState(t, data); after != before {
		t.Errorf("the refused restore changed the data directory:\nbefore %s\nafter  %s", before, after)
	}
	// The whole backup still restores.
	if err := run(ctx, []string{"restore", "--data", data, "--from", backup}, io.Discard, io.Discard); err != nil {
		t.Errorf("restore of the whole backup: %v", err)
	}
}

// TestRestoreRefusedLeavesNoTrace: a restore refused because the archive is not a backup
// does not create the data directory or its lock file (retest N7), and leaves an existing
// directory without a lock file as it was.
func TestRestoreRefusedLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.tar")
	if err := os.WriteFile(junk, []byte("not a tar archive"), 0o600); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "existing")
	if err := os.Mkdir(existing, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(existing, "keep.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, data, check string
		want              []string // entries of check afterwards; nil: check must not exist
	}{
		{"new directory", filepath.Join(dir, "new"), filepath.Join(dir, "new"), nil},
		{"new nested directory", filepath.Join(dir, "a", "b"), filepath.Join(dir, "a"), nil},
		{"existing directory", existing, existing, []string{"keep.txt"}},
	} {
		err := run(ctx, []string{"restore", "--data", tt.data, "--from", junk}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "not a usable medsec backup") {
			t.Errorf("%s: err = %v, want a refusal", tt.name, err)
		}
		entries, err := os.ReadDir(tt.check)
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		switch {
		case tt.want == nil && !errors.Is(err, os.ErrNotExist):
			t.Errorf("%s: %s exists after the refused restore (%v), holding %v", tt.name, tt.check, err, got)
		case tt.want != nil && strings.Join(got, ",") != strings.Join(tt.want, ","):
			t.Errorf("%s: %s holds %v, want %v", tt.name, tt.check, got, tt.want)
		}
	}
}

// copyTarWithout copies the tar archive src to dst, leaving out the entry named skip.
// tarNames returns the names of the entries of the tar file at path.
func tarNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return names
		} else if err != nil {
			t.Fatal(err)
		}
		names[hdr.Name] = true
	}
}

// tarFile writes the archive path's entry name to dst.
func tarFile(t *testing.T, path, name, dst string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("%s in %s: %v", name, path, err)
		}
		if hdr.Name != name {
			continue
		}
		out, err := os.Create(dst)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, tr); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
}

func copyTarWithout(t *testing.T, src, dst, skip string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	tr, tw := tar.NewReader(in), tar.NewWriter(out)
	found := false
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if hdr.Name == skip {
			found = true
			continue
		}
		tw.WriteHeader(hdr)
		io.Copy(tw, tr)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("%s is not in the backup", skip)
	}
}

// dirState describes a directory's files, names and sizes, for comparison.
func dirState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".lock") {
			return nil
		}
		st, _ := d.Info()
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "%s:%d ", rel, st.Size())
		return nil
	})
	return b.String()
}

// TestBackupKilled runs the built medsec binary's backup as a subprocess and kills it with
// SIGKILL while it writes the database snapshot and while it writes the archive (security
// review F19): nothing is left at --out, the next backup to the same name succeeds and
// removes the killed run's snapshot and partial archive, and serve's start removes a
// snapshot left in the data directory.
func TestBackupKilled(t *testing.T) {
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "medsec")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	_, data := startServer(t)
	stopServer(t)
	// Large evidence files make the archive take long enough to be killed halfway.
	for range 3 {
		blob := make([]byte, 64<<20)
		rand.Read(blob)
		sum := sha256.Sum256(blob)
		h := hex.EncodeToString(sum[:])
		os.MkdirAll(filepath.Join(data, "evidence", h[:2]), 0o700)
		if err := os.WriteFile(filepath.Join(data, "evidence", h[:2], h), blob, 0o400); err != nil {
			t.Fatal(err)
		}
	}
	outDir := t.TempDir()
	out := filepath.Join(outDir, "kb.tar")

	// killWhen starts a backup and kills it as soon as a file matching pattern exists
	// with at least minSize bytes.
	killWhen := func(pattern string, minSize int64) (killedWith []string) {
		t.Helper()
		cmd := exec.Command(bin, "backup", "--data", data, "--out", out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			m, _ := filepath.Glob(pattern)
			if len(m) > 0 {
				if st, err := os.Stat(m[0]); err == nil && st.Size() >= minSize {
					cmd.Process.Signal(syscall.SIGKILL)
					killedWith = m
					break
				}
			}
			time.Sleep(200 * time.Microsecond)
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		if killedWith == nil || !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("backup was not killed while %s existed (exit: %v)", pattern, err)
		}
		return killedWith
	}
	tests := []struct {
		name, pattern string
		minSize       int64
	}{
		{"during the snapshot", filepath.Join(data, snapshotPrefix+"*"), 0},
		{"during the archive", filepath.Join(outDir, ".kb.tar.partial-*"), 8 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := killWhen(tt.pattern, tt.minSize)
			t.Logf("killed with %v", seen)
			if _, err := os.Lstat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a killed backup left %s (err %v)", out, err)
			}
			// The next backup to the same name works and clears what the killed one left.
			var stdout bytes.Buffer
			if err := run(ctx, []string{"backup", "--data", data, "--out", out}, &stdout, io.Discard); err != nil {
				t.Fatalf("backup after the kill: %v", err)
			}
			for _, pattern := range []string{filepath.Join(data, snapshotPrefix+"*"), filepath.Join(outDir, ".kb.tar.partial-*")} {
				if m, _ := filepath.Glob(pattern); len(m) > 0 {
					t.Errorf("left after the next backup: %v", m)
				}
			}
			if err := run(ctx, []string{"restore", "--data", t.TempDir(), "--from", out}, io.Discard, io.Discard); err != nil {
				t.Errorf("the backup after the kill does not restore: %v", err)
			}
			os.Remove(out)
		})
	}

	// A snapshot left by a killed backup is removed when the server starts; one of a
	// backup still running is not.
	seen := killWhen(filepath.Join(data, snapshotPrefix+"*"), 0)
	running := filepath.Join(data, fmt.Sprintf("%s%d-1", snapshotPrefix, os.Getpid()))
	os.WriteFile(running, []byte("a running backup's snapshot"), 0o600)
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Ready: func(string) {}}
	sctx, cancel := context.WithCancel(ctx)
	ready := make(chan struct{})
	m.Ready = func(string) { close(ready) }
	done := make(chan error, 1)
	go func() { done <- m.Serve(sctx, []string{"--data", data, "--listen", "127.0.0.1:0"}) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	for _, p := range seen {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("serve left the killed backup's %s", filepath.Base(p))
		}
	}
	if _, err := os.Stat(running); err != nil {
		t.Errorf("serve removed the snapshot of a running backup: %v", err)
	}
}

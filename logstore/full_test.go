//go:build linux

package logstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWriteErrorOnFullFilesystem runs the store on a real file system that fills up (a
// 48 MiB tmpfs, so the test needs root, as CI has) [000 日誌處理失效之回應]: records
// acknowledged before the disk filled are kept; the append that meets ENOSPC fails with a
// storage failure, OnFailure is called, the "storage:write" condition is raised, and
// every later append is refused even once space is back (nothing half written goes on);
// reopened with space, the store holds exactly the acknowledged records and the seal
// verifies.
func TestWriteErrorOnFullFilesystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=48m"); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	data := filepath.Join(dir, "logs")
	ctx := context.Background()
	health := &Health{}
	s, err := Open(Config{Dir: data, MinFree: 1, OnFailure: health.Failure})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Add(-time.Hour)
	if err := s.Append(ctx, testRecords(1000, start)); err != nil {
		t.Fatal(err)
	}
	s.Checkpoint()
	// The storage's own periodic flush of these records must not meet the full disk: it
	// panics there (VictoriaLogs' filestream), as it did once under load before this flush.
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}

	// Fill the file system, then give back 64 KiB: less than the next batch needs.
	ballast := filepath.Join(dir, "ballast")
	f, err := os.Create(ballast)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	var size int64
	for {
		n, err := f.Write(chunk)
		size += int64(n)
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			break
		}
	}
	if err := f.Truncate(size - 64<<10); err != nil {
		t.Fatal(err)
	}
	f.Close()

	err = s.Append(ctx, testRecords(20000, start.Add(time.Minute)))
	if err == nil || errors.Is(err, ErrStorageFull) || !strings.Contains(err.Error(), "storage failure") {
		t.Fatalf("append on a full disk: %v, want a storage failure", err)
	}
	conds := health.Conditions(time.Now())
	if len(conds) != 1 || conds[0].Subject != "storage:write" {
		t.Fatalf("conditions after the write error: %+v", conds)
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, testRecords(1, start.Add(2*time.Minute))); err == nil {
		t.Fatal("the store took records after a write error without being reopened")
	}
	if rep, err := s.Verify(ctx, nil); err != nil || !rep.OK {
		t.Errorf("the halted store's seal: %v %+v", err, rep)
	}
	s.Close() // its error repeats the write error

	s, err = Open(Config{Dir: data, MinFree: 1})
	if err != nil {
		t.Fatalf("reopen after the write error: %v", err)
	}
	defer s.Close()
	var sealed int64
	for _, st := range s.Status() {
		sealed += st.Size
	}
	if sealed != 1000 {
		t.Errorf("%d records sealed after reopening, want the 1000 acknowledged", sealed)
	}
	rep, err := s.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Errorf("seal after the write error: %+v", rep.Problems)
	}
	if err := s.Append(ctx, testRecords(10, start.Add(3*time.Minute))); err != nil {
		t.Errorf("append after reopening with space: %v", err)
	}
}

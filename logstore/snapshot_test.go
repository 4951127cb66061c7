package logstore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
)

// TestSnapshotWhileWriting asks a store that is being written to for a snapshot, as
// medsec backup asks a running server, and checks that the copy opens and verifies with
// exactly the records its seal holds.
func TestSnapshotWhileWriting(t *testing.T) {
	s, start := openFilled(t, 400)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20; i++ {
			if err := s.Append(context.Background(), testRecords(50, start.Add(time.Hour))); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	snap, err := RequestSnapshot(s.cfg.Dir, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	<-done
	c, err := Open(Config{Dir: snap})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rep, err := c.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, rep)
	var sealed, checked int64
	for _, st := range rep.Sites {
		sealed += st.Size
		checked += st.Checked
	}
	if sealed < 400 || checked != sealed {
		t.Fatalf("snapshot: %d sealed, %d checked", sealed, checked)
	}
}

// TestSnapshotHoldsRowsBeingMerged takes snapshots while records stream in, so that the
// search storage is always merging in-memory parts when one is taken, and checks every
// copy opens and verifies with every record its seal holds. The storage's partition
// snapshot leaves out the in-memory parts a merge holds at that moment (it flushes only
// the others to files, and links only files); before Store.settle such a copy lacked
// those rows and, when the flush before the snapshot had dropped the journal, nothing
// brought them back: "deleted record N". Half the snapshots are taken without the flush
// (the copy's journal then holds everything since the last flush, and replaying it must
// be right too).
func TestSnapshotHoldsRowsBeingMerged(t *testing.T) {
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	s, err := Open(Config{Dir: t.TempDir(), FlushEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; ; n += 20 {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.Append(context.Background(), testRecords(20, start.Add(time.Duration(n)*time.Millisecond))); err != nil {
				t.Error(err)
				return
			}
			if n%200 == 0 {
				s.Refresh() // small in-memory parts, merged in the background
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for round := 0; round < 12; round++ {
		time.Sleep(150 * time.Millisecond)
		dst := filepath.Join(s.cfg.Dir, fmt.Sprintf("snap-%d", round))
		if err := s.snapshot(dst, round%2 == 0); err != nil {
			t.Fatal(err)
		}
		c, err := Open(Config{Dir: dst})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := c.Verify(context.Background(), nil)
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) > 0 || len(rep.Sites) != 1 || rep.Sites[0].Checked != rep.Sites[0].Size {
			t.Fatalf("round %d: the copy does not verify: %+v", round, rep)
		}
		os.RemoveAll(dst)
	}
}

// rowsOnDisk returns the number of rows the search storage's files hold now, as a crash
// would leave them: the row counts of the parts each partition's parts.json lists.
func rowsOnDisk(t *testing.T, s *Store) int64 {
	t.Helper()
	days, err := filepath.Glob(filepath.Join(s.cfg.Dir, "data", "partitions", "*", "datadb"))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, dir := range days {
		b, err := os.ReadFile(filepath.Join(dir, "parts.json"))
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		if err := json.Unmarshal(b, &parts); err != nil {
			t.Fatal(err)
		}
		for _, p := range parts {
			b, err := os.ReadFile(filepath.Join(dir, p, "metadata.json"))
			if err != nil {
				t.Fatal(err)
			}
			var m struct{ RowsCount int64 }
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			n += m.RowsCount
		}
	}
	return n
}

// TestFlushPutsEveryRecordOnDisk flushes while records stream in and checks, after each
// Flush, that the storage's files hold every record acknowledged before it: Flush drops
// the journal those records were in, so after a crash nothing else would bring them back.
// Before Store.settle, Flush forced the storage to disk with one partition snapshot, which
// leaves out the in-memory parts being merged at that moment; most flushes under this
// load then dropped the journal of thousands of records held only in memory.
func TestFlushPutsEveryRecordOnDisk(t *testing.T) {
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	s, err := Open(Config{Dir: t.TempDir(), FlushEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var acked atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; ; n += 20 {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.Append(context.Background(), testRecords(20, start.Add(time.Duration(n)*time.Millisecond))); err != nil {
				t.Error(err)
				return
			}
			acked.Add(20)
			s.Refresh() // small in-memory parts, merged in the background
		}
	}()
	defer func() { close(stop); <-done }()
	short := 0
	for round := 0; round < 20; round++ {
		time.Sleep(20 * time.Millisecond)
		before := acked.Load()
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := rowsOnDisk(t, s); got < before {
			short++
			t.Errorf("flush %d: %d records acknowledged before it, %d on disk after it", round, before, got)
		}
	}
	if short > 0 {
		t.Fatalf("%d of 20 flushes dropped the journal of records not on disk", short)
	}
}

// TestSettleAfterBurst adds bursts of rows straight to the search storage (as the indexer
// does, but faster than the journal lets it, so that its in-memory parts are always being
// merged), and after each burst checks that settle leaves every row in the storage's
// files. One partition snapshot alone, which Flush and Snapshot relied on before settle,
// left out the parts a merge held: in most rounds thousands of rows were only in memory.
func TestSettleAfterBurst(t *testing.T) {
	s, err := Open(Config{Dir: t.TempDir(), FlushEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := time.Now().UTC().Add(-time.Hour).UnixNano()
	day := dayOf(ts)
	lr := logstorage.GetLogRows(nil, nil, nil, nil, "")
	defer logstorage.PutLogRows(lr)
	var added int64
	short := 0
	for round := 0; round < 10; round++ {
		for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
			for j := 0; j < 20; j++ {
				lr.MustAdd(logstorage.TenantID{}, ts+added, []logstorage.Field{{Name: "_msg", Value: "burst"}}, 0)
				added++
			}
			s.vl.MustAddRows(lr)
			lr.ResetKeepSettings()
			s.vl.DebugFlush()
		}
		if err := s.settle([]string{day}); err != nil {
			t.Fatal(err)
		}
		if got := rowsOnDisk(t, s); got != added {
			short++
			t.Errorf("round %d: %d rows added, %d in the files after settle", round, added, got)
		}
	}
	if short > 0 {
		t.Fatalf("%d of 10 rounds left rows in memory only", short)
	}
}

package logstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"medsec/logs"
)

// TestRecoverReplaysJournalOverStaleStorage builds, without timing, the copies a crash or a
// snapshot taken without the flush first can leave: a journal holding records that the
// search storage's files hold none of, some of, or all of. Each copy is the store's journal
// and seal as they are at the end, with the storage's files as they were at an earlier
// moment; opening it must add back exactly the records the files lack (the "present"
// scan of recover), so that every sealed record is found once and the seal verifies,
// and again after a second open (recovery's own flush dropped the replayed journal).
// Two sites, and a batch that crosses midnight, so that the journal spans two partitions.
func TestRecoverReplaysJournalOverStaleStorage(t *testing.T) {
	midnight := time.Now().UTC().Truncate(24 * time.Hour)
	site := func(r logs.Record) int64 {
		if r.Peer == "10.1.2.2:514" {
			return 2
		}
		return 1
	}
	batches := [][]logs.Record{
		testRecords(900, midnight.Add(-2*time.Hour)),           // flushed: in the files, not in the journal
		testRecords(1500, midnight.Add(-700*time.Millisecond)), // across midnight
		testRecords(1200, midnight.Add(time.Second)),
	}
	total := 0
	for _, b := range batches {
		total += len(b)
	}
	for _, tc := range []struct {
		name string
		// filesAfter is the number of batches the storage's files hold in the copy.
		filesAfter int
	}{
		{"journal only", 1},
		{"part of the journal in the files", 2},
		{"whole journal in the files", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(Config{Dir: dir, FlushEvery: time.Hour, Site: site})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			files := filepath.Join(dir, "files-then")
			for i, b := range batches {
				for j := 0; j < len(b); j += 100 {
					if err := s.Append(context.Background(), b[j:min(j+100, len(b))]); err != nil {
						t.Fatal(err)
					}
				}
				if i == 0 {
					if err := s.Flush(); err != nil {
						t.Fatal(err)
					}
				}
				if i+1 == tc.filesAfter {
					// The files as they are now, every row added so far in them, the
					// journal kept.
					s.syncIndex()
					s.mu.Lock()
					err := s.settle(nil)
					if err == nil {
						err = s.copyStorage(files)
					}
					s.mu.Unlock()
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			dst := filepath.Join(dir, "copy")
			if err := os.Mkdir(dst, 0o700); err != nil {
				t.Fatal(err)
			}
			s.mu.Lock()
			err = s.copySeal(dst)
			s.mu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(files, "data"), filepath.Join(dst, "data")); err != nil {
				t.Fatal(err)
			}
			for open := 1; open <= 2; open++ {
				c, err := Open(Config{Dir: dst, Site: site})
				if err != nil {
					t.Fatal(err)
				}
				rep, err := c.Verify(context.Background(), nil)
				if err != nil {
					c.Close()
					t.Fatal(err)
				}
				rows := 0
				err = c.scan(context.Background(), `* | fields _time`, nil, func(map[string]string) { rows++ })
				c.Close()
				if err != nil {
					t.Fatal(err)
				}
				var sealed, checked int64
				for _, st := range rep.Sites {
					sealed += st.Size
					checked += st.Checked
				}
				if !rep.OK || sealed != int64(total) || checked != sealed || rows != total {
					t.Fatalf("open %d: %d records appended, %d sealed, %d checked, %d rows stored; problems %s",
						open, total, sealed, checked, rows, fmt.Sprint(rep.Problems))
				}
			}
		})
	}
}

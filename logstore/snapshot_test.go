package logstore

import (
	"context"
	"testing"
	"time"
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

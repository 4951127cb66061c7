package logstore

import (
	"context"
	"testing"
	"time"
)

// TestRetentionSealsTheRemoval removes a day past the retention and checks that the
// removal is itself a sealed record and that the store still verifies.
func TestRetentionSealsTheRemoval(t *testing.T) {
	ctx := context.Background()
	s, err := Open(Config{Dir: t.TempDir(), Retention: 5 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC()
	for _, age := range []time.Duration{6 * 24 * time.Hour, 2 * 24 * time.Hour, time.Minute} {
		if err := s.Append(ctx, testRecords(100, now.Add(-age))); err != nil {
			t.Fatal(err)
		}
	}
	s.Refresh()
	if n := len(s.vl.PartitionList()); n != 3 {
		t.Fatalf("%d partitions, want 3", n)
	}
	removed, err := s.ApplyRetention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != now.Add(-6*24*time.Hour).Format("20060102") {
		t.Fatalf("removed %v", removed)
	}
	rep, err := s.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, rep)
	if rep.Sites[0].Removed != 100 || rep.Sites[0].Checked != 201 || rep.Sites[0].Size != 301 {
		t.Fatalf("after retention: %+v", rep.Sites[0])
	}
	s.Refresh()
	res, err := s.Search(ctx, Query{From: now.Add(-time.Hour), To: now.Add(time.Hour), Filter: `event.action:"retention.removed"`})
	if err != nil || res.Total != 1 || res.Hits[0].Source != RetentionSource {
		t.Fatalf("the removal record: %+v %v", res, err)
	}
	c, err := s.Capacity()
	if err != nil || c.BytesPerDay <= 0 || c.DaysLeft <= 0 || c.RetentionDays != 5 || c.Level == "" {
		t.Fatalf("capacity: %+v %v", c, err)
	}
	// A record deleted from a day that is kept is still found.
	deleteRows(t, s, FieldSite+":=0 "+FieldIndex+":=150")
	rep, _ = s.Verify(ctx, nil)
	wantProblems(t, rep, Problem{Kind: ProblemDeleted, Site: 0, Index: 150})
}

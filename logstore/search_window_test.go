package logstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestSearchNewestFromWindow checks that the newest records Search returns, found in the
// shortest trailing window the histograms allow, are those a sort of every match gives:
// over a day holding a dense burst (20,000 records in 20 seconds) and sparse records
// after it, for time-only and filtered searches and limits below, at and above the
// bucket counts.
func TestSearchNewestFromWindow(t *testing.T) {
	ctx := context.Background()
	s, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	for i := range 20 {
		if err := s.Append(ctx, testRecords(1000, day.Add(3*time.Hour+time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	sparse := testRecords(30, day.Add(5*time.Hour))
	for i := range sparse {
		sparse[i].Received = day.Add(5*time.Hour + time.Duration(i)*7*time.Minute)
	}
	if err := s.Append(ctx, sparse); err != nil {
		t.Fatal(err)
	}
	s.Refresh()
	for _, c := range []struct {
		filter string
		limit  int
	}{{"*", 100}, {"*", 10}, {"*", 5000}, {"user3", 100}, {"user3", 2000}, {"*", 10000}} {
		q := Query{From: day, To: day.Add(24 * time.Hour), Filter: c.filter, Limit: c.limit}
		res, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := q.filterString()
		var want []string
		if err := s.scan(ctx, f+fmt.Sprintf(" | sort by (_time desc) limit %d", c.limit), nil, func(row map[string]string) {
			want = append(want, row["_time"]+" "+row[FieldIndex])
		}); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Received.Format(time.RFC3339Nano)+" "+fmt.Sprint(h.Index))
		}
		slices.Sort(got)
		slices.Sort(want)
		if len(got) != c.limit || !slices.Equal(got, want) {
			t.Errorf("%s limit %d: %d hits differ from the full sort's %d", c.filter, c.limit, len(got), len(want))
		}
		if c.filter == "*" && res.Total != 20030 {
			t.Errorf("total %d, want 20030", res.Total)
		}
	}
}

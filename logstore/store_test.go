package logstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"medsec/logs"
)

func testRecords(n int, start time.Time) []logs.Record {
	recs := make([]logs.Record, n)
	for i := range recs {
		recs[i] = logs.Record{
			Received: start.Add(time.Duration(i) * time.Millisecond),
			Raw:      []byte(fmt.Sprintf("<86>Nov 30 10:00:%02d his01 sshd[%d]: Accepted password for user%d from 10.1.2.%d port 22", i%60, 1000+i, i%7, i%250)),
			Format:   logs.FormatRFC3164,
			Fields:   map[string]any{"user.name": fmt.Sprintf("user%d", i%7), "process.name": "sshd", "process.pid": 1000 + i, "event.outcome": "success"},
			Peer:     fmt.Sprintf("10.1.2.%d:514", i%3),
		}
	}
	return recs
}

func TestStoreSmoke(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC().Add(-time.Hour)
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(context.Background(), testRecords(1000, now)); err != nil {
		t.Fatal(err)
	}
	s.Refresh()
	res, err := s.Search(context.Background(), Query{From: now.Add(-time.Minute), To: now.Add(time.Hour), Filter: "user3"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("total %d hits %d first %+v", res.Total, len(res.Hits), res.Hits[0])
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFieldSlabFlattensAsFlatten: the fields a fieldSlab hands out (one array for many
// records) are flatten's, and no record's fields overlap another's.
func TestFieldSlabFlattensAsFlatten(t *testing.T) {
	p := &logs.Parser{}
	var slab fieldSlab
	var got [][]logstorage.Field
	var want [][]logstorage.Field
	lines := benchLines(3000)
	lines = append(lines, []byte(`<165>1 2026-11-30T08:00:00Z h app - ID47 [a@1 x="1" y="2"][b@2 z="3"] msg`))
	for _, l := range lines {
		r, err := p.Parse(l, time.Now(), "10.0.0.1:514")
		if err != nil {
			t.Fatal(err)
		}
		r.Fields["nested"] = map[string]any{"a": "1", "b": map[string]string{"c": "2"}, "_skip": "x"}
		got = append(got, slab.flatten(r.Fields))
		want = append(want, flatten(r.Fields))
	}
	for i := range got {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("record %d: slab %v, flatten %v", i, got[i], want[i])
		}
		if cap(got[i]) != len(got[i]) {
			t.Fatalf("record %d: room to grow into the next record's fields", i)
		}
	}
	got[0] = append(got[0], logstorage.Field{Name: "zz", Value: "appended"})
	if !slices.Equal(got[1], want[1]) {
		t.Fatal("appending to one record's fields changed the next record's")
	}
}

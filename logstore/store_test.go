package logstore

import (
	"context"
	"fmt"
	"testing"
	"time"

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

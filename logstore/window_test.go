package logstore

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"medsec/logs"
)

// verifiedAndFound checks that the store verifies and that a search over every time finds
// want records.
func verifiedAndFound(t *testing.T, s *Store, want int) []Hit {
	t.Helper()
	ctx := context.Background()
	s.Refresh()
	rep, err := s.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Errorf("the store does not verify: %+v", rep.Problems)
	}
	now := time.Now().UTC()
	res, err := s.Search(ctx, Query{From: now.Add(-3 * DefaultRetention), To: now.Add(30 * 24 * time.Hour), Filter: "*", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != int64(want) {
		t.Errorf("search found %d records, %d were sealed", res.Total, want)
	}
	return res.Hits
}

// TestReceiveTimeOutsideTheStorageWindow: a record whose receive time is days ahead of the
// store's clock (a sensor forwards its own receive time) or older than the storage keeps
// is stored under the store's clock. Was: sealed but dropped by the search storage (rows
// more than a day ahead, or past its retention, are skipped with a warning), so verify
// reported it deleted, and every later record of its site, ordered after it, took its
// time and was dropped too.
func TestReceiveTimeOutsideTheStorageWindow(t *testing.T) {
	s, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := time.Now().UTC()
	ahead := testRecords(1, before)
	ahead[0].Received = before.Add(3 * 24 * time.Hour) // a sensor's clock three days ahead
	after := testRecords(5, before.Add(-time.Minute))
	old := testRecords(1, before)
	old[0].Received = before.Add(-DefaultRetention - 30*24*time.Hour)
	near := testRecords(1, before)
	near[0].Received = before.Add(MaxReceivedAhead / 2) // within the skew allowed: kept
	for _, recs := range [][]logs.Record{ahead, after, old, near} {
		if err := s.Append(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
	}
	hits := verifiedAndFound(t, s, 8)
	latest := time.Now().UTC().Add(MaxReceivedAhead)
	for _, h := range hits {
		if h.Received.Before(before.Add(-time.Minute)) || h.Received.After(latest) {
			t.Errorf("record %d received %s, outside [%s, %s]", h.Index, h.Received, before.Add(-time.Minute), latest)
		}
	}
	for _, h := range hits {
		if h.Index == 7 && !h.Received.Equal(near[0].Received) {
			t.Errorf("a receive time within %s of the clock was changed: %s, was %s", MaxReceivedAhead, h.Received, near[0].Received)
		}
	}
}

// TestRowTooLargeForTheStorage: a record of nearly MaxRaw bytes whose parsed fields copy
// its longest value three times (a CEF suser is also source.user.name and user.name) is
// stored and verifies, its longest fields left out of both the seal and the row. Was: the
// storage dropped the row (over its 2 MiB row limit) with only a warning, and verify
// reported the sealed record deleted.
func TestRowTooLargeForTheStorage(t *testing.T) {
	s, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	head := "<134>Nov 30 08:00:00 ngf-edge CEF:0|Acme|NGF|7.0|4000|Connection denied|5|src=10.1.2.3 suser="
	raw := []byte(head + strings.Repeat("a", MaxRaw-len(head)))
	rec, err := (&logs.Parser{}).Parse(raw, time.Now().UTC(), "10.0.0.1:514")
	if err != nil {
		t.Fatal(err)
	}
	// The row as the storage would get it with every parsed field: over its limit.
	e := entry{Source: CanonicalSource(rec.Peer), Format: rec.Format, Parser: ParserVersion, Raw: rec.Raw, Fields: flatten(rec.Fields)}
	if n := logstorage.EstimatedJSONRowLen(rowFields(nil, &e)); n <= maxRowBytes {
		t.Fatalf("the test's record makes a row of %d bytes, within the storage's %d", n, maxRowBytes)
	}
	fitted := fitRow(&e)
	widest := entry{Site: -1 << 63, Index: -1 << 63, Source: e.Source, Format: e.Format, Parser: e.Parser, Raw: e.Raw, Fields: fitted}
	if n := logstorage.EstimatedJSONRowLen(rowFields(nil, &widest)); n > maxRowBytes {
		t.Errorf("fitted row %d bytes, over %d", n, maxRowBytes)
	}
	if len(fitted) != len(e.Fields)-1 {
		t.Errorf("%d of %d fields left out, want the one longest", len(e.Fields)-len(fitted), len(e.Fields))
	}
	small := testRecords(3, time.Now().UTC())
	if err := s.Append(context.Background(), append([]logs.Record{rec}, small...)); err != nil {
		t.Fatal(err)
	}
	hits := verifiedAndFound(t, s, 4)
	for _, h := range hits {
		if h.Index == 0 && !bytes.Equal([]byte(h.Raw), raw) {
			t.Errorf("the large record's raw bytes changed (%d bytes, was %d)", len(h.Raw), len(raw))
		}
	}
}

// TestReceiveTime checks the bound the store and a group's central server share: a stamp
// within MaxReceivedAhead ahead or keeps behind is kept, one past either is replaced.
func TestReceiveTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	keeps := 30 * 24 * time.Hour
	for _, tc := range []struct {
		received time.Time
		replaced bool
	}{
		{now, false},
		{now.Add(MaxReceivedAhead), false},
		{now.Add(MaxReceivedAhead + time.Second), true},
		{now.Add(-keeps), false},
		{now.Add(-keeps - time.Second), true},
		{time.Date(1970, 1, 1, 0, 0, 42, 0, time.UTC), true},
	} {
		got, replaced := ReceiveTime(tc.received, now, keeps)
		want := tc.received
		if tc.replaced {
			want = now
		}
		if replaced != tc.replaced || !got.Equal(want) {
			t.Errorf("ReceiveTime(%v) = %v, %v; want %v, %v", tc.received, got, replaced, want, tc.replaced)
		}
	}
}

// TestManyFieldNamesFromOneSender: records from one sender whose field names differ (JSON
// with keys made of data), 3,000 names in all, are all stored and verify. Was: the storage
// skipped the rows of a block beyond 2,000 distinct field names, and verify reported the
// sealed records 6-9 deleted.
func TestManyFieldNamesFromOneSender(t *testing.T) {
	s, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var recs []logs.Record
	for i := range 10 {
		f := map[string]any{"event.action": "update"}
		for j := range 300 {
			f["labels.k"+strconv.Itoa(i)+"_"+strconv.Itoa(j)] = "v"
		}
		recs = append(recs, logs.Record{Raw: []byte(`{"n":` + strconv.Itoa(i) + `}`), Format: logs.FormatJSON, Fields: f, Peer: "10.0.0.1:6514"})
	}
	if err := s.Append(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	verifiedAndFound(t, s, 10)
	// Each record is found by a field only it has, the last ones too.
	now := time.Now().UTC()
	for _, i := range []int{0, 6, 9} {
		name := "labels.k" + strconv.Itoa(i) + "_299"
		res, err := s.Search(context.Background(), Query{From: now.Add(-time.Hour), To: now.Add(time.Hour), Filter: name + ":=v"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || len(res.Hits) != 1 || res.Hits[0].Fields[name] != "v" || len(res.Hits[0].Fields) != 301 {
			t.Errorf("search %s:=v: %d found, %+v", name, res.Total, res.Hits)
		}
	}
}

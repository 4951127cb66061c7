package logstore

import (
	"context"
	"strconv"
	"testing"
	"time"

	"medsec/logs"
)

// streamsOf counts the distinct streams of the rows in the search storage.
func streamsOf(t *testing.T, s *Store) map[string]bool {
	t.Helper()
	s.Refresh()
	streams := map[string]bool{}
	if err := s.scan(context.Background(), `* | fields _stream`, nil, func(row map[string]string) { streams[row["_stream"]] = true }); err != nil {
		t.Fatal(err)
	}
	return streams
}

// TestVaryingFieldsStayInFewStreams sends 256 records from one host whose field sets all
// differ (CEF-like extensions present or not: 256 name sets over 8 optional names) and 40
// records from a second host, half RFC 5424 and half JSON: they land in three streams, one
// per sender and format, not one per name set (issue 12: a source emitting varying fields made as many streams as name sets), the
// store verifies, and every record is found by every one of its fields.
func TestVaryingFieldsStayInFewStreams(t *testing.T) {
	s, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var recs []logs.Record
	has := map[string]int{} // records per optional field
	for i := range 256 {
		f := map[string]any{"event.action": "login", "source.ip": "10.1.2." + strconv.Itoa(i%250)}
		for b := range 8 {
			if i&(1<<b) != 0 {
				name := "cef.extensions.cs" + strconv.Itoa(b)
				f[name] = "v" + strconv.Itoa(b)
				has[name]++
			}
		}
		recs = append(recs, logs.Record{Raw: []byte("CEF:0|Aurora|PACS|1|" + strconv.Itoa(i)), Format: logs.FormatCEF, Fields: f, Peer: "10.0.0.1:514"})
	}
	for i := range 40 {
		format := logs.FormatRFC5424
		if i%2 == 1 {
			format = logs.FormatJSON
		}
		recs = append(recs, logs.Record{Raw: []byte("<13>1 - his01 app - - - " + strconv.Itoa(i)), Format: format,
			Fields: map[string]any{"host.name": "his01", "labels.n" + strconv.Itoa(i%7): "x"}, Peer: "10.0.0.2:601"})
	}
	if err := s.Append(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	verifiedAndFound(t, s, len(recs))
	if streams := streamsOf(t, s); len(streams) != 3 {
		t.Errorf("%d streams, want 3 (one per sender and format): %v", len(streams), streams)
	}
	now := time.Now().UTC()
	search := func(filter string) int64 {
		t.Helper()
		res, err := s.Search(context.Background(), Query{From: now.Add(-time.Hour), To: now.Add(time.Hour), Filter: filter, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	for name, n := range has {
		if got := search(name + ":=v" + name[len(name)-1:]); got != int64(n) {
			t.Errorf("%s: %d found, want %d", name, got, n)
		}
	}
	for filter, want := range map[string]int64{"event.action:=login": 256, "source.ip:=10.1.2.3": 2, "host.name:=his01": 40, "labels.n6:=x": 5} {
		if got := search(filter); got != want {
			t.Errorf("%s: %d found, want %d", filter, got, want)
		}
	}
}

// TestManyFieldNamesMakeFewStreams: the sender of TestManyFieldNamesFromOneSender (ten
// records of 300 field names each, all different) fills groups of at most maxGroupNames
// names: three streams, not ten, and no row lost.
func TestManyFieldNamesMakeFewStreams(t *testing.T) {
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
	if streams := streamsOf(t, s); len(streams) != 3 {
		t.Errorf("%d streams, want 3 (4 records of 301 names a group): %v", len(streams), streams)
	}
}

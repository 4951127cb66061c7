package logstore

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"medsec/logs"
)

// openFilled opens a store in a new directory with n records in sites 1 and 2.
func openFilled(t *testing.T, n int) (*Store, time.Time) {
	t.Helper()
	start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	s, err := Open(Config{Dir: t.TempDir(), Site: func(r logs.Record) int64 {
		if r.Peer == "10.1.2.2:514" {
			return 2
		}
		return 1
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	recs := testRecords(n, start)
	for i := 0; i < n; i += 100 {
		if err := s.Append(context.Background(), recs[i:min(i+100, n)]); err != nil {
			t.Fatal(err)
		}
	}
	s.Refresh()
	return s, start
}

// deleteRows removes the rows a LogsQL filter matches straight from the storage, as an
// intruder with the files would, and waits until it is done.
func deleteRows(t *testing.T, s *Store, filter string) {
	t.Helper()
	s.Refresh()
	f, err := logstorage.ParseFilter(filter)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.vl.DeleteRunTask(context.Background(), "t"+strconv.FormatInt(time.Now().UnixNano(), 10), time.Now().UnixNano(), []logstorage.TenantID{{}}, f); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		tasks, _ := s.vl.DeleteActiveTasks(context.Background())
		if len(tasks) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("delete task did not finish")
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.vl.DebugFlush()
}

// storedEntry is record r of a site as stored, with raw and fields in place of its own.
func storedEntry(site int64, r BundleRecord, raw []byte, fields map[string]string) *entry {
	e := &entry{Site: site, Index: r.Index, Received: r.Received.UnixNano(), Source: r.Source, Format: r.Format, Parser: r.Parser, Raw: raw}
	for k, v := range fields {
		e.Fields = append(e.Fields, logstorage.Field{Name: k, Value: v})
	}
	sortFields(e.Fields)
	return e
}

func rawRow(s *Store, e *entry) {
	lr := logstorage.GetLogRows(nil, nil, nil, nil, "")
	addRow(lr, nil, e)
	s.vl.MustAddRows(lr)
	logstorage.PutLogRows(lr)
	s.vl.DebugFlush()
}

func findRecord(t *testing.T, s *Store, site, idx int64) BundleRecord {
	t.Helper()
	r, ok := s.recordAt(context.Background(), site, idx)
	if !ok {
		t.Fatalf("record %d/%d not found", site, idx)
	}
	return r
}

func wantProblems(t *testing.T, rep *Report, want ...Problem) {
	t.Helper()
	if len(want) == 0 {
		if !rep.OK || len(rep.Problems) > 0 {
			t.Fatalf("want a clean report, got %+v", rep.Problems)
		}
		return
	}
	if rep.OK {
		t.Fatalf("want problems %+v, report OK", want)
	}
	for _, w := range want {
		found := false
		for _, p := range rep.Problems {
			if p.Kind == w.Kind && p.Site == w.Site && p.Index == w.Index {
				found = true
			}
		}
		if !found {
			t.Errorf("want %s at site %d index %d; got %+v", w.Kind, w.Site, w.Index, rep.Problems)
		}
	}
	if len(rep.Problems) != len(want) {
		t.Errorf("got %d problems, want %d: %+v", len(rep.Problems), len(want), rep.Problems)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	ctx := context.Background()
	s, _ := openFilled(t, 600)
	rep, err := s.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, rep)
	if got := rep.Sites[0].Checked + rep.Sites[1].Checked; got != 600 {
		t.Fatalf("checked %d records, want 600", got)
	}

	// Each kind of tampering on a store of its own: a put-back row in one store can be
	// touched by the storage's later merges and delete tasks, which would blur the next
	// case's report.
	t.Run("changed byte", func(t *testing.T) {
		s, _ := openFilled(t, 600)
		r := findRecord(t, s, 1, 17)
		deleteRows(t, s, fmt.Sprintf("%s:=1 %s:=17", FieldSite, FieldIndex))
		raw := bytes.Clone(r.Raw)
		raw[len(raw)-1] ^= 1
		rawRow(s, storedEntry(1, r, raw, r.Fields))
		rep, err := s.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantProblems(t, rep, Problem{Kind: ProblemChanged, Site: 1, Index: 17})
		if !rep.Problems[0].Time.Equal(r.Received) {
			t.Errorf("changed record located at %v, want %v", rep.Problems[0].Time, r.Received)
		}
	})
	t.Run("changed field", func(t *testing.T) {
		s, _ := openFilled(t, 600)
		// The raw bytes stay; one parsed field, which searches and detection read, is
		// changed in the storage.
		r := findRecord(t, s, 2, 23)
		if r.Fields["user.name"] == "" || r.Parser != ParserVersion {
			t.Fatalf("record 23 has no user.name field or parser: %+v", r)
		}
		deleteRows(t, s, fmt.Sprintf("%s:=2 %s:=23", FieldSite, FieldIndex))
		fields := maps.Clone(r.Fields)
		fields["user.name"] = "someone-else"
		rawRow(s, storedEntry(2, r, r.Raw, fields))
		rep, err := s.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantProblems(t, rep, Problem{Kind: ProblemChanged, Site: 2, Index: 23})
		if !rep.Problems[0].Time.Equal(r.Received) {
			t.Errorf("changed record located at %v, want %v", rep.Problems[0].Time, r.Received)
		}
	})
	t.Run("deleted record", func(t *testing.T) {
		s, _ := openFilled(t, 600)
		deleteRows(t, s, fmt.Sprintf("%s:=2 %s:=40", FieldSite, FieldIndex))
		rep, err := s.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantProblems(t, rep, Problem{Kind: ProblemDeleted, Site: 2, Index: 40})
		if p := rep.Problems[0]; p.End != 41 || p.Time.IsZero() {
			t.Errorf("deleted record: %+v, want end 41 and the time of record 39", p)
		}
	})
	t.Run("inserted record", func(t *testing.T) {
		s, _ := openFilled(t, 600)
		r := findRecord(t, s, 1, 100)
		f := storedEntry(1, r, []byte("<86>forged: Accepted password for root"), r.Fields)
		f.Received++
		rawRow(s, f)
		rep, err := s.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantProblems(t, rep, Problem{Kind: ProblemInserted, Site: 1, Index: 100})
	})
}

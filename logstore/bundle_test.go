package logstore

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"
)

func exportBundle(t *testing.T, s *Store, from, to time.Time) *Bundle {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Export(context.Background(), &buf, from, to, nil); err != nil {
		t.Fatal(err)
	}
	var b Bundle
	if err := json.Unmarshal(buf.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	return &b
}

func verifyBundle(t *testing.T, b *Bundle) *Report {
	t.Helper()
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyBundle(bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestBundleVerifiesAndLocatesTampering(t *testing.T) {
	s, start := openFilled(t, 900)
	time.Sleep(10 * time.Millisecond)
	// The middle third of the records: both neighbours exist.
	from, to := start.Add(300*time.Millisecond), start.Add(600*time.Millisecond)
	b := exportBundle(t, s, from, to)
	if len(b.Sites) != 2 {
		t.Fatalf("%d sites in the bundle, want 2", len(b.Sites))
	}
	rep := verifyBundle(t, b)
	wantProblems(t, rep)
	var n int64
	for _, sr := range rep.Sites {
		n += sr.Checked
	}
	if n != 300 {
		t.Fatalf("bundle checked %d records, want 300", n)
	}
	site := &b.Sites[0]
	if site.Before == nil || site.After == nil {
		t.Fatalf("bundle lacks the boundary records")
	}

	t.Run("changed byte", func(t *testing.T) {
		c := cloneBundle(t, b)
		r := &c.Sites[0].Records[5]
		r.Raw[0] ^= 0x20
		wantProblems(t, verifyBundle(t, c), Problem{Kind: ProblemChanged, Site: c.Sites[0].Site, Index: r.Index})
	})
	t.Run("changed field", func(t *testing.T) {
		c := cloneBundle(t, b)
		r := &c.Sites[0].Records[6]
		r.Fields["process.name"] = "bash"
		wantProblems(t, verifyBundle(t, c), Problem{Kind: ProblemChanged, Site: c.Sites[0].Site, Index: r.Index})
	})
	t.Run("deleted record", func(t *testing.T) {
		c := cloneBundle(t, b)
		recs := c.Sites[1].Records
		idx := recs[7].Index
		c.Sites[1].Records = append(recs[:7:7], recs[8:]...)
		wantProblems(t, verifyBundle(t, c), Problem{Kind: ProblemDeleted, Site: c.Sites[1].Site, Index: idx})
	})
	t.Run("deleted last record", func(t *testing.T) {
		c := cloneBundle(t, b)
		recs := c.Sites[0].Records
		last := recs[len(recs)-1].Index
		c.Sites[0].Records = recs[:len(recs)-1]
		wantProblems(t, verifyBundle(t, c), Problem{Kind: ProblemDeleted, Site: c.Sites[0].Site, Index: last})
	})
	t.Run("inserted record", func(t *testing.T) {
		c := cloneBundle(t, b)
		forged := c.Sites[0].Records[3]
		forged.Raw = []byte("<86>forged line")
		c.Sites[0].Records = append(c.Sites[0].Records, forged)
		wantProblems(t, verifyBundle(t, c), Problem{Kind: ProblemInserted, Site: c.Sites[0].Site, Index: forged.Index})
	})
	t.Run("other key", func(t *testing.T) {
		other, err := LoadOrCreateKey(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(b)
		rep, err := VerifyBundle(bytes.NewReader(data), other.Public)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK || rep.Problems[0].Kind != ProblemCheckpoint {
			t.Fatalf("bundle verified against another key: %+v", rep)
		}
	})
}

func cloneBundle(t *testing.T, b *Bundle) *Bundle {
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var c Bundle
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

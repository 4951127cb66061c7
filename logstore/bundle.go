package logstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// BundleFormat names the bundle layout docs/LOG-SEAL.md describes.
const BundleFormat = "medsec-log-bundle/2"

// MaxBundleRecords is the most records one export holds.
const MaxBundleRecords = 1_000_000

// Bundle is an export an auditor verifies offline: records with their inclusion proofs
// against a signed checkpoint, older checkpoints with consistency proofs, and the public
// key. JSON; hashes in standard base64.
type Bundle struct {
	Format    string       `json:"format"`
	PublicKey string       `json:"public_key"`
	From      time.Time    `json:"from"`
	To        time.Time    `json:"to"`
	Sites     []BundleSite `json:"sites"`
}

// BundleSite is one site log's part of a bundle.
type BundleSite struct {
	Site int64 `json:"site"`
	// Checkpoint is the signed note every proof below refers to.
	Checkpoint string `json:"checkpoint"`
	// Records are the records received in [From, To), by index, with no gap.
	Records []BundleRecord `json:"records"`
	// Before and After are the records just outside the range (nil at the log's ends),
	// which show that Records holds all of it: Before was received before From, After at
	// or after To.
	Before *BundleRecord `json:"before,omitempty"`
	After  *BundleRecord `json:"after,omitempty"`
	// Checkpoints are the older checkpoints signed during [From, To), each with a proof
	// that Checkpoint's tree extends it (RFC 9162 §2.1.4 consistency).
	Checkpoints []BundleCheckpoint `json:"checkpoints"`
}

// BundleRecord is one record with its proof of inclusion (RFC 9162 §2.1.3).
type BundleRecord struct {
	Index    int64             `json:"index"`
	Received time.Time         `json:"received"`
	Source   string            `json:"source"`
	Raw      []byte            `json:"raw"`
	Format   string            `json:"format"`
	Parser   string            `json:"parser"`
	Fields   map[string]string `json:"fields"`
	Proof    []tlog.Hash       `json:"proof"`
}

// BundleCheckpoint is an older checkpoint and its consistency proof.
type BundleCheckpoint struct {
	Note  string      `json:"note"`
	Proof []tlog.Hash `json:"proof"`
}

// Export writes a bundle of the records received in [from, to) in the given sites (nil:
// every site) to w. It signs a checkpoint of everything stored first. Errors: a range with
// more than MaxBundleRecords records, or a failure to read.
func (s *Store) Export(ctx context.Context, w io.Writer, from, to time.Time, sites []int64) error {
	if !to.After(from) {
		return &QueryError{Message: "the end of the time range must be after its start"}
	}
	s.Checkpoint()
	s.syncIndex()
	b := &Bundle{Format: BundleFormat, PublicKey: s.key.Public, From: from.UTC(), To: to.UTC(), Sites: []BundleSite{}}
	for _, st := range s.Status() {
		if sites != nil && !containsInt(sites, st.Site) {
			continue
		}
		bs, err := s.exportSite(ctx, st.Site, from, to)
		if err != nil {
			return err
		}
		if bs != nil {
			b.Sites = append(b.Sites, *bs)
		}
	}
	enc := json.NewEncoder(w)
	return enc.Encode(b)
}

func containsInt(xs []int64, x int64) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (s *Store) exportSite(ctx context.Context, site int64, from, to time.Time) (*BundleSite, error) {
	s.mu.Lock()
	l := s.sites[site]
	if err := l.sync(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	last := l.last
	s.mu.Unlock()
	if last == nil {
		return nil, nil
	}
	n := last.Size
	var mu sync.Mutex
	var recs []BundleRecord
	var tooMany bool
	q := fmt.Sprintf(`_time:[%s, %s) %s:=%d`, from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano), FieldSite, site)
	err := s.scan(ctx, q, nil, func(m map[string]string) {
		r, ok := bundleRecordOf(m)
		mu.Lock()
		defer mu.Unlock()
		if !ok || r.Index >= n {
			return
		}
		if len(recs) >= MaxBundleRecords {
			tooMany = true
			return
		}
		recs = append(recs, r)
	})
	if err != nil {
		return nil, err
	}
	if tooMany {
		return nil, &QueryError{Message: fmt.Sprintf("more than %d records in that range: export a shorter one", MaxBundleRecords)}
	}
	sort.Slice(recs, func(a, b int) bool { return recs[a].Index < recs[b].Index })
	bs := &BundleSite{Site: site, Checkpoint: last.Note, Records: recs, Checkpoints: []BundleCheckpoint{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	prove := func(r *BundleRecord) error {
		p, err := tlog.ProveRecord(n, r.Index, l)
		r.Proof = p
		return err
	}
	for i := range bs.Records {
		if err := prove(&bs.Records[i]); err != nil {
			return nil, err
		}
	}
	if len(recs) > 0 {
		if first := recs[0].Index; first > 0 {
			if r, ok := s.recordAt(ctx, site, first-1); ok {
				bs.Before = &r
			}
		}
		if end := recs[len(recs)-1].Index + 1; end < n {
			if r, ok := s.recordAt(ctx, site, end); ok {
				bs.After = &r
			}
		}
		for _, r := range []*BundleRecord{bs.Before, bs.After} {
			if r != nil {
				if err := prove(r); err != nil {
					return nil, err
				}
			}
		}
	}
	cps, err := l.checkpoints()
	if err != nil {
		return nil, err
	}
	for _, c := range cps {
		cp, err := OpenCheckpoint([]byte(c.Note), s.key.Public)
		if err != nil || cp.Time.Before(from) || !cp.Time.Before(to) || cp.Size >= n || cp.Size == 0 {
			continue
		}
		p, err := tlog.ProveTree(n, cp.Size, l)
		if err != nil {
			return nil, err
		}
		bs.Checkpoints = append(bs.Checkpoints, BundleCheckpoint{Note: c.Note, Proof: p})
	}
	return bs, nil
}

func (s *Store) recordAt(ctx context.Context, site, idx int64) (BundleRecord, bool) {
	var out BundleRecord
	var found bool
	var mu sync.Mutex
	_ = s.scan(ctx, fmt.Sprintf(`%s:=%d %s:=%d`, FieldSite, site, FieldIndex, idx), nil, func(m map[string]string) {
		if r, ok := bundleRecordOf(m); ok {
			mu.Lock()
			out, found = r, true
			mu.Unlock()
		}
	})
	return out, found
}

func bundleRecordOf(m map[string]string) (BundleRecord, bool) {
	h, err := hitOf(m)
	if err != nil {
		return BundleRecord{}, false
	}
	return BundleRecord{Index: h.Index, Received: h.Received, Source: h.Source, Raw: []byte(h.Raw), Format: h.Format, Parser: h.Parser, Fields: h.Fields}, true
}

// VerifyBundle checks a bundle offline against the public key it must have been signed
// with (the bundle's own key when publicKey is ""): every checkpoint's signature, every
// record's inclusion proof, every consistency proof, and that the records of each site
// run without a gap or a duplicate from Before to After. Findings are in the Report;
// errors are a bundle that cannot be read (the error names the JSON problem).
func VerifyBundle(r io.Reader, publicKey string) (*Report, error) {
	var b Bundle
	dec := json.NewDecoder(r)
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if b.Format != BundleFormat {
		return nil, fmt.Errorf("bundle: format %q, want %q", b.Format, BundleFormat)
	}
	if publicKey == "" {
		publicKey = b.PublicKey
	}
	rep := &Report{OK: true, Problems: []Problem{}}
	for _, bs := range b.Sites {
		sr := SiteReport{Site: bs.Site}
		cp, err := OpenCheckpoint([]byte(bs.Checkpoint), publicKey)
		if err != nil {
			rep.add(Problem{Kind: ProblemCheckpoint, Site: bs.Site, Index: -1, Detail: err.Error()})
			rep.Sites = append(rep.Sites, sr)
			continue
		}
		if want := fmt.Sprintf("/site/%d", bs.Site); len(cp.Origin) < len(want) || cp.Origin[len(cp.Origin)-len(want):] != want {
			rep.add(Problem{Kind: ProblemCheckpoint, Site: bs.Site, Index: -1, Detail: "checkpoint origin " + strconv.Quote(cp.Origin) + " is not this site's log"})
		}
		sr.Checkpoint, sr.Size = cp, cp.Size
		check := func(r *BundleRecord) bool {
			leaf := LeafHash(bs.Site, r.Source, r.Received, r.Format, r.Parser, r.Fields, r.Raw)
			return r.Index >= 0 && r.Index < cp.Size && tlog.CheckRecord(r.Proof, cp.Size, cp.Root, r.Index, leaf) == nil
		}
		seen := map[int64]bool{}
		for i := range bs.Records {
			r := &bs.Records[i]
			switch {
			case !check(r):
				kind := ProblemChanged
				if seen[r.Index] || r.Index < 0 || r.Index >= cp.Size {
					kind = ProblemInserted
				}
				rep.add(Problem{Kind: kind, Site: bs.Site, Index: r.Index, Time: r.Received, Detail: fmt.Sprintf("record %d is not the sealed record (inclusion proof fails)", r.Index)})
			case seen[r.Index]:
				rep.add(Problem{Kind: ProblemInserted, Site: bs.Site, Index: r.Index, Time: r.Received, Detail: fmt.Sprintf("record %d appears twice", r.Index)})
			case r.Received.Before(b.From) || !r.Received.Before(b.To):
				rep.add(Problem{Kind: ProblemInserted, Site: bs.Site, Index: r.Index, Time: r.Received, Detail: "record received outside the bundle's time range"})
			default:
				sr.Checked++
			}
			seen[r.Index] = true
		}
		// Completeness: indexes run without a gap, and the neighbours lie outside the range.
		idx := make([]int64, 0, len(seen))
		for k := range seen {
			idx = append(idx, k)
		}
		sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
		for i := 1; i < len(idx); i++ {
			if idx[i] != idx[i-1]+1 {
				rep.add(Problem{Kind: ProblemDeleted, Site: bs.Site, Index: idx[i-1] + 1, End: idx[i],
					Detail: fmt.Sprintf("%d sealed record(s) %d-%d missing from the bundle", idx[i]-idx[i-1]-1, idx[i-1]+1, idx[i]-1)})
			}
		}
		if len(idx) > 0 {
			first, last := idx[0], idx[len(idx)-1]
			switch {
			case first == 0:
			case bs.Before == nil || bs.Before.Index != first-1 || !check(bs.Before) || !bs.Before.Received.Before(b.From):
				rep.add(Problem{Kind: ProblemDeleted, Site: bs.Site, Index: first - 1,
					Detail: fmt.Sprintf("cannot show that record %d, before the first in the bundle, was received before the range", first-1)})
			}
			switch {
			case last == cp.Size-1:
			case bs.After == nil || bs.After.Index != last+1 || !check(bs.After) || bs.After.Received.Before(b.To):
				rep.add(Problem{Kind: ProblemDeleted, Site: bs.Site, Index: last + 1,
					Detail: fmt.Sprintf("cannot show that record %d, after the last in the bundle, was received after the range", last+1)})
			}
		}
		for _, c := range bs.Checkpoints {
			old, err := OpenCheckpoint([]byte(c.Note), publicKey)
			if err != nil {
				rep.add(Problem{Kind: ProblemCheckpoint, Site: bs.Site, Index: -1, Detail: err.Error()})
				continue
			}
			if old.Origin != cp.Origin || tlog.CheckTree(c.Proof, cp.Size, cp.Root, old.Size, old.Root) != nil {
				rep.add(Problem{Kind: ProblemCheckpoint, Site: bs.Site, Index: old.Size, Time: old.Time,
					Detail: fmt.Sprintf("checkpoint of size %d is not consistent with the checkpoint of size %d", old.Size, cp.Size)})
			}
		}
		rep.Sites = append(rep.Sites, sr)
	}
	return rep, nil
}

// ErrNoRecord is returned (wrapped) by ProveRecord for a record the site log does not hold
// (yet: a record is provable once a checkpoint covers it, which ProveRecord signs first).
var ErrNoRecord = errors.New("no such sealed record")

// ProveRecord returns record index of a site's log as a one-record verification bundle:
// the records received at its receive time (usually it alone), the records just before
// and after with their proofs, and the newest signed checkpoint, which it signs first.
// It is checked offline like any bundle (VerifyBundle, `medsec logs verify --key`,
// docs/logseal-check), so a record attached to an incident carries its own proof.
func (s *Store) ProveRecord(ctx context.Context, site, index int64) (*Bundle, BundleRecord, error) {
	s.Checkpoint()
	s.syncIndex()
	s.mu.Lock()
	_, ok := s.sites[site]
	s.mu.Unlock()
	if !ok || index < 0 {
		return nil, BundleRecord{}, fmt.Errorf("site %d record %d: %w", site, index, ErrNoRecord)
	}
	rec, ok := s.recordAt(ctx, site, index)
	if !ok {
		return nil, BundleRecord{}, fmt.Errorf("site %d record %d: %w", site, index, ErrNoRecord)
	}
	from := rec.Received
	to := from.Add(time.Nanosecond)
	bs, err := s.exportSite(ctx, site, from, to)
	if err != nil {
		return nil, BundleRecord{}, err
	}
	if bs == nil {
		return nil, BundleRecord{}, fmt.Errorf("site %d record %d: %w", site, index, ErrNoRecord)
	}
	for _, r := range bs.Records {
		if r.Index == index {
			b := &Bundle{Format: BundleFormat, PublicKey: s.key.Public, From: from.UTC(), To: to.UTC(), Sites: []BundleSite{*bs}}
			return b, r, nil
		}
	}
	return nil, BundleRecord{}, fmt.Errorf("site %d record %d: %w", site, index, ErrNoRecord)
}

package logstore

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Kinds of Problem.
const (
	// ProblemChanged is a stored record whose bytes no longer hash to its sealed leaf.
	ProblemChanged = "changed"
	// ProblemDeleted is a sealed record missing from the store (and not removed by
	// retention, which seals a record of each removal).
	ProblemDeleted = "deleted"
	// ProblemInserted is a stored record that the seal does not hold: an index beyond the
	// tree, an index that another, matching record already has, or no index at all.
	ProblemInserted = "inserted"
	// ProblemHashes is a stored tree hash that does not follow from the leaves.
	ProblemHashes = "hashes"
	// ProblemCheckpoint is a checkpoint whose signature fails or whose root does not
	// match the leaves.
	ProblemCheckpoint = "checkpoint"
)

// Problem is one finding of a verification, located by site, record index and time.
type Problem struct {
	Kind  string `json:"kind"`
	Site  int64  `json:"site"`
	Index int64  `json:"index"`
	// End, for a run of deleted records, is the index after the last one.
	End int64 `json:"end,omitempty"`
	// Time is the record's receive time, or for deleted records the receive time of the
	// record before the gap (the deleted ones came at or after it).
	Time   time.Time `json:"time,omitzero"`
	Detail string    `json:"detail"`
}

// SiteReport sums up one site log's verification.
type SiteReport struct {
	Site int64 `json:"site"`
	// Size is the number of sealed records; Checked the records found and matching.
	Size    int64 `json:"size"`
	Checked int64 `json:"checked"`
	// Removed is the number of records removed by retention (sealed removals).
	Removed int64 `json:"removed"`
	// Checkpoint is the newest checkpoint verified.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
}

// Report is the result of a verification.
type Report struct {
	OK       bool         `json:"ok"`
	Sites    []SiteReport `json:"sites"`
	Problems []Problem    `json:"problems"`
	// Truncated says more problems were found than listed (the first 1000 are).
	Truncated bool `json:"truncated,omitempty"`
}

const maxProblems = 1000

func (r *Report) add(p Problem) {
	r.OK = false
	if len(r.Problems) >= maxProblems {
		r.Truncated = true
		return
	}
	r.Problems = append(r.Problems, p)
}

// RetentionSource is the source of the records the store seals when retention removes
// records; their raw bytes are a JSON Removal.
const RetentionSource = "medsec:retention"

// Removal is the content of a sealed retention record: every record of the site log with
// an index below RemovedBelow has been removed, the last of them received before Before.
type Removal struct {
	Action       string    `json:"action"` // "retention.removed"
	RemovedBelow int64     `json:"removed_below"`
	Before       time.Time `json:"before"`
	Partitions   []string  `json:"partitions"`
}

// Verify checks the live store: each checkpoint's signature and root against the stored
// leaves, each stored tree hash against the leaves, and each stored record against its
// leaf; it names every changed, deleted and inserted record by site, index and time.
// It signs a checkpoint of everything stored first. Errors are failures to read, not
// findings: findings are in the Report.
//
// sites limits the check to those site logs (nil: every site, and then records that
// belong to no site are looked for too).
func (s *Store) Verify(ctx context.Context, sites []int64) (*Report, error) {
	s.Checkpoint()
	s.syncIndex()
	s.mu.Lock()
	ids := make([]int64, 0, len(s.sites))
	for id, l := range s.sites {
		if sites != nil && !containsInt(sites, id) {
			continue
		}
		if err := l.sync(); err != nil {
			s.mu.Unlock()
			return nil, err
		}
		ids = append(ids, id)
	}
	s.mu.Unlock()
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	rep := &Report{OK: true, Problems: []Problem{}}
	for _, id := range ids {
		if err := s.verifySite(ctx, s.sites[id], rep); err != nil {
			return nil, fmt.Errorf("verify site %d: %w", id, err)
		}
	}
	if sites != nil {
		return rep, nil
	}
	// Records with no site at all were never sealed.
	err := s.scan(ctx, `-`+FieldSite+`:* | fields _time, _msg`, nil, func(row map[string]string) {
		t, _ := time.Parse(time.RFC3339Nano, row["_time"])
		s.mu.Lock()
		rep.add(Problem{Kind: ProblemInserted, Site: -1, Index: -1, Time: t, Detail: "a stored record without a site or index: not sealed"})
		s.mu.Unlock()
	})
	return rep, err
}

func (s *Store) verifySite(ctx context.Context, l *siteLog, rep *Report) error {
	s.mu.Lock()
	size := l.size
	s.mu.Unlock()
	sr := SiteReport{Site: l.site, Size: size}

	// 1. Leaves -> tree hashes -> signed roots, recomputed with tlog from the leaves alone.
	cps, err := l.checkpoints()
	if err != nil {
		return err
	}
	roots := map[int64][]checkpointLine{}
	for _, c := range cps {
		roots[c.Size] = append(roots[c.Size], c)
	}
	f, err := os.Open(l.hashes.Name())
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	fr := newFrontier()
	checkRoots := func(n int64) {
		for _, c := range roots[n] {
			cp, err := OpenCheckpoint([]byte(c.Note), s.key.Public)
			switch {
			case err != nil:
				rep.add(Problem{Kind: ProblemCheckpoint, Site: l.site, Index: n, Detail: err.Error()})
			case cp.Origin != s.key.Origin(l.site) || cp.Size != n:
				rep.add(Problem{Kind: ProblemCheckpoint, Site: l.site, Index: n, Time: cp.Time, Detail: "checkpoint names another log or size"})
			default:
				root, _ := tlog.TreeHash(n, fr)
				if root != cp.Root {
					rep.add(Problem{Kind: ProblemCheckpoint, Site: l.site, Index: n, Time: cp.Time,
						Detail: fmt.Sprintf("signed root of the first %d records does not match the stored leaves: a leaf before index %d was changed", n, n)})
				} else {
					sr.Checkpoint = cp
				}
			}
		}
	}
	for _, c := range roots[0] {
		if _, err := OpenCheckpoint([]byte(c.Note), s.key.Public); err != nil {
			rep.add(Problem{Kind: ProblemCheckpoint, Site: l.site, Detail: err.Error()})
		}
	}
	var buf [tlog.HashSize]byte
	for i := int64(0); i < size; i++ {
		var stored []tlog.Hash
		n := tlog.StoredHashCount(i+1) - tlog.StoredHashCount(i)
		for j := int64(0); j < n; j++ {
			if _, err := io.ReadFull(br, buf[:]); err != nil {
				return fmt.Errorf("read hashes: %w", err)
			}
			stored = append(stored, tlog.Hash(buf))
		}
		leaf := stored[0]
		hs, err := tlog.StoredHashesForRecordHash(i, leaf, fr)
		if err != nil {
			return err
		}
		for j := range hs {
			if hs[j] != stored[j] {
				rep.add(Problem{Kind: ProblemHashes, Site: l.site, Index: i, Detail: fmt.Sprintf("stored tree hash %d of record %d does not follow from the leaves", j, i)})
				break
			}
		}
		fr.put(tlog.StoredHashIndex(0, i), hs)
		checkRoots(i + 1)
	}
	if sr.Checkpoint == nil || sr.Checkpoint.Size != size {
		if size > 0 {
			rep.add(Problem{Kind: ProblemCheckpoint, Site: l.site, Index: size, Detail: fmt.Sprintf("no valid checkpoint covers all %d records", size)})
		}
	}

	// 2. Stored records -> leaves, hour by hour along the days the log has.
	var matched intervals
	type suspect struct {
		idx  int64
		t    time.Time
		desc string
	}
	var suspects []suspect
	var removedBelow int64
	type row struct {
		idx  int64
		t    time.Time
		leaf tlog.Hash
		rem  *Removal
		bad  string
	}
	// Every partition the storage has, not only the days the seal knows, so that a record
	// inserted on another day is found too.
	for _, day := range s.vl.PartitionList() {
		start, err := time.Parse("20060102", day)
		if err != nil {
			continue
		}
		for h := 0; h < 24; h++ {
			from := start.Add(time.Duration(h) * time.Hour)
			var mu sync.Mutex
			var rows []row
			q := fmt.Sprintf(`_time:[%s, %s) %s:=%d`, from.Format(time.RFC3339), from.Add(time.Hour).Format(time.RFC3339), FieldSite, l.site)
			err := s.scan(ctx, q, nil, func(m map[string]string) {
				r := row{idx: -1}
				r.t, _ = time.Parse(time.RFC3339Nano, m["_time"])
				if n, err := strconv.ParseInt(m[FieldIndex], 10, 64); err == nil {
					r.idx = n
				} else {
					r.bad = "no record index"
				}
				r.leaf = LeafHash(l.site, m[FieldSource], r.t, m[FieldFormat], m[FieldParser], parsedFields(m), []byte(m["_msg"]))
				if m[FieldSource] == RetentionSource {
					var rm Removal
					if json.Unmarshal([]byte(m["_msg"]), &rm) == nil {
						r.rem = &rm
					}
				}
				mu.Lock()
				rows = append(rows, r)
				mu.Unlock()
			})
			if err != nil {
				return err
			}
			sort.Slice(rows, func(a, b int) bool { return rows[a].idx < rows[b].idx })
			for _, r := range rows {
				switch {
				case r.bad != "":
					suspects = append(suspects, suspect{-1, r.t, r.bad})
				case r.idx < 0 || r.idx >= size:
					suspects = append(suspects, suspect{r.idx, r.t, fmt.Sprintf("index %d is beyond the %d sealed records", r.idx, size)})
				default:
					want, err := l.leaf(r.idx)
					if err != nil {
						return err
					}
					if want != r.leaf {
						suspects = append(suspects, suspect{r.idx, r.t, ""})
						continue
					}
					if matched.has(r.idx) {
						suspects = append(suspects, suspect{r.idx, r.t, "a second copy of a sealed record"})
						continue
					}
					matched.add(r.idx)
					sr.Checked++
					if r.rem != nil && r.rem.Action == "retention.removed" {
						removedBelow = max(removedBelow, r.rem.RemovedBelow)
					}
				}
			}
		}
	}
	// 3. Name what is wrong.
	for _, sp := range suspects {
		switch {
		case sp.desc != "":
			rep.add(Problem{Kind: ProblemInserted, Site: l.site, Index: sp.idx, Time: sp.t, Detail: sp.desc})
		case matched.has(sp.idx):
			rep.add(Problem{Kind: ProblemInserted, Site: l.site, Index: sp.idx, Time: sp.t, Detail: fmt.Sprintf("a record claiming index %d, which another stored record matches", sp.idx)})
		default:
			rep.add(Problem{Kind: ProblemChanged, Site: l.site, Index: sp.idx, Time: sp.t, Detail: fmt.Sprintf("record %d does not match its sealed leaf", sp.idx)})
			matched.add(sp.idx) // present, though changed: not also deleted
		}
	}
	sr.Removed = removedBelow
	for _, gap := range matched.gaps(removedBelow, size) {
		p := Problem{Kind: ProblemDeleted, Site: l.site, Index: gap[0], End: gap[1],
			Detail: fmt.Sprintf("%d sealed record(s) %d-%d missing", gap[1]-gap[0], gap[0], gap[1]-1)}
		if gap[0] > 0 {
			p.Time = s.timeOf(ctx, l.site, gap[0]-1)
		}
		rep.add(p)
	}
	rep.Sites = append(rep.Sites, sr)
	return nil
}

// timeOf returns the receive time of a stored record, or the zero time.
func (s *Store) timeOf(ctx context.Context, site, idx int64) time.Time {
	var t time.Time
	_ = s.scan(ctx, fmt.Sprintf(`%s:=%d %s:=%d | fields _time`, FieldSite, site, FieldIndex, idx), nil, func(m map[string]string) {
		t, _ = time.Parse(time.RFC3339Nano, m["_time"])
	})
	return t
}

// frontier is a tlog.HashReader holding, per tree level, only the newest stored hash:
// exactly what tlog needs to append the next record and to hash the whole tree.
type frontier struct {
	byLevel map[int]struct {
		n int64
		h tlog.Hash
	}
}

func newFrontier() *frontier {
	return &frontier{byLevel: map[int]struct {
		n int64
		h tlog.Hash
	}{}}
}

func (f *frontier) put(first int64, hs []tlog.Hash) {
	for j, h := range hs {
		level, n := tlog.SplitStoredHashIndex(first + int64(j))
		f.byLevel[level] = struct {
			n int64
			h tlog.Hash
		}{n, h}
	}
}

func (f *frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		level, n := tlog.SplitStoredHashIndex(x)
		e, ok := f.byLevel[level]
		if !ok || e.n != n {
			return nil, fmt.Errorf("hash %d/%d not on the frontier", level, n)
		}
		out[i] = e.h
	}
	return out, nil
}

// intervals is a set of record indexes kept as sorted, disjoint [start, end) runs.
type intervals [][2]int64

func (iv *intervals) has(x int64) bool {
	s := *iv
	i := sort.Search(len(s), func(i int) bool { return s[i][1] > x })
	return i < len(s) && s[i][0] <= x
}

func (iv *intervals) add(x int64) {
	s := *iv
	if n := len(s); n > 0 && s[n-1][1] == x {
		s[n-1][1]++
		return
	}
	i := sort.Search(len(s), func(i int) bool { return s[i][1] >= x })
	if i < len(s) && s[i][0] <= x && x < s[i][1] {
		return
	}
	if i < len(s) && s[i][1] == x {
		s[i][1]++
		if i+1 < len(s) && s[i+1][0] == s[i][1] {
			s[i][1] = s[i+1][1]
			s = append(s[:i+1], s[i+2:]...)
		}
		*iv = s
		return
	}
	if i < len(s) && s[i][0] == x+1 {
		s[i][0] = x
		*iv = s
		return
	}
	s = append(s, [2]int64{})
	copy(s[i+1:], s[i:])
	s[i] = [2]int64{x, x + 1}
	*iv = s
}

// gaps returns the runs in [lo, hi) not in the set.
func (iv intervals) gaps(lo, hi int64) [][2]int64 {
	var out [][2]int64
	at := lo
	for _, r := range iv {
		if r[1] <= at {
			continue
		}
		if r[0] > at {
			out = append(out, [2]int64{at, min(r[0], hi)})
		}
		at = max(at, r[1])
		if at >= hi {
			break
		}
	}
	if at < hi {
		out = append(out, [2]int64{at, hi})
	}
	return out
}

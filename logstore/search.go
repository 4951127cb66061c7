package logstore

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
)

// Query selects records: a receive-time range, the sites the caller may read, and a
// LogsQL filter (words, phrases, field:value, field:>N, "a or b", "-word"; no pipes).
type Query struct {
	// From and To bound the receive time, From included, To excluded.
	From, To time.Time
	// Sites limits the result to these sites; nil means every site.
	Sites []int64
	// Filter is a LogsQL filter; "" or "*" matches every record.
	Filter string
	// Limit is the most records Search returns, newest first (1-10000; 0 means 100).
	Limit int
}

// Hit is one found record.
type Hit struct {
	Site     int64             `json:"site"`
	Index    int64             `json:"index"`
	Received time.Time         `json:"received"`
	Source   string            `json:"source"`
	Format   string            `json:"format"`
	Parser   string            `json:"parser"`
	Raw      string            `json:"raw"`
	Fields   map[string]string `json:"fields"`
}

// Bucket is one bar of a time histogram.
type Bucket struct {
	Start time.Time `json:"start"`
	Count int64     `json:"count"`
}

// Result is what Search returns.
type Result struct {
	// Hits are the newest matching records, at most Query.Limit.
	Hits []Hit `json:"hits"`
	// Total is the number of matching records.
	Total int64 `json:"total"`
	// Histogram counts the matching records per Step.
	Histogram []Bucket      `json:"histogram"`
	Step      time.Duration `json:"step"`
	Took      time.Duration `json:"took"`
}

// QueryError is a LogsQL filter that does not parse or is not allowed; Message is safe to
// show (it names only the user's own query, never the site and time limits added to it).
// Key, when set, is the i18n key of a message without arguments.
type QueryError struct {
	Message string
	Key     string
}

// errFiltersOnly refuses pipes and subqueries: a subquery such as in(x | fields f) runs
// without the site limit, so it could tell a site-limited user what another site logged.
var errFiltersOnly = &QueryError{
	Message: "only filters are allowed: no pipes (|) and no subqueries such as in(... | fields f)",
	Key:     "err.log_query_filters_only",
}

// hasPipe reports whether LogsQL text s (as printed by logstorage's Query.String) holds
// a "|" outside quoted strings. Every pipe and every subquery needs one: a subquery
// in in(...), contains_any(...) or contains_all(...) must end with a fields or uniq pipe.
func hasPipe(s string) bool {
	var quote rune
	escaped := false
	for _, c := range s {
		switch {
		case quote != 0 && escaped:
			escaped = false
		case quote != 0 && c == '\\' && quote != '`':
			escaped = true
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '|':
			return true
		}
	}
	return false
}

func (e *QueryError) Error() string { return e.Message }

// filterString returns the LogsQL text of q without pipes, or a QueryError.
func (q Query) filterString() (string, error) {
	if q.To.Before(q.From) || q.To.Equal(q.From) {
		return "", &QueryError{Message: "the end of the time range must be after its start"}
	}
	user := strings.TrimSpace(q.Filter)
	if user == "" {
		user = "*"
	}
	uq, err := logstorage.ParseQuery(user)
	if err != nil {
		return "", &QueryError{Message: fmt.Sprintf("query %q: %v", user, err)}
	}
	if hasPipe(uq.String()) || strings.HasPrefix(strings.TrimSpace(uq.String()), "options(") {
		return "", errFiltersOnly
	}
	var b strings.Builder
	fmt.Fprintf(&b, "_time:[%s, %s) ", q.From.UTC().Format(time.RFC3339Nano), q.To.UTC().Format(time.RFC3339Nano))
	if q.Sites != nil {
		ids := make([]string, len(q.Sites))
		for i, id := range q.Sites {
			ids[i] = strconv.FormatInt(id, 10)
		}
		if len(ids) == 0 {
			ids = []string{"-1"}
		}
		fmt.Fprintf(&b, "%s:in(%s) ", FieldSite, strings.Join(ids, ","))
	}
	// The user's filter sits in parentheses, so a pipe in it fails to parse and an "or"
	// in it cannot widen the time or site limits.
	b.WriteString("(" + user + ")")
	full := b.String()
	if _, err := logstorage.ParseQuery(full); err != nil {
		return "", errFiltersOnly
	}
	return full, nil
}

// Search returns the newest matching records, their count and a histogram of them.
func (s *Store) Search(ctx context.Context, q Query) (*Result, error) {
	start := time.Now()
	if q.Limit == 0 {
		q.Limit = 100
	}
	if q.Limit < 0 || q.Limit > 10000 {
		return nil, &QueryError{Message: "limit must be 1-10000"}
	}
	if _, err := q.filterString(); err != nil {
		return nil, err
	}
	res := &Result{Step: histogramStep(q.To.Sub(q.From))}
	// The histogram first: it reads only the time column of the matching blocks.
	counts, err := s.counts(ctx, q, res.Step)
	if err != nil {
		return nil, err
	}
	stepNs := res.Step.Nanoseconds()
	first := q.From.UnixNano() / stepNs * stepNs
	for t := first; t < q.To.UnixNano(); t += stepNs {
		res.Histogram = append(res.Histogram, Bucket{Start: time.Unix(0, t).UTC(), Count: counts[t]})
		res.Total += counts[t]
	}
	// The newest records: sorting every match of the range reads every column of every
	// matching row (a time-only search over a day of 2 million records: seconds), so the
	// sort runs only over the shortest trailing window that holds Limit matches, found
	// from the histogram and narrowed by finer ones (time column only).
	from, err := s.newestWindow(ctx, q, res.Step, counts)
	if err != nil {
		return nil, err
	}
	sub := q
	sub.From = from
	sf, err := sub.filterString()
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	err = s.scan(ctx, sf+fmt.Sprintf(" | sort by (_time desc) limit %d", q.Limit), nil, func(row map[string]string) {
		h, err := hitOf(row)
		if err != nil {
			return
		}
		mu.Lock()
		res.Hits = append(res.Hits, h)
		mu.Unlock()
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(res.Hits, func(a, b int) bool { return res.Hits[a].Received.After(res.Hits[b].Received) })
	res.Took = time.Since(start)
	return res, nil
}

// Oldest returns up to q.Limit (1-10000) records of the range, the oldest first (by
// receive time, site and index): one page of a range read whole, the next page starting
// at the last record's time (detection's retro-hunts). q.Filter is ignored.
func (s *Store) Oldest(ctx context.Context, q Query) ([]Hit, error) {
	if q.Limit < 1 || q.Limit > 10000 {
		return nil, &QueryError{Message: "limit must be 1-10000"}
	}
	q.Filter = ""
	f, err := q.filterString()
	if err != nil {
		return nil, err
	}
	var hits []Hit
	err = s.scan(ctx, f+fmt.Sprintf(" | sort by (_time) limit %d", q.Limit), nil, func(row map[string]string) {
		if h, err := hitOf(row); err == nil {
			hits = append(hits, h)
		}
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(hits, func(a, b int) bool {
		x, y := hits[a], hits[b]
		if !x.Received.Equal(y.Received) {
			return x.Received.Before(y.Received)
		}
		if x.Site != y.Site {
			return x.Site < y.Site
		}
		return x.Index < y.Index
	})
	return hits, nil
}

// counts returns the number of matches of q per step, keyed by the step's start (Unix
// nanoseconds, aligned to the step): the storage's stats by time bucket, which reads only
// the time column.
func (s *Store) counts(ctx context.Context, q Query, step time.Duration) (map[int64]int64, error) {
	f, err := q.filterString()
	if err != nil {
		return nil, err
	}
	counts := map[int64]int64{}
	stepNs := step.Nanoseconds()
	var mu sync.Mutex
	err = s.scan(ctx, f+fmt.Sprintf(" | stats by (_time:%ds) count() hits", int64(step/time.Second)), []string{"_time", "hits"}, func(row map[string]string) {
		t, err := time.Parse(time.RFC3339Nano, row["_time"])
		n, err2 := strconv.ParseInt(row["hits"], 10, 64)
		if err != nil || err2 != nil {
			return
		}
		mu.Lock()
		counts[t.UnixNano()/stepNs*stepNs] += n
		mu.Unlock()
	})
	return counts, err
}

// newestWindow returns where the shortest trailing part of q's range that holds q.Limit
// matches starts, from counts (the matches per step): the bucket where the running count
// from the newest reaches the limit, narrowed by a histogram of that bucket in steps a
// hundredth as long (down to a second) while it holds more than four times the limit.
// With fewer matches than the limit it is q.From.
func (s *Store) newestWindow(ctx context.Context, q Query, step time.Duration, counts map[int64]int64) (time.Time, error) {
	need := int64(q.Limit)
	for {
		stepNs := step.Nanoseconds()
		first := q.From.UnixNano() / stepNs * stepNs
		var cum int64
		found := false
		var bucket int64
		for t := (q.To.UnixNano() - 1) / stepNs * stepNs; t >= first; t -= stepNs {
			if cum+counts[t] >= need {
				bucket, found = t, true
				break
			}
			cum += counts[t]
		}
		if !found {
			return q.From, nil
		}
		lo := time.Unix(0, bucket).UTC()
		if lo.Before(q.From) {
			lo = q.From
		}
		finer := step / 100
		if counts[bucket] <= 4*need || finer < time.Second {
			return lo, nil
		}
		// Narrow inside the bucket: the matches newer than it are cum; the bucket's part
		// must give the rest.
		in := q
		in.From = lo
		if end := time.Unix(0, bucket+stepNs).UTC(); end.Before(q.To) {
			in.To = end
		}
		finer = finer.Truncate(time.Second)
		c, err := s.counts(ctx, in, finer)
		if err != nil {
			return time.Time{}, err
		}
		q, step, counts, need = in, finer, c, need-cum
	}
}

// histogramStep picks a bar width giving 24-120 bars over d.
func histogramStep(d time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Second, 10 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 24 * time.Hour} {
		if d/s <= 120 {
			return s
		}
	}
	return 7 * 24 * time.Hour
}

func hitOf(row map[string]string) (Hit, error) {
	t, err := time.Parse(time.RFC3339Nano, row["_time"])
	if err != nil {
		return Hit{}, err
	}
	site, _ := strconv.ParseInt(row[FieldSite], 10, 64)
	idx, err := strconv.ParseInt(row[FieldIndex], 10, 64)
	if err != nil {
		return Hit{}, err
	}
	return Hit{Site: site, Index: idx, Received: t, Source: row[FieldSource], Format: row[FieldFormat], Parser: row[FieldParser],
		Raw: row["_msg"], Fields: parsedFields(row)}, nil
}

// parsedFields returns the parsed ECS fields of a stored row: every column but the
// storage's own (_time, _msg, _stream...) and the store's (medsec.*), and not the empty
// columns of other rows in the same block.
func parsedFields(row map[string]string) map[string]string {
	out := make(map[string]string, len(row))
	for k, v := range row {
		if k == "_time" || k == "_msg" || strings.HasPrefix(k, "_stream") || strings.HasPrefix(k, "medsec.") || v == "" {
			continue
		}
		out[k] = v
	}
	return out
}

// scan runs a LogsQL query and calls fn for each result row. The storage's workers deliver
// blocks concurrently; scan calls fn from one of them at a time, so fn needs no locking of
// its own. Only the named columns are copied when columns is not nil.
func (s *Store) scan(ctx context.Context, query string, columns []string, fn func(map[string]string)) error {
	q, err := logstorage.ParseQueryAtTimestamp(query, s.cfg.Now().UnixNano())
	if err != nil {
		// The text holds the site and time limits: do not show it.
		return &QueryError{Message: "the query cannot be run"}
	}
	qctx := logstorage.NewQueryContext(ctx, &logstorage.QueryStats{}, []logstorage.TenantID{{}}, q, false, nil)
	var mu sync.Mutex
	// Column names, like values, point into the storage's buffers, which it reuses once
	// the callback returns: each is copied once (names), so that a row handed to fn keeps
	// its own. Kept uncopied, the names of rows read earlier turned into bytes of later
	// blocks ("SDID@32", "tured_data.e"), and an exported record no longer matched its
	// leaf (TestExportOfMixedFormats, TestExportManyStreams).
	names := map[string]string{}
	return s.vl.RunQuery(qctx, func(_ uint, db *logstorage.DataBlock) {
		mu.Lock()
		defer mu.Unlock()
		cols := db.GetColumns(false)
		n := db.RowsCount()
		for i := 0; i < n; i++ {
			row := make(map[string]string, len(cols))
			for _, c := range cols {
				if columns != nil && !contains(columns, c.Name) {
					continue
				}
				name, ok := names[c.Name]
				if !ok {
					name = strings.Clone(c.Name)
					names[name] = name
				}
				row[name] = strings.Clone(c.Values[i])
			}
			fn(row)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

package logstore

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EventQuery selects records by their event time, the time detection reads: the
// record's own @timestamp, or its receive time when it has none or states one more than
// MaxReceivedAhead after it (detection.MaxFutureSkew; the live stream reads such a record
// at its receive time too).
type EventQuery struct {
	// From and To bound the event time, From included, To excluded.
	From, To time.Time
	// Delay bounds the receive time from above: a record received more than Delay after
	// To is not read. The receive time is bounded from below by From − MaxReceivedAhead
	// (a record stamped earlier than that before its receipt is read at its receive time).
	Delay time.Duration
	// Sites limits the result to these sites; nil means every site.
	Sites []int64
	// Limit is the most records read (1-10000).
	Limit int
}

// EventPage is one page of records read by event time.
type EventPage struct {
	// Hits are the records whose event time is in [From, Until), oldest first (by event
	// time, site and index), each with its event time.
	Hits []EventHit
	// Until is where the page ends: every record of the query whose event time is before
	// it is in Hits. It is the query's To when the range is read whole; the next page
	// starts there.
	Until time.Time
}

// EventHit is a record with its event time.
type EventHit struct {
	Hit
	Time time.Time
}

// ByEventTime returns the oldest records of q by event time, a page of a range read
// whole (detection's retro-hunts and re-correlations of late matches): a record stamped
// ten minutes before it arrived is read with the range of its stamp, not of its arrival,
// and one received in the range but stamped long before is not. Two reads make the page:
// the records whose @timestamp is in the range (by a string range on the text, which
// the storage keeps as RFC 3339 in UTC, widened to whole seconds; the exact bounds are
// applied here), sorted by it, and the records received in the range that have no
// usable @timestamp, sorted by receive time. Records appended within the last seconds
// are made visible first (Refresh), so a re-correlation finds the batch that made it.
func (s *Store) ByEventTime(ctx context.Context, q EventQuery) (*EventPage, error) {
	if q.Limit < 1 || q.Limit > 10000 {
		return nil, &QueryError{Message: "limit must be 1-10000"}
	}
	if !q.To.After(q.From) {
		return nil, &QueryError{Message: "the end of the time range must be after its start"}
	}
	recvTo := q.To.Add(q.Delay)
	// Nothing is received after the store's clock (Append keeps receive times within
	// MaxReceivedAhead of it): a hunt up to year 9999 reads up to now.
	if lim := s.cfg.Now().Add(MaxReceivedAhead); recvTo.After(lim) {
		recvTo = lim
	}
	if !recvTo.After(q.From.Add(-MaxReceivedAhead)) {
		return &EventPage{Until: q.To}, nil
	}
	if recvTo.After(s.cfg.Now().Add(-2 * time.Second)) {
		s.syncIndex()
	}
	sites := ""
	if q.Sites != nil {
		ids := make([]string, len(q.Sites))
		for i, id := range q.Sites {
			ids[i] = strconv.FormatInt(id, 10)
		}
		if len(ids) == 0 {
			ids = []string{"-1"}
		}
		sites = fmt.Sprintf("%s:in(%s) ", FieldSite, strings.Join(ids, ","))
	}
	rng := func(from, to time.Time) string {
		return fmt.Sprintf("_time:[%s, %s) ", from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
	}
	// Whole seconds without the zone: "2026-12-01T09:50:00" sorts before every text of
	// that second ("…:00Z", "…:00.5Z") and after every earlier one.
	sec := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }
	hi := q.To.UTC().Truncate(time.Second)
	if !hi.Equal(q.To.UTC()) {
		hi = hi.Add(time.Second)
	}
	stamped := rng(q.From.Add(-MaxReceivedAhead), recvTo) + sites +
		fmt.Sprintf(`"@timestamp":string_range(%q, %q) | sort by ("@timestamp") limit %d`, sec(q.From), sec(hi), q.Limit)
	// Without a usable stamp: none, or one past the receive time's tolerance (which is at
	// least From + MaxReceivedAhead for a record received in the range).
	unstamped := rng(q.From, q.To) + sites +
		fmt.Sprintf(`("@timestamp":"" or "@timestamp":string_range(%q, "A")) | sort by (_time) limit %d`, sec(q.From.Add(MaxReceivedAhead)), q.Limit)
	page := &EventPage{Until: q.To}
	seen := map[[2]int64]bool{}
	for i, query := range []string{stamped, unstamped} {
		var rows []Hit
		err := s.scan(ctx, query, nil, func(row map[string]string) {
			if h, err := hitOf(row); err == nil {
				rows = append(rows, h)
			}
		})
		if err != nil {
			return nil, err
		}
		var last time.Time
		for _, h := range rows {
			stamp, ok := stampOf(h)
			// The order each read was sorted in: the stated time, or the receive time.
			key, _ := time.Parse(time.RFC3339Nano, h.Fields["@timestamp"])
			if i == 1 {
				key = h.Received
			}
			if key.After(last) {
				last = key
			}
			t := h.Received
			if ok {
				t = stamp
			}
			if (i == 0) != ok || t.Before(q.From) || !t.Before(q.To) || seen[[2]int64{h.Site, h.Index}] {
				continue
			}
			seen[[2]int64{h.Site, h.Index}] = true
			page.Hits = append(page.Hits, EventHit{Hit: h, Time: t})
		}
		if len(rows) == q.Limit && last.Before(page.Until) {
			page.Until = last
		}
	}
	page.Hits = slicesDeleteFrom(page.Hits, page.Until)
	sort.Slice(page.Hits, func(a, b int) bool {
		x, y := page.Hits[a], page.Hits[b]
		if !x.Time.Equal(y.Time) {
			return x.Time.Before(y.Time)
		}
		if x.Site != y.Site {
			return x.Site < y.Site
		}
		return x.Index < y.Index
	})
	return page, nil
}

// stampOf returns a record's usable @timestamp: present, and at most MaxReceivedAhead
// after its receive time.
func stampOf(h Hit) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, h.Fields["@timestamp"])
	if err != nil || t.After(h.Received.Add(MaxReceivedAhead)) {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// slicesDeleteFrom drops the hits at or after until (a page's incomplete end).
func slicesDeleteFrom(hits []EventHit, until time.Time) []EventHit {
	out := hits[:0]
	for _, h := range hits {
		if h.Time.Before(until) {
			out = append(out, h)
		}
	}
	return out
}

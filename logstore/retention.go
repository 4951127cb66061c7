package logstore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"medsec/logs"
)

// ApplyRetention removes the days (the storage's partitions, whole) received before
// now - Config.Retention. Before a day goes, it seals into every site log that had
// records that day a record (source RetentionSource, raw bytes a JSON Removal) stating
// that every record below an index is removed, and signs a checkpoint, so that the chain
// stays verifiable and the removal itself cannot be hidden [issue 12: retention]. It
// returns the days removed. It runs every hour in a store opened for writing.
func (s *Store) ApplyRetention(ctx context.Context) ([]string, error) {
	if s.cfg.ReadOnly {
		return nil, nil
	}
	now := s.cfg.Now()
	cutoff := now.Add(-s.retention()).UTC().Truncate(24 * time.Hour)
	cutDay := cutoff.Format("20060102")
	s.syncIndex() // every committed record's day is a partition
	var old []string
	for _, p := range s.vl.PartitionList() {
		if p < cutDay {
			old = append(old, p)
		}
	}
	if len(old) == 0 {
		return nil, nil
	}
	sort.Strings(old)
	// Seal the removal first, in every site log with records in the old days.
	s.mu.Lock()
	type removal struct {
		site  int64
		below int64
	}
	var rs []removal
	for id, l := range s.sites {
		below := int64(-1)
		for _, d := range l.dayList {
			if d.Day >= cutDay {
				below = d.First
				break
			}
		}
		if below < 0 {
			below = l.size
		}
		if below > 0 {
			rs = append(rs, removal{id, below})
		}
	}
	s.mu.Unlock()
	for _, r := range rs {
		raw, err := json.Marshal(Removal{Action: "retention.removed", RemovedBelow: r.below, Before: cutoff, Partitions: old})
		if err != nil {
			return nil, err
		}
		site := r.site
		req := &request{recs: []logs.Record{{Raw: raw, Format: "json", Peer: RetentionSource,
			Fields: map[string]any{"event.action": "retention.removed", "message": fmt.Sprintf("records below %d removed (received before %s)", r.below, cutoff.Format(time.RFC3339))}}},
			done: make(chan error, 1), site: &site}
		if err := s.submit(ctx, req); err != nil {
			return nil, err
		}
	}
	s.Checkpoint()
	if err := s.Flush(); err != nil {
		return nil, err
	}
	for _, day := range old {
		if err := s.vl.PartitionDetach(day); err != nil {
			return nil, err
		}
		if err := os.RemoveAll(filepath.Join(s.cfg.Dir, "data", "partitions", day)); err != nil {
			return nil, err
		}
		s.log.Info("log store: retention removed a day", "day", day)
	}
	return old, nil
}

// SetRetention changes how long records are kept (the longest retention of any source
// class: a day's partition holds every class); the next retention run applies it.
func (s *Store) SetRetention(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Retention = d
}

func (s *Store) retention() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.Retention
}

// Capacity is the log store's use of its disk and how long the free space lasts.
type Capacity struct {
	// UsedBytes is what the store occupies; FreeBytes what the file system has left.
	UsedBytes int64 `json:"used_bytes"`
	FreeBytes int64 `json:"free_bytes"`
	// BytesPerDay is the mean size of the last seven whole days' partitions (0 before a
	// whole day is stored).
	BytesPerDay int64 `json:"bytes_per_day"`
	// DaysLeft is FreeBytes / BytesPerDay, -1 when unknown; RetentionDays the days kept.
	DaysLeft      int `json:"days_left"`
	RetentionDays int `json:"retention_days"`
	// Level is "ok", "warning" (fewer days left than retention needs) or "critical"
	// (fewer than 7 days left).
	Level string `json:"level"`
}

// Capacity returns the store's disk use and forecast.
func (s *Store) Capacity() (*Capacity, error) {
	used, err := s.DiskUsage()
	if err != nil {
		return nil, err
	}
	free, err := freeBytes(s.cfg.Dir)
	if err != nil {
		return nil, err
	}
	c := &Capacity{UsedBytes: used, FreeBytes: int64(free), DaysLeft: -1, RetentionDays: int(s.retention() / (24 * time.Hour)), Level: "ok"}
	today := s.cfg.Now().UTC().Format("20060102")
	parts := s.vl.PartitionList()
	sort.Sort(sort.Reverse(sort.StringSlice(parts)))
	var sum, n int64
	for _, p := range parts {
		if p >= today || n == 7 {
			continue
		}
		sum += dirBytes(filepath.Join(s.cfg.Dir, "data", "partitions", p))
		n++
	}
	if n > 0 && sum > 0 {
		// The seal adds its hashes; count them in proportion.
		c.BytesPerDay = sum / n
		c.DaysLeft = int(c.FreeBytes / c.BytesPerDay)
		switch {
		case c.DaysLeft < 7:
			c.Level = "critical"
		case c.DaysLeft < c.RetentionDays:
			c.Level = "warning"
		}
	}
	return c, nil
}

func dirBytes(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

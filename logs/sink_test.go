package logs

import (
	"context"
	"errors"
	"sync"
	"time"
)

// memSink is a Sink that keeps records in memory, for tests; fail makes
// Append fail until it is cleared.
type memSink struct {
	mu    sync.Mutex
	recs  []Record
	fail  bool
	calls int
}

func (s *memSink) Append(ctx context.Context, recs []Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail {
		return errors.New("disk full")
	}
	s.recs = append(s.recs, recs...)
	return nil
}

func (s *memSink) setFail(v bool) {
	s.mu.Lock()
	s.fail = v
	s.mu.Unlock()
}

func (s *memSink) snapshot() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Record(nil), s.recs...)
}

// waitFor polls until n records are stored or the deadline passes.
func (s *memSink) waitFor(n int, d time.Duration) []Record {
	deadline := time.Now().Add(d)
	for {
		recs := s.snapshot()
		if len(recs) >= n || time.Now().After(deadline) {
			return recs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

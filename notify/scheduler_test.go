package notify_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"medsec/notify"
)

// TestSchedulerTick checks the intervals with a set clock: every job runs at the first
// tick, then only once its interval has passed; a failing job does not stop the others.
func TestSchedulerTick(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var ran []string
	job := func(name string, every time.Duration, fail bool) notify.Job {
		return notify.Job{Name: name, Every: every, Run: func(_ context.Context, at time.Time) error {
			if !at.Equal(now) {
				t.Errorf("%s ran with %v, want the clock's %v", name, at, now)
			}
			ran = append(ran, name)
			if fail {
				return errors.New("boom")
			}
			return nil
		}}
	}
	s := &notify.Scheduler{Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Jobs: []notify.Job{job("hourly", time.Hour, true), job("daily", 24*time.Hour, false)}}
	steps := []struct {
		advance time.Duration
		want    []string
	}{
		{0, []string{"hourly", "daily"}},
		{30 * time.Minute, nil},
		{30 * time.Minute, []string{"hourly"}},
		{59 * time.Minute, nil},
		{23 * time.Hour, []string{"hourly", "daily"}},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		ran = nil
		s.Tick(context.Background())
		if !slices.Equal(ran, st.want) {
			t.Errorf("step %d (%v): ran %v, want %v", i, now, ran, st.want)
		}
	}
}

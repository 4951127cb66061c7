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

// TestSchedulerMinuteJobDespiteJitter checks that the every-minute job (the incident
// clocks) runs at every minute tick although the timer comes a little early or late: the
// rule "at least Every since the last run" skipped the tick 59.9 s after a run, so the job
// ran every other minute and a minute clock was told up to two minutes late. Missed ticks
// run once and the job returns to its planned minutes.
func TestSchedulerMinuteJobDespiteJitter(t *testing.T) {
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	now := start
	var ran []time.Duration
	s := &notify.Scheduler{Now: func() time.Time { return now }, Slack: 30 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Jobs: []notify.Job{{Name: "incident clocks", Every: time.Minute, Run: func(_ context.Context, at time.Time) error {
			ran = append(ran, at.Sub(start))
			return nil
		}}}}
	ms := time.Millisecond
	ticks := []struct {
		at  time.Duration
		run bool
	}{
		{0, true},
		{59900 * ms, true}, // 100 ms early: still this minute's run
		{120050 * ms, true},
		{179990 * ms, true},
		{239999 * ms, true},
		{300100 * ms, true},
		{310 * time.Second, false}, // an extra tick within the minute does not run it twice
		{359950 * ms, true},
		{10*time.Minute + 200*ms, true}, // four minutes missed: run once
		{10*time.Minute + 25*time.Second, false},
		{10*time.Minute + 59800*ms, true}, // back on the planned minutes
	}
	for _, tk := range ticks {
		now = start.Add(tk.at)
		before := len(ran)
		s.Tick(context.Background())
		if got := len(ran) > before; got != tk.run {
			t.Errorf("tick at +%v: ran %v, want %v (runs so far %v)", tk.at, got, tk.run, ran)
		}
	}
}

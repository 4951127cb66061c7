package notify

import (
	"context"
	"log/slog"
	"time"
)

// Job is one periodic task of the scheduler.
type Job struct {
	// Name names the job in the log.
	Name string
	// Every is the time between runs; the first run is at the first tick.
	Every time.Duration
	// Run does the work; now is the scheduler's time of the tick.
	Run func(ctx context.Context, now time.Time) error
}

// Scheduler is medsec's one in-process scheduler: every periodic job (reminders and
// digests now; feed fetches, reports and retention later) runs from it, one job at a time,
// so jobs never race each other for the single database writer.
type Scheduler struct {
	Jobs []Job
	// Now is the clock; tests set it and call Tick.
	Now    func() time.Time
	Logger *slog.Logger
	last   map[string]time.Time
}

// Tick runs each job whose interval has passed since its last run (every job at the first
// tick). A failing job is logged and tried again at its next interval; it does not stop
// the others.
func (s *Scheduler) Tick(ctx context.Context) {
	if s.last == nil {
		s.last = map[string]time.Time{}
	}
	now := s.Now().UTC()
	for _, j := range s.Jobs {
		if last, ok := s.last[j.Name]; ok && now.Sub(last) < j.Every {
			continue
		}
		s.last[j.Name] = now
		if err := j.Run(ctx, now); err != nil {
			s.logger().Error("scheduled job failed", "job", j.Name, "err", err)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// Run ticks every interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

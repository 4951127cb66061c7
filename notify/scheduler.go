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
//
// Each job runs on fixed planned times: its first run, then that time plus Every, plus
// 2×Every and so on. A tick that comes up to Slack before a planned time counts as that
// time, so a timer firing 59.9 s after the last run does not skip the every-minute job
// (it did when the rule was "at least Every since the last run": a minute clock was then
// checked every two minutes and told up to ~2 minutes late [003 §4.1.2: 10 minutes]).
// Planned times missed altogether (a long job, a suspended machine) are run once, not
// caught up one by one.
type Scheduler struct {
	Jobs []Job
	// Now is the clock; tests set it and call Tick.
	Now func() time.Time
	// Slack is how early a tick may come and still run a job planned for a moment just
	// after it; Run sets it to half its tick interval when it is zero.
	Slack  time.Duration
	Logger *slog.Logger
	next   map[string]time.Time
}

// Tick runs each job whose planned time has come, up to Slack early (every job at the
// first tick), and plans its next run Every after the planned time (not after the tick,
// so timer jitter does not drift the schedule). A failing job is logged and tried again
// at its next planned time; it does not stop the others.
func (s *Scheduler) Tick(ctx context.Context) {
	if s.next == nil {
		s.next = map[string]time.Time{}
	}
	now := s.Now().UTC()
	for _, j := range s.Jobs {
		planned, ok := s.next[j.Name]
		if !ok {
			planned = now
		}
		if now.Before(planned.Add(-s.Slack)) {
			continue
		}
		s.next[j.Name] = nextPlanned(planned, now, j.Every, s.Slack)
		if err := j.Run(ctx, now); err != nil {
			s.logger().Error("scheduled job failed", "job", j.Name, "err", err)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// nextPlanned returns the first planned time after the run at now of the job planned for
// planned: planned plus a whole number of every, later than now plus slack, so a tick
// counted early does not run the job twice and missed times are skipped, not queued.
func nextPlanned(planned, now time.Time, every, slack time.Duration) time.Time {
	if every <= 0 {
		return now
	}
	next := planned.Add(every)
	if limit := now.Add(slack); !next.After(limit) {
		next = next.Add((limit.Sub(next)/every + 1) * every)
	}
	return next
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// Run ticks every interval until ctx ends. A zero Slack becomes half the interval: a job
// runs at the tick nearest its planned time.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration) {
	if s.Slack == 0 {
		s.Slack = interval / 2
	}
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

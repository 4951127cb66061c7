package detection

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"medsec"
	"medsec/detect"
)

// A restart (a stop, a crash, a SIGKILL) loses the engines' open correlation windows
// and the findings not yet stored: they live in memory. Resume rebuilds them from the
// stores, which already hold every event the engines read (medsec's own events in the
// events table, log records in the sealed log store): it replays the span the enabled
// correlations need through the engines, so that the first half of a brute force seen
// before the restart counts with the second half seen after it, and it raises what the
// replay finds that no alert holds yet (a finding lost with the process), never a second
// alert for a sequence that alerted before [issue 13 finding 1].

// MaxResumeSpan bounds the span of stored events a restart replays.
const MaxResumeSpan = 24 * time.Hour

// MaxResumeEvents bounds the stored events a restart replays: past it, the windows are
// rebuilt from the older part of the span only (logged).
const MaxResumeEvents = 2_000_000

// replayMemory is how long, after Resume, live batches are checked against the events
// replayed (an event stored while the replay read the stores may reach Handle after it),
// and findings holding a replayed event against the alerts (the engines hold back the
// last Lateness of the replay, which fires after it): at least four Lateness.
const replayMemory = 5 * time.Minute

// MaxHeldEvents bounds the live events held in memory while Resume replays: past it,
// Handle waits (the intake is pushed back: the bus's bounded queue fills, stream
// listeners stop reading, publishers wait) until Resume has taken some, instead of
// holding every event that arrives during a replay of up to a day [issue 13 t13 finding
// 3: the queue had no bound].
const MaxHeldEvents = 100_000

// resumeState is what Handle and Resume share.
type resumeState struct {
	mu sync.Mutex
	// room is signalled when held batches are taken or holding stops.
	room *sync.Cond
	// on: batches are held for Resume (HoldUntilResume, until Resume ends).
	on   bool
	held [][]medsec.Event
	// heldN counts the events in held.
	heldN int
	// replayed names the events Resume replayed, until forgetAt (wall clock).
	replayed map[string]bool
	forgetAt time.Time
}

// cond returns the condition Handle waits on for room (r.mu held).
func (r *resumeState) cond() *sync.Cond {
	if r.room == nil {
		r.room = sync.NewCond(&r.mu)
	}
	return r.room
}

// ResumeResult says what Resume replayed.
type ResumeResult struct {
	// Since is the start of the span replayed (zero when no enabled correlation needs one).
	Since time.Time
	// Events and Logs count the stored events replayed, log records among them.
	Events, Logs int
	// Raised counts the findings of the replay that no alert held: lost with the process
	// before they were stored.
	Raised int
	// Held counts the live batches that arrived during the replay.
	Held int
}

// HoldUntilResume makes Handle keep the batches it is given until Resume has rebuilt the
// windows, and Advance wait for it too. Call it before Start, then Resume once the
// stores (the log store too) are set.
func (s *Service) HoldUntilResume() {
	s.resume.mu.Lock()
	defer s.resume.mu.Unlock()
	s.resume.on = true
}

// holding reports whether batches are held for Resume.
func (s *Service) holding() bool {
	s.resume.mu.Lock()
	defer s.resume.mu.Unlock()
	return s.resume.on
}

// hold keeps the batch for Resume (held true), or returns it without the events Resume
// has just replayed.
func (s *Service) hold(events []medsec.Event) (_ []medsec.Event, held bool) {
	r := &s.resume
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		limit := s.HeldLimit
		if limit <= 0 {
			limit = MaxHeldEvents
		}
		// One batch larger than the bound is held alone.
		for r.on && r.heldN > 0 && r.heldN+len(events) > limit {
			r.cond().Wait()
		}
	}
	if r.on {
		r.held = append(r.held, events)
		r.heldN += len(events)
		return nil, true
	}
	if r.replayed == nil {
		return events, false
	}
	if time.Now().After(r.forgetAt) {
		r.replayed = nil
		return events, false
	}
	return withoutReplayed(events, r.replayed), false
}

// unraised returns the findings without those that hold an event Resume replayed and
// whose events an alert holds already (AlertHolds): the replay's sequences that alerted
// before the restart and fire only now, when the engines release what they held back.
func (s *Service) unraised(ctx context.Context, found []finding) []finding {
	r := &s.resume
	r.mu.Lock()
	if r.replayed != nil && time.Now().After(r.forgetAt) {
		r.replayed = nil
	}
	replayed := r.replayed
	r.mu.Unlock()
	if replayed == nil || len(found) == 0 {
		return found
	}
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	out := make([]finding, 0, len(found))
	for _, f := range found {
		if f.group != "\x00hit" && slices.ContainsFunc(f.events, func(e *detect.Event) bool { return replayed[e.ID] }) {
			held, err := s.st.Alerts.AlertHolds(sys, s.alert(f))
			if err != nil {
				// RaiseAlert joins an open alert of the key all the same.
				s.logger.Warn("detection: resume: alert look-up", "rule", f.rule.UID, "err", err)
			} else if held {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// withoutReplayed returns the events not named in replayed (events itself when none is).
func withoutReplayed(events []medsec.Event, replayed map[string]bool) []medsec.Event {
	for i := range events {
		if !replayed[events[i].ID] {
			continue
		}
		out := append([]medsec.Event(nil), events[:i]...)
		for _, e := range events[i+1:] {
			if !replayed[e.ID] {
				out = append(out, e)
			}
		}
		return out
	}
	return events
}

// resumeSpan is how far back a restart replays (s.mu held): twice the longest window of
// the enabled correlations (through the correlations they read), so that the events an
// alert before the restart used up are seen used up again, plus Lateness; at most
// MaxResumeSpan. Zero when no enabled correlation runs.
func (s *Service) resumeSpan() time.Duration {
	byKey := s.keys(nil)
	var span func(p *detect.Rule, depth int) time.Duration
	span = func(p *detect.Rule, depth int) time.Duration {
		if p == nil || p.Correlation == nil || depth > 16 {
			return 0
		}
		var inner time.Duration
		for _, k := range p.Correlation.Rules {
			inner = max(inner, span(byKey[k], depth+1))
		}
		return p.Correlation.Timespan + inner
	}
	var longest time.Duration
	for _, r := range s.rules {
		p := s.parsed[r.ID]
		if p == nil || p.Correlation == nil || s.broken[r.ID] != "" || !enabledSomewhere(r) {
			continue
		}
		longest = max(longest, span(p, 0))
	}
	if longest == 0 {
		return 0
	}
	return min(2*longest+s.Lateness, MaxResumeSpan)
}

// Resume rebuilds the engines' correlation windows after a restart: it replays, through
// the live engines, the stored events (medsec's own and, once SetLogs, the sealed log
// records) of the span the enabled correlations need before now, raises the replay's
// findings that no alert holds yet (AlertService.AlertHolds; hit counts for those only),
// then evaluates the batches Handle held meanwhile, leaving out the events replayed, and
// stops holding. It stops holding even when the replay fails (the error says why).
func (s *Service) Resume(ctx context.Context, now time.Time) (ResumeResult, error) {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	res, replayed, err := s.replay(ctx, now)
	// The held batches are evaluated in order; a batch arriving meanwhile waits behind
	// them, so the stream keeps its order.
	r := &s.resume
	for {
		r.mu.Lock()
		if len(r.held) == 0 {
			r.on, r.held, r.heldN = false, nil, 0
			r.replayed, r.forgetAt = replayed, time.Now().Add(max(replayMemory, 4*s.Lateness))
			r.cond().Broadcast()
			r.mu.Unlock()
			break
		}
		b := r.held[0]
		r.held[0] = nil
		r.held = r.held[1:]
		r.heldN -= len(b)
		r.cond().Broadcast()
		r.mu.Unlock()
		res.Held++
		if b = withoutReplayed(b, replayed); len(b) > 0 {
			err = errors.Join(err, s.handle(ctx, b))
		}
	}
	return res, err
}

// replay reads and evaluates the stored events of the resume span (see Resume) and
// raises what no alert holds; it returns the ids of the events replayed.
func (s *Service) replay(ctx context.Context, now time.Time) (ResumeResult, map[string]bool, error) {
	var res ResumeResult
	s.mu.Lock()
	span := s.resumeSpan()
	logs := s.st.Logs
	s.mu.Unlock()
	if span == 0 {
		return res, nil, nil
	}
	res.Since = now.Add(-span)
	// Log records are read by receive time; none is received after the wall clock, but
	// a clock set back since is allowed for.
	until := now.Add(24 * time.Hour)
	var batch []medsec.Event
	if logs != nil {
		// The replay is one read of the span, audited once however many pages it takes.
		read := &medsec.LogRead{Purpose: "detection restart replay", From: res.Since, To: until}
		rctx := medsec.WithLogRead(ctx, read)
		audit := func() error {
			if err := logs.AuditLogRead(ctx, read); err != nil {
				return fmt.Errorf("detection: resume: audit: %w", err)
			}
			return nil
		}
		for cursor := res.Since; cursor.Before(until) && len(batch) < MaxResumeEvents; {
			page, err := logs.ReadLogs(rctx, cursor, until, 0, medsec.HuntPage)
			if err != nil {
				return res, nil, errors.Join(fmt.Errorf("detection: resume: %w", err), audit())
			}
			end := until
			if len(page) == medsec.HuntPage {
				// Records received at the page's last instant are read with the next page.
				if end = page[len(page)-1].Received; !end.After(cursor) {
					end = until
				}
			}
			for _, h := range page {
				if h.Received.Before(end) {
					batch = append(batch, logEvent(h))
				}
			}
			cursor = end
		}
		res.Logs = len(batch)
		read.Records = res.Logs // a record at a page's last instant is read with both pages
		if err := audit(); err != nil {
			return res, nil, err
		}
	}
	err := s.st.Events.EachEvent(ctx, medsec.EventFilter{Since: res.Since}, func(e *medsec.Event) error {
		if len(batch) >= MaxResumeEvents {
			return errFull
		}
		batch = append(batch, *e)
		return nil
	})
	if err != nil && !errors.Is(err, errFull) {
		return res, nil, fmt.Errorf("detection: resume: %w", err)
	}
	if len(batch) >= MaxResumeEvents {
		s.logger.Warn("detection: resume: too many stored events in the span; windows rebuilt from the first part", "since", res.Since, "events", len(batch))
	}
	sort.SliceStable(batch, func(i, j int) bool { return batch[i].Time.Before(batch[j].Time) })
	res.Events = len(batch)
	replayed := make(map[string]bool, len(batch))
	for i := range batch {
		replayed[batch[i].ID] = true
	}
	accounts, err := s.privileged(ctx, true)
	if err != nil {
		return res, replayed, err
	}
	zones, err := s.siteZones(ctx)
	if err != nil {
		return res, replayed, err
	}
	s.mu.Lock()
	s.accounts, s.zones = accounts, zones
	found, err := s.evaluate(batch, nil, nil, nil)
	s.building(found)
	// What the replay counted as late or timed out was counted and told before.
	s.timedOut, s.lateNew = nil, nil
	s.mu.Unlock()
	var fresh []finding
	for _, f := range found {
		if f.group == "\x00hit" {
			continue
		}
		held, herr := s.st.Alerts.AlertHolds(ctx, s.alert(f))
		if herr != nil {
			err = errors.Join(err, herr)
			continue
		}
		if !held {
			fresh = append(fresh, f)
		}
	}
	res.Raised = len(fresh)
	s.logger.Info("detection: correlation windows rebuilt from the stored events", "since", res.Since, "events", res.Events, "logs", res.Logs, "raised", res.Raised)
	return res, replayed, errors.Join(err, s.raise(ctx, fresh))
}

// errFull stops reading stored events at MaxResumeEvents.
var errFull = errors.New("resume span full")

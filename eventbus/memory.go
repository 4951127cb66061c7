// Package eventbus carries medsec's event stream (medsec.EventBus) inside one process:
// every subscription has a bounded queue and a goroutine that hands it batches in
// publication order. At group scale a NATS JetStream implementation of the same interface
// takes its place (DESIGN.md); publishers and subscribers do not change.
package eventbus

import (
	"context"
	"log/slog"
	"sync"

	"medsec"
)

// DefaultQueue is how many batches a subscription may have waiting before Publish blocks.
const DefaultQueue = 256

// Memory is the in-process event bus. The zero value is not usable; call New.
type Memory struct {
	mu     sync.RWMutex
	subs   map[string]*subscription
	queue  int
	logger *slog.Logger
}

// New returns an in-process bus whose subscriptions queue up to queue batches each
// (DefaultQueue when queue <= 0). Handler errors are written to logger (slog.Default when
// nil).
func New(queue int, logger *slog.Logger) *Memory {
	if queue <= 0 {
		queue = DefaultQueue
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Memory{subs: map[string]*subscription{}, queue: queue, logger: logger}
}

// item is one entry of a subscription's queue: a batch of events, or a Drain marker.
type item struct {
	events []medsec.Event
	mark   chan struct{}
}

type subscription struct {
	bus  *Memory
	name string
	fn   medsec.EventHandler
	ch   chan item
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Publish validates the events and queues them for every subscription. It blocks while a
// subscription's queue is full, until ctx ends. EINVALID (nothing queued) for an event
// that fails Validate.
func (b *Memory) Publish(ctx context.Context, events ...medsec.Event) error {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return err
		}
	}
	b.mu.RLock()
	subs := make([]*subscription, 0, len(b.subs))
	for _, s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.RUnlock()
	for _, s := range subs {
		// Each subscription gets its own slice header; the events themselves are shared
		// and must not be changed by handlers.
		batch := append([]medsec.Event(nil), events...)
		select {
		case s.ch <- item{events: batch}:
		case <-s.stop:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Subscribe starts delivering events published from now on to fn. ECONFLICT when a
// subscription of that name is open.
func (b *Memory) Subscribe(name string, fn medsec.EventHandler) (medsec.Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[name]; ok {
		return nil, medsec.Errorf(medsec.ECONFLICT, "subscription %q is already open", name)
	}
	s := &subscription{bus: b, name: name, fn: fn, ch: make(chan item, b.queue), stop: make(chan struct{}), done: make(chan struct{})}
	b.subs[name] = s
	go s.run()
	return s, nil
}

func (s *subscription) run() {
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			return
		case it := <-s.ch:
			if it.mark != nil {
				// A Drain marker: everything queued before it has been handled.
				close(it.mark)
				continue
			}
			if err := s.fn(context.Background(), it.events); err != nil {
				s.bus.logger.Error("event handler", "subscription", s.name, "events", len(it.events), "err", err)
			}
		}
	}
}

// Close stops the subscription after the batch being handled; queued batches are
// dropped.
func (s *subscription) Close() error {
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.subs, s.name)
		s.bus.mu.Unlock()
		close(s.stop)
	})
	<-s.done
	return nil
}

// Drain waits until every subscription has handled what was queued before the call, or
// ctx ends (ctx's error). Tests and the demo loader use it to see the effects of what
// they published.
func (b *Memory) Drain(ctx context.Context) error {
	b.mu.RLock()
	subs := make([]*subscription, 0, len(b.subs))
	for _, s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.RUnlock()
	for _, s := range subs {
		mark := make(chan struct{})
		select {
		case s.ch <- item{mark: mark}:
		case <-s.stop:
			continue
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case <-mark:
		case <-s.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

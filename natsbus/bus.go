package natsbus

import (
	"context"
	"log/slog"
	"sync"

	"medsec"
)

// Bus is medsec.EventBus on a group's stream, the NATS implementation beside the
// in-process eventbus.Memory: Publish puts each event under medsec.<group>.<site>.event
// with Nats-Msg-Id set to Event.ID, and Subscribe runs a durable consumer named after the
// subscription that acknowledges a batch once the handler returns nil.
type Bus struct {
	Conn *Conn
	// Site and Sensor name the publisher on the envelopes (a site code and the process's
	// name there, e.g. "central").
	Site, Sensor string
	// Logger gets handler failures; nil means slog.Default().
	Logger *slog.Logger

	mu   sync.Mutex
	subs map[string]bool
}

var _ medsec.EventBus = (*Bus)(nil)

// Publish validates the events and returns once the stream stored each. EINVALID (nothing
// published) for an event that fails Validate.
func (b *Bus) Publish(ctx context.Context, events ...medsec.Event) error {
	envs := make([]*Envelope, len(events))
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return err
		}
		ev := events[i]
		envs[i] = &Envelope{ID: ev.ID, Site: b.Site, Sensor: b.Sensor, Kind: KindEvent, Time: ev.Time.UTC(), Event: &ev}
	}
	_, err := b.Conn.Publish(ctx, envs...)
	return err
}

// Subscribe starts a durable consumer named name on every site's events, delivering
// those published after its first creation to fn in batches. ECONFLICT when this Bus
// has a subscription of that name open.
func (b *Bus) Subscribe(name string, fn medsec.EventHandler) (medsec.Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[string]bool{}
	}
	if b.subs[name] {
		return nil, medsec.Errorf(medsec.ECONFLICT, "subscription %q is already open", name)
	}
	b.subs[name] = true
	cons := &Consumer{Conn: b.Conn, Durable: name, Filter: Subject(b.Conn.cfg.Group, "*", KindEvent), DeliverNew: true, Logger: b.Logger,
		Handler: func(ctx context.Context, envs []*Envelope) error {
			events := make([]medsec.Event, len(envs))
			for i, e := range envs {
				events[i] = *e.Event
			}
			return fn(ctx, events)
		}}
	ctx, cancel := context.WithCancel(context.Background())
	s := &busSub{cancel: cancel, done: make(chan struct{}), bus: b, name: name}
	go func() { defer close(s.done); cons.Run(ctx) }()
	return s, nil
}

// busSub is one open subscription of a Bus.
type busSub struct {
	cancel context.CancelFunc
	done   chan struct{}
	bus    *Bus
	name   string
	once   sync.Once
}

// Close stops delivery and waits for the batch being handled, if any.
func (s *busSub) Close() error {
	s.once.Do(func() {
		s.cancel()
		<-s.done
		s.bus.mu.Lock()
		delete(s.bus.subs, s.name)
		s.bus.mu.Unlock()
	})
	return nil
}

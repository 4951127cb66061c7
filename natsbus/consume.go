package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Consumer defaults.
const (
	// DefaultBatch is how many messages a consumer fetches and hands its handler at once.
	DefaultBatch = 256
	// DefaultAckWait is how long the server waits for an acknowledgement before it
	// redelivers: longer than a batch's PostgreSQL and log store commit ever takes.
	DefaultAckWait = time.Minute
)

// Handler processes a batch of envelopes, in stream order. Returning nil acknowledges the
// batch (so it must be committed first); an error asks for redelivery of the whole batch.
type Handler func(ctx context.Context, envs []*Envelope) error

// Consumer is a durable pull consumer on a group's stream. Every process that runs a
// Consumer of the same Durable name shares the one server-side consumer: each message goes
// to one of them at a time (work-queue semantics), and to another only if the first does
// not acknowledge it within AckWait.
type Consumer struct {
	Conn *Conn
	// Durable names the server-side consumer ("central").
	Durable string
	// Filter is the subject the consumer takes, e.g. Subject(group, "*", KindLog); empty
	// means every subject of the group.
	Filter string
	// Batch is the most messages per handler call (0: DefaultBatch); AckWait as
	// DefaultAckWait when 0.
	Batch   int
	AckWait time.Duration
	// DeliverNew starts a new consumer at the end of the stream (messages published after
	// its creation) instead of the beginning.
	DeliverNew bool
	// Handler processes each batch.
	Handler Handler
	// Logger gets undecodable messages and handler failures; nil means slog.Default().
	Logger *slog.Logger
}

// ConsumerConfig returns the server-side configuration of the consumer.
func (c *Consumer) ConsumerConfig() jetstream.ConsumerConfig {
	filter := c.Filter
	if filter == "" {
		filter = "medsec." + c.Conn.cfg.Group + ".>"
	}
	wait := c.AckWait
	if wait <= 0 {
		wait = DefaultAckWait
	}
	deliver := jetstream.DeliverAllPolicy
	if c.DeliverNew {
		deliver = jetstream.DeliverNewPolicy
	}
	return jetstream.ConsumerConfig{Durable: c.Durable, AckPolicy: jetstream.AckExplicitPolicy, AckWait: wait,
		DeliverPolicy: deliver, FilterSubject: filter, MaxAckPending: 4 * max(c.Batch, DefaultBatch),
		MaxDeliver: -1, Description: "medsec consumer " + c.Durable}
}

// Run creates or updates the stream and the consumer, then fetches and handles batches
// until ctx ends (nil then). While the broker is unreachable it retries every second.
func (c *Consumer) Run(ctx context.Context) error {
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	var cons jetstream.Consumer
	for cons == nil {
		var err error
		if _, err = c.Conn.EnsureStream(ctx); err == nil {
			cons, err = c.Conn.JS.CreateOrUpdateConsumer(ctx, StreamName(c.Conn.cfg.Group), c.ConsumerConfig())
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			log.Warn("nats consumer not ready; retrying", "durable", c.Durable, "err", err)
			if !sleep(ctx, time.Second) {
				return nil
			}
		}
	}
	batch := c.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	for ctx.Err() == nil {
		if err := c.fetch(ctx, cons, batch, log); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			log.Warn("nats fetch failed; retrying", "durable", c.Durable, "err", err)
			sleep(ctx, time.Second)
		}
	}
	return nil
}

// fetch takes one batch, hands its good envelopes to the handler and acknowledges them
// once it returns nil; an envelope that does not decode is terminated (never redelivered).
func (c *Consumer) fetch(ctx context.Context, cons jetstream.Consumer, batch int, log *slog.Logger) error {
	mb, err := cons.Fetch(batch, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		return err
	}
	var msgs []jetstream.Msg
	var envs []*Envelope
	for m := range mb.Messages() {
		e, err := Decode(m.Data())
		if err != nil {
			log.Error("nats message dropped: not a medsec envelope", "subject", m.Subject(), "err", err)
			_ = m.TermWithReason("not a medsec envelope")
			continue
		}
		msgs = append(msgs, m)
		envs = append(envs, e)
	}
	if err := mb.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
		// Messages already received are still handled below; the error only ends the batch.
		log.Debug("nats fetch ended", "err", err)
	}
	if len(envs) == 0 {
		return nil
	}
	// A handler may take longer than AckWait (detection waits, retrying, while its store
	// fails): the messages are told to be in progress every quarter AckWait meanwhile, so
	// that the server does not hand them out again while they are being handled (a
	// quarter, so that a late tick on a loaded machine still comes in time).
	wait := c.AckWait
	if wait <= 0 {
		wait = DefaultAckWait
	}
	stop := make(chan struct{})
	var keep sync.WaitGroup
	keep.Go(func() {
		t := time.NewTicker(wait / 4)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				for _, m := range msgs {
					_ = m.InProgress()
				}
			}
		}
	})
	err = c.Handler(ctx, envs)
	close(stop)
	keep.Wait()
	if err != nil {
		log.Error("nats batch not committed; it will be redelivered", "durable", c.Durable, "messages", len(envs), "err", err)
		for _, m := range msgs {
			_ = m.NakWithDelay(time.Second)
		}
		return nil
	}
	for _, m := range msgs {
		if err := m.Ack(); err != nil {
			return fmt.Errorf("ack: %w", err)
		}
	}
	return nil
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

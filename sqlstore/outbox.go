package sqlstore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"medsec"
)

// PublishWait is how long a commit waits for the event stream to take its events before
// handing them to the store's outbox queue, which publishes them in the background.
const PublishWait = 10 * time.Second

// MaxUnpublished bounds the committed events the outbox queue holds in memory: past it a
// commit waits for room (pushing back on its writer) rather than dropping its events.
const MaxUnpublished = 100_000

// outbox publishes, in commit order, the events of the commits the stream did not take
// within PublishWait: while detection holds the live stream during a restart's replay
// (detection.MaxHeldEvents), the bus's queue fills and a publication waits, possibly for
// minutes. Giving up then left the events stored but unseen by live detection, which
// reads only the stream [issue 13 t13: "while held past 10 s a commit's publish gives
// up"]. Once anything waits in the queue, later commits queue behind it, so the stream
// keeps the commit order. Copies of a DB share it.
type outbox struct {
	mu      sync.Mutex
	room    *sync.Cond
	queue   [][]medsec.Event
	n       int // events in queue
	running bool
}

// cond returns the condition a commit waits on for room (o.mu held).
func (o *outbox) cond() *sync.Cond {
	if o.room == nil {
		o.room = sync.NewCond(&o.mu)
	}
	return o.room
}

// publish hands a committed transaction's events to the event stream: at once when
// nothing waits in the queue and the stream takes them within PublishWait, else through
// the queue. An event the stream refuses as invalid is logged and dropped (it is stored).
func (db *DB) publish(events []medsec.Event) {
	o := db.outbox
	o.mu.Lock()
	if len(o.queue) == 0 && !o.running {
		o.mu.Unlock()
		wait := PublishWait
		if db.PublishWait > 0 {
			wait = db.PublishWait
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		err := db.Events.Publish(ctx, events...)
		cancel()
		if err == nil {
			return
		}
		if medsec.ErrorCode(err) == medsec.EINVALID {
			slog.Default().Error("publish events: refused", "events", len(events), "err", err)
			return
		}
		slog.Default().Warn("publish events: the stream is not taking events; queued to publish in the background", "events", len(events), "err", err)
		o.mu.Lock()
	}
	for o.n > 0 && o.n+len(events) > MaxUnpublished {
		o.cond().Wait()
	}
	o.queue = append(o.queue, events)
	o.n += len(events)
	if !o.running {
		o.running = true
		go db.drainOutbox()
	}
	o.mu.Unlock()
}

// drainOutbox publishes the queued batches in order, each until the stream takes it
// (retrying other failures after a pause growing to 30 s), then stops.
func (db *DB) drainOutbox() {
	o := db.outbox
	pause := 100 * time.Millisecond
	for {
		o.mu.Lock()
		if len(o.queue) == 0 {
			o.running = false
			o.cond().Broadcast()
			o.mu.Unlock()
			return
		}
		b := o.queue[0]
		o.mu.Unlock()
		err := db.Events.Publish(context.Background(), b...)
		if err != nil && medsec.ErrorCode(err) != medsec.EINVALID {
			slog.Default().Warn("publish events: retrying", "events", len(b), "in", pause, "err", err)
			time.Sleep(pause)
			pause = min(2*pause, 30*time.Second)
			continue
		}
		if err != nil {
			slog.Default().Error("publish events: refused", "events", len(b), "err", err)
		}
		pause = 100 * time.Millisecond
		o.mu.Lock()
		o.queue[0] = nil
		o.queue = o.queue[1:]
		o.n -= len(b)
		o.cond().Broadcast()
		o.mu.Unlock()
	}
}

// Unpublished returns how many committed events wait in the outbox queue for the event
// stream (0 when the stream takes them as they commit).
func (db *DB) Unpublished() int {
	db.outbox.mu.Lock()
	defer db.outbox.mu.Unlock()
	return db.outbox.n
}

package logstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"github.com/VictoriaMetrics/VictoriaMetrics/lib/bytesutil"

	"medsec/logs"
)

// Defaults of Config.
const (
	// DefaultRetention keeps six months and a little more [000: logs kept at least six months].
	DefaultRetention = 190 * 24 * time.Hour
	// DefaultCheckpointEvery signs each grown site log this often.
	DefaultCheckpointEvery = 2 * time.Second
	// DefaultFlushEvery is how often the search storage is forced to disk and the journal
	// emptied.
	DefaultFlushEvery = 30 * time.Second
	// DefaultMinFree is the free disk space below which Append refuses records.
	DefaultMinFree = 256 << 20
	// MaxRaw is the largest raw record, in bytes, Append takes (the storage's row limit is
	// 2 MiB with the fields).
	MaxRaw       = 512 << 10
	maxFields    = 400
	maxFieldName = 128
	maxBatch     = 20000
	// prepareSplit is the least number of records each goroutine preparing a request
	// gets.
	prepareSplit = 256
)

// MaxReceivedAhead is how far after the store's clock a record's Received time may be
// (a sensor forwards its own receive time): a later one is replaced by the store's clock.
// The search storage drops rows more than a day ahead of its clock, and a site log is
// ordered by receive time, so one record from a clock days ahead would otherwise be sealed
// but never stored, and carry every later record of its site with it. Five minutes is
// the skew the detection engine tolerates too (detection.MaxFutureSkew).
const MaxReceivedAhead = 5 * time.Minute

// ReceiveTime returns the receive time a record that says it was received at received is
// stored with at now, by a store whose search storage keeps rows for keeps: received
// itself, or now when received is more than MaxReceivedAhead after now or more than keeps
// before it (the storage would leave such a row out while the seal holds it); replaced
// reports the second case. The log store applies it to every record (with its retention
// and a week), and the central server of a hospital group to its sensors' records first
// (with the shortest retention), so that it can keep the sensor's own stamp.
func ReceiveTime(received, now time.Time, keeps time.Duration) (t time.Time, replaced bool) {
	if received.After(now.Add(MaxReceivedAhead)) || received.Before(now.Add(-keeps)) {
		return now, true
	}
	return received, false
}

// maxRowBytes is the search storage's limit on a row's size as it estimates it
// (logstorage.EstimatedJSONRowLen against its unexported maxUncompressedBlockSize, 2 MiB):
// it drops a larger row with only a warning.
const maxRowBytes = 2 << 20

// Config configures a Store.
type Config struct {
	// Dir holds the store: the search storage in Dir/data, the journal in Dir/journal,
	// each site's sealed log in Dir/seal/<site>, and the seal key in Dir/seal.key and
	// Dir/seal.pub.
	Dir string
	// Now is the clock; nil means the system clock in UTC.
	Now func() time.Time
	// Site returns the site a record belongs to; nil puts every record in site 0.
	Site func(logs.Record) int64
	// Retention is how long records are kept; 0 means DefaultRetention.
	Retention time.Duration
	// CheckpointEvery, FlushEvery and MinFree default to the constants above when 0.
	CheckpointEvery time.Duration
	FlushEvery      time.Duration
	MinFree         int64
	// OnFailure, when set, is called (from the writing goroutine) each time storing fails:
	// disk full or a write error. It must not block for long.
	OnFailure func(error)
	// Logger gets operational messages; nil means slog.Default().
	Logger *slog.Logger
	// ReadOnly opens the store for search, export and verification: no writer, no
	// checkpoints, no retention; Append fails.
	ReadOnly bool
}

// ErrStorageFull is returned by Append when free disk space is below Config.MinFree; the
// records were not stored and the sender should retry later.
var ErrStorageFull = errors.New("log store: disk space below the configured minimum; records refused")

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("log store: closed")

// Store is the sealed, searchable log store. It is safe for concurrent use.
type Store struct {
	cfg  Config
	log  *slog.Logger
	key  *Key
	vl   *logstorage.Storage
	lock *os.File
	// storageKeeps is the search storage's retention and backfill age: it drops rows
	// received longer ago than this.
	storageKeeps time.Duration

	mu       sync.Mutex // guards everything below and the write path
	sites    map[int64]*siteLog
	lastRecv map[int64]int64
	journal  *journal
	failed   error
	touched  map[string]bool // partitions written since the last flush
	groups   *streamGroups   // the rows' stream groups (streams.go)

	reqs    chan *request
	index   chan indexJob // committed records on their way into the search storage
	indexed chan struct{} // closed when the indexer has ended
	stop    chan struct{}
	wg      sync.WaitGroup
	closeMu sync.Mutex
	closed  bool
}

// request is one Append: the records, and their entries prepared by the caller.
type request struct {
	recs []logs.Record
	ents []entry
	done chan error
	// site, when set, is the site of every record, instead of Config.Site's answer (the
	// store's own retention records).
	site *int64
}

// indexJob is either committed entries to add to the search storage or, with done set, a
// barrier the indexer closes once everything before it is added; with hold set too, the
// indexer then waits until hold is closed (Flush keeps new rows out while it forces the
// storage to disk).
type indexJob struct {
	ents [][]entry
	done chan struct{}
	hold chan struct{}
}

var flagOnce sync.Once

// parseFlagsOnce prepares the VictoriaMetrics libraries' settings.
func parseFlagsOnce() {
	// The VictoriaMetrics libraries read their settings from flags on flag.CommandLine
	// and panic unless it has been parsed; medsec parses its own flag sets, so parse the
	// global one empty (defaults) once.
	flagOnce.Do(func() {
		if !flag.Parsed() {
			_ = flag.CommandLine.Parse(nil)
		}
		// Its info lines (each snapshot, each cache size) are noise in medsec's log.
		if f := flag.Lookup("loggerLevel"); f != nil && f.Value.String() == "INFO" {
			_ = f.Value.Set("WARN")
		}
	})
}

// Open opens (creating if needed) the store in cfg.Dir, replays its journal into the
// search storage and the seal, and starts the writer, the checkpoint signer and the flusher.
// A store is opened by one process at a time: a second Open fails with an error saying so.
func Open(cfg Config) (*Store, error) {
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Now().UTC() }
	}
	if cfg.Site == nil {
		cfg.Site = func(logs.Record) int64 { return 0 }
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.CheckpointEvery <= 0 {
		cfg.CheckpointEvery = DefaultCheckpointEvery
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = DefaultFlushEvery
	}
	if cfg.MinFree <= 0 {
		cfg.MinFree = DefaultMinFree
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	parseFlagsOnce()
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("log store: %w", err)
	}
	s := &Store{cfg: cfg, log: cfg.Logger, sites: map[int64]*siteLog{}, lastRecv: map[int64]int64{},
		touched: map[string]bool{}, groups: newStreamGroups(), reqs: make(chan *request, 64), stop: make(chan struct{}),
		index: make(chan indexJob, 4), indexed: make(chan struct{})}
	lock, err := os.OpenFile(filepath.Join(cfg.Dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("log store: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("log store %s is in use by another medsec process (a running server?): stop it first, or use the server's API", cfg.Dir)
	}
	s.lock = lock
	if s.key, err = LoadOrCreateKey(cfg.Dir); err != nil {
		lock.Close()
		return nil, err
	}
	// Retention is done by Store.ApplyRetention, which seals a record of each removal
	// first; the storage's own retention is only a backstop a week later.
	s.storageKeeps = cfg.Retention + 7*24*time.Hour
	s.vl = logstorage.MustOpenStorage(filepath.Join(cfg.Dir, "data"), &logstorage.StorageConfig{
		Retention:      s.storageKeeps,
		FlushInterval:  time.Second,
		MaxBackfillAge: s.storageKeeps,
	})
	if err := s.openSites(); err != nil {
		s.vl.MustClose()
		lock.Close()
		return nil, err
	}
	if !cfg.ReadOnly {
		if s.journal, err = openJournal(filepath.Join(cfg.Dir, "journal")); err != nil {
			s.closeFiles()
			return nil, err
		}
		go s.indexer()
		if err := s.recover(); err != nil {
			close(s.index)
			<-s.indexed
			s.closeFiles()
			return nil, fmt.Errorf("log store recovery: %w", err)
		}
		s.wg.Add(4)
		go s.writer()
		go s.every(time.Hour, func() {
			if _, err := s.ApplyRetention(context.Background()); err != nil {
				s.log.Error("log store retention", "err", err)
			}
		})
		go s.every(cfg.CheckpointEvery, func() {
			s.Checkpoint()
			s.serveSnapshotRequests()
		})
		go s.every(cfg.FlushEvery, func() {
			if err := s.Flush(); err != nil {
				s.fail(err)
			}
		})
	}
	return s, nil
}

func (s *Store) openSites() error {
	dir := filepath.Join(s.cfg.Dir, "seal")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, de := range des {
		id, err := strconv.ParseInt(de.Name(), 10, 64)
		if err != nil || !de.IsDir() {
			continue
		}
		l, err := openSiteLog(filepath.Join(dir, de.Name()), id)
		if err != nil {
			return fmt.Errorf("site log %d: %w", id, err)
		}
		s.sites[id] = l
	}
	return nil
}

// siteLog returns the site's log, creating it. Callers hold s.mu.
func (s *Store) siteLog(site int64) (*siteLog, error) {
	if l := s.sites[site]; l != nil {
		return l, nil
	}
	l, err := openSiteLog(filepath.Join(s.cfg.Dir, "seal", strconv.FormatInt(site, 10)), site)
	if err != nil {
		return nil, err
	}
	s.sites[site] = l
	return l, nil
}

// recover brings the seal and the search storage up to what the journal holds: leaves
// missing from a site's hashes are added (the crash came after the journal's fsync), rows
// missing from the storage are added again, and then everything is flushed and the
// journal emptied.
func (s *Store) recover() error {
	var missing []*entry
	bySite := map[int64][]int64{}
	err := s.journal.replay(func(e *entry) error {
		l, err := s.siteLog(e.Site)
		if err != nil {
			return err
		}
		leaf := e.leafHash()
		switch {
		case e.Index == l.size:
			if err := l.add(leaf, dayOf(e.Received)); err != nil {
				return err
			}
		case e.Index > l.size:
			return fmt.Errorf("journal: site %d record %d follows a gap (tree has %d)", e.Site, e.Index, l.size)
		default:
			got, err := l.leaf(e.Index)
			if err != nil {
				return err
			}
			if got != leaf {
				return fmt.Errorf("journal: site %d record %d does not match its sealed leaf", e.Site, e.Index)
			}
		}
		s.lastRecv[e.Site] = max(s.lastRecv[e.Site], e.Received)
		missing = append(missing, e)
		bySite[e.Site] = append(bySite[e.Site], e.Index)
		return nil
	})
	if err != nil {
		return err
	}
	for _, l := range s.sites {
		if err := l.sync(); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		s.vl.DebugFlush()
		present := map[[2]int64]bool{}
		for site, idx := range bySite {
			lo, hi := slices.Min(idx), slices.Max(idx)
			q := fmt.Sprintf(`medsec.site:=%d medsec.index:>=%d medsec.index:<=%d | fields medsec.index`, site, lo, hi)
			if err := s.scan(context.Background(), q, []string{"medsec.index"}, func(row map[string]string) {
				if n, err := strconv.ParseInt(row["medsec.index"], 10, 64); err == nil {
					present[[2]int64{site, n}] = true
				}
			}); err != nil {
				return err
			}
		}
		lr := logstorage.GetLogRows(nil, nil, nil, nil, "")
		var scratch []logstorage.Field
		for _, e := range missing {
			if present[[2]int64{e.Site, e.Index}] {
				continue
			}
			e.group = s.groups.assign(e, peerHost(e.Source))
			scratch = addRow(lr, scratch, e)
			s.touched[dayOf(e.Received)] = true
		}
		s.vl.MustAddRows(lr)
		logstorage.PutLogRows(lr)
		s.log.Info("log store: journal replayed", "records", len(missing), "restored", len(missing)-len(present))
	}
	for site := range s.sites {
		if _, err := s.sites[site].checkpoint(s.key, s.cfg.Now()); err != nil {
			return err
		}
	}
	return s.Flush()
}

// Append stores and seals recs and returns once each record, its leaf and the tree's
// hashes are on disk (logs.Sink). A record's Received time is kept unless it is zero, more
// than MaxReceivedAhead after the store's clock or older than the retention and a week
// (then the store's clock: the search storage keeps no row outside that window, and a
// sealed record it dropped would verify as deleted), or earlier than the site's previous
// record (then that record's time), so that a site log is ordered by receive time.
// Errors: ErrStorageFull, ErrClosed, a raw record larger than MaxRaw, or a write error
// (the store then refuses every Append until it is reopened, and OnFailure is called).
func (s *Store) Append(ctx context.Context, recs []logs.Record) error {
	if len(recs) == 0 {
		return nil
	}
	for i := range recs {
		if len(recs[i].Raw) > MaxRaw {
			return fmt.Errorf("log store: record %d: %d bytes, more than the %d a record may have", i, len(recs[i].Raw), MaxRaw)
		}
	}
	if s.cfg.ReadOnly {
		return errors.New("log store: opened read-only")
	}
	return s.submit(ctx, &request{recs: recs, done: make(chan error, 1)})
}

// submit prepares r's entries in the calling goroutine (fields flattened, leaf hashed: the
// work that needs no lock, done by as many goroutines as there are senders; a large
// request is split over the cores) and hands r to the writer.
func (s *Store) submit(ctx context.Context, r *request) error {
	clock := s.cfg.Now()
	now := clock.UnixNano()
	var replaced atomic.Int64
	r.ents = make([]entry, len(r.recs))
	prepare := func(lo, hi int) {
		var slab fieldSlab
		for i := lo; i < hi; i++ {
			rec, e := &r.recs[i], &r.ents[i]
			if r.site != nil {
				e.Site = *r.site
			} else {
				e.Site = s.cfg.Site(*rec)
			}
			e.Received = now
			if !rec.Received.IsZero() {
				at, out := ReceiveTime(rec.Received, clock, s.storageKeeps)
				e.Received = at.UnixNano()
				if out {
					replaced.Add(1)
				}
			}
			e.Source, e.Format, e.Parser, e.Raw, e.Fields = CanonicalSource(rec.Peer), CanonicalSource(rec.Format), ParserVersion, rec.Raw, slab.flatten(rec.Fields)
			e.Fields = fitRow(e)
			e.leaf = e.leafHash()
		}
	}
	if parts := min(runtime.GOMAXPROCS(0), len(r.recs)/prepareSplit); parts > 1 {
		var wg sync.WaitGroup
		for p := 1; p < parts; p++ {
			wg.Go(func() { prepare(p*len(r.recs)/parts, (p+1)*len(r.recs)/parts) })
		}
		prepare(0, len(r.recs)/parts)
		wg.Wait()
	} else {
		prepare(0, len(r.recs))
	}
	if n := replaced.Load(); n > 0 {
		s.log.Warn("log store: receive times outside the storage's window replaced by the store's clock (a sender's clock is wrong?)",
			"records", n, "ahead", MaxReceivedAhead, "kept", s.storageKeeps)
	}
	select {
	case s.reqs <- r:
	case <-s.stop:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writer commits requests in groups: one journal fsync per group, after which every
// request of the group is acknowledged and its records go on to the indexer.
func (s *Store) writer() {
	defer s.wg.Done()
	for {
		var batch []*request
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
		case <-s.stop:
			return
		}
		n := len(batch[0].recs)
	drain:
		for n < maxBatch {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
				n += len(r.recs)
			default:
				break drain
			}
		}
		err := s.commit(batch)
		for _, r := range batch {
			r.done <- err
		}
	}
}

func (s *Store) commit(batch []*request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != nil {
		return s.failed
	}
	if free, err := freeBytes(s.cfg.Dir); err == nil && free < uint64(s.cfg.MinFree) {
		s.alert(ErrStorageFull)
		return ErrStorageFull
	}
	// A commit that fails before its journal fsync is undone, in the journal and in the
	// site logs' leaves not yet written: its records were not acknowledged, so none of
	// them may be sealed or found at the next start.
	mark := s.journal.size
	undo := func(err error) error {
		if terr := s.journal.truncate(mark); terr != nil {
			s.log.Error("log store: undo a failed commit", "err", terr)
		}
		for _, l := range s.sites {
			l.pending, l.size = l.pending[:0], sizeForStored(l.stored)
		}
		return s.fail(err)
	}
	touchedSites := map[int64]*siteLog{}
	var dayNum int64 = -1
	var day string
	job := indexJob{ents: make([][]entry, 0, len(batch))}
	for _, r := range batch {
		for i := range r.ents {
			e := &r.ents[i]
			l, err := s.siteLog(e.Site)
			if err != nil {
				return undo(err)
			}
			if last := s.lastRecv[e.Site]; e.Received < last {
				e.Received = last
				e.leaf = e.leafHash()
			}
			s.lastRecv[e.Site] = e.Received
			e.group = s.groups.assign(e, peerHost(e.Source))
			e.Index = l.size
			r.recs[i].SiteID, r.recs[i].Index = e.Site, e.Index // logs.Record: where the record is stored
			if d := e.Received / int64(24*time.Hour); d != dayNum {
				dayNum, day = d, dayOf(e.Received)
				s.touched[day] = true
			}
			if err := l.add(e.leaf, day); err != nil {
				return undo(err)
			}
			if err := s.journal.append(e); err != nil {
				return undo(err)
			}
			touchedSites[e.Site] = l
		}
		job.ents = append(job.ents, r.ents)
	}
	if err := s.journal.sync(); err != nil {
		return undo(err)
	}
	for _, l := range touchedSites {
		if err := l.write(); err != nil {
			return s.fail(err)
		}
	}
	// Sent under s.mu, so that a Flush that rotated the journal after this commit finds
	// these entries ahead of its barrier.
	s.index <- job
	return nil
}

// indexer adds committed entries to the search storage on goroutines of its own, so that
// indexing runs while the writer waits on the next fsync, until s.index is closed. A large
// job is split in two halves added at once (the storage takes concurrent adds), so both
// cores index.
func (s *Store) indexer() {
	defer close(s.indexed)
	var parts [2]indexPart
	for i := range parts {
		parts[i].lr = logstorage.GetLogRows(nil, nil, nil, nil, "")
		defer logstorage.PutLogRows(parts[i].lr)
	}
	var all []*entry
	for job := range s.index {
		if job.done != nil {
			close(job.done)
			if job.hold != nil {
				<-job.hold
			}
			continue
		}
		all = all[:0]
		for _, ents := range job.ents {
			for i := range ents {
				all = append(all, &ents[i])
			}
		}
		if len(all) < 1000 {
			parts[0].add(s.vl, all)
			continue
		}
		half := len(all) / 2
		var wg sync.WaitGroup
		wg.Go(func() { parts[1].add(s.vl, all[half:]) })
		parts[0].add(s.vl, all[:half])
		wg.Wait()
	}
}

// indexPart is one indexing goroutine's reusable buffers.
type indexPart struct {
	lr      *logstorage.LogRows
	scratch []logstorage.Field
}

// indexChunk is the most rows an indexPart hands the storage at once: its buffers then
// stay a few MiB however large the commits grow under load, instead of growing (copied
// each time) with every larger commit and leaving the CPU caches.
const indexChunk = 1024

func (p *indexPart) add(vl *logstorage.Storage, ents []*entry) {
	for len(ents) > 0 {
		n := min(len(ents), indexChunk)
		for _, e := range ents[:n] {
			p.scratch = addRow(p.lr, p.scratch, e)
		}
		vl.MustAddRows(p.lr)
		p.lr.ResetKeepSettings()
		ents = ents[n:]
	}
}

// syncIndex returns once every committed record is in the search storage and visible to
// searches.
func (s *Store) syncIndex() {
	if !s.cfg.ReadOnly {
		done := make(chan struct{})
		s.index <- indexJob{done: done}
		<-done
	}
	s.vl.DebugFlush()
}

// fail halts writing after a write error and raises the alert.
func (s *Store) fail(err error) error {
	err = fmt.Errorf("log store: storage failure: %w", err)
	if s.failed == nil {
		s.failed = err
	}
	s.alert(err)
	return err
}

func (s *Store) alert(err error) {
	s.log.Error("log store", "err", err)
	if s.cfg.OnFailure != nil {
		s.cfg.OnFailure(err)
	}
}

// Checkpoint signs every site log that grew since its last checkpoint. It is called every
// Config.CheckpointEvery; export and verification call it too.
func (s *Store) Checkpoint() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != nil || s.cfg.ReadOnly {
		return
	}
	now := s.cfg.Now()
	for _, l := range s.sites {
		if _, err := l.checkpoint(s.key, now); err != nil {
			s.fail(err)
			return
		}
	}
}

// Flush forces the search storage to disk and then drops the journal segments it covered.
// A store halted by a write error flushes nothing and keeps its journal: the next Open
// rebuilds from it.
func (s *Store) Flush() error {
	if s.cfg.ReadOnly {
		s.vl.DebugFlush()
		return nil
	}
	s.mu.Lock()
	if s.failed != nil {
		s.mu.Unlock()
		return s.failed
	}
	if err := s.journal.rotate(); err != nil {
		s.mu.Unlock()
		return err
	}
	seq := s.journal.seq
	for _, l := range s.sites {
		if err := l.sync(); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	days := slices.Collect(maps.Keys(s.touched))
	clear(s.touched)
	s.mu.Unlock()
	// Every record of the segments before seq is in the storage once the indexer has
	// passed the barrier; it then adds nothing until settle has the storage on disk.
	hold := make(chan struct{})
	done := make(chan struct{})
	s.index <- indexJob{done: done, hold: hold}
	<-done
	err := s.settle(days)
	close(hold)
	if err != nil {
		s.mu.Lock()
		for _, d := range days {
			s.touched[d] = true
		}
		s.mu.Unlock()
		return err
	}
	return s.journal.removeBefore(seq)
}

// settle returns once every row added to the search storage so far is in its files on
// disk (the caller keeps new rows out meanwhile). The days are the partitions written to;
// others are flushed too if they hold rows in memory.
//
// A partition snapshot is what writes a partition's in-memory parts to files and fsyncs
// them (the snapshot itself, hard links, is dropped at once), but it leaves out the
// in-memory parts a background merge holds at that moment: their rows are neither in
// the files it flushed nor in the snapshot. So settle repeats the snapshot until the
// storage reports no in-memory part, no pending row and no merge in memory, and then
// takes one more (an index merge that ended meanwhile left an in-memory part). Dropping
// the journal, or copying a snapshot, after one snapshot alone lost those rows: "deleted
// record N" after a crash or in a restored backup.
func (s *Store) settle(days []string) error {
	deadline := time.Now().Add(5 * time.Minute)
	prefixes := days
	for settled := false; ; {
		s.vl.DebugFlush()
		for _, d := range prefixes {
			for _, p := range s.vl.PartitionSnapshotMustCreate(d) {
				if err := s.vl.PartitionSnapshotDelete(p); err != nil {
					return err
				}
			}
		}
		if settled {
			return nil
		}
		var st logstorage.StorageStats
		s.vl.UpdateStats(&st)
		if st.InmemoryParts == 0 && st.PendingRows == 0 && st.ActiveInmemoryMerges == 0 &&
			st.IndexdbPendingItems == 0 && st.IndexdbActiveInmemoryMerges == 0 {
			settled = true
			continue
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the search storage still holds %d rows in memory after %s", st.InmemoryRowsCount, 5*time.Minute)
		}
		// Rows may sit in a partition not written to since the last flush (a merge
		// that had not ended then): from now on every partition is flushed.
		prefixes = []string{""}
		time.Sleep(5 * time.Millisecond)
	}
}

// Refresh makes every appended record visible to Search at once; without it they appear
// within about a second.
func (s *Store) Refresh() { s.syncIndex() }

func (s *Store) every(d time.Duration, fn func()) {
	defer s.wg.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			fn()
		case <-s.stop:
			return
		}
	}
}

// Close stops writing, signs a last checkpoint, flushes and closes the store.
func (s *Store) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.stop)
	s.wg.Wait()
	var err error
	if !s.cfg.ReadOnly {
		s.Checkpoint()
		err = s.Flush()
		close(s.index)
		<-s.indexed
	}
	if cerr := s.closeFiles(); err == nil {
		err = cerr
	}
	return err
}

func (s *Store) closeFiles() error {
	var err error
	if s.journal != nil {
		err = s.journal.close()
	}
	for _, l := range s.sites {
		if cerr := l.close(); err == nil {
			err = cerr
		}
	}
	s.vl.MustClose()
	s.lock.Close()
	return err
}

// PublicKey returns the seal's public key, a note verifier key "name+hash+base64".
func (s *Store) PublicKey() string { return s.key.Public }

// SiteStatus is the seal state of one site log.
type SiteStatus struct {
	Site int64 `json:"site"`
	// Size is the number of records sealed.
	Size int64 `json:"size"`
	// Checkpoint is the newest signed checkpoint, nil before the first.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
}

// Status returns the seal state of every site log, by site ID.
func (s *Store) Status() []SiteStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SiteStatus
	for id, l := range s.sites {
		st := SiteStatus{Site: id, Size: l.size}
		if l.last != nil {
			if c, err := OpenCheckpoint([]byte(l.last.Note), s.key.Public); err == nil {
				st.Checkpoint = c
			}
		}
		out = append(out, st)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Site < out[b].Site })
	return out
}

// DiskUsage returns the bytes the store occupies on disk.
func (s *Store) DiskUsage() (int64, error) {
	var n int64
	err := filepath.Walk(s.cfg.Dir, func(_ string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil //nolint: files vanish while merging
		}
		if fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

func dayOf(nanos int64) string { return time.Unix(0, nanos).UTC().Format("20060102") }

func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// Names of the store's own fields in the search storage.
const (
	FieldSite   = "medsec.site"
	FieldIndex  = "medsec.index"
	FieldSource = "medsec.source"
	FieldFormat = "medsec.format"
	FieldParser = "medsec.parser"
	FieldPeer   = "medsec.peer_host"
)

// shapeOf returns a name for the set of field names of fs (sorted, as flatten makes them):
// the first 128 bits of SHA-256 over the names, in hex. It is the stream group of a sender
// with more field names in a day than streamGroups packs (a record has at most 400 fields,
// within the storage's 2,000 names per block).
func shapeOf(fs []logstorage.Field) string {
	h := sha256.New()
	for _, f := range fs {
		h.Write([]byte(f.Name))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// addRow adds e to lr as a row (rowFields) and returns scratch, the field buffer, for the
// next call.
func addRow(lr *logstorage.LogRows, scratch []logstorage.Field, e *entry) []logstorage.Field {
	fields := rowFields(scratch, e)
	lr.MustAdd(logstorage.TenantID{}, e.Received, fields, 3) // copies every value
	return fields
}

// peerHost is the host of a source address "host:port" (CanonicalSource), the address
// itself when it has no port.
func peerHost(source string) string {
	if i := strings.LastIndexByte(source, ':'); i > 0 && !strings.Contains(source[i:], "]") {
		return source[:i]
	}
	return source
}

// rowFields returns e's row in the search storage, in scratch: the stream fields (site,
// sending host and the group of its field names, e.group) first, the raw record as the message (_msg,
// so that word search reads it), the store's fields, and the parsed ECS fields; the
// receive time is the row's _time.
func rowFields(scratch []logstorage.Field, e *entry) []logstorage.Field {
	group := e.group
	if group == "" {
		group = shapeOf(e.Fields)
	}
	fields := append(scratch[:0],
		logstorage.Field{Name: FieldSite, Value: strconv.FormatInt(e.Site, 10)},
		logstorage.Field{Name: FieldPeer, Value: peerHost(e.Source)},
		logstorage.Field{Name: FieldGroup, Value: group},
		logstorage.Field{Name: "_msg", Value: bytesutil.ToUnsafeString(e.Raw)},
		logstorage.Field{Name: FieldIndex, Value: strconv.FormatInt(e.Index, 10)},
		logstorage.Field{Name: FieldSource, Value: e.Source},
		logstorage.Field{Name: FieldFormat, Value: e.Format},
		logstorage.Field{Name: FieldParser, Value: e.Parser},
	)
	return append(fields, e.Fields...)
}

// flatten turns parsed ECS fields into dotted string fields sorted by name: nested maps
// join their keys with ".", times are RFC 3339 with nanoseconds in UTC. Empty values and
// names the storage cannot hold (longer than 128 bytes, starting with "_" or "medsec.")
// are left out, as are fields past the 400th in name order. Where two fields flatten to one name ({"a.b": 1}
// and {"a": {"b": 2}}), the one with the smaller value is kept.
func flatten(in map[string]any) []logstorage.Field {
	return flattenInto(make([]logstorage.Field, 0, len(in)+8), in)
}

// fieldSlab hands out the flattened fields of many records from one array: one allocation
// for a few thousand fields instead of one per record (allocating a slice of pointers, its
// type bits set per object, was a tenth of the CPU a stored record cost).
type fieldSlab struct{ buf []logstorage.Field }

// flatten is flatten(in) with the fields in the slab's array; the slice returned has no
// room to grow into the next record's fields.
func (s *fieldSlab) flatten(in map[string]any) []logstorage.Field {
	if need := len(in) + 8; cap(s.buf)-len(s.buf) < need {
		s.buf = make([]logstorage.Field, 0, max(2048, need))
	}
	free := s.buf[len(s.buf):]
	out := flattenInto(free, in)
	if len(out) > 0 && cap(out) == cap(free) && &out[:1][0] == &free[:1][0] {
		s.buf = s.buf[:len(s.buf)+len(out)] // in the slab: taken
	}
	return out[:len(out):len(out)]
}

// flattenInto is flatten appending to out (empty).
func flattenInto(out []logstorage.Field, in map[string]any) []logstorage.Field {
	for k, v := range in {
		out = flattenValue(out, k, v)
	}
	sortFields(out)
	out = slices.CompactFunc(out, func(a, b logstorage.Field) bool { return a.Name == b.Name })
	if len(out) > maxFields {
		out = out[:maxFields]
	}
	return out
}

// flattenValue appends the field name = v, or v's fields under name if v is a map.
func flattenValue(out []logstorage.Field, name string, v any) []logstorage.Field {
	if len(name) > maxFieldName || name == "" || name[0] == '_' || strings.HasPrefix(name, "medsec.") {
		return out
	}
	switch x := v.(type) {
	case nil:
	case string:
		if x != "" {
			out = append(out, logstorage.Field{Name: name, Value: x})
		}
	case time.Time:
		out = append(out, logstorage.Field{Name: name, Value: x.UTC().Format(time.RFC3339Nano)})
	case int:
		out = append(out, logstorage.Field{Name: name, Value: strconv.Itoa(x)})
	case map[string]string:
		for k, v := range x {
			out = flattenValue(out, name+"."+k, v)
		}
	case map[string]any:
		for k, v := range x {
			out = flattenValue(out, name+"."+k, v)
		}
	case map[string]map[string]string:
		for k, v := range x {
			out = flattenValue(out, name+"."+k, v)
		}
	case []string:
		if len(x) > 0 {
			out = flattenValue(out, name, strings.Join(x, ","))
		}
	default:
		out = flattenValue(out, name, fmt.Sprint(x))
	}
	return out
}

// sortFields sorts fields by name, and equal names by value.
func sortFields(fs []logstorage.Field) {
	slices.SortFunc(fs, func(a, b logstorage.Field) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
}

// fitRow returns e's fields, leaving out the longest values until the row the search
// storage gets from e (addRow) is within maxRowBytes: the storage would drop a larger row
// silently, and the sealed record would verify as deleted. It is decided before the leaf is
// hashed, so that the seal and the stored row hold the same fields. Only a record of
// nearly MaxRaw whose parsed fields copy its longest value several times comes near the
// limit (a CEF suser is also source.user.name and user.name).
func fitRow(e *entry) []logstorage.Field {
	size := len(`{}\n"_time":""`) + len(time.RFC3339Nano) + len(`,"":""`) + len("_msg") + len(e.Raw)
	// The store's own fields (addRow), numbers at their longest.
	size += 8*len(`,"":""`) + len(FieldSite+FieldPeer+FieldGroup+FieldIndex+FieldSource+FieldFormat+FieldParser) + 2*20 + 32 + 2*len(e.Source) + len(e.Format) + len(e.Parser)
	for _, f := range e.Fields {
		size += len(`,"":""`) + len(f.Name) + len(f.Value)
	}
	if size <= maxRowBytes {
		return e.Fields
	}
	byLength := make([]int, len(e.Fields))
	for i := range byLength {
		byLength[i] = i
	}
	slices.SortFunc(byLength, func(a, b int) int { return len(e.Fields[b].Value) - len(e.Fields[a].Value) })
	drop := make([]bool, len(e.Fields))
	for _, i := range byLength {
		if size <= maxRowBytes {
			break
		}
		drop[i] = true
		size -= len(`,"":""`) + len(e.Fields[i].Name) + len(e.Fields[i].Value)
	}
	out := make([]logstorage.Field, 0, len(e.Fields))
	for i, f := range e.Fields {
		if !drop[i] {
			out = append(out, f)
		}
	}
	return out
}

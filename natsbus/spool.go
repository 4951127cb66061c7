package natsbus

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// segmentMax is the size at which the spool starts a new segment file.
const segmentMax = 8 << 20

// frameHeader is a frame's length (uint32, big-endian) and CRC-32C of the payload.
const frameHeader = 8

// ErrSpoolFull is returned by Spool.Append when the records would take the spool past its
// bound; nothing of the call was spooled.
var ErrSpoolFull = errors.New("sensor spool: full (the broker has been unreachable too long); records refused")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Spool is a sensor's disk buffer: envelopes appended in order, durable (fsync) before
// Append returns, read back in the same order by the forwarder and removed once the
// broker acknowledged them. Its directory holds segment files ("seg-%016d"), each a run
// of frames (length, CRC-32C, JSON envelope), the read position ("pos") and the spool's
// random ID ("id"), which makes message IDs unique across a re-created spool. A frame
// torn by a crash is cut off at the next Open. Safe for concurrent use.
type Spool struct {
	dir, id, site, sensor string
	limit                 int64

	mu       sync.Mutex
	w        *os.File
	wseg     uint64 // segment being written
	wsize    int64
	rseg     uint64 // segment of the first frame not yet acknowledged
	roff     int64  // and its offset there
	bytes    int64  // bytes of frames not yet acknowledged
	pending  int64  // and their number
	nextSeq  uint64
	notify   chan struct{}
	closed   bool
	oldestAt time.Time // Time of the first pending envelope (zero when none)
}

// Position is a place in the spool: just after a frame.
type Position struct{ seg, off uint64 }

// Spooled is an envelope read back from the spool, the position after it and its frame's
// size in bytes.
type Spooled struct {
	Env  *Envelope
	End  Position
	Size int64
}

// OpenSpool opens (creating when needed) the spool in dir for one sensor of a site,
// bounded to limit bytes of unacknowledged frames.
func OpenSpool(dir, site, sensor string, limit int64) (*Spool, error) {
	if err := CheckToken("site", site); err != nil {
		return nil, err
	}
	if err := CheckToken("sensor", sensor); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sensor spool: %w", err)
	}
	s := &Spool{dir: dir, site: site, sensor: sensor, limit: limit, notify: make(chan struct{}, 1)}
	var err error
	if s.id, err = spoolID(dir); err != nil {
		return nil, err
	}
	segs, err := s.segments()
	if err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, "pos")); err == nil {
		var seq uint64
		if _, err := fmt.Sscanf(string(b), "%d %d %d", &s.rseg, &s.roff, &seq); err != nil {
			return nil, fmt.Errorf("sensor spool: %s: %w", filepath.Join(dir, "pos"), err)
		}
		s.nextSeq = seq + 1
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("sensor spool: %w", err)
	}
	if len(segs) == 0 {
		segs = []uint64{max(s.rseg, 1)}
	}
	if s.rseg < segs[0] {
		s.rseg, s.roff = segs[0], 0
	}
	// Count what is pending and cut a torn frame off the last segment.
	for _, seg := range segs {
		if seg < s.rseg {
			continue
		}
		from := int64(0)
		if seg == s.rseg {
			from = s.roff
		}
		end, err := s.scanN(seg, from, int(^uint(0)>>1), func(e *Envelope, size, _ int64) {
			s.pending++
			s.bytes += size
			s.nextSeq = max(s.nextSeq, e.Seq+1)
			if s.oldestAt.IsZero() {
				s.oldestAt = e.Time
			}
		})
		if err != nil {
			return nil, err
		}
		s.wseg, s.wsize = seg, end
	}
	s.nextSeq = max(s.nextSeq, 1)
	if s.wseg == 0 {
		s.wseg = segs[len(segs)-1]
	}
	if s.w, err = os.OpenFile(s.segPath(s.wseg), os.O_CREATE|os.O_WRONLY, 0o600); err != nil {
		return nil, fmt.Errorf("sensor spool: %w", err)
	}
	if err := s.w.Truncate(s.wsize); err != nil {
		return nil, fmt.Errorf("sensor spool: %w", err)
	}
	if _, err := s.w.Seek(s.wsize, io.SeekStart); err != nil {
		return nil, fmt.Errorf("sensor spool: %w", err)
	}
	return s, nil
}

// spoolID reads the spool's ID, creating it on first use.
func spoolID(dir string) (string, error) {
	p := filepath.Join(dir, "id")
	if b, err := os.ReadFile(p); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	b := make([]byte, 6)
	rand.Read(b)
	id := hex.EncodeToString(b)
	if err := os.WriteFile(p, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("sensor spool: %w", err)
	}
	return id, nil
}

func (s *Spool) segPath(seg uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("seg-%016d", seg))
}

// segments lists the segment numbers present, in order.
func (s *Spool) segments() ([]uint64, error) {
	names, err := filepath.Glob(filepath.Join(s.dir, "seg-*"))
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, n := range names {
		if v, err := strconv.ParseUint(strings.TrimPrefix(filepath.Base(n), "seg-"), 10, 64); err == nil {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, nil
}

// readFrame reads one frame; ok is false at the end or at a torn or corrupt frame.
func readFrame(r *bufio.Reader) (e *Envelope, size int64, ok bool) {
	var h [frameHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, 0, false
	}
	n := binary.BigEndian.Uint32(h[:4])
	if n > segmentMax {
		return nil, 0, false
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, 0, false
	}
	if crc32.Checksum(payload, castagnoli) != binary.BigEndian.Uint32(h[4:]) {
		return nil, 0, false
	}
	e, err := Decode(payload)
	if err != nil {
		return nil, 0, false
	}
	return e, int64(frameHeader + n), true
}

// Append gives each envelope the sensor's site and name, the next sequence number and
// the ID "<site>/<sensor>/<spool ID>/<seq>", writes them and syncs the file. ErrSpoolFull
// when they would take the spool past its bound (nothing written then).
func (s *Spool) Append(envs ...*Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sensor spool: closed")
	}
	frames := make([][]byte, len(envs))
	var total int64
	for i, e := range envs {
		e.Site, e.Sensor, e.Seq = s.site, s.sensor, s.nextSeq+uint64(i)
		e.ID = fmt.Sprintf("%s/%s/%s/%d", s.site, s.sensor, s.id, e.Seq)
		b, err := marshal(e)
		if err != nil {
			return err
		}
		frame := make([]byte, frameHeader+len(b))
		binary.BigEndian.PutUint32(frame[:4], uint32(len(b)))
		binary.BigEndian.PutUint32(frame[4:8], crc32.Checksum(b, castagnoli))
		copy(frame[frameHeader:], b)
		frames[i] = frame
		total += int64(len(frame))
	}
	if s.bytes+total > s.limit {
		return ErrSpoolFull
	}
	for _, f := range frames {
		if s.wsize >= segmentMax {
			if err := s.rotate(); err != nil {
				return err
			}
		}
		if _, err := s.w.Write(f); err != nil {
			return fmt.Errorf("sensor spool: %w", err)
		}
		s.wsize += int64(len(f))
	}
	if err := s.w.Sync(); err != nil {
		return fmt.Errorf("sensor spool: %w", err)
	}
	if s.pending == 0 && len(envs) > 0 {
		s.oldestAt = envs[0].Time
	}
	s.nextSeq += uint64(len(envs))
	s.pending += int64(len(envs))
	s.bytes += total
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return nil
}

// rotate closes the segment being written and starts the next.
func (s *Spool) rotate() error {
	if err := s.w.Sync(); err != nil {
		return fmt.Errorf("sensor spool: %w", err)
	}
	s.w.Close()
	s.wseg++
	s.wsize = 0
	var err error
	s.w, err = os.OpenFile(s.segPath(s.wseg), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("sensor spool: %w", err)
	}
	return nil
}

// Read returns up to n pending envelopes from the first not yet acknowledged, in order,
// each with the position after it (for Ack). It does not remove them.
func (s *Spool) Read(n int) ([]Spooled, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Spooled
	off := s.roff
	for seg := s.rseg; seg <= s.wseg && len(out) < n; seg++ {
		if _, err := s.scanN(seg, off, n-len(out), func(e *Envelope, size, end int64) {
			out = append(out, Spooled{Env: e, End: Position{seg, uint64(end)}, Size: size})
		}); err != nil {
			return nil, err
		}
		off = 0
	}
	return out, nil
}

// scanN reads at most n frames of a segment from offset from, calling fn with each, its
// size and the offset after it, and returns the offset after the last whole frame.
func (s *Spool) scanN(seg uint64, from int64, n int, fn func(e *Envelope, size, end int64)) (int64, error) {
	f, err := os.Open(s.segPath(seg))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sensor spool: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return 0, fmt.Errorf("sensor spool: %w", err)
	}
	r := bufio.NewReaderSize(f, 64<<10)
	off := from
	for range n {
		e, size, ok := readFrame(r)
		if !ok {
			break
		}
		off += size
		fn(e, size, off)
	}
	return off, nil
}

// Ack removes done, the first pending envelopes as Read returned them, in order: the
// broker has stored them. Segments wholly acknowledged are deleted; the position is
// written to "pos".
func (s *Spool) Ack(done []Spooled) error {
	if len(done) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	last := done[len(done)-1]
	for seg := s.rseg; seg < last.End.seg; seg++ {
		os.Remove(s.segPath(seg))
	}
	for _, d := range done {
		s.bytes -= d.Size
	}
	s.pending -= int64(len(done))
	s.rseg, s.roff = last.End.seg, int64(last.End.off)
	s.oldestAt = time.Time{}
	if s.pending > 0 {
		for seg := s.rseg; seg <= s.wseg && s.oldestAt.IsZero(); seg++ {
			off := int64(0)
			if seg == s.rseg {
				off = s.roff
			}
			if _, err := s.scanN(seg, off, 1, func(e *Envelope, _, _ int64) { s.oldestAt = e.Time }); err != nil {
				return err
			}
		}
	}
	tmp := filepath.Join(s.dir, "pos.tmp")
	if err := os.WriteFile(tmp, fmt.Appendf(nil, "%d %d %d\n", s.rseg, s.roff, last.Env.Seq), 0o600); err != nil {
		return fmt.Errorf("sensor spool: %w", err)
	}
	return os.Rename(tmp, filepath.Join(s.dir, "pos"))
}

// SpoolStats is what the spool holds now.
type SpoolStats struct {
	// Bytes and Pending are the size and number of envelopes not yet acknowledged;
	// Limit the bound; Oldest the Time of the first of them (zero when none).
	Bytes, Limit, Pending int64
	Oldest                time.Time
}

// Stats returns what the spool holds now.
func (s *Spool) Stats() SpoolStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return SpoolStats{Bytes: s.bytes, Limit: s.limit, Pending: s.pending, Oldest: s.oldestAt}
}

// Notify returns a channel that receives after an Append (coalesced).
func (s *Spool) Notify() <-chan struct{} { return s.notify }

// Close closes the spool's file; later Appends fail.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.w.Close()
}

package logstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"golang.org/x/mod/sumdb/tlog"
)

// entry is one sealed record as the journal keeps it until the search storage has it on
// disk: everything needed to rebuild the leaf and the stored row.
type entry struct {
	Site     int64
	Index    int64
	Received int64 // Unix nanoseconds, UTC
	Source   string
	Format   string
	Parser   string // ParserVersion when sealed
	Raw      []byte
	Fields   []logstorage.Field // sorted by name, names unique, no empty value (flatten)
	leaf     tlog.Hash          // LeafHash of the above, once computed
	group    string             // the row's stream group (streamGroups), set at commit; not in the journal
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// journal is the write-ahead log: segment files "NNNNNNNNNNNNNNNNNNNN.wal" in one directory,
// each a sequence of frames (4-byte big-endian length, 4-byte CRC-32C of the payload, the
// entry as entry.encode writes it). A record is acknowledged once its frame is fsynced (one
// fsync per group of records); a segment is deleted once the search storage has flushed
// everything in it to disk.
type journal struct {
	dir  string
	f    *os.File
	w    *bufio.Writer
	seq  int64
	size int64
	buf  []byte
}

func openJournal(dir string) (*journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	j := &journal{dir: dir}
	segs, err := j.segments()
	if err != nil {
		return nil, err
	}
	if len(segs) > 0 {
		j.seq = segs[len(segs)-1]
	}
	return j, j.rotate()
}

// segments returns the sequence numbers of the segment files, oldest first.
func (j *journal) segments() ([]int64, error) {
	des, err := os.ReadDir(j.dir)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, de := range des {
		var n int64
		if name, ok := strings.CutSuffix(de.Name(), ".wal"); ok {
			if _, err := fmt.Sscanf(name, "%d", &n); err == nil {
				out = append(out, n)
			}
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out, nil
}

func (j *journal) path(seq int64) string { return filepath.Join(j.dir, fmt.Sprintf("%020d.wal", seq)) }

// rotate closes the current segment and starts a new one; it returns after the new file
// and its directory entry are on disk.
func (j *journal) rotate() error {
	if j.f != nil {
		if err := j.sync(); err != nil {
			return err
		}
		if err := j.f.Close(); err != nil {
			return err
		}
	}
	j.seq++
	f, err := os.OpenFile(j.path(j.seq), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := syncDir(j.dir); err != nil {
		f.Close()
		return err
	}
	j.f, j.w, j.size = f, bufio.NewWriterSize(f, 1<<20), 0
	return nil
}

// encode appends e's journal payload to dst: site, index and receive time as varints,
// then source, format, parser and raw, and the fields as name-value pairs, each a uvarint length
// and the bytes.
func (e *entry) encode(dst []byte) []byte {
	dst = binary.AppendVarint(dst, e.Site)
	dst = binary.AppendVarint(dst, e.Index)
	dst = binary.AppendVarint(dst, e.Received)
	str := func(s string) { dst = binary.AppendUvarint(dst, uint64(len(s))); dst = append(dst, s...) }
	str(e.Source)
	str(e.Format)
	str(e.Parser)
	dst = binary.AppendUvarint(dst, uint64(len(e.Raw)))
	dst = append(dst, e.Raw...)
	dst = binary.AppendUvarint(dst, uint64(len(e.Fields)))
	for _, f := range e.Fields {
		str(f.Name)
		str(f.Value)
	}
	return dst
}

var errBadEntry = errors.New("journal entry cut short")

// decode reads a payload encode wrote.
func (e *entry) decode(b []byte) error {
	var err error
	varint := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			err = errBadEntry
			return 0
		}
		b = b[n:]
		return v
	}
	bytes := func() []byte {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			err = errBadEntry
			return nil
		}
		out := b[n : n+int(l)]
		b = b[n+int(l):]
		return out
	}
	e.Site, e.Index, e.Received = varint(), varint(), varint()
	e.Source, e.Format, e.Parser = string(bytes()), string(bytes()), string(bytes())
	e.Raw = append([]byte(nil), bytes()...)
	nf, n := binary.Uvarint(b)
	if n <= 0 || err != nil {
		return errBadEntry
	}
	b = b[n:]
	e.Fields = make([]logstorage.Field, 0, min(nf, maxFields))
	for i := uint64(0); i < nf && err == nil; i++ {
		k := string(bytes())
		e.Fields = append(e.Fields, logstorage.Field{Name: k, Value: string(bytes())})
	}
	return err
}

func (j *journal) append(e *entry) error {
	j.buf = e.encode(j.buf[:0])
	payload := j.buf
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(payload)))
	binary.BigEndian.PutUint32(hdr[4:], crc32.Checksum(payload, crcTable))
	if _, err := j.w.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := j.w.Write(payload); err != nil {
		return err
	}
	j.size += int64(len(payload)) + 8
	return nil
}

func (j *journal) sync() error {
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("journal write: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal sync: %w", err)
	}
	return nil
}

// truncate cuts the current segment back to size bytes (what it held before a failed
// commit), dropping whatever the buffer holds, and forces the cut to disk. Cutting needs
// no free space, so it works on a full disk; the journal is not written after it.
func (j *journal) truncate(size int64) error {
	j.w.Reset(j.f)
	if err := j.f.Truncate(size); err != nil {
		return fmt.Errorf("journal truncate: %w", err)
	}
	if _, err := j.f.Seek(size, io.SeekStart); err != nil {
		return fmt.Errorf("journal truncate: %w", err)
	}
	j.size = size
	return j.f.Sync()
}

// removeBefore deletes every segment older than seq.
func (j *journal) removeBefore(seq int64) error {
	segs, err := j.segments()
	if err != nil {
		return err
	}
	for _, s := range segs {
		if s < seq {
			if err := os.Remove(j.path(s)); err != nil {
				return err
			}
		}
	}
	return syncDir(j.dir)
}

// replay reads every entry of the segments older than the current one, in order. A torn
// or corrupt frame ends its segment (it was never acknowledged).
func (j *journal) replay(fn func(*entry) error) error {
	segs, err := j.segments()
	if err != nil {
		return err
	}
	for _, s := range segs {
		if s >= j.seq {
			continue
		}
		if err := replaySegment(j.path(s), fn); err != nil {
			return err
		}
	}
	return nil
}

func replaySegment(path string, fn func(*entry) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil // end, or a torn header
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if n > 64<<20 {
			return nil
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return nil
		}
		if crc32.Checksum(payload, crcTable) != binary.BigEndian.Uint32(hdr[4:]) {
			return nil
		}
		var e entry
		if err := e.decode(payload); err != nil {
			return fmt.Errorf("journal %s: %w", path, err)
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
}

func (j *journal) close() error {
	if j.f == nil {
		return nil
	}
	err := j.sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// leafHash returns the entry's Merkle leaf hash (LeafHash).
func (e *entry) leafHash() tlog.Hash {
	bp := canonicalBufs.Get().(*[]byte)
	b := appendCanonical((*bp)[:0], e.Site, e.Source, e.Received, e.Format, e.Parser, e.Fields, e.Raw)
	h := tlog.RecordHash(b)
	if cap(b) <= 64<<10 {
		*bp = b
		canonicalBufs.Put(bp)
	}
	return h
}

// canonicalBufs are reusable buffers for a record's canonical bytes.
var canonicalBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

package logstore

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// siteLog is one site's sealed log on disk: the tree's stored hashes (tlog's layout,
// 32 bytes each, at tlog.StoredHashIndex positions) in "hashes", the signed checkpoints as
// JSON lines in "checkpoints", and the first record index of each day in "days".
type siteLog struct {
	site int64
	dir  string

	hashes  *os.File
	size    int64       // records in the tree
	stored  int64       // hashes in the file
	pending []tlog.Hash // hashes appended since the last write, after stored
	// tail holds copies of the last written hashes, [stored-len(tail), stored), so that
	// adding a leaf reads the subtree hashes it merges with from memory, not the file.
	tail  []tlog.Hash
	dirty bool // written but not yet forced to disk

	cps     *os.File
	last    *Checkpoint // newest checkpoint, nil if none
	days    *os.File
	dayList []dayStart
}

// tailHashes is about how many of the last written hashes a siteLog keeps in memory (at
// least this many, at most twice): enough for every subtree merged while adding a leaf
// but those of the top levels, which come once per 2^14 leaves or so.
const tailHashes = 1 << 15

// dayStart says where a day (UTC, "20060102", the storage's partition name) starts in a
// site log.
type dayStart struct {
	Day   string `json:"day"`
	First int64  `json:"first"`
}

// checkpointLine is one line of the checkpoints file.
type checkpointLine struct {
	Size int64  `json:"size"`
	Note string `json:"note"`
}

func openSiteLog(dir string, site int64) (*siteLog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := &siteLog{site: site, dir: dir}
	var err error
	if l.hashes, err = os.OpenFile(filepath.Join(dir, "hashes"), os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, err
	}
	st, err := l.hashes.Stat()
	if err != nil {
		return nil, err
	}
	// A crash can leave part of a record's hashes: keep only whole records.
	l.size = sizeForStored(st.Size() / tlog.HashSize)
	l.stored = tlog.StoredHashCount(l.size)
	if st.Size() != l.stored*tlog.HashSize {
		if err := l.hashes.Truncate(l.stored * tlog.HashSize); err != nil {
			return nil, err
		}
	}
	if l.cps, err = os.OpenFile(filepath.Join(dir, "checkpoints"), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600); err != nil {
		return nil, err
	}
	if err := eachJSONLine(l.cps, func(b []byte) error {
		var c checkpointLine
		if err := json.Unmarshal(b, &c); err != nil {
			return err
		}
		l.last = &Checkpoint{Size: c.Size, Note: c.Note}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("%s: %w", l.cps.Name(), err)
	}
	if l.days, err = os.OpenFile(filepath.Join(dir, "days"), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600); err != nil {
		return nil, err
	}
	if err := eachJSONLine(l.days, func(b []byte) error {
		var d dayStart
		if err := json.Unmarshal(b, &d); err != nil {
			return err
		}
		if d.First < l.size {
			l.dayList = append(l.dayList, d)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("%s: %w", l.days.Name(), err)
	}
	return l, nil
}

// eachJSONLine calls fn for each whole line of f; a torn last line (a crash while
// appending) is cut off.
func eachJSONLine(f *os.File, fn func([]byte) error) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 1<<16)
	var good int64
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(b) > 0 {
				return f.Truncate(good)
			}
			return nil
		} else if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		good += int64(len(b))
	}
}

// sizeForStored returns the largest tree size whose stored hashes fit in n hashes.
func sizeForStored(n int64) int64 {
	return int64(sort.Search(int(n)+2, func(i int) bool { return tlog.StoredHashCount(int64(i)) > n })) - 1
}

// ReadHashes implements tlog.HashReader over the file and the pending hashes.
func (l *siteLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x >= l.stored {
			if x-l.stored >= int64(len(l.pending)) {
				return nil, fmt.Errorf("hash %d beyond the tree", x)
			}
			out[i] = l.pending[x-l.stored]
			continue
		}
		if t := x - (l.stored - int64(len(l.tail))); t >= 0 {
			out[i] = l.tail[t]
			continue
		}
		if _, err := l.hashes.ReadAt(out[i][:], x*tlog.HashSize); err != nil {
			return nil, fmt.Errorf("read hash %d: %w", x, err)
		}
	}
	return out, nil
}

// add appends a leaf to the tree in memory; sync writes it.
func (l *siteLog) add(leaf tlog.Hash, day string) error {
	hs, err := tlog.StoredHashesForRecordHash(l.size, leaf, l)
	if err != nil {
		return err
	}
	l.pending = append(l.pending, hs...)
	if len(l.dayList) == 0 || l.dayList[len(l.dayList)-1].Day < day {
		d := dayStart{Day: day, First: l.size}
		b, _ := json.Marshal(d)
		if _, err := l.days.Write(append(b, '\n')); err != nil {
			return err
		}
		l.dayList = append(l.dayList, d)
	}
	l.size++
	return nil
}

// write writes the pending hashes to the file, without forcing them to disk: a
// record's leaf is durable once its journal entry is (recovery recomputes lost hashes from
// the journal), so Append does not wait for a second fsync. sync forces them; it runs
// before each checkpoint and before journal segments are dropped.
func (l *siteLog) write() error {
	if len(l.pending) == 0 {
		return nil
	}
	buf := make([]byte, 0, len(l.pending)*tlog.HashSize)
	for _, h := range l.pending {
		buf = append(buf, h[:]...)
	}
	if _, err := l.hashes.WriteAt(buf, l.stored*tlog.HashSize); err != nil {
		return fmt.Errorf("write hashes: %w", err)
	}
	l.stored += int64(len(l.pending))
	l.tail = append(l.tail, l.pending...)
	if len(l.tail) > 2*tailHashes {
		l.tail = l.tail[:copy(l.tail, l.tail[len(l.tail)-tailHashes:])]
	}
	l.pending = l.pending[:0]
	l.dirty = true
	return nil
}

// sync writes the pending hashes and forces them and the day index to disk.
func (l *siteLog) sync() error {
	if err := l.write(); err != nil {
		return err
	}
	if !l.dirty {
		return nil
	}
	if err := l.hashes.Sync(); err != nil {
		return fmt.Errorf("sync hashes: %w", err)
	}
	if err := l.days.Sync(); err != nil {
		return fmt.Errorf("sync days: %w", err)
	}
	l.dirty = false
	return nil
}

// root returns the tree hash of the first n records.
func (l *siteLog) root(n int64) (tlog.Hash, error) {
	if n == 0 {
		return tlog.Hash{}, nil
	}
	return tlog.TreeHash(n, l)
}

// leaf returns the stored leaf hash of record i.
func (l *siteLog) leaf(i int64) (tlog.Hash, error) {
	hs, err := l.ReadHashes([]int64{tlog.StoredHashIndex(0, i)})
	if err != nil {
		return tlog.Hash{}, err
	}
	return hs[0], nil
}

// checkpoint signs the current tree if it grew since the last checkpoint and appends it.
func (l *siteLog) checkpoint(k *Key, now time.Time) (*Checkpoint, error) {
	if l.last != nil && l.last.Size == l.size {
		return l.last, nil
	}
	if err := l.sync(); err != nil {
		return nil, err
	}
	root, err := l.root(l.size)
	if err != nil {
		return nil, err
	}
	c, err := k.Sign(l.site, l.size, root, now)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(checkpointLine{Size: c.Size, Note: c.Note})
	if _, err := l.cps.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("write checkpoint: %w", err)
	}
	if err := l.cps.Sync(); err != nil {
		return nil, fmt.Errorf("sync checkpoint: %w", err)
	}
	l.last = c
	return c, nil
}

// checkpoints returns every checkpoint of the log, oldest first.
func (l *siteLog) checkpoints() ([]checkpointLine, error) {
	var out []checkpointLine
	err := eachJSONLine(l.cps, func(b []byte) error {
		var c checkpointLine
		if err := json.Unmarshal(b, &c); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// dayRange returns the index range [first, end) of the records received on day.
func (l *siteLog) dayRange(day string) (int64, int64, bool) {
	for i, d := range l.dayList {
		if d.Day == day {
			end := l.size
			if i+1 < len(l.dayList) {
				end = l.dayList[i+1].First
			}
			return d.First, end, true
		}
	}
	return 0, 0, false
}

func (l *siteLog) close() error {
	err := l.sync()
	for _, f := range []*os.File{l.hashes, l.cps, l.days} {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

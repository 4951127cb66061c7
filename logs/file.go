package logs

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// MaxRecordSize is the longest record medsec reads, in bytes: RFC 5425 §4.3.1
// asks receivers to take at least 2048 and should take 8192; JSON lines and
// Windows events through syslog can be longer.
const MaxRecordSize = 1 << 20

// LineError is a record of a file or stream that could not be parsed.
type LineError struct {
	// Name is the file name or peer.
	Name string
	// Line is the 1-based line number in the file (0 for a stream).
	Line int
	// Err is the parse error.
	Err error
}

// Error returns "name:line: error".
func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err) }

// Unwrap returns the parse error.
func (e *LineError) Unwrap() error { return e.Err }

// ReadLines reads newline-separated records from r, gunzipping it first
// when it starts with the gzip magic bytes (RFC 1952 §2.3.1), parses each
// non-empty line with p as received at received and calls each with the
// record, or with a *LineError naming name and the line. It stops at the
// first error each returns, or a read error; a line longer than
// MaxRecordSize is a read error.
func ReadLines(r io.Reader, name string, received time.Time, p *Parser, each func(rec Record, err error) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: gzip: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), MaxRecordSize)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimRight(line, "\r\x00")) == 0 {
			continue
		}
		rec, err := p.Parse(bytes.Clone(line), received, name)
		if err != nil {
			err = &LineError{Name: name, Line: n, Err: err}
		}
		if err := each(rec, err); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s:%d: record longer than %d bytes", name, n+1, MaxRecordSize)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// rotatedSuffix matches the number logrotate and newsyslog add to rotated
// files: "syslog.1", "syslog.2.gz", "messages-20261129" (dateext).
var rotatedSuffix = regexp.MustCompile(`[.-](\d+)(\.gz)?$`)

// OrderRotated sorts log file paths oldest first, so records are imported in
// the order they were written: a file's rotations by number, highest
// (oldest) first and the live file last; dateext suffixes by date, oldest
// first. Files of different logs keep their relative order.
func OrderRotated(paths []string) []string {
	type item struct {
		path, base string
		rot        int64 // -1 for the live file
		date       bool
		pos        int
	}
	items := make([]item, len(paths))
	first := map[string]int{}
	for i, p := range paths {
		it := item{path: p, base: filepath.Clean(p), rot: -1, pos: i}
		if m := rotatedSuffix.FindStringSubmatchIndex(p); m != nil {
			n, _ := strconv.ParseInt(p[m[2]:m[3]], 10, 64)
			it.base, it.rot, it.date = p[:m[0]], n, m[3]-m[2] == 8
		}
		if _, ok := first[it.base]; !ok {
			first[it.base] = i
		}
		items[i] = it
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.base != b.base {
			return first[a.base] < first[b.base]
		}
		if (a.rot < 0) != (b.rot < 0) {
			return b.rot < 0 // live file last
		}
		if a.date {
			return a.rot < b.rot // dates: oldest first
		}
		return a.rot > b.rot // numbers: higher is older
	})
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.path
	}
	return out
}

// ImportStats counts what ImportFiles did.
type ImportStats struct {
	// Files is the number of files read.
	Files int
	// Records is the number of records appended to the sink.
	Records int
	// Errors holds the lines that could not be parsed (also appended, as
	// records with their raw bytes only, so nothing is lost).
	Errors []*LineError
}

// ImportFiles reads the log files at paths (plain or gzip, rotated ones in
// the order OrderRotated gives), parses each line with p and appends the
// records to sink in batches of batch records (1000 when batch is 0). A
// line that cannot be parsed is still appended, with its raw bytes, its
// format left empty and only "message" set, and reported in Errors. The
// receive time of a file's records is now; the file's modification time
// places RFC 3164 times, which carry no year. It stops at the first read or
// sink error.
func ImportFiles(ctx context.Context, sink Sink, p *Parser, paths []string, now time.Time, batch int) (ImportStats, error) {
	if batch <= 0 {
		batch = 1000
	}
	var st ImportStats
	for _, path := range OrderRotated(paths) {
		fh, err := os.Open(path)
		if err != nil {
			return st, fmt.Errorf("import logs: %w", err)
		}
		fi, err := fh.Stat()
		if err != nil {
			fh.Close()
			return st, fmt.Errorf("import logs: %w", err)
		}
		written := fi.ModTime()
		var buf []Record
		flush := func() error {
			if len(buf) == 0 {
				return nil
			}
			if err := sink.Append(ctx, buf); err != nil {
				return fmt.Errorf("import logs: %s: store: %w", path, err)
			}
			st.Records += len(buf)
			buf = buf[:0]
			return nil
		}
		err = ReadLines(fh, path, written, p, func(rec Record, perr error) error {
			var le *LineError
			if errors.As(perr, &le) {
				st.Errors = append(st.Errors, le)
				rec.Fields = map[string]any{"message": string(trimRecord(rec.Raw)), "error.message": le.Err.Error()}
			}
			rec.Received = now
			rec.Fields["log.file.path"] = path
			buf = append(buf, rec)
			if len(buf) >= batch {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		fh.Close()
		if err != nil {
			return st, err
		}
		st.Files++
	}
	return st, nil
}

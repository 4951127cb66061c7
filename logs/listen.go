package logs

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Listener receives syslog over UDP (RFC 5426), TCP (RFC 6587) and TLS
// (RFC 5425) and appends what it receives to Sink. Stream listeners push
// back when Sink fails: they stop reading the connection and retry, so the
// sender's TCP window fills and it buffers or blocks; nothing it sent is
// dropped. UDP cannot push back: what it cannot hand over is counted in
// Stats.UDPDropped.
type Listener struct {
	// Parser parses each message; its Format is usually FormatAuto.
	Parser *Parser
	// Sink receives the records; required.
	Sink Sink
	// Now is the clock of receive times; nil means time.Now.
	Now func() time.Time
	// Logger gets connection errors and sink failures; nil discards them.
	Logger *slog.Logger
	// Batch is the most records appended at once (500 when 0).
	Batch int
	// Stats counts what the listener did.
	Stats ListenerStats

	udpOnce sync.Once
	udpCh   chan Record
}

// ListenerStats are counters, safe to read while the listener runs.
type ListenerStats struct {
	// Received counts the records read from the network.
	Received atomic.Int64
	// Stored counts the records the sink accepted.
	Stored atomic.Int64
	// UDPDropped counts UDP datagrams lost because the queue was full or the
	// sink failed [000 日誌處理失效之回應: a storage failure is counted].
	UDPDropped atomic.Int64
	// SinkFailures counts failed Append calls (each is retried on streams).
	SinkFailures atomic.Int64
	// Connections is the number of open stream connections.
	Connections atomic.Int64
}

// ListenerCounts is a copy of a listener's counters at one moment.
type ListenerCounts struct {
	Received     int64 `json:"received"`
	Stored       int64 `json:"stored"`
	UDPDropped   int64 `json:"udp_dropped"`
	SinkFailures int64 `json:"sink_failures"`
	Connections  int64 `json:"connections"`
}

// Counts returns the counters now.
func (s *ListenerStats) Counts() ListenerCounts {
	return ListenerCounts{Received: s.Received.Load(), Stored: s.Stored.Load(), UDPDropped: s.UDPDropped.Load(),
		SinkFailures: s.SinkFailures.Load(), Connections: s.Connections.Load()}
}

func (l *Listener) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

func (l *Listener) log() *slog.Logger {
	if l.Logger != nil {
		return l.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (l *Listener) batch() int {
	if l.Batch > 0 {
		return l.Batch
	}
	return 500
}

// record parses raw; a message that cannot be parsed is still a record,
// with its raw bytes, "message" and "error.message", so nothing is lost.
func (l *Listener) record(raw []byte, peer string) Record {
	return l.recordAt(raw, peer, l.now())
}

// recordAt is record for raw received at at.
func (l *Listener) recordAt(raw []byte, peer string, at time.Time) Record {
	return l.Parser.Record(raw, at, peer)
}

// ServeUDP reads one syslog message per datagram (RFC 5426 §3.1) from conn
// until ctx ends or conn fails, and appends them to Sink from a queue of
// 64k records. It returns nil when ctx ends.
func (l *Listener) ServeUDP(ctx context.Context, conn net.PacketConn) error {
	l.udpOnce.Do(func() {
		l.udpCh = make(chan Record, 1<<16)
		go l.drainUDP(ctx)
	})
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	buf := make([]byte, 65536)
	for {
		n, addr, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("syslog udp: %w", err)
		}
		l.Stats.Received.Add(1)
		raw := make([]byte, n)
		copy(raw, buf[:n])
		select {
		case l.udpCh <- l.record(raw, addr.String()):
		default:
			l.Stats.UDPDropped.Add(1)
		}
	}
}

// drainUDP appends queued UDP records in batches; a failed batch is counted
// as dropped, since the senders cannot be told.
func (l *Listener) drainUDP(ctx context.Context) {
	var recs []Record
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-l.udpCh:
			recs = append(recs[:0], r)
		}
	fill:
		for len(recs) < l.batch() {
			select {
			case r := <-l.udpCh:
				recs = append(recs, r)
			default:
				break fill
			}
		}
		if err := l.Sink.Append(SourceIDContext(ctx, 0, "udp"), recs); err != nil {
			l.Stats.SinkFailures.Add(1)
			l.Stats.UDPDropped.Add(int64(len(recs)))
			l.log().Error("syslog udp: store failed, records lost", "records", len(recs), "err", err)
			continue
		}
		l.Stats.Stored.Add(int64(len(recs)))
	}
}

// ServeStream accepts connections on ln (plain TCP, or TLS when ln comes
// from tls.NewListener) and reads syslog frames from each until ctx ends.
// It returns nil when ctx ends.
func (l *Listener) ServeStream(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("syslog stream: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Stats.Connections.Add(1)
			defer l.Stats.Connections.Add(-1)
			if err := l.serveConn(ctx, c); err != nil && ctx.Err() == nil {
				l.log().Warn("syslog connection closed", "peer", c.RemoteAddr().String(), "err", err)
			}
		}()
	}
}

// serveConn reads frames from one connection. It appends what is buffered
// as one batch and reads on only once the sink has taken it.
func (l *Listener) serveConn(ctx context.Context, c net.Conn) error {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if tc, ok := c.(*tls.Conn); ok {
		hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			return fmt.Errorf("tls handshake: %w", err)
		}
	}
	peer := c.RemoteAddr().String()
	if _, ok := c.(*tls.Conn); ok {
		ctx = SourceIDContext(ctx, 0, "tls")
	} else {
		ctx = SourceIDContext(ctx, 0, "tcp")
	}
	// One goroutine reads and frames, parsing runs on every core (a chunk of frames a
	// goroutine), and one goroutine appends, in the order the frames came: while a batch
	// is being stored the next ones are read and parsed (up to 16 chunks ahead), so the
	// store's fsync stalls neither reading nor parsing. While the sink fails, the
	// appender retries, the queue stays full and the reader stops: the push-back.
	chunks := make(chan chan []Record, 16)
	appended := make(chan error, 1)
	go func() {
		appended <- l.appendChunks(ctx, chunks)
	}()
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	send := func(raws [][]byte, at []time.Time) error {
		parsed := make(chan []Record, 1)
		select {
		case chunks <- parsed:
		case <-ctx.Done():
			return ctx.Err()
		}
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			recs := make([]Record, len(raws))
			for i, raw := range raws {
				recs[i] = l.recordAt(raw, peer, at[i])
			}
			parsed <- recs
		}()
		return nil
	}
	finish := func(raws [][]byte, at []time.Time, readErr error) error {
		if len(raws) > 0 && ctx.Err() == nil {
			send(raws, at)
		}
		close(chunks)
		if err := <-appended; err != nil {
			return err
		}
		if errors.Is(readErr, io.EOF) {
			return nil
		}
		return readErr
	}
	fr := NewFrameReader(c)
	var raws [][]byte
	var at []time.Time
	for {
		raw, err := fr.Next()
		if err != nil {
			return finish(raws, at, err)
		}
		l.Stats.Received.Add(1)
		raws, at = append(raws, raw), append(at, l.now())
		if len(raws) >= l.batch() || fr.Buffered() == 0 {
			// A chunk's worth, or nothing more to read at once: hand it over.
			if err := send(raws, at); err != nil {
				return finish(nil, nil, err)
			}
			raws, at = nil, nil
		}
	}
}

// appendChunks appends the parsed chunks in order until chunks is closed, merging the
// chunks already parsed into one append of up to 8 batches. After a failed append it
// waits out the chunks still being parsed and returns the error.
func (l *Listener) appendChunks(ctx context.Context, chunks chan chan []Record) error {
	for c := range chunks {
		recs := <-c
		var merged []Record // room for the most merged at once: merging copies each chunk once
	merge:
		for len(recs) < 8*l.batch() {
			select {
			case c, ok := <-chunks:
				if !ok {
					break merge
				}
				if merged == nil {
					merged = append(make([]Record, 0, 9*l.batch()), recs...)
				}
				merged = append(merged, <-c...)
				recs = merged
			default:
				break merge
			}
		}
		if err := l.appendStream(ctx, recs); err != nil {
			for c := range chunks {
				<-c
			}
			return err
		}
	}
	return nil
}

// appendStream appends recs, retrying with back-off while the sink fails.
// Meanwhile the connection is not read: that is the push-back.
func (l *Listener) appendStream(ctx context.Context, recs []Record) error {
	wait := 100 * time.Millisecond
	for {
		err := l.Sink.Append(ctx, recs)
		if err == nil {
			l.Stats.Stored.Add(int64(len(recs)))
			return nil
		}
		l.Stats.SinkFailures.Add(1)
		l.log().Error("syslog stream: store failed, pushing back on the sender", "records", len(recs), "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// FrameReader splits a syslog stream into messages as RFC 6587 §3.4 does:
// a frame that starts with a digit is octet-counted ("LEN SP MSG", §3.4.1,
// the only framing RFC 5425 §4.3 allows), any other is non-transparent and
// ends at LF (§3.4.2). The choice is made per frame, as rsyslog does.
type FrameReader struct {
	br *bufio.Reader
}

// NewFrameReader returns a FrameReader reading r.
func NewFrameReader(r io.Reader) *FrameReader {
	return &FrameReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Buffered returns how many bytes are read but not yet returned.
func (f *FrameReader) Buffered() int { return f.br.Buffered() }

// Next returns the next message without its framing (a fresh slice). It
// returns io.EOF at a clean end of stream, io.ErrUnexpectedEOF inside a
// frame, and an error for a length that is not a number or above
// MaxRecordSize.
func (f *FrameReader) Next() ([]byte, error) {
	for {
		b, err := f.br.Peek(1)
		if err != nil {
			return nil, err
		}
		if b[0] == '\n' || b[0] == '\r' || b[0] == 0 {
			f.br.ReadByte() // blank line between frames
			continue
		}
		if b[0] >= '0' && b[0] <= '9' {
			return f.octetCounted()
		}
		return f.lineFramed()
	}
}

func (f *FrameReader) octetCounted() ([]byte, error) {
	n := 0
	for i := 0; ; i++ {
		c, err := f.br.ReadByte()
		if err != nil {
			return nil, io.ErrUnexpectedEOF
		}
		if c == ' ' && i > 0 {
			break
		}
		if c < '0' || c > '9' || i >= 7 {
			return nil, fmt.Errorf("rfc 6587: frame length is not a number below %d", MaxRecordSize)
		}
		n = n*10 + int(c-'0')
	}
	if n > MaxRecordSize {
		return nil, errors.New("rfc 6587: frame length " + strconv.Itoa(n) + " above the limit")
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(f.br, msg); err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	return msg, nil
}

func (f *FrameReader) lineFramed() ([]byte, error) {
	var msg []byte
	for {
		part, err := f.br.ReadSlice('\n')
		msg = append(msg, part...)
		if len(msg) > MaxRecordSize {
			return nil, fmt.Errorf("rfc 6587: line longer than %d bytes", MaxRecordSize)
		}
		if err == nil {
			return bytes.TrimRight(msg, "\r\n"), nil
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && len(msg) > 0 {
			return bytes.TrimRight(msg, "\r\n"), nil // last line without LF
		}
		return nil, err
	}
}

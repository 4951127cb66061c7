package detect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Event is one record of the detection stream. Its shape matches medsec.Event (ID, Time,
// Fields), so that the stream's events convert without copying.
type Event struct {
	// ID identifies the event (for alerts to point at it); may be empty in tests.
	ID string
	// Time is when the event happened; correlations order and window events by it.
	Time time.Time
	// Fields holds the event's data: flat keys ("process.command_line", "Image") and/or
	// nested maps ({"process": {"command_line": ...}}). Values are strings, numbers
	// (int, int64, float64, json.Number), booleans, nil, lists of those ([]any,
	// []string) or nested maps (map[string]any).
	Fields map[string]any
	// flat holds the members of an event decoded by Decoder.DecodeEvent while Fields is
	// nil: a JSON object none of whose members is an object and whose names are all
	// distinct, in the order read. Rules read it without a map being built for the event
	// (building it was most of the cost of decoding); Materialize builds Fields from it.
	flat []flatField
}

// flatField is one member of a flat event: its name and its value, strings and number
// literals kept as text (no value boxed in an interface until someone asks for it).
type flatField struct {
	name string
	text string // the string, or the number literal as written
	list *[]any // the elements of a list (a pointer: lists are rare, members many)
	kind uint8
}

// Kinds of flatField value.
const (
	kindString = iota
	kindNumber
	kindTrue
	kindFalse
	kindNull
	kindList
)

// value is the member's value as encoding/json with UseNumber gives it.
func (f *flatField) value() any {
	switch f.kind {
	case kindString:
		return f.text
	case kindNumber:
		return json.Number(f.text)
	case kindTrue:
		return true
	case kindFalse:
		return false
	case kindList:
		return *f.list
	}
	return nil
}

// scalarText is scalarText of the member's value, without boxing it.
func (f *flatField) scalarText() (string, bool) {
	switch f.kind {
	case kindString:
		return f.text, true
	case kindNumber:
		return canonicalNumber(f.text), true
	case kindTrue:
		return "true", true
	case kindFalse:
		return "false", true
	}
	return "", false
}

// Materialize gives an event decoded by Decoder.DecodeEvent its Fields map (the same map
// Decoder.Decode returns); an event that has Fields already is left as it is. The engine
// materializes every event a rule matches before reporting it, so Match.Event.Fields and
// Alert.Events[i].Fields are always set.
func (e *Event) Materialize() {
	if e.Fields != nil || e.flat == nil {
		return
	}
	m := make(map[string]any, len(e.flat))
	for i := range e.flat {
		m[e.flat[i].name] = e.flat[i].value()
	}
	e.Fields = m
}

// Lookup returns the value of a field: the flat key when present, otherwise the dotted
// path through nested maps ("process.parent.name"), otherwise false.
func (e *Event) Lookup(name string) (any, bool) {
	if e.Fields == nil && e.flat != nil {
		for i := range e.flat {
			if e.flat[i].name == name {
				return e.flat[i].value(), true
			}
		}
		return nil, false
	}
	if v, ok := e.Fields[name]; ok {
		return v, true
	}
	if !strings.Contains(name, ".") {
		return nil, false
	}
	return lookupNested(e.Fields, name)
}

func lookupNested(m map[string]any, name string) (any, bool) {
	for {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			v, ok := m[name]
			return v, ok
		}
		// A flat key with dots may sit at any level ("winlog.event_data" then "LogonType").
		if v, ok := m[name]; ok {
			return v, true
		}
		sub, ok := m[name[:i]].(map[string]any)
		if !ok {
			// Try longer prefixes holding dots themselves.
			for j := i + 1; j < len(name); j++ {
				if name[j] == '.' {
					if sub2, ok := m[name[:j]].(map[string]any); ok {
						return lookupNested(sub2, name[j+1:])
					}
				}
			}
			return nil, false
		}
		m, name = sub, name[i+1:]
	}
}

// NormalizeEvent returns the fields of a decoded JSON event as detection reads them. An
// event exported from the Windows event log (the evtx JSON form of evtx_dump and
// SigmaHQ's regression data: {"Event": {"System": ..., "EventData": ...}}) is flattened
// the way Sigma rules name Windows fields: EventData and UserData entries at the top,
// System's EventID, Channel, Computer, Level, Task, Opcode, Keywords, EventRecordID and
// Version, Provider_Name, Provider_Guid, and the time created. Any other object is
// returned as it is. The second result is the event time when the event states it
// (System.TimeCreated, "@timestamp", "timestamp" or "time", RFC 3339), else zero.
func NormalizeEvent(m map[string]any) (map[string]any, time.Time) {
	ev, ok := m["Event"].(map[string]any)
	if !ok || len(m) != 1 {
		return m, eventTime(m)
	}
	sys, _ := ev["System"].(map[string]any)
	out := map[string]any{}
	for _, part := range []string{"EventData", "UserData"} {
		d, ok := ev[part].(map[string]any)
		if !ok {
			continue
		}
		if part == "UserData" && len(d) == 1 {
			for _, inner := range d {
				if im, ok := inner.(map[string]any); ok {
					d = im
				}
			}
		}
		for k, v := range d {
			if k == "#attributes" {
				continue
			}
			out[k] = v
		}
	}
	var t time.Time
	if sys != nil {
		for _, k := range []string{"EventID", "Channel", "Computer", "Level", "Task", "Opcode", "Keywords", "EventRecordID", "Version"} {
			if v, ok := sys[k]; ok {
				if vm, ok := v.(map[string]any); ok {
					// EventID with attributes: {"#text": 4624, "#attributes": {...}}.
					v = vm["#text"]
				}
				out[k] = v
			}
		}
		if p, ok := sys["Provider"].(map[string]any); ok {
			if a, ok := p["#attributes"].(map[string]any); ok {
				if v, ok := a["Name"]; ok {
					out["Provider_Name"] = v
				}
				if v, ok := a["Guid"]; ok {
					out["Provider_Guid"] = v
				}
			}
		}
		if tc, ok := sys["TimeCreated"].(map[string]any); ok {
			if a, ok := tc["#attributes"].(map[string]any); ok {
				if s, ok := a["SystemTime"].(string); ok {
					t, _ = time.Parse(time.RFC3339Nano, s)
				}
			}
		}
		if sec, ok := sys["Security"].(map[string]any); ok {
			if a, ok := sec["#attributes"].(map[string]any); ok {
				if v, ok := a["UserID"]; ok {
					out["SecurityUserID"] = v
				}
			}
		}
	}
	return out, t
}

func eventTime(m map[string]any) time.Time {
	for _, k := range []string{"@timestamp", "timestamp", "time"} {
		if s, ok := m[k].(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}

// maxEventBytes bounds one JSON event read by ReadEvents and EventReader.
const maxEventBytes = 16 << 20

// ReadEvents reads all the events of r with an EventReader (see there) and returns them.
// Callers that can take events one at a time should use EventReader, which holds one
// event at a time instead of the whole input.
func ReadEvents(file string, r io.Reader, base time.Time) ([]Event, error) {
	er := NewEventReader(file, r, base)
	var out []Event
	for {
		e, err := er.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
}

// EventReader reads JSON events one at a time, as a stream: one object per line,
// objects one after another (as pretty-printed exports are), or one array of objects,
// in UTF-8 (a byte order mark is skipped; UTF-16 is refused). It holds one event (at most
// 16 MiB of JSON, larger is an error) and the read-ahead, never the whole input. Each
// event goes through NormalizeEvent; its ID is "file:LINE", the line its JSON starts on
// (counting from 1), or "file:LINE:COLUMN" (the byte column, from 1) when it does not
// start its line (an array, several objects on one line); its Time is the time it
// states, else base plus N milliseconds for the N-th event (from 0) so that the input
// order is kept. Errors name the file and the line where the bad JSON is.
type EventReader struct {
	file  string
	base  time.Time
	src   *lineCounter
	br    *bufio.Reader
	dec   *json.Decoder
	skip  int64 // bytes before the decoder's first (the BOM, leading blanks)
	n     int   // events read
	array bool
	start bool // the beginning has been read
	done  bool
}

// NewEventReader returns a reader of the events of r; file names it in IDs and errors.
func NewEventReader(file string, r io.Reader, base time.Time) *EventReader {
	src := &lineCounter{r: r, lastNL: -1}
	return &EventReader{file: file, base: base, src: src, br: bufio.NewReaderSize(src, 64<<10)}
}

// Count returns how many events have been read.
func (er *EventReader) Count() int { return er.n }

// Next returns the next event, or io.EOF after the last. Other errors name the file and
// line; the reader is not usable after one.
func (er *EventReader) Next() (*Event, error) {
	if er.done {
		return nil, io.EOF
	}
	if !er.start {
		if err := er.begin(); err != nil {
			er.done = true
			return nil, err
		}
	}
	var raw json.RawMessage
	if er.array {
		if !er.dec.More() {
			er.done = true
			if _, err := er.dec.Token(); err != nil {
				return nil, er.jsonErr(err)
			}
			// Nothing but blanks may follow the array.
			if _, err := er.dec.Token(); !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%s:%d: text after the array of events", er.file, er.src.line(er.skip+er.dec.InputOffset()))
			}
			return nil, io.EOF
		}
	}
	er.src.commit(er.skip + er.dec.InputOffset())
	err := er.dec.Decode(&raw)
	if errors.Is(err, io.EOF) && !er.array {
		er.done = true
		return nil, io.EOF
	}
	if err != nil {
		er.done = true
		return nil, er.jsonErr(err)
	}
	startAt := er.skip + er.dec.InputOffset() - int64(len(raw))
	if len(raw) > maxEventBytes {
		er.done = true
		return nil, fmt.Errorf("%s:%d: an event is larger than %d MiB", er.file, er.src.line(startAt), maxEventBytes>>20)
	}
	line, col := er.src.position(startAt)
	where := fmt.Sprintf("%s:%d", er.file, line)
	if col > 1 {
		where = fmt.Sprintf("%s:%d:%d", er.file, line, col)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		er.done = true
		return nil, fmt.Errorf("%s: an event must be a JSON object", where)
	}
	fields, t := NormalizeEvent(m)
	if t.IsZero() {
		t = er.base.Add(time.Duration(er.n) * time.Millisecond)
	}
	er.n++
	return &Event{ID: where, Time: t, Fields: fields}, nil
}

// begin reads the byte order mark and blanks before the first event and sees whether
// the events are an array.
func (er *EventReader) begin() error {
	er.start = true
	head, _ := er.br.Peek(3)
	if bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}) {
		return fmt.Errorf("%s: the file is UTF-16; save it as UTF-8", er.file)
	}
	if bytes.HasPrefix(head, []byte("\ufeff")) {
		er.br.Discard(3)
		er.skip = 3
	}
	for {
		c, err := er.br.ReadByte()
		if errors.Is(err, io.EOF) {
			er.done = true
			er.dec = json.NewDecoder(er.br)
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", er.file, err)
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			er.skip++
			continue
		}
		er.br.UnreadByte()
		er.array = c == '['
		break
	}
	er.dec = json.NewDecoder(er.br)
	if er.array {
		if _, err := er.dec.Token(); err != nil {
			return er.jsonErr(err)
		}
	}
	return nil
}

// jsonErr names the file and line of a decoding error.
func (er *EventReader) jsonErr(err error) error {
	if errors.Is(err, errEventTooLarge) {
		return fmt.Errorf("%s:%d: an event is larger than %d MiB", er.file, er.src.line(er.valueStart()), maxEventBytes>>20)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s:%d: the file ends inside the event that starts here", er.file, er.src.line(er.valueStart()))
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%s:%d: %w", er.file, er.src.line(er.skip+se.Offset-1), err)
	case errors.As(err, &te):
		return fmt.Errorf("%s:%d: %w", er.file, er.src.line(er.skip+te.Offset-1), err)
	}
	return fmt.Errorf("%s:%d: %w", er.file, er.src.line(er.skip+er.dec.InputOffset()), err)
}

// valueStart returns the offset of the value the decoder is reading: its input offset,
// past the blanks and the comma its buffer holds before the value.
func (er *EventReader) valueStart() int64 {
	off := er.skip + er.dec.InputOffset()
	buf := bufio.NewReader(er.dec.Buffered())
	for {
		c, err := buf.ReadByte()
		if err != nil || !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') {
			return off
		}
		off++
	}
}

// errEventTooLarge ends reading when one event's JSON passes maxEventBytes.
var errEventTooLarge = errors.New("event too large")

// lineCounter passes a reader through, noting where its newlines are, so that the line
// of an offset read can be told without keeping the text: newlines before the last
// committed offset (the end of the last event) are only counted. It refuses to read on
// when more than maxEventBytes (and the read-ahead) have been read since that offset.
type lineCounter struct {
	r         io.Reader
	read      int64   // bytes read
	committed int64   // where the event being read starts (or earlier)
	before    int     // newlines before nl[0] (or before committed when nl is empty)
	nl        []int64 // offsets of the newlines at or after committed
	lastNL    int64   // offset of the last newline before those (-1: none)
}

func (c *lineCounter) Read(p []byte) (int, error) {
	left := maxEventBytes + 1<<20 - (c.read - c.committed)
	if left <= 0 {
		return 0, errEventTooLarge
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			c.nl = append(c.nl, c.read+int64(i))
		}
	}
	c.read += int64(n)
	return n, err
}

// commit says that nothing before off will be asked about again.
func (c *lineCounter) commit(off int64) {
	if off <= c.committed {
		return
	}
	c.committed = off
	i := sort.Search(len(c.nl), func(i int) bool { return c.nl[i] >= off })
	c.before += i
	if i > 0 {
		c.lastNL = c.nl[i-1]
	}
	c.nl = append(c.nl[:0], c.nl[i:]...)
}

// line returns the 1-based line of a byte offset at or after the committed one.
func (c *lineCounter) line(off int64) int {
	l, _ := c.position(off)
	return l
}

// position returns the 1-based line and byte column of an offset at or after the
// committed one.
func (c *lineCounter) position(off int64) (int, int) {
	i := sort.Search(len(c.nl), func(i int) bool { return c.nl[i] >= off })
	col := off - c.lastNL
	if i > 0 {
		col = off - c.nl[i-1]
	}
	return 1 + c.before + i, int(col)
}

func jsonErrOffset(err error, dec *json.Decoder) int64 {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Offset
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Offset
	}
	return dec.InputOffset()
}

func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}

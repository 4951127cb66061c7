package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
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

// maxEventBytes bounds one JSON event read by ReadEvents.
const maxEventBytes = 16 << 20

// ReadEvents reads JSON events: one object per line, objects one after another (as
// pretty-printed exports are), or one array of objects. Each event goes through
// NormalizeEvent; its ID is "file:N" (N counting from 1) and its Time the time it states,
// else base plus N milliseconds so that the input order is kept. Errors name the file and
// the line where the bad JSON starts.
func ReadEvents(file string, r io.Reader, base time.Time) ([]Event, error) {
	const limit = 1 << 30
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s: larger than 1 GiB; split the events into smaller files", file)
	}
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return nil, fmt.Errorf("%s: the file is UTF-16; save it as UTF-8", file)
	}
	if bytes.HasPrefix(data, []byte("\ufeff")) {
		// A UTF-8 byte order mark: read as blanks, so that offsets and lines stay.
		data = append([]byte("   "), data[3:]...)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	var raws []json.RawMessage
	offsets := []int64{}
	if len(trimmed) > 0 && trimmed[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&raws); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, lineAt(data, jsonErrOffset(err, dec)), err)
		}
		for range raws {
			offsets = append(offsets, 0)
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(data))
		for {
			start := dec.InputOffset()
			var raw json.RawMessage
			err := dec.Decode(&raw)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, lineAt(data, jsonErrOffset(err, dec)), err)
			}
			raws = append(raws, raw)
			offsets = append(offsets, start)
		}
	}
	out := make([]Event, 0, len(raws))
	for i, raw := range raws {
		if len(raw) > maxEventBytes {
			return nil, fmt.Errorf("%s: event %d: larger than %d bytes", file, i+1, maxEventBytes)
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil || m == nil {
			where := fmt.Sprintf("%s: event %d", file, i+1)
			if offsets[i] > 0 || i == 0 {
				where = fmt.Sprintf("%s:%d", file, lineAt(data, offsets[i]+1))
			}
			return nil, fmt.Errorf("%s: an event must be a JSON object", where)
		}
		fields, t := NormalizeEvent(m)
		if t.IsZero() {
			t = base.Add(time.Duration(i) * time.Millisecond)
		}
		out = append(out, Event{ID: file + ":" + strconv.Itoa(i+1), Time: t, Fields: fields})
	}
	return out, nil
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

package detect

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"
)

// Decoder decodes JSON events, one object per call, into the fields detection reads
// (NormalizeEvent applied). The result is exactly what encoding/json with UseNumber
// gives — strings, json.Number, booleans, nil, []any and map[string]any — at several
// times its speed: it parses with github.com/valyala/fastjson (reusing the parse tree
// between calls), copies all the event's texts into one allocation and shares the
// field names between events. Lines fastjson reads more leniently than encoding/json
// (control characters, invalid UTF-8, \u escapes, number forms JSON forbids, nesting
// beyond fastjson's depth) are decoded by encoding/json instead, so that both accept
// and refuse the same input and give the same values (FuzzDecoder checks this).
//
// A Decoder is not safe for concurrent use: give each goroutine its own.
type Decoder struct {
	p fastjson.Parser
	// keys interns field names: name -> index in names; seen stamps, per name, the
	// event (gen) that last had it, so that a repeated name is noticed.
	keys  map[string]int32
	names []string
	seen  []uint32
	gen   uint32
	// last holds the field names (indices in names) of the previous event in the order
	// read, and nkey counts the names of this one: events of one source repeat their
	// names in one order, so most names are found by one comparison.
	last []int32
	nkey int
	// dup: a name occurred twice in the current object, or was not interned.
	dup bool
	// arena is the current event's text block: all its strings point into it.
	arena []byte
	num   []byte
}

// maxInternedKeys bounds the field names a Decoder shares between events.
const maxInternedKeys = 4096

// errSlowPath asks for the encoding/json decoder.
var errSlowPath = errors.New("slow path")

// Decode decodes one JSON object (surrounding white space allowed) and returns its
// fields as NormalizeEvent gives them, with the time the event states (zero when none).
// The values share no memory with line, which the caller may reuse. An error is
// encoding/json's (a *json.SyntaxError, or "an event must be a JSON object").
func (d *Decoder) Decode(line []byte) (map[string]any, time.Time, error) {
	m, err := d.fast(line)
	if errors.Is(err, errSlowPath) {
		m, err = decodeStd(line)
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	f, t := NormalizeEvent(m)
	return f, t, nil
}

// DecodeEvent is Decode returning an Event (no ID). A flat object — no member is an
// object, no name repeats, as log lines and Sysmon events are — is kept as a list of its
// members instead of a map: the engine reads it by position, and builds the map only for
// an event some rule matches (Event.Materialize). Any other line is decoded by Decode.
// Either way the event's fields, once materialized, are exactly Decode's
// (TestDecodeEventIsDecode, FuzzDecoder).
func (d *Decoder) DecodeEvent(line []byte) (Event, error) {
	if v, err := d.parse(line); err == nil {
		if flat, ok := d.flatObject(v, len(line)); ok {
			return Event{Time: flatTime(flat), flat: flat}, nil
		}
	}
	f, t, err := d.Decode(line)
	return Event{Time: t, Fields: f}, err
}

// flatObject reads a parsed object into flat members, or returns false when a member is
// an object, a name repeats or a number is not written as JSON allows.
func (d *Decoder) flatObject(v *fastjson.Value, size int) ([]flatField, bool) {
	o, _ := v.Object()
	ok := true
	d.startEvent(size)
	defer func() { d.arena = nil }()
	out := make([]flatField, 0, o.Len())
	o.Visit(func(k []byte, x *fastjson.Value) {
		if !ok {
			return
		}
		f := flatField{name: d.key(k)}
		switch x.Type() {
		case fastjson.TypeString:
			f.kind, f.text = kindString, d.text(x.GetStringBytes())
		case fastjson.TypeNumber:
			d.num = x.MarshalTo(d.num[:0])
			ok = validNumber(d.num)
			f.kind, f.text = kindNumber, d.text(d.num)
		case fastjson.TypeTrue:
			f.kind = kindTrue
		case fastjson.TypeFalse:
			f.kind = kindFalse
		case fastjson.TypeNull:
			f.kind = kindNull
		case fastjson.TypeArray:
			var l any
			if l, ok = d.value(x); ok {
				list := l.([]any)
				f.kind, f.list = kindList, &list
			}
		case fastjson.TypeObject:
			ok = false // not flat: Decode reads the line again
		}
		out = append(out, f)
	})
	if !ok || d.dup {
		return nil, false
	}
	return out, true
}

// flatTime is eventTime of a flat event.
func flatTime(flat []flatField) time.Time {
	for _, k := range []string{"@timestamp", "timestamp", "time"} {
		for i := range flat {
			if flat[i].name == k && flat[i].kind == kindString {
				if t, err := time.Parse(time.RFC3339Nano, flat[i].text); err == nil {
					return t
				}
			}
		}
	}
	return time.Time{}
}

// decodeStd is the reference decoder: encoding/json with UseNumber.
func decodeStd(line []byte) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if len(bytes.TrimLeft(line[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, errors.New("an event must be one JSON object")
	}
	if m == nil {
		return nil, errors.New("an event must be a JSON object")
	}
	return m, nil
}

// parse checks that fastjson reads line as encoding/json would and parses it: an object,
// or errSlowPath when encoding/json must decode the line.
func (d *Decoder) parse(line []byte) (*fastjson.Value, error) {
	// fastjson reads some text encoding/json refuses or reads otherwise: control
	// characters inside strings, invalid UTF-8, unknown escapes and \u escapes (lone
	// surrogates). Such a line goes to encoding/json.
	line = bytes.TrimRight(bytes.TrimLeft(line, " \t\r\n"), " \t\r\n")
	ascii := true
	for i := 0; i < len(line); i++ {
		// Eight bytes at a time while none is a control character, a backslash or
		// beyond ASCII (the usual case), then byte by byte.
		for i+8 <= len(line) && plainWord(binary.LittleEndian.Uint64(line[i:])) {
			i += 8
		}
		if i == len(line) {
			break
		}
		switch b := line[i]; {
		case b < 0x20:
			return nil, errSlowPath
		case b >= utf8.RuneSelf:
			ascii = false
		case b == '\\':
			i++
			if i == len(line) || bytes.IndexByte([]byte(`"\\/bfnrt`), line[i]) < 0 {
				return nil, errSlowPath
			}
		}
	}
	if !ascii && !utf8.Valid(line) {
		return nil, errSlowPath
	}
	v, err := d.p.ParseBytes(line)
	if err != nil || v.Type() != fastjson.TypeObject {
		return nil, errSlowPath
	}
	return v, nil
}

// plainWord reports whether none of the eight bytes of w is below 0x20, at or above
// 0x80, or a backslash (the classic "has a byte less than n" and "has a zero byte" tests).
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	lt20 := (w - ones*0x20) & ^w & highs
	bs := w ^ (ones * '\\')
	hasBS := (bs - ones) & ^bs & highs
	return (lt20 | hasBS | w&highs) == 0
}

// fast decodes line with fastjson, or returns errSlowPath when encoding/json must.
func (d *Decoder) fast(line []byte) (map[string]any, error) {
	v, err := d.parse(line)
	if err != nil {
		return nil, err
	}
	d.startEvent(len(line))
	m, ok := d.object(v)
	d.arena = nil
	if !ok {
		return nil, errSlowPath
	}
	return m, nil
}

// startEvent prepares the decoder for an event of size bytes: every text of the event
// (unescaped strings, number literals, new field names) is no longer than the line, so
// one block of that size holds them all.
func (d *Decoder) startEvent(size int) {
	if d.keys == nil {
		d.keys = map[string]int32{}
	}
	d.arena = make([]byte, 0, size)
	d.nkey = 0
	d.dup = false
	d.gen++
	if d.gen == 0 {
		clear(d.seen)
		d.gen = 1
	}
}

// key returns the interned field name k, noting (d.dup) a name seen before in this
// event or one beyond the interned set.
func (d *Decoder) key(k []byte) string {
	var id int32 = -1
	if d.nkey < len(d.last) && d.names[d.last[d.nkey]] == string(k) {
		id = d.last[d.nkey]
	} else if x, seen := d.keys[string(k)]; seen {
		id = x
	} else if len(d.names) < maxInternedKeys {
		id = int32(len(d.names))
		name := string(k) // its own allocation: names outlive the event's block
		d.names = append(d.names, name)
		d.seen = append(d.seen, 0)
		d.keys[name] = id
	}
	if id < 0 {
		d.dup = true
		d.nkey++
		return d.text(k)
	}
	if d.nkey < len(d.last) {
		d.last[d.nkey] = id
	} else if d.nkey < maxInternedKeys {
		d.last = append(d.last, id)
	}
	d.nkey++
	if d.seen[id] == d.gen {
		d.dup = true
	}
	d.seen[id] = d.gen
	return d.names[id]
}

func (d *Decoder) object(v *fastjson.Value) (map[string]any, bool) {
	o, _ := v.Object()
	m := make(map[string]any, o.Len())
	ok := true
	o.Visit(func(k []byte, x *fastjson.Value) {
		if !ok {
			return
		}
		key := d.key(k)
		var val any
		val, ok = d.value(x)
		m[key] = val
	})
	return m, ok
}

func (d *Decoder) value(x *fastjson.Value) (any, bool) {
	switch x.Type() {
	case fastjson.TypeString:
		return d.text(x.GetStringBytes()), true
	case fastjson.TypeNumber:
		d.num = x.MarshalTo(d.num[:0]) // the literal as written
		if !validNumber(d.num) {
			return nil, false
		}
		return json.Number(d.text(d.num)), true
	case fastjson.TypeTrue:
		return true, true
	case fastjson.TypeFalse:
		return false, true
	case fastjson.TypeNull:
		return nil, true
	case fastjson.TypeObject:
		return d.object(x)
	case fastjson.TypeArray:
		a, _ := x.Array()
		out := make([]any, len(a))
		for i, e := range a {
			var ok bool
			if out[i], ok = d.value(e); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// text copies b into the event's block and returns it as a string.
func (d *Decoder) text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		return string(b) // cannot happen (the block is as long as the line); be safe
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[start], len(b))
}

// validNumber reports whether n is a number as JSON writes it (RFC 8259 §6):
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(n []byte) bool {
	i := 0
	if i < len(n) && n[i] == '-' {
		i++
	}
	digits := func() int {
		s := i
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
		return i - s
	}
	switch {
	case i < len(n) && n[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(n) && n[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(n) && (n[i] == 'e' || n[i] == 'E') {
		i++
		if i < len(n) && (n[i] == '+' || n[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(n)
}

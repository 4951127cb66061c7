package vuln

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// notJSON returns the *InputError for a file whose JSON could not be read (what names the
// format, err is the reader's error). When the bytes are not well-formed JSON it names
// where they stop being so: the JSON pointer of the value being read (RFC 6901,
// "/document/tracking/revision_history/2") and the line and column (1-based; the column in
// characters), and says when the document simply ends too soon, as a truncated download
// does. Otherwise it reports err as it is.
func notJSON(file, what string, data []byte, err error) *InputError {
	if json.Valid(data) {
		return inputErr(file, "", "%s: %v", what, err)
	}
	where, off, reason := jsonFault(data)
	line, col := lineColumn(data, off)
	return inputErr(file, where, "%s: line %d, column %d: %s", what, line, col, reason)
}

// jsonFrame is one open object or array on the way to the fault.
type jsonFrame struct {
	object    bool
	key       string
	index     int // the array's element being read, -1 before the first
	expectKey bool
}

// jsonFault reads data token by token and returns the pointer of the value being read
// where it fails, the byte offset of the fault and why.
func jsonFault(data []byte) (pointer string, offset int64, reason string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*jsonFrame
	begin := func() {
		if n := len(stack); n > 0 && !stack[n-1].object {
			stack[n-1].index++
		}
	}
	end := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.object && f.key != "" && !f.expectKey:
				b.WriteString("/" + strings.ReplaceAll(strings.ReplaceAll(f.key, "~", "~0"), "/", "~1"))
			case !f.object && f.index >= 0:
				b.WriteString("/" + strconv.Itoa(f.index))
			}
		}
		if b.Len() == 0 {
			return "/"
		}
		return b.String()
	}
	done := false // a whole top-level value was read
	for {
		at := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			var se *json.SyntaxError
			switch {
			case errors.As(err, &se):
				return path(), se.Offset, se.Error()
			case errors.Is(err, io.EOF) && len(stack) == 0 && !done:
				return "/", int64(len(data)), "no JSON value"
			case errors.Is(err, io.EOF) && len(stack) == 0:
				return "/", int64(len(data)), err.Error()
			case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
				return path(), int64(len(data)), "the document ends before it is complete (truncated?)"
			}
			return path(), dec.InputOffset(), err.Error()
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			end()
			done = len(stack) == 0
			continue
		}
		if s, ok := tok.(string); ok && len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey {
			stack[len(stack)-1].key, stack[len(stack)-1].expectKey = s, false
			continue
		}
		if len(stack) == 0 && done {
			return "/", at, "text after the JSON value"
		}
		begin()
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &jsonFrame{object: d == '{', index: -1, expectKey: d == '{'})
			continue
		}
		end()
		done = len(stack) == 0
	}
}

// lineColumn returns the 1-based line and column (in characters) of a byte offset.
func lineColumn(data []byte, offset int64) (int, int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line := bytes.Count(before, []byte{'\n'}) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}

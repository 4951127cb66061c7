package logs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// parseJSON reads one JSON object. Nested objects become dotted names
// ({"host":{"name":"x"}} gives "host.name"), so a sender may write ECS either
// way. "@timestamp" (or, when absent, "timestamp" or "time") in RFC 3339
// becomes the record's time; the same time without its offset
// ("2026-12-01T08:00:00", or with a space for the T as RFC 3339 §5.6's note
// allows) is a wall-clock time read in loc, the zone of the sender's site, as
// syslog and CEF times without a zone are [issue 13 t13: such JSON times were
// refused or left as text, the record filed at its receive time]. An "@timestamp"
// that is no time ("", "Dec  2 22:19:00", "2026-13-45T00:00:00Z") is left out and
// named in "error.message": the record is kept and read at its receive time.
// Integers stay int, other numbers float64.
func parseJSON(line []byte, loc *time.Location) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("json: byte %d: %w", se.Offset, err)
		}
		return nil, fmt.Errorf("json: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("json: byte %d: more than one value on the line", dec.InputOffset())
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("json: the line is not a JSON object")
	}
	f := make(map[string]any, len(obj))
	flattenJSON(f, "", obj)
	for _, k := range []string{"@timestamp", "timestamp", "time"} {
		s, ok := f[k].(string)
		if !ok {
			continue
		}
		t, err := parseJSONTime(s, loc)
		if err != nil {
			if k == "@timestamp" {
				// Kept, read at its receive time, with the reason [bt13h M3: one such
				// line refused the whole ingest body]; the raw line keeps the text.
				delete(f, k)
				addError(f, fmt.Sprintf("json: @timestamp: %q is not an RFC 3339 time; the record is read at its receive time", s))
				break
			}
			continue
		}
		delete(f, k)
		f["@timestamp"] = t
		break
	}
	return f, nil
}

// addError adds msg to the record's "error.message", after what is there.
func addError(f map[string]any, msg string) {
	if prev, ok := f["error.message"].(string); ok && prev != "" {
		msg = prev + "; " + msg
	}
	f["error.message"] = msg
}

// jsonLocalLayouts are the times without an offset parseJSON reads in the sender's zone.
var jsonLocalLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}

// parseJSONTime reads s as an RFC 3339 time, else as one of jsonLocalLayouts in loc.
func parseJSONTime(s string, loc *time.Location) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err == nil {
		return t, nil
	}
	if len(s) > 10 && s[10] == ' ' {
		if t, err2 := time.Parse(time.RFC3339Nano, s[:10]+"T"+s[11:]); err2 == nil {
			return t, nil
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range jsonLocalLayouts {
		if t, err2 := time.ParseInLocation(layout, s, loc); err2 == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// flattenJSON copies obj into f under dotted names.
func flattenJSON(f map[string]any, prefix string, obj map[string]any) {
	for k, v := range obj {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		switch x := v.(type) {
		case map[string]any:
			flattenJSON(f, name, x)
		case json.Number:
			if n, err := x.Int64(); err == nil && !strings.ContainsAny(x.String(), ".eE") {
				f[name] = int(n)
			} else if fl, err := x.Float64(); err == nil {
				f[name] = fl
			}
		case nil:
		default:
			f[name] = x
		}
	}
}

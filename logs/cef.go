package logs

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cefHeaderNames are the Fields names of the seven CEF header fields after
// "CEF:" (ArcSight CEF Implementation Standard, "Header").
var cefHeaderNames = [7]string{"cef.version", "cef.device_vendor", "cef.device_product",
	"cef.device_version", "cef.device_event_class_id", "cef.name", "cef.severity"}

// cefECS maps CEF extension keys to ECS fields. Values that ECS types as
// numbers are converted; every extension is also kept as a string under
// "cef.extensions.<key>".
var cefECS = map[string]string{
	"src": "source.ip", "dst": "destination.ip", "spt": "source.port", "dpt": "destination.port",
	"shost": "source.domain", "dhost": "destination.domain", "smac": "source.mac", "dmac": "destination.mac",
	"suser": "source.user.name", "duser": "destination.user.name",
	"act": "event.action", "outcome": "event.outcome", "reason": "event.reason", "externalId": "event.id",
	"msg": "message", "proto": "network.transport", "app": "network.protocol",
	"dvc": "observer.ip", "dvchost": "observer.hostname", "dvcmac": "observer.mac",
	"request": "url.original", "requestMethod": "http.request.method",
	"fname": "file.name", "filePath": "file.path", "fsize": "file.size",
	"dproc": "process.name", "dpid": "process.pid",
	"rt": "@timestamp", "start": "event.start", "end": "event.end",
}

// cefNumeric are the ECS fields cefECS fills with integers.
var cefNumeric = map[string]bool{"source.port": true, "destination.port": true, "file.size": true, "process.pid": true}

// parseCEF reads a CEF record that starts with "CEF:". Header fields are
// split at unescaped '|' ("\|" and "\\" are escapes there); the extension is
// key=value pairs where a value runs to the space before the next key and
// "\=", "\\", "\n" and "\r" are escapes (CEF Implementation Standard,
// "Character encoding"). loc is the zone of times that carry none.
func parseCEF(line []byte, loc *time.Location) (map[string]any, error) {
	s, ok := strings.CutPrefix(string(line), "CEF:")
	if !ok {
		return nil, errors.New("cef: record does not start with \"CEF:\"")
	}
	var header [7]string
	n := 0
	var b strings.Builder
	escaped := false // b holds the field (it had an escape); else it is s[start:i]
	start, i := 0, 0
	for ; i < len(s) && n < 7; i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '|' || s[i+1] == '\\'):
			if !escaped {
				b.WriteString(s[start:i])
				escaped = true
			}
			b.WriteByte(s[i+1])
			i++
		case c == '|':
			if escaped {
				header[n] = b.String()
				b.Reset()
				escaped = false
			} else {
				header[n] = s[start:i]
			}
			start = i + 1
			n++
		default:
			if escaped {
				b.WriteByte(c)
			}
		}
	}
	if n < 7 {
		return nil, fmt.Errorf("cef: header has %d of 7 fields separated by '|' (version|vendor|product|version|class id|name|severity)", n)
	}
	if _, err := strconv.Atoi(header[0]); err != nil {
		return nil, fmt.Errorf("cef: version %q is not a number", header[0])
	}
	f := make(map[string]any, 40)
	for k, v := range header {
		f[cefHeaderNames[k]] = v
	}
	f["observer.vendor"] = header[1]
	f["observer.product"] = header[2]
	f["observer.version"] = header[3]
	f["event.code"] = header[4]
	if sev, err := strconv.Atoi(header[6]); err == nil {
		f["event.severity"] = sev
	}
	ext := parseCEFExtension(s[i:])
	for j, e := range ext {
		k, v := e.key, e.value
		if slices.ContainsFunc(ext[:j], func(l cefPair) bool { return l.key == k }) {
			continue // read with the key's first occurrence
		}
		// A key given more than once (a device listing several addresses, users or
		// categories) is multi-valued: its values in order, as a list, so that a rule
		// matches any of them as it matches an element of a JSON list [issue 13].
		var vals []string
		for _, l := range ext[j+1:] {
			if l.key == k {
				if vals == nil {
					vals = []string{v}
				}
				vals = append(vals, l.value)
			}
		}
		field := "cef.extensions." + k
		if name, ok := cefExtensionNames[k]; ok {
			field = name
		}
		if vals != nil {
			f[field] = vals
		} else {
			f[field] = v
		}
		name, ok := cefECS[k]
		if !ok {
			continue
		}
		if vals != nil {
			setCEFList(f, name, vals, loc)
			continue
		}
		if v != "" {
			setCEFValue(f, name, v, loc)
		}
	}
	if u, ok := f["source.user.name"]; ok {
		f["user.name"] = u
	} else if u, ok := f["destination.user.name"]; ok {
		f["user.name"] = u
	}
	if _, ok := f["message"]; !ok && header[5] != "" {
		f["message"] = header[5]
	}
	return f, nil
}

// setCEFValue sets the ECS field name from the CEF extension value v (not empty):
// numbers and times converted (a value that does not convert is left out), protocol
// names in lower case.
func setCEFValue(f map[string]any, name, v string, loc *time.Location) {
	switch {
	case cefNumeric[name]:
		if n, err := strconv.Atoi(v); err == nil {
			f[name] = n
		}
	case name == "@timestamp" || name == "event.start" || name == "event.end":
		if t, ok := parseCEFTime(v, loc); ok {
			f[name] = t
		}
	case name == "network.transport" || name == "network.protocol":
		f[name] = strings.ToLower(v)
	default:
		f[name] = v
	}
}

// setCEFList sets the ECS field name from the values of a repeated extension key: a
// time or number field, which holds one value, takes the last value that converts; a
// text field takes the non-empty values as a list ([]string, one element kept as a
// list too, since the record said the field is multi-valued).
func setCEFList(f map[string]any, name string, vals []string, loc *time.Location) {
	if cefNumeric[name] || name == "@timestamp" || name == "event.start" || name == "event.end" {
		for _, v := range vals {
			if v != "" {
				setCEFValue(f, name, v, loc)
			}
		}
		return
	}
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if v == "" {
			continue
		}
		if name == "network.transport" || name == "network.protocol" {
			v = strings.ToLower(v)
		}
		out = append(out, v)
	}
	if len(out) > 0 {
		f[name] = out
	}
}

// parseCEFExtension splits a CEF extension into its keys and unescaped
// values. A key is a run of letters, digits, '_', '.', '-', '[' or ']'
// directly before an unescaped '=' and after a space or the start; an '='
// after anything else (a URL's query, say) stays inside the value.
func parseCEFExtension(s string) []cefPair {
	type kv struct{ keyStart, eq int }
	var keys []kv
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] != '=' {
			continue
		}
		ks := strings.LastIndexByte(s[:i], ' ') + 1
		if len(keys) > 0 && ks <= keys[len(keys)-1].eq {
			continue // no space since the last key: part of a value
		}
		if ks == i || !isCEFKey(s[ks:i]) {
			continue
		}
		keys = append(keys, kv{ks, i})
	}
	out := make([]cefPair, len(keys))
	for j, k := range keys {
		end := len(s)
		if j+1 < len(keys) {
			end = keys[j+1].keyStart
		}
		v := strings.Trim(s[k.eq+1:end], " ")
		out[j] = cefPair{s[k.keyStart:k.eq], unescapeCEFValue(v)}
	}
	return out
}

// cefPair is one key=value of a CEF extension, the value unescaped.
type cefPair struct{ key, value string }

// cefExtensionNames are the Fields names of the extension keys cefECS maps, made once.
var cefExtensionNames = func() map[string]string {
	m := make(map[string]string, len(cefECS))
	for k := range cefECS {
		m[k] = "cef.extensions." + k
	}
	return m
}()

// isCEFKey reports whether s can be a CEF extension key.
func isCEFKey(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '.' || c == '-' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// unescapeCEFValue undoes the extension value escapes \= \\ \n \r.
func unescapeCEFValue(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			switch v[i+1] {
			case '=', '\\', '|':
				b.WriteByte(v[i+1])
				i++
				continue
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case 'r':
				b.WriteByte('\r')
				i++
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// cefTimeLayouts are the time formats the CEF standard allows for rt,
// start and end, besides milliseconds since 1970.
var cefTimeLayouts = []string{
	"Jan 02 2006 15:04:05.000 -07:00", "Jan 02 2006 15:04:05 -07:00",
	"Jan 02 2006 15:04:05.000 MST", "Jan 02 2006 15:04:05 MST",
	"Jan 02 2006 15:04:05.000", "Jan 02 2006 15:04:05",
	time.RFC3339Nano,
}

// parseCEFTime reads a CEF time value; loc is the zone of times without one.
func parseCEFTime(v string, loc *time.Location) (time.Time, bool) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	v = strings.Replace(v, " GMT+", " +", 1)
	v = strings.Replace(v, " GMT-", " -", 1)
	for _, l := range cefTimeLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

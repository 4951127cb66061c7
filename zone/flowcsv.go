package zone

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ParseError is one bad field of an input file, located by line and column (both 1-based).
// The column counts fields, as a spreadsheet does, except for CSV syntax errors (a stray
// quote), where it is the byte position in the line that encoding/csv reports.
type ParseError struct {
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Field  string `json:"field,omitempty"`
	Err    error  `json:"-"`
}

// Error implements the error interface.
func (e *ParseError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("line %d, column %d (%s): %v", e.Line, e.Column, e.Field, e.Err)
	}
	return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
}

// MarshalJSON writes the position, the field and the message, for API responses.
func (e *ParseError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Line    int    `json:"line"`
		Column  int    `json:"column"`
		Field   string `json:"field,omitempty"`
		Message string `json:"message"`
	}{e.Line, e.Column, e.Field, e.Err.Error()})
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// ImportError is every problem of an input file, up to a limit; an import with any problem
// imports nothing.
type ImportError struct {
	Source string        `json:"source"`
	Errors []*ParseError `json:"errors"`
	// More is true when problems past the limit were not listed.
	More bool `json:"more,omitempty"`
}

// Error implements the error interface.
func (e *ImportError) Error() string {
	var parts []string
	for i, pe := range e.Errors {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Errors)-5))
			break
		}
		parts = append(parts, pe.Error())
	}
	return e.Source + ": " + strings.Join(parts, "; ")
}

// maxImportErrors bounds the problems one import lists.
const maxImportErrors = 100

// Flow CSV columns. src, dst and proto are required; the header names them in any order and
// any letter case; unknown columns are ignored.
var flowColumns = []string{"src", "dst", "proto", "port", "app", "first_seen", "last_seen", "packets", "bytes"}

var flowColumnAliases = map[string]string{
	"source": "src", "src_ip": "src", "destination": "dst", "dst_ip": "dst", "protocol": "proto",
	"dport": "port", "dst_port": "port", "application": "app", "first": "first_seen", "last": "last_seen",
}

// ParseFlowsCSV reads flows from CSV with a header row naming the columns src, dst, proto,
// port, app, first_seen, last_seen, packets and bytes (aliases: source, destination,
// protocol, dport, dst_port, ...). Times are RFC 3339 or Unix seconds. TCP and UDP flows
// need a port from 1 to 65535; other protocols none. The import is all-or-nothing: any bad
// field returns a *ImportError listing every problem (up to 100) by line and column.
func ParseFlowsCSV(r io.Reader) ([]Flow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	ie := &ImportError{Source: "flows csv"}
	fail := func(line, col int, field string, err error) {
		if len(ie.Errors) >= maxImportErrors {
			ie.More = true
			return
		}
		ie.Errors = append(ie.Errors, &ParseError{Line: line, Column: col, Field: field, Err: err})
	}
	header, err := cr.Read()
	if err == io.EOF {
		fail(1, 1, "", errors.New("no header row"))
		return nil, ie
	}
	if err != nil {
		return nil, csvError(ie, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if a, ok := flowColumnAliases[h]; ok {
			h = a
		}
		if !slices.Contains(flowColumns, h) {
			continue
		}
		if _, dup := col[h]; dup {
			fail(1, i+1, h, errors.New("column named twice"))
			continue
		}
		col[h] = i
	}
	for _, req := range []string{"src", "dst", "proto"} {
		if _, ok := col[req]; !ok {
			fail(1, len(header)+1, req, errors.New("required column missing"))
		}
	}
	if len(ie.Errors) > 0 {
		return nil, ie
	}
	var flows []Flow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(ie, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		get := func(name string) (string, int, bool) {
			i, ok := col[name]
			if !ok {
				return "", 0, false
			}
			if i >= len(rec) {
				return "", i + 1, true
			}
			l, _ := cr.FieldPos(i)
			line = l
			return strings.TrimSpace(rec[i]), i + 1, true
		}
		var f Flow
		bad := false
		addr := func(name string) netip.Addr {
			s, c, _ := get(name)
			a, err := netip.ParseAddr(s)
			if err == nil && a.Zone() != "" {
				err = errors.New("zoned address")
			}
			if err != nil {
				fail(line, c, name, fmt.Errorf("%q is not an IP address", s))
				bad = true
				return netip.Addr{}
			}
			return a.Unmap()
		}
		f.Src, f.Dst = addr("src"), addr("dst")
		ps, pc, _ := get("proto")
		f.Proto = NormalizeProtocol(ps)
		protoBad := !validProtoName(string(f.Proto)) || f.Proto == ProtoAny
		if protoBad {
			fail(line, pc, "proto", fmt.Errorf("%q is not a protocol", ps))
			bad = true
		}
		if s, c, ok := get("port"); ok && s != "" && s != "0" {
			p, err := parsePort(s)
			if err != nil {
				fail(line, c, "port", err)
				bad = true
			} else if pcl := protoClass(f.Proto); pcl > 1 && !protoBad {
				fail(line, c, "port", fmt.Errorf("protocol %s has no ports", f.Proto))
				bad = true
			}
			f.Port = p
		}
		if pcl := protoClass(f.Proto); pcl <= 1 && f.Port == 0 && !bad {
			_, c, ok := get("port")
			if !ok {
				c = len(rec) + 1
			}
			fail(line, c, "port", fmt.Errorf("%s flow needs a destination port", f.Proto))
			bad = true
		}
		if s, c, ok := get("app"); ok && s != "" {
			if !validProtoName(strings.ToLower(s)) {
				fail(line, c, "app", fmt.Errorf("%q is not an application protocol name", s))
				bad = true
			}
			f.App = strings.ToLower(s)
		}
		for _, tf := range []struct {
			name string
			dst  *time.Time
		}{{"first_seen", &f.FirstSeen}, {"last_seen", &f.LastSeen}} {
			if s, c, ok := get(tf.name); ok && s != "" {
				t, err := parseTime(s)
				if err != nil {
					fail(line, c, tf.name, err)
					bad = true
				}
				*tf.dst = t
			}
		}
		if !f.FirstSeen.IsZero() && !f.LastSeen.IsZero() && f.LastSeen.Before(f.FirstSeen) {
			_, c, _ := get("last_seen")
			fail(line, c, "last_seen", errors.New("before first_seen"))
			bad = true
		}
		for _, nf := range []struct {
			name string
			dst  *uint64
		}{{"packets", &f.Packets}, {"bytes", &f.Bytes}} {
			if s, c, ok := get(nf.name); ok && s != "" {
				n, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					fail(line, c, nf.name, fmt.Errorf("%q is not a count", s))
					bad = true
				}
				*nf.dst = n
			}
		}
		if !bad {
			flows = append(flows, f)
		}
	}
	if len(ie.Errors) > 0 {
		return nil, ie
	}
	return flows, nil
}

func csvError(ie *ImportError, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if len(ie.Errors) < maxImportErrors {
			ie.Errors = append(ie.Errors, &ParseError{Line: pe.Line, Column: pe.Column, Err: pe.Err})
		}
		return ie
	}
	return fmt.Errorf("flows csv: %w", err)
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && n < 1<<40 {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time or Unix seconds", s)
}

// validProtoName accepts short lower-case tokens: "tcp", "gre", "47", "dicom", "hl7".
func validProtoName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

package vuln

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTruncatedCSAF cuts a real ICSMA advisory at several places, as a broken download
// does, and checks the refusal names the file, the JSON pointer of the value being read
// there and the line and column where the document ends.
func TestTruncatedCSAF(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "shared", "data", "vuln", "csaf-icsma", "icsma-17-255-01.json"))
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	for _, tt := range []struct {
		after, where string
	}{
		{`"revision_history": [`, "/document/tracking/revision_history"},
		{`"product_tree": {`, "/product_tree"},
		{`"cve": "CVE-2017-96`, "/vulnerabilities/0/cve"},
		{`"vulnerabilities": [`, "/vulnerabilities"},
	} {
		i := bytes.Index(data, []byte(tt.after))
		if i < 0 {
			t.Fatalf("%q not in the advisory", tt.after)
		}
		cut := data[:i+len(tt.after)]
		_, err := ParseCSAF("icsma.json", cut)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("cut after %q: %v", tt.after, err)
		}
		lines := bytes.Count(cut, []byte{'\n'}) + 1
		col := len([]rune(string(cut[bytes.LastIndexByte(cut, '\n')+1:]))) + 1
		want := fmt.Sprintf("line %d, column %d", lines, col)
		if ie.File != "icsma.json" || !strings.HasPrefix(ie.Where, tt.where) || !strings.Contains(ie.Reason, want) || !strings.Contains(ie.Reason, "truncated") {
			t.Errorf("cut after %q: %v; want %s at %s", tt.after, err, tt.where, want)
		}
	}
	// A character that breaks the syntax in the middle: its own line and column.
	i := bytes.Index(data, []byte(`"category": "`))
	bad := append(append(append([]byte{}, data[:i+len(`"category"`)]...), ';'), data[i+len(`"category":`):]...)
	_, err = ParseCSAF("icsma.json", bad)
	line := bytes.Count(data[:i], []byte{'\n'}) + 1
	col := len([]rune(string(data[bytes.LastIndexByte(data[:i], '\n')+1:i]))) + len(`"category"`) + 1
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d, column %d", line, col)) {
		t.Errorf("bad character: %v, want line %d, column %d", err, line, col)
	}
}

// TestJSONFault: pointers of arrays, escaped keys, empty input and text after a value.
func TestJSONFault(t *testing.T) {
	for _, tt := range []struct{ in, where, reason string }{
		{`{"a": [1, {"b/c": tru`, "/a/1/b~1c", "truncated"},
		{`{"a": [1, 2`, "/a/1", "truncated"},
		{``, "/", "no JSON value"},
		{`{"a": 1} x`, "/", "invalid character"},
		{`{"a": 1} {}`, "/", "text after"},
		{`[1,,2]`, "/0", "invalid character"},
	} {
		where, _, reason := jsonFault([]byte(tt.in))
		if where != tt.where || !strings.Contains(reason, tt.reason) {
			t.Errorf("%q: %s %q, want %s %q", tt.in, where, reason, tt.where, tt.reason)
		}
	}
}

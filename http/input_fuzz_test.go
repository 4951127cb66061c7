package http

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"medsec"
)

// FuzzCheckJSONText: checkJSONText flags a valid JSON document exactly when one of its
// strings or keys holds a character medsec.BadRune refuses (tab and line breaks allowed)
// or its raw text is not UTF-8, and never panics on any input. Seeds are in
// testdata/fuzz/FuzzCheckJSONText.
func FuzzCheckJSONText(f *testing.F) {
	f.Add([]byte(`{"name": "CT-01", "ips": ["10.0.0.1"], "n": 3, "ok": true, "x": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fe := checkJSONText(data)
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		want := !utf8.Valid(data) || hasBadText(v)
		if (fe != nil) != want {
			t.Errorf("checkJSONText(%q) = %v, want flagged %v", data, fe, want)
		}
	})
}

func hasBadText(v any) bool {
	switch x := v.(type) {
	case string:
		_, bad := medsec.BadRune(x, true)
		return bad
	case []any:
		for _, e := range x {
			if hasBadText(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if _, bad := medsec.BadRune(k, true); bad || hasBadText(e) {
				return true
			}
		}
	}
	return false
}

// TestCheckJSONTextPath: the field named is the path to the bad string.
func TestCheckJSONTextPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"name": "a\u0000"}`, "name"},
		{`{"a": {"b": [1, "x", "y\u0001"]}}`, "a.b[2]"},
		{`{"a": [{"b": "ok"}, {"c": "\u007f"}]}`, "a[1].c"},
		{`{"list": [], "k\u0002": 1}`, "k?"},
		{`"\u0003"`, "body"},
		{"{\"name\": \"\xff\"}", "name"},
		{`{"notes": "line\r\n\tline"}`, ""},
	}
	for _, tt := range tests {
		got := ""
		if fe := checkJSONText([]byte(tt.in)); fe != nil {
			got = fe.Field
		}
		if got != tt.want {
			t.Errorf("checkJSONText(%s) names %q, want %q", tt.in, got, tt.want)
		}
	}
}

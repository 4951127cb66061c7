package detect

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestParseErrorsCarryKeys: problems of each kind carry a message key of MessageKeys and
// their values as text, beside the English message.
func TestParseErrorsCarryKeys(t *testing.T) {
	head := "title: t\nid: 929a690e-bef0-4204-a928-ef5e620d6fcc\nlogsource: {product: p}\n"
	for _, c := range []struct {
		src, key string
		args     []string
	}{
		{head + "detection:\n  s: {a|contanis: 1}\n  condition: s\n", "sigma.err.unknown_modifier", []string{"contanis"}},
		{head + "level: severe\ndetection:\n  s: {a: 1}\n  condition: s\n", "sigma.err.level", []string{"severe"}},
		{head + "detection:\n  s: {a: 1}\n  condition: s and (x\n", "sigma.err.cond.missing_paren", []string{"9"}},
		{head + "detection:\n  s: {a: 1}\n  condition: s + x\n", "sigma.err.cond.char", []string{"3", "+"}},
		{head + "detection:\n  s: {a: 1}\n  condition: s and other\n", "sigma.err.not_identifier", []string{"other"}},
		{head + "detection:\n  s: {a|contains|startswith: 1}\n  condition: s\n", "sigma.err.modifiers_combined", []string{"contains|startswith"}},
		{head + "detection:\n  s: {a|re: '(x'}\n  condition: s\n", "sigma.err.bad_regex", nil},
		{head + "detection:\n  s: {a|gt: many}\n  condition: s\n", "sigma.err.needs_number", []string{"gt", "many"}},
		{"title: c\ncorrelation: {type: event_count, rules: [x], timespan: 5 minutes, condition: {gte: 2}}\n", "sigma.err.timespan_form", []string{"5 minutes"}},
		{"title: c\ncorrelation: {type: sum, rules: [x], timespan: 5m, condition: {gte: 2}}\n", "sigma.err.corr_type", []string{"sum"}},
		{"title: c\ncorrelation: {type: event_count, rules: [x], timespan: 5m, condition: {gt: 4, lt: 5}}\n", "sigma.err.empty_range", []string{"gt", "4", "lt", "5"}},
		{"title: [\n", "sigma.err.yaml", nil},
		{"logsource: {product: p}\ndetection:\n  s: {a: 1}\n  condition: s\n", "sigma.err.required", nil},
	} {
		rules, err := ParseRules("r.yml", []byte(c.src))
		if err == nil {
			_, err = NewEngine(rules, Options{})
		}
		var pe *ParseError
		var list ErrorList
		switch {
		case errors.As(err, &list) && len(list) > 0:
			pe = list[0]
		case errors.As(err, &pe):
		default:
			t.Errorf("%q: error %v, want a ParseError", c.src, err)
			continue
		}
		if pe.Key != c.key || (c.args != nil && !slices.Equal(pe.Args, c.args)) {
			t.Errorf("%q: key %q args %q, want %q %q (%v)", c.src, pe.Key, pe.Args, c.key, c.args, pe)
		}
		if !slices.Contains(MessageKeys(), pe.Key) || strings.Contains(pe.Msg, "sigma.err") {
			t.Errorf("%q: key %q not listed, or message %q", c.src, pe.Key, pe.Msg)
		}
	}
}

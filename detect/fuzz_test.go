package detect

import (
	"testing"
	"time"
)

// FuzzParseRule feeds arbitrary bytes to the rule parser, the compiler and one event:
// nothing may panic, and every error must name the file.
func FuzzParseRule(f *testing.F) {
	f.Add([]byte(failedLogin))
	f.Add([]byte("title: x\nlogsource: {product: windows, category: process_creation}\ndetection:\n  s:\n    CommandLine|windash|contains: ' -enc '\n    Image|endswith: [a, b]\n  f:\n    - {x|re|i: '^a(?!b)'}\n    - {y|cidr: 10.0.0.0/8}\n  condition: s and not 1 of f*\n"))
	f.Add([]byte("title: c\ncorrelation:\n  type: value_count\n  rules: [a]\n  group-by: [x]\n  timespan: 5m\n  condition: {field: y, gte: 3}\n"))
	f.Add([]byte("action: global\ntitle: g\nlogsource: {product: a}\n---\ndetection:\n  k: [a, b]\n  condition: k\n"))
	pipe := DefaultPipeline() // parsed once: the fuzz function must stay fast
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := ParseRules("f.yml", data)
		if err != nil && len(err.Error()) > 0 && err.Error()[:5] != "f.yml" {
			t.Fatalf("error without the file name: %v", err)
		}
		for _, r := range rules {
			if r.IsCorrelation() {
				continue
			}
			c, err := Compile(r, pipe)
			if err != nil {
				continue
			}
			c.Match(&Event{Time: time.Unix(0, 0), Fields: map[string]any{"CommandLine": "a -enc b", "x": "ab", "y": "10.1.1.1"}})
		}
		if e, err := NewEngine(rules, Options{Pipeline: pipe}); err == nil {
			e.Process(&Event{Time: time.Unix(1, 0), Fields: map[string]any{"x": "1"}})
			e.Flush()
		}
	})
}

// FuzzParseCondition: the condition parser must not panic, and what it accepts must print
// to a condition that parses to the same tree.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"selection", "selection and not filter", "1 of selection_* and not 1 of filter_*",
		"all of them", "(a or b) and (c or not d)", "2 of sel?_x", "not not a", "a | count() > 5", "(((a)))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(s)
		if err != nil {
			return
		}
		c2, err := ParseCondition(c.String())
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, c.String(), err)
		}
		if c.String() != c2.String() {
			t.Fatalf("%q: %q then %q", s, c.String(), c2.String())
		}
	})
}

package detect

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// matchOne compiles a one-selection rule and tests one event.
func matchOne(t *testing.T, detection string, fields map[string]any, p *Pipeline) bool {
	t.Helper()
	src := "title: t\nlogsource: {product: test}\ndetection:\n" + detection
	rules, err := ParseRules("t.yml", []byte(src))
	if err != nil {
		t.Fatalf("parse:\n%s\n%v", src, err)
	}
	c, err := Compile(rules[0], p)
	if err != nil {
		t.Fatalf("compile:\n%s\n%v", src, err)
	}
	return c.Match(&Event{Fields: fields})
}

func TestModifiers(t *testing.T) {
	pipe := &Pipeline{Placeholders: map[string][]string{"admins": {"alice", "bob"}}}
	cmd := func(s string) map[string]any { return map[string]any{"CommandLine": s} }
	tests := []struct {
		name, det string
		ev        map[string]any
		want      bool
	}{
		{"equal, case-insensitive", "  s: {CommandLine: 'WHOAMI'}\n  condition: s", cmd("whoami"), true},
		{"equal is whole", "  s: {CommandLine: 'whoami'}\n  condition: s", cmd("whoami /all"), false},
		{"cased", "  s: {CommandLine|cased: 'WHOAMI'}\n  condition: s", cmd("whoami"), false},
		{"cased same", "  s: {CommandLine|cased: 'WhoAmI'}\n  condition: s", cmd("WhoAmI"), true},
		{"contains", "  s: {CommandLine|contains: 'AMI /'}\n  condition: s", cmd("whoami /all"), true},
		{"startswith", "  s: {CommandLine|startswith: 'who'}\n  condition: s", cmd("whoami"), true},
		{"startswith no", "  s: {CommandLine|startswith: 'ami'}\n  condition: s", cmd("whoami"), false},
		{"endswith", "  s: {CommandLine|endswith: '.EXE'}\n  condition: s", cmd(`c:\x\cmd.exe`), true},
		{"list is or", "  s: {CommandLine|contains: [zzz, ami]}\n  condition: s", cmd("whoami"), true},
		{"all is and", "  s: {CommandLine|contains|all: [who, zzz]}\n  condition: s", cmd("whoami"), false},
		{"all holds", "  s: {CommandLine|contains|all: [who, ami]}\n  condition: s", cmd("whoami"), true},
		{"wildcard star", "  s: {CommandLine: 'who*all'}\n  condition: s", cmd("whoami /all"), true},
		{"wildcard question", "  s: {CommandLine: 'who?mi'}\n  condition: s", cmd("whoami"), true},
		{"question is one char", "  s: {CommandLine: 'who?mi'}\n  condition: s", cmd("whomi"), false},
		{"escaped star is literal", `  s: {CommandLine: 'a\*b'}` + "\n  condition: s", cmd("a*b"), true},
		{"escaped star not wildcard", `  s: {CommandLine: 'a\*b'}` + "\n  condition: s", cmd("axb"), false},
		{"escaped backslash then wildcard", `  s: {CommandLine: 'a\\*'}` + "\n  condition: s", cmd(`a\zz`), true},
		{"lone backslash literal", `  s: {CommandLine: 'c:\windows'}` + "\n  condition: s", cmd(`C:\Windows`), true},
		{"re", "  s: {CommandLine|re: 'who[a-z]+'}\n  condition: s", cmd("whoami"), true},
		{"re case-sensitive", "  s: {CommandLine|re: 'WHO'}\n  condition: s", cmd("whoami"), false},
		{"re i", "  s: {CommandLine|re|i: '^WHO'}\n  condition: s", cmd("whoami"), true},
		{"re m", "  s: {CommandLine|re|m: '^b$'}\n  condition: s", cmd("a\nb"), true},
		{"re without m", "  s: {CommandLine|re: '^b$'}\n  condition: s", cmd("a\nb"), false},
		{"re s", "  s: {CommandLine|re|s: 'a.b'}\n  condition: s", cmd("a\nb"), true},
		{"re lookahead (regexp2)", "  s: {CommandLine|re: 'who(?!ami)'}\n  condition: s", cmd("whoami"), false},
		{"re lookahead matches", "  s: {CommandLine|re: 'who(?!ami)'}\n  condition: s", cmd("whois"), true},
		{"cidr v4", "  s: {ip|cidr: 10.1.0.0/16}\n  condition: s", map[string]any{"ip": "10.1.200.3"}, true},
		{"cidr outside", "  s: {ip|cidr: 10.1.0.0/16}\n  condition: s", map[string]any{"ip": "10.2.0.1"}, false},
		{"cidr v6", "  s: {ip|cidr: 'fe80::/10'}\n  condition: s", map[string]any{"ip": "fe80::1"}, true},
		{"cidr not an address", "  s: {ip|cidr: 10.0.0.0/8}\n  condition: s", map[string]any{"ip": "host"}, false},
		{"base64", "  s: {CommandLine|base64: 'http'}\n  condition: s", cmd("aHR0cA=="), true},
		{"base64 contains", "  s: {CommandLine|base64|contains: 'http://'}\n  condition: s", cmd("x aHR0cDovLw== y"), true},
		{"base64offset 0", "  s: {CommandLine|base64offset|contains: 'http://'}\n  condition: s", cmd("aHR0cDovL2V4YW1wbGU="), true},
		{"base64offset 1", "  s: {CommandLine|base64offset|contains: 'http://'}\n  condition: s", cmd("eGh0dHA6Ly9leGFtcGxl"), true},
		{"base64offset 2", "  s: {CommandLine|base64offset|contains: 'http://'}\n  condition: s", cmd("eHhodHRwOi8vZXhhbXBsZQ=="), true},
		{"base64offset none", "  s: {CommandLine|base64offset|contains: 'http://'}\n  condition: s", cmd("aGVsbG8gd29ybGQ="), false},
		{"utf16le base64", "  s: {CommandLine|utf16le|base64offset|contains: 'Invoke'}\n  condition: s", cmd("powershell -enc SQBuAHYAbwBrAGUALQBFAHgAcAByAGUAcwBzAGkAbwBuAA=="), true},
		{"windash slash", "  s: {CommandLine|windash|contains: ' -enc '}\n  condition: s", cmd("powershell /enc abc"), true},
		{"windash en dash", "  s: {CommandLine|windash|contains: ' -enc '}\n  condition: s", cmd("powershell –enc abc"), true},
		{"windash hyphen", "  s: {CommandLine|windash|contains: ' -enc '}\n  condition: s", cmd("powershell -enc abc"), true},
		{"windash not mid-word", "  s: {CommandLine|windash|contains: 'a-b'}\n  condition: s", cmd("a/b"), false},
		{"windash three dashes", "  s: {CommandLine|windash|contains: ' -a -b -c'}\n  condition: s", cmd("x /a –b —c"), true},
		{"exists true", "  s: {CommandLine|exists: true}\n  condition: s", cmd(""), true},
		{"exists false", "  s: {Other|exists: false}\n  condition: s", cmd(""), true},
		{"exists false fails", "  s: {CommandLine|exists: false}\n  condition: s", cmd(""), false},
		{"gt", "  s: {n|gt: 10}\n  condition: s", map[string]any{"n": 11.0}, true},
		{"gt equal", "  s: {n|gt: 10}\n  condition: s", map[string]any{"n": 10}, false},
		{"gte", "  s: {n|gte: 10}\n  condition: s", map[string]any{"n": "10"}, true},
		{"lt", "  s: {n|lt: 10}\n  condition: s", map[string]any{"n": 9.5}, true},
		{"lte", "  s: {n|lte: 10}\n  condition: s", map[string]any{"n": 11}, false},
		{"number compares as text", "  s: {EventID: 4688}\n  condition: s", map[string]any{"EventID": 4688.0}, true},
		{"number vs string", "  s: {EventID: 4688}\n  condition: s", map[string]any{"EventID": "4688"}, true},
		{"json number with fraction", "  s: {EventID: 4688}\n  condition: s", map[string]any{"EventID": json.Number("4688.0")}, true},
		{"json number with exponent", "  s: {EventID: 4688}\n  condition: s", map[string]any{"EventID": json.Number("4.688e3")}, true},
		{"float rule, integer event", "  s: {EventID: 4688.0}\n  condition: s", map[string]any{"EventID": json.Number("4688")}, true},
		{"float rule, int event", "  s: {EventID: 4688.0}\n  condition: s", map[string]any{"EventID": 4688}, true},
		{"float rule, string event", "  s: {EventID: 4688.0}\n  condition: s", map[string]any{"EventID": "4688"}, true},
		{"fraction kept", "  s: {x: 0.50}\n  condition: s", map[string]any{"x": json.Number("5e-1")}, true},
		{"different numbers", "  s: {EventID: 4688}\n  condition: s", map[string]any{"EventID": json.Number("4688.5")}, false},
		{"64-bit id exact", "  s: {id: 9007199254740993}\n  condition: s", map[string]any{"id": json.Number("9007199254740993")}, true},
		{"64-bit id differs", "  s: {id: 9007199254740993}\n  condition: s", map[string]any{"id": json.Number("9007199254740992")}, false},
		{"string event is text", "  s: {EventID: 4688}\n  condition: s", map[string]any{"EventID": "4688.0"}, false},
		{"quoted rule is text", "  s: {EventID: '4688.0'}\n  condition: s", map[string]any{"EventID": "4688.0"}, true},
		{"quoted rule vs number", "  s: {EventID: '4688.0'}\n  condition: s", map[string]any{"EventID": json.Number("4688.0")}, false},
		{"wildcard on number", "  s: {EventID: '46*'}\n  condition: s", map[string]any{"EventID": json.Number("4.688e3")}, true},
		{"contains on number", "  s: {EventID|contains: '.'}\n  condition: s", map[string]any{"EventID": json.Number("4688.0")}, false},
		{"bool", "  s: {flag: true}\n  condition: s", map[string]any{"flag": true}, true},
		{"null missing", "  s: {x: null}\n  condition: s", map[string]any{}, true},
		{"null present", "  s: {x: null}\n  condition: s", map[string]any{"x": "a"}, false},
		{"empty string", "  s: {x: ''}\n  condition: s", map[string]any{"x": ""}, true},
		{"fieldref", "  s: {a|fieldref: b}\n  condition: s", map[string]any{"a": "Same", "b": "same"}, true},
		{"fieldref differs", "  s: {a|fieldref: b}\n  condition: s", map[string]any{"a": "x", "b": "y"}, false},
		{"fieldref contains", "  s: {a|fieldref|contains: b}\n  condition: s", map[string]any{"a": "xyz", "b": "y"}, true},
		{"fieldref endswith", "  s: {a|fieldref|endswith: b}\n  condition: s", map[string]any{"a": "xyz", "b": "y"}, false},
		{"expand", "  s: {user|expand: '%admins%'}\n  condition: s", map[string]any{"user": "bob"}, true},
		{"expand no", "  s: {user|expand: '%admins%'}\n  condition: s", map[string]any{"user": "eve"}, false},
		{"list field any element", "  s: {tags: b}\n  condition: s", map[string]any{"tags": []any{"a", "B"}}, true},
		{"nested field", "  s: {process.name: cmd.exe}\n  condition: s", map[string]any{"process": map[string]any{"name": "cmd.exe"}}, true},
		{"keywords", "  k: [mimikatz, sekurlsa]\n  condition: k", map[string]any{"m": "run SEKURLSA::logonpasswords"}, true},
		{"keywords none", "  k: [mimikatz]\n  condition: k", map[string]any{"m": "hello"}, false},
		{"keywords all", "  k:\n    '|all': [a1, b2]\n  condition: k", map[string]any{"m": "a1 b2"}, true},
		{"keywords all one missing", "  k:\n    '|all': [a1, b3]\n  condition: k", map[string]any{"m": "a1 b2"}, false},
		{"list of maps is or", "  s:\n    - {a: 1}\n    - {b: 2}\n  condition: s", map[string]any{"b": 2}, true},
		{"map is and", "  s: {a: 1, b: 2}\n  condition: s", map[string]any{"b": 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchOne(t, tt.det, tt.ev, pipe); got != tt.want {
				t.Errorf("%s on %v = %v, want %v", strings.TrimSpace(tt.det), tt.ev, got, tt.want)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	sels := "  sel_a: {a: 1}\n  sel_b: {b: 1}\n  filter_c: {c: 1}\n  _hidden: {d: 1}\n"
	tests := []struct {
		cond string
		ev   map[string]any
		want bool
	}{
		{"sel_a", map[string]any{"a": 1}, true},
		{"sel_a and sel_b", map[string]any{"a": 1}, false},
		{"sel_a or sel_b", map[string]any{"b": 1}, true},
		{"not sel_a", map[string]any{"b": 1}, true},
		{"sel_a and not filter_c", map[string]any{"a": 1, "c": 1}, false},
		{"(sel_a or sel_b) and not filter_c", map[string]any{"b": 1}, true},
		{"sel_a or sel_b and filter_c", map[string]any{"a": 1}, true}, // and binds tighter
		{"(sel_a or sel_b) and filter_c", map[string]any{"a": 1}, false},
		{"not not sel_a", map[string]any{"a": 1}, true},
		{"1 of sel_*", map[string]any{"b": 1}, true},
		{"all of sel_*", map[string]any{"b": 1}, false},
		{"all of sel_*", map[string]any{"a": 1, "b": 1}, true},
		{"2 of them", map[string]any{"a": 1, "c": 1}, true},
		{"2 of them", map[string]any{"a": 1, "d": 1}, false}, // them skips _hidden
		{"all of them", map[string]any{"a": 1, "b": 1, "c": 1}, true},
		{"1 of sel_? ", map[string]any{"a": 1}, true},
		{"sel_a AND NOT filter_c", map[string]any{"a": 1}, true},
		{"_hidden", map[string]any{"d": 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			if got := matchOne(t, sels+"  condition: "+tt.cond+"\n", tt.ev, nil); got != tt.want {
				t.Errorf("%q on %v = %v, want %v", tt.cond, tt.ev, got, tt.want)
			}
		})
	}
	// A list of conditions means any of them.
	if !matchOne(t, sels+"  condition: [sel_a, sel_b]\n", map[string]any{"b": 1}, nil) {
		t.Error("condition list: want any")
	}
}

func TestConditionErrors(t *testing.T) {
	for _, c := range []string{"", "sel and", "(sel", "sel)", "1 of", "0 of sel*", "sel_* and x", "x | count() > 5", "and", "not", "x y"} {
		if _, err := ParseCondition(c); err == nil {
			t.Errorf("ParseCondition(%q): no error", c)
		}
	}
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"title: x\nlogsource: {product: a}\ndetection:\n  s:\n    a|contanis: 1\n  condition: s\n", `r.yml:5: detection.s.a|contanis: unknown modifier "contanis"`},
		{"title: x\nlogsource: {product: a}\ndetection:\n  s: {a: 1}\n  condition: s and\n", "r.yml:5: detection.condition: condition, character 6"},
		{"title: x\nlogsource: {product: a}\ndetection:\n  s: {a: 1}\n", "r.yml:4: detection.condition: is required"},
		{"title: x\nlogsource: {product: a}\ndetection:\n  s: {a|re: '(('}\n  condition: s\n", ""},
		{"title: x\nlogsource: {product: a}\n  bad: [\n", "r.yml:3: YAML: did not find expected key"},
		// yaml.v3 names the line before (parser errors) or the scalar before a tab: corrected.
		{"title: x\nlogsource: {product: a}\ndetection:\n  s:\n    a: b\n\tc: d\n  condition: s\n", "r.yml:6: YAML: found a tab character that violates indentation"},
		{"title: x\nlogsource: {product: a}\ndetection:\n  s: [a, b\n  condition: s\n", "r.yml:4: YAML: did not find expected ',' or ']'"},
		{"title: x\nlogsource: {product: a\n", "r.yml:2: YAML: did not find expected ',' or '}'"},
		{"a: b\n- c\n", "r.yml:2: YAML: did not find expected key"},
		{"title: x\n  y: z\n", "r.yml:2: YAML: mapping values are not allowed in this context"},
		{"title: x\nlevel: severe\nlogsource: {product: a}\ndetection:\n  s: {a: 1}\n  condition: s\n", `r.yml:2: level: must be`},
		{"title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5x\n  condition: {gte: 2}\n", "r.yml:5: correlation.timespan"},
		{"title: c\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 2}\n", "correlation.condition.field: is required"},
		{"title: x\nlogsource: {product: a}\ndetection:\n  s: {a|exists: maybe}\n  condition: s\n", "r.yml:4: detection.s.a|exists: exists takes true or false"},
	}
	for _, tt := range tests {
		rules, err := ParseRules("r.yml", []byte(tt.src))
		if err == nil && len(rules) == 1 {
			_, err = Compile(rules[0], nil)
		}
		if err == nil {
			t.Errorf("%q: no error", tt.src)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "YAML: line") {
			t.Errorf("%q: error %q, want it to contain %q", tt.src, err, tt.want)
		}
		var pe *ParseError
		var el ErrorList
		if !errors.As(err, &pe) && !errors.As(err, &el) {
			t.Errorf("%q: error %T, want *ParseError or ErrorList", tt.src, err)
		}
	}
	// An undefined identifier is found at compile time, with the rule's file and line.
	rules, err := ParseRules("r.yml", []byte("title: x\nlogsource: {product: a}\ndetection:\n  s: {a: 1}\n  condition: s and t\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(rules[0], nil); err == nil || !strings.Contains(err.Error(), `r.yml:5: detection.condition: "t" is not a search identifier`) {
		t.Errorf("undefined identifier: %v", err)
	}
}

func TestPipelineFieldAndLogsourceMapping(t *testing.T) {
	p := DefaultPipeline()
	rules, err := ParseRules("r.yml", []byte(`title: whoami
logsource: {product: windows, category: process_creation}
detection:
  s: {Image|endswith: '\whoami.exe'}
  condition: s
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(rules[0], p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ev   map[string]any
		want bool
	}{
		{"Sysmon names", map[string]any{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": `C:\Windows\System32\whoami.exe`}, true},
		{"Security 4688", map[string]any{"EventID": 4688, "Channel": "Security", "Image": `C:\Windows\System32\whoami.exe`}, true},
		{"ECS names", map[string]any{"event.category": "process", "event.type": "start", "host.os.type": "windows", "process.executable": `C:\Windows\System32\whoami.exe`}, true},
		{"ECS nested", map[string]any{"event": map[string]any{"category": "process", "type": "start"}, "host": map[string]any{"os": map[string]any{"type": "windows"}}, "process": map[string]any{"executable": `C:\whoami.exe`}}, true},
		{"wrong logsource (file event)", map[string]any{"EventID": 11, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": `C:\Windows\System32\whoami.exe`}, false},
	}
	for _, tt := range tests {
		if got := c.Match(&Event{Fields: tt.ev}); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := ParsePipeline("p.yml", []byte("name: x\nfield_mappings: {a: b}\nlogsources:\n  - category: x\n    bogus: 1\n")); err == nil || !strings.Contains(err.Error(), "p.yml:5: logsources[0].bogus: unknown key") {
		t.Errorf("pipeline error: %v", err)
	}
}

func TestPipelineYAMLErrorLine(t *testing.T) {
	_, err := ParsePipeline("p.yml", []byte("name: x\nfield_mappings:\n  a: [b, c\n"))
	if err == nil || err.Error() != "p.yml:3: YAML: did not find expected ',' or ']'" {
		t.Errorf("error %v, want p.yml:3 once", err)
	}
}

package detect

import (
	"bytes"
	"errors"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Rule is one Sigma document: a detection rule (Detection set, Correlation nil) or a
// correlation rule (Correlation set, Detection nil), as the Sigma specification v2 defines
// them (https://github.com/SigmaHQ/sigma-specification, "Sigma Rules Specification" and
// "Sigma Correlation Rules Specification"). A Rule is plain data: Compile turns a detection
// rule into a Compiled matcher and NewEngine wires rules and correlations together.
type Rule struct {
	// File and Line say where the document starts (Line is 1-based), for messages.
	File string
	Line int
	// Metadata of the rule (Sigma "title", "id", "name", "status", "description",
	// "author", "date", "modified", "references", "tags", "falsepositives", "level").
	Title          string
	ID             string
	Name           string
	Status         string
	Description    string
	Author         string
	Date           string
	Modified       string
	References     []string
	Tags           []string
	FalsePositives []string
	Level          string
	// Logsource is the rule's "logsource" section (empty for correlations).
	Logsource Logsource
	// Detection is the parsed "detection" section of a detection rule; nil for a
	// correlation rule.
	Detection *Detection
	// Correlation is the parsed "correlation" section of a correlation rule; nil for a
	// detection rule.
	Correlation *Correlation
}

// IsCorrelation reports whether the rule is a correlation rule.
func (r *Rule) IsCorrelation() bool { return r.Correlation != nil }

// Key returns the name by which correlations refer to the rule: its "name" when set,
// otherwise its "id" (Sigma correlation specification, "rules").
func (r *Rule) Key() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// Logsource is the "logsource" section of a rule: which kind of log the rule reads.
// Pipelines turn it into conditions on events (see Pipeline.Logsources).
type Logsource struct {
	Product    string `yaml:"product"`
	Category   string `yaml:"category"`
	Service    string `yaml:"service"`
	Definition string `yaml:"definition"`
}

// Detection is the "detection" section of a rule: named search identifiers and the
// condition that combines them.
type Detection struct {
	// Searches holds the search identifiers by name, in file order in Names.
	Searches map[string]*Search
	Names    []string
	// Conditions are the condition strings; more than one (a YAML list) means any of them.
	Conditions []string
	// ConditionLine is the line of the "condition" key.
	ConditionLine int
	// Timeframe is the legacy "timeframe" value, kept for information only.
	Timeframe string
}

// Search is one search identifier: a list of alternatives (OR), each either a map of
// field items (AND) or a keyword list.
type Search struct {
	Name string
	Line int
	// Alternatives are ORed; a map selection has one alternative, a list of maps several.
	Alternatives []SearchAlt
}

// SearchAlt is one alternative of a search: either Fields (ANDed) or Keywords (ORed
// unless KeywordsAll).
type SearchAlt struct {
	Fields      []FieldItem
	Keywords    []Value
	KeywordMods []string
	IsKeywords  bool
	Line        int
}

// FieldItem is one "field|modifier|modifier: value(s)" entry of a selection.
type FieldItem struct {
	// Field is the field name as the rule writes it ("" for a keyword item "|all").
	Field string
	// Modifiers in order, lower case ("contains", "all", "re", "i", ...).
	Modifiers []string
	// Values are ORed (ANDed with the "all" modifier). A YAML null is a Value with Null set.
	Values []Value
	Line   int
}

// Value is one scalar of a rule: a string, number, boolean or null, with its YAML text.
type Value struct {
	// Kind is "string", "int", "float", "bool" or "null".
	Kind string
	// Text is the scalar as written; for an unquoted number, its canonical text
	// (canonicalFloat: 4688.0 reads "4688"), for a boolean "true" or "false".
	Text string
	Line int
}

// Correlation is the "correlation" section of a correlation rule (Sigma correlation
// specification v2).
type Correlation struct {
	// Type is event_count, value_count, temporal or temporal_ordered.
	Type string
	// Rules are the names or IDs of the rules (or correlations) correlated, in order.
	Rules []string
	// GroupBy are the field names (or aliases) events are grouped by.
	GroupBy []string
	// Timespan is the window length.
	Timespan time.Duration
	// Condition is the threshold; for temporal types without a condition it is
	// "gte <number of rules>" (every rule seen).
	Condition Threshold
	// Aliases map an alias name to the field it stands for in each rule: Aliases[alias][rule] = field.
	Aliases map[string]map[string]string
	// Generate, when true, asks that the correlated rules' own matches be reported too.
	Generate bool
	Line     int
}

// Threshold is a correlation condition (Sigma correlation specification v2, "condition"):
// Op is gt, gte, lt, lte or eq with Count; a range adds an upper bound, UpperOp (lt or
// lte) with UpperCount, to a lower one (Op gt or gte), as in {gt: 100, lte: 200}. Field is
// the field whose distinct values are counted (value_count only).
type Threshold struct {
	Op         string
	Count      int64
	UpperOp    string
	UpperCount int64
	Field      string
}

// Holds reports whether n satisfies the threshold (both bounds of a range).
func (t Threshold) Holds(n int64) bool {
	if t.UpperOp != "" && !holds(t.UpperOp, t.UpperCount, n) {
		return false
	}
	return holds(t.Op, t.Count, n)
}

// AtClose reports whether the threshold is decided when a window ends (an upper bound or
// eq: a later match could still break it) rather than as soon as it holds (gt, gte alone).
func (t Threshold) AtClose() bool {
	switch t.Op {
	case "lt", "lte", "eq":
		return true
	}
	return t.UpperOp != ""
}

func holds(op string, count, n int64) bool {
	switch op {
	case "gt":
		return n > count
	case "gte":
		return n >= count
	case "lt":
		return n < count
	case "lte":
		return n <= count
	case "eq":
		return n == count
	}
	return false
}

// ParseError is one problem in a rule file, with its place: "rules/x.yml:14: detection:
// selection: unknown modifier \"contanis\"".
type ParseError struct {
	File string
	Line int
	// Field is the path of the offending key ("detection.selection.Image|contains").
	Field string
	// Msg says the problem in English; Key names it for translation (sigma.err.*, empty
	// for a problem without one) and Args are the values its message puts in, as text.
	Msg  string
	Key  string
	Args []string
}

// Error implements error.
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(":")
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one input, in file order. It implements error.
type ErrorList []*ParseError

// Error joins the problems, one a line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// ParseRules reads every YAML document of a Sigma rule file (a file may hold several
// rules and correlations, separated by "---"). file names the input in errors. The error,
// when not nil, is an ErrorList with the file and line of each problem; rules that parsed
// well are returned with it.
func ParseRules(file string, data []byte) ([]*Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var rules []*Rule
	var errs ErrorList
	var global *yaml.Node // Sigma "action: global" documents are merged into later ones
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, msg := yamlErr(err, data)
			errs = append(errs, newParseError(file, line, "", "YAML: %s", msg))
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			errs = append(errs, newParseError(file, root.Line, "", "a rule must be a YAML mapping"))
			continue
		}
		if a := mapGet(root, "action"); a != nil {
			switch a.Value {
			case "global":
				global = root
			case "reset":
				global = nil
			case "repeat":
				errs = append(errs, newParseError(file, a.Line, "action", `"repeat" is not supported`))
			}
			continue
		}
		if global != nil {
			root = mergeNodes(global, root)
		}
		p := ruleParser{file: file}
		r := p.rule(root)
		if len(p.errs) > 0 {
			errs = append(errs, p.errs...)
			continue
		}
		rules = append(rules, r)
	}
	if len(errs) > 0 {
		return rules, errs
	}
	return rules, nil
}

// uuidRE is the form of a rule id: a UUID in its 8-4-4-4-12 hexadecimal form (Sigma
// rules specification, "Identification": "id" is a globally unique UUID; any version).
var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// yamlParserProblems are the problems gopkg.in/yaml.v3 reports from its parser (rather
// than its scanner). For those it prints a 0-based line (yaml.v3 v3.0.1, decode.go
// parser.fail adds one only for scanner errors), and no line at all for the first one.
var yamlParserProblems = []string{
	"did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"did not find expected '-' indicator", "did not find expected <document start>",
	"did not find expected <stream-start>", "did not find expected key",
	"did not find expected node content", "found duplicate %TAG directive",
	"found duplicate %YAML directive", "found incompatible YAML document", "found undefined tag handle",
}

// yamlErr returns the 1-based line of a gopkg.in/yaml.v3 syntax error in data and its
// message without the "yaml: line N: " prefix. yaml.v3 names the line of the context
// (where the construct began) rather than of the problem, 0-based for parser errors;
// a tab in indentation is reported at the scalar before it: both are corrected here.
func yamlErr(err error, data []byte) (int, string) {
	msg := err.Error()
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	for _, p := range yamlParserProblems {
		if msg == p {
			line++
			break
		}
	}
	if strings.HasPrefix(msg, "found a tab character") && line > 0 {
		lines := strings.Split(string(data), "\n")
		for i := line - 1; i < len(lines); i++ {
			indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " \t"))]
			if strings.IndexByte(indent, '\t') >= 0 {
				line = i + 1
				break
			}
		}
	}
	return line, msg
}

// mergeNodes returns b with a's keys added where b lacks them (recursively for maps).
func mergeNodes(a, b *yaml.Node) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Line: b.Line, Column: b.Column}
	out.Content = append(out.Content, b.Content...)
	for i := 0; i+1 < len(a.Content); i += 2 {
		k, v := a.Content[i], a.Content[i+1]
		if bv := mapGet(b, k.Value); bv != nil {
			if bv.Kind == yaml.MappingNode && v.Kind == yaml.MappingNode {
				merged := mergeNodes(v, bv)
				for j := 0; j+1 < len(out.Content); j += 2 {
					if out.Content[j].Value == k.Value {
						out.Content[j+1] = merged
					}
				}
			}
			continue
		}
		out.Content = append(out.Content, k, v)
	}
	return out
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

type ruleParser struct {
	file string
	errs ErrorList
}

func (p *ruleParser) fail(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, newParseError(p.file, line, field, format, args...))
}

func (p *ruleParser) str(n *yaml.Node, field string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		p.fail(n, field, "must be a text")
		return ""
	}
	return n.Value
}

func (p *ruleParser) strs(n *yaml.Node, field string) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, field, "must be a list of texts")
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			p.fail(c, field, "must be a list of texts")
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

func (p *ruleParser) rule(root *yaml.Node) *Rule {
	r := &Rule{File: p.file, Line: root.Line}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			p.fail(k, k.Value, "appears twice")
		}
		seen[k.Value] = true
		switch k.Value {
		case "title":
			r.Title = p.str(v, "title")
		case "id":
			r.ID = p.str(v, "id")
			if v.Kind == yaml.ScalarNode && !uuidRE.MatchString(r.ID) {
				p.fail(v, "id", "must be a UUID such as 929a690e-bef0-4204-a928-ef5e620d6fcc, not %q", r.ID)
			}
		case "name":
			r.Name = p.str(v, "name")
		case "status":
			r.Status = p.str(v, "status")
		case "description":
			r.Description = p.str(v, "description")
		case "author":
			r.Author = p.str(v, "author")
		case "date":
			r.Date = p.str(v, "date")
		case "modified":
			r.Modified = p.str(v, "modified")
		case "references":
			r.References = p.strs(v, "references")
		case "tags":
			r.Tags = p.strs(v, "tags")
		case "falsepositives":
			r.FalsePositives = p.strs(v, "falsepositives")
		case "level":
			r.Level = p.str(v, "level")
			switch r.Level {
			case "", "informational", "low", "medium", "high", "critical":
			default:
				p.fail(v, "level", "must be informational, low, medium, high or critical, not %q", r.Level)
			}
		case "logsource":
			if v.Kind != yaml.MappingNode {
				p.fail(v, "logsource", "must be a mapping")
				continue
			}
			r.Logsource = Logsource{
				Product:    p.str(mapGet(v, "product"), "logsource.product"),
				Category:   p.str(mapGet(v, "category"), "logsource.category"),
				Service:    p.str(mapGet(v, "service"), "logsource.service"),
				Definition: p.str(mapGet(v, "definition"), "logsource.definition"),
			}
		case "detection":
			r.Detection = p.detection(v)
		case "correlation":
			r.Correlation = p.correlation(v)
		}
	}
	if r.Title == "" {
		p.fail(root, "title", "is required")
	}
	switch {
	case r.Detection == nil && r.Correlation == nil && len(p.errs) == 0:
		p.fail(root, "detection", "is required (or correlation, for a correlation rule)")
	case r.Detection != nil && r.Correlation != nil:
		p.fail(root, "correlation", "a rule has either detection or correlation, not both")
	case r.Detection != nil && mapGet(root, "logsource") == nil:
		p.fail(root, "logsource", "is required")
	}
	return r
}

func (p *ruleParser) detection(n *yaml.Node) *Detection {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "detection", "must be a mapping")
		return nil
	}
	d := &Detection{Searches: map[string]*Search{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "condition":
			d.ConditionLine = k.Line
			switch v.Kind {
			case yaml.ScalarNode:
				d.Conditions = []string{v.Value}
			case yaml.SequenceNode:
				d.Conditions = p.strs(v, "detection.condition")
			default:
				p.fail(v, "detection.condition", "must be a text or a list of texts")
			}
		case "timeframe":
			d.Timeframe = p.str(v, "detection.timeframe")
		default:
			if _, dup := d.Searches[k.Value]; dup {
				p.fail(k, "detection."+k.Value, "appears twice")
				continue
			}
			s := p.search(k.Value, v)
			d.Searches[k.Value] = s
			d.Names = append(d.Names, k.Value)
		}
	}
	if len(d.Conditions) == 0 {
		p.fail(n, "detection.condition", "is required")
		return d
	}
	for _, c := range d.Conditions {
		if _, err := ParseCondition(c); err != nil {
			p.fail(&yaml.Node{Line: d.ConditionLine}, "detection.condition", "%v", err)
			continue
		}
	}
	return d
}

func (p *ruleParser) search(name string, n *yaml.Node) *Search {
	s := &Search{Name: name, Line: n.Line}
	field := "detection." + name
	switch n.Kind {
	case yaml.MappingNode:
		s.Alternatives = []SearchAlt{p.fieldMap(field, n)}
	case yaml.SequenceNode:
		allScalars := true
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				allScalars = false
			}
		}
		if allScalars {
			alt := SearchAlt{IsKeywords: true, Line: n.Line}
			for _, c := range n.Content {
				alt.Keywords = append(alt.Keywords, p.value(c, field))
			}
			s.Alternatives = []SearchAlt{alt}
			break
		}
		for _, c := range n.Content {
			if c.Kind != yaml.MappingNode {
				p.fail(c, field, "a list of selections must hold only mappings (or only keywords)")
				continue
			}
			s.Alternatives = append(s.Alternatives, p.fieldMap(field, c))
		}
	case yaml.ScalarNode:
		s.Alternatives = []SearchAlt{{IsKeywords: true, Keywords: []Value{p.value(n, field)}, Line: n.Line}}
	default:
		p.fail(n, field, "must be a mapping, a list or a keyword")
	}
	return s
}

func (p *ruleParser) fieldMap(field string, n *yaml.Node) SearchAlt {
	alt := SearchAlt{Line: n.Line}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		parts := strings.Split(k.Value, "|")
		fi := FieldItem{Field: parts[0], Line: k.Line}
		for _, m := range parts[1:] {
			m = strings.ToLower(strings.TrimSpace(m))
			if !knownModifiers[m] {
				p.fail(k, field+"."+k.Value, "unknown modifier %q", m)
				continue
			}
			fi.Modifiers = append(fi.Modifiers, m)
		}
		switch v.Kind {
		case yaml.ScalarNode:
			fi.Values = []Value{p.value(v, field+"."+k.Value)}
		case yaml.SequenceNode:
			for _, c := range v.Content {
				if c.Kind != yaml.ScalarNode {
					p.fail(c, field+"."+k.Value, "values must be scalars")
					continue
				}
				fi.Values = append(fi.Values, p.value(c, field+"."+k.Value))
			}
			if len(v.Content) == 0 {
				p.fail(v, field+"."+k.Value, "an empty list matches nothing; remove the item")
			}
		default:
			p.fail(v, field+"."+k.Value, "must be a value or a list of values")
		}
		if err := checkModifiers(fi); err != nil {
			p.fail(k, field+"."+k.Value, "%v", err)
		}
		if fi.Field == "" {
			// A keyword list with modifiers: "'|all': [...]".
			alt.IsKeywords = true
			alt.Keywords = fi.Values
			alt.KeywordMods = fi.Modifiers
			if len(n.Content) > 2 {
				p.fail(k, field, "a keyword item (\"|modifier\") must stand alone in its selection")
			}
			continue
		}
		alt.Fields = append(alt.Fields, fi)
	}
	return alt
}

func (p *ruleParser) value(n *yaml.Node, field string) Value {
	v := Value{Text: n.Value, Line: n.Line, Kind: "string"}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return v
	}
	switch n.Tag {
	case "!!null":
		v.Kind, v.Text = "null", ""
	case "!!bool":
		v.Kind = "bool"
		var b bool
		if err := n.Decode(&b); err == nil {
			v.Text = strconv.FormatBool(b)
		}
	case "!!int":
		v.Kind = "int"
		var i int64
		if err := n.Decode(&i); err == nil {
			v.Text = strconv.FormatInt(i, 10)
		}
	case "!!float":
		v.Kind = "float"
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			v.Text = canonicalFloat(f)
		}
	}
	return v
}

var knownModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "all": true,
	"re": true, "i": true, "m": true, "s": true, "cidr": true,
	"base64": true, "base64offset": true, "utf16le": true, "utf16be": true, "utf16": true, "wide": true,
	"windash": true, "exists": true, "gt": true, "gte": true, "lt": true, "lte": true,
	"fieldref": true, "cased": true, "expand": true,
}

// checkModifiers rejects combinations that have no meaning.
func checkModifiers(fi FieldItem) error {
	has := map[string]bool{}
	for _, m := range fi.Modifiers {
		if has[m] {
			return errorf("modifier %q appears twice", m)
		}
		has[m] = true
	}
	count := 0
	for _, m := range []string{"contains", "startswith", "endswith", "re", "cidr", "exists", "gt", "gte", "lt", "lte"} {
		if has[m] {
			count++
		}
	}
	if count > 1 {
		return errorf("modifiers %s cannot be combined", strings.Join(fi.Modifiers, "|"))
	}
	if (has["i"] || has["m"] || has["s"]) && !has["re"] {
		return errorf("flags i, m and s need the re modifier")
	}
	if has["base64"] && has["base64offset"] {
		return errorf("base64 and base64offset cannot be combined")
	}
	for _, m := range []string{"utf16le", "utf16be", "utf16", "wide"} {
		if has[m] && !has["base64"] && !has["base64offset"] {
			return errorf("modifier %q needs base64 or base64offset after it", m)
		}
	}
	if has["exists"] {
		if len(fi.Values) != 1 || fi.Values[0].Kind != "bool" {
			return errorf("exists takes true or false")
		}
	}
	for _, m := range []string{"gt", "gte", "lt", "lte"} {
		if has[m] {
			for _, v := range fi.Values {
				if _, err := strconv.ParseFloat(v.Text, 64); err != nil {
					return errorf("%s needs a number, not %q", m, v.Text)
				}
			}
		}
	}
	if has["fieldref"] {
		for _, v := range fi.Values {
			if v.Kind != "string" || v.Text == "" {
				return errorf("fieldref needs field names")
			}
		}
	}
	return nil
}

var timespanRE = regexp.MustCompile(`^(\d+)([smhdwMy])$`)

// ParseTimespan reads a Sigma timespan: a number and a unit s, m, h, d, w, M (30 days)
// or y (365 days), as in "5m" or "1h".
func ParseTimespan(s string) (time.Duration, error) {
	m := timespanRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, errorf("timespan %q: want a number and a unit s, m, h, d, w, M or y (\"5m\")", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n <= 0 {
		return 0, errorf("timespan %q: the number must be positive", s)
	}
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
		"w": 7 * 24 * time.Hour, "M": 30 * 24 * time.Hour, "y": 365 * 24 * time.Hour}[m[2]]
	if n > int64((100*365*24*time.Hour)/unit) {
		return 0, errorf("timespan %q: longer than 100 years", s)
	}
	return time.Duration(n) * unit, nil
}

func (p *ruleParser) correlation(n *yaml.Node) *Correlation {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "correlation", "must be a mapping")
		return nil
	}
	c := &Correlation{Line: n.Line}
	var condNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := "correlation." + k.Value
		switch k.Value {
		case "type":
			c.Type = p.str(v, f)
			switch c.Type {
			case "event_count", "value_count", "temporal", "temporal_ordered":
			default:
				p.fail(v, f, "must be event_count, value_count, temporal or temporal_ordered, not %q", c.Type)
			}
		case "rules":
			c.Rules = p.strs(v, f)
		case "group-by":
			c.GroupBy = p.strs(v, f)
		case "timespan", "timeframe":
			d, err := ParseTimespan(p.str(v, f))
			if err != nil {
				p.fail(v, f, "%v", err)
			}
			c.Timespan = d
		case "generate":
			if err := v.Decode(&c.Generate); err != nil {
				p.fail(v, f, "must be true or false")
			}
		case "condition":
			condNode = v
		case "aliases":
			if v.Kind != yaml.MappingNode {
				p.fail(v, f, "must be a mapping of alias to {rule: field}")
				continue
			}
			c.Aliases = map[string]map[string]string{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				ak, av := v.Content[j], v.Content[j+1]
				m := map[string]string{}
				if err := av.Decode(&m); err != nil {
					p.fail(av, f+"."+ak.Value, "must be a mapping of rule to field")
				}
				c.Aliases[ak.Value] = m
			}
		default:
			p.fail(k, f, "unknown key")
		}
	}
	if c.Type == "" {
		p.fail(n, "correlation.type", "is required")
	}
	if len(c.Rules) == 0 {
		p.fail(n, "correlation.rules", "is required")
	}
	if c.Timespan == 0 && mapGet(n, "timespan") == nil && mapGet(n, "timeframe") == nil {
		p.fail(n, "correlation.timespan", "is required")
	}
	if condNode != nil {
		if condNode.Kind != yaml.MappingNode {
			p.fail(condNode, "correlation.condition", "must be a mapping such as {gte: 10}")
		} else {
			bounds := map[string]int64{}
			for j := 0; j+1 < len(condNode.Content); j += 2 {
				ck, cv := condNode.Content[j], condNode.Content[j+1]
				switch ck.Value {
				case "gt", "gte", "lt", "lte", "eq":
					if _, dup := bounds[ck.Value]; dup {
						p.fail(ck, "correlation.condition."+ck.Value, "appears twice")
					}
					n, err := strconv.ParseInt(cv.Value, 10, 64)
					if err != nil || n < 0 || cv.Kind != yaml.ScalarNode {
						p.fail(cv, "correlation.condition."+ck.Value, "must be a whole number, not %q", cv.Value)
					}
					bounds[ck.Value] = n
				case "field":
					c.Condition.Field = p.str(cv, "correlation.condition.field")
				default:
					p.fail(ck, "correlation.condition."+ck.Value, "unknown key (want gt, gte, lt, lte, eq or field)")
				}
			}
			if err := c.Condition.setBounds(bounds); err != nil {
				p.fail(condNode, "correlation.condition", "%v", err)
			}
		}
	}
	switch c.Type {
	case "event_count", "value_count":
		if condNode == nil {
			p.fail(n, "correlation.condition", "is required for %s", c.Type)
		}
		if c.Type == "value_count" && c.Condition.Field == "" {
			p.fail(n, "correlation.condition.field", "is required for value_count")
		}
	case "temporal", "temporal_ordered":
		// A rule listed twice would make one match of it enough (its distinct rules are
		// counted): the correlation would fire on every event.
		if len(uniq(c.Rules)) != len(c.Rules) {
			p.fail(n, "correlation.rules", "lists a rule twice; a %s correlation needs distinct rules", c.Type)
		}
		if condNode == nil {
			c.Condition = Threshold{Op: "gte", Count: int64(len(uniq(c.Rules)))}
		}
	}
	return c
}

// setBounds sets the threshold from a condition's operators: one of them, or a lower
// bound (gt or gte) with an upper one (lt or lte) that some count satisfies.
func (t *Threshold) setBounds(b map[string]int64) error {
	_, gt := b["gt"]
	_, gte := b["gte"]
	_, lt := b["lt"]
	_, lte := b["lte"]
	_, eq := b["eq"]
	switch {
	case len(b) == 0:
		return errorf("needs one of gt, gte, lt, lte, eq (or a range: gt or gte with lt or lte)")
	case eq && len(b) > 1:
		return errorf("eq cannot be combined with another bound")
	case gt && gte:
		return errorf("gt and gte cannot be combined (two lower bounds)")
	case lt && lte:
		return errorf("lt and lte cannot be combined (two upper bounds)")
	}
	for _, op := range []string{"eq", "gt", "gte", "lt", "lte"} {
		if n, ok := b[op]; ok && t.Op == "" {
			t.Op, t.Count = op, n
		} else if ok {
			t.UpperOp, t.UpperCount = op, n
		}
	}
	if t.UpperOp != "" {
		lo, hi := t.Count, t.UpperCount
		if t.Op == "gt" {
			lo++
		}
		if t.UpperOp == "lt" {
			hi--
		}
		if lo > hi {
			return errorf("no count satisfies %s %d and %s %d", t.Op, t.Count, t.UpperOp, t.UpperCount)
		}
	}
	return nil
}

func uniq(s []string) []string {
	m := map[string]bool{}
	var out []string
	for _, x := range s {
		if !m[x] {
			m[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

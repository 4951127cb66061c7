package detect

import (
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"github.com/dlclark/regexp2"
)

// Compiled is a detection rule ready to test events: its condition and its logsource's
// conditions (from the pipeline) compiled once. A Compiled is safe for concurrent use by
// Match; an Engine evaluates many of them sharing one cache of the event's fields.
type Compiled struct {
	// Rule is the rule compiled.
	Rule *Rule
	root node
	// logsrc is the pipeline's condition for the rule's logsource (nil: none).
	logsrc node
	lsKey  string
	ft     *fieldTable
	// timeouts counts the rule's regular-expression matches that ran out of time.
	timeouts *atomic.Int64
	// backtracking are the rule's expressions that run on regexp2 (backtracking).
	backtracking []backtrackingRegex
}

// backtrackingRegex is an expression of a rule that RE2 cannot run, where it is written.
type backtrackingRegex struct {
	line        int
	field, expr string
	re          *regexp2.Regexp
}

// regexProbes are the texts a backtracking expression is tried on before a rule is
// stored: runs of one kind of character ending in one that breaks the run, the shape on
// which nested repetition and backreferences backtrack exponentially.
var regexProbes = func() []string {
	var out []string
	for _, unit := range []string{"a", "a ", "aa ", "A1", "1", " ", "/", "\\", ".", "-", "a.", "a/", "%41", "<a>"} {
		run := strings.Repeat(unit, 40/len(unit)+1)
		out = append(out, run+"\x00!", run, "x"+run+"\n")
	}
	return out
}()

// CheckRegexCost tries each of the rule's backtracking regular expressions (those RE2
// cannot run, evaluated by regexp2) on probe texts of about 40 characters and returns a
// *ParseError naming the rule's file, line and field for the first one that takes limit
// or more on one probe in each of three runs (or runs out of RegexTimeout): such an
// expression costs that much on every event it reads, and a rule with it makes every
// site's detection fall behind [issue 13 t13 finding 4: '^(\w+\s?)+\1$' took ~200 ms an
// event]. Nil when every expression is fast or the rule has none.
func (c *Compiled) CheckRegexCost(limit time.Duration) error {
	for _, b := range c.backtracking {
		re := *b.re
		re.MatchTimeout = RegexTimeout
		var worst time.Duration
		var probe string
		for _, p := range regexProbes {
			// A probe over the limit is timed again and its fastest run kept: a busy machine
			// can stall one fast match past the limit, a backtracking one is slow every time.
			took := time.Duration(-1)
			for range 3 {
				start := time.Now()
				_, err := re.MatchString(p)
				run := time.Since(start)
				if err != nil {
					run = max(run, RegexTimeout)
				}
				if took < 0 || run < took {
					took = run
				}
				if took < limit {
					break
				}
			}
			if took > worst {
				worst, probe = took, p
			}
			if worst >= limit {
				break
			}
		}
		if worst >= limit {
			return newParseError(c.Rule.File, b.line, b.field, "regular expression %q backtracks: %s on a %d-character text (the limit is %s); rewrite it without nested repetition or backreferences",
				b.expr, worst.Round(time.Millisecond).String(), len(probe), limit.String())
		}
	}
	return nil
}

// RegexTimeouts returns how many of the rule's regular-expression matches ran out of
// time (RegexTimeout each; such a value counts as not matched) since it was compiled.
// Safe for concurrent use (ProcessBatch's goroutines add to it).
func (c *Compiled) RegexTimeouts() int64 { return c.timeouts.Load() }

// TakeRegexTimeouts returns RegexTimeouts and sets it back to zero, in one step.
func (c *Compiled) TakeRegexTimeouts() int64 { return c.timeouts.Swap(0) }

// RegexTimeout bounds one match of a backtracking regular expression (one RE2 cannot
// run: lookaround, backreferences), so that a rule cannot stall the stream.
const RegexTimeout = regexTimeout

// Compile compiles a detection rule with a pipeline (nil: no field or logsource mapping,
// fields read as the rule names them). Errors are *ParseError naming the rule's file and
// line: an undefined identifier in the condition, a bad regular expression or CIDR, an
// unknown placeholder, a correlation rule given.
func Compile(r *Rule, p *Pipeline) (*Compiled, error) {
	ft := newFieldTable()
	c, err := compileRule(r, p, ft)
	if err != nil {
		return nil, err
	}
	ft.build()
	return c, nil
}

// Match reports whether the event satisfies the rule's logsource conditions and detection.
func (c *Compiled) Match(e *Event) bool {
	ctx := newEvalCtx(c.ft)
	ctx.reset(e)
	return c.match(ctx)
}

func (c *Compiled) match(ctx *evalCtx) bool {
	if c.logsrc != nil && !c.logsrc.eval(ctx) {
		return false
	}
	return c.root.eval(ctx)
}

type compiler struct {
	rule *Rule
	pipe *Pipeline
	ft   *fieldTable
	// timeouts is the rule's count of regular-expression time-outs (Compiled.timeouts).
	timeouts *atomic.Int64
	// backtracking collects the regexp2 expressions (Compiled.backtracking).
	backtracking []backtrackingRegex
}

func (cc *compiler) errf(line int, field, format string, args ...any) *ParseError {
	return newParseError(cc.rule.File, line, field, format, args...)
}

func compileRule(r *Rule, p *Pipeline, ft *fieldTable) (*Compiled, error) {
	if r.Detection == nil {
		return nil, newParseError(r.File, r.Line, "detection", "a correlation rule has no detection to compile")
	}
	cc := &compiler{rule: r, pipe: p, ft: ft, timeouts: new(atomic.Int64)}
	searches := map[string]node{}
	for _, name := range r.Detection.Names {
		n, err := cc.search(r.Detection.Searches[name])
		if err != nil {
			return nil, err
		}
		searches[name] = n
	}
	var roots []node
	for _, cs := range r.Detection.Conditions {
		cond, err := ParseCondition(cs)
		if err != nil {
			return nil, cc.errf(r.Detection.ConditionLine, "detection.condition", "%v", err)
		}
		n, err := cc.cond(cond, searches)
		if err != nil {
			return nil, err
		}
		roots = append(roots, n)
	}
	c := &Compiled{Rule: r, ft: ft, timeouts: cc.timeouts, backtracking: cc.backtracking}
	if len(roots) == 1 {
		c.root = roots[0]
	} else {
		c.root = orNode(roots)
	}
	if p != nil {
		ls, key, err := p.logsourceNode(r.Logsource, ft)
		if err != nil {
			return nil, cc.errf(r.Line, "logsource", "%v", err)
		}
		c.logsrc, c.lsKey = ls, key
	}
	return c, nil
}

func (cc *compiler) cond(c *Cond, searches map[string]node) (node, error) {
	line := cc.rule.Detection.ConditionLine
	switch c.Op {
	case "id":
		n, ok := searches[c.Name]
		if !ok {
			return nil, cc.errf(line, "detection.condition", "%q is not a search identifier of this rule", c.Name)
		}
		return n, nil
	case "of":
		names := expandOf(c.Name, cc.rule.Detection.Names)
		if len(names) == 0 {
			return nil, cc.errf(line, "detection.condition", "%q matches no search identifier", c.Name)
		}
		var ns []node
		for _, n := range names {
			ns = append(ns, searches[n])
		}
		if c.Quant == "all" {
			return andNode(ns), nil
		}
		k, _ := strconv.Atoi(c.Quant)
		if k == 1 {
			return orNode(ns), nil
		}
		return atLeastNode{k: k, ns: ns}, nil
	case "not":
		n, err := cc.cond(c.Args[0], searches)
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	}
	var ns []node
	for _, a := range c.Args {
		n, err := cc.cond(a, searches)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	if c.Op == "and" {
		return andNode(ns), nil
	}
	return orNode(ns), nil
}

func (cc *compiler) search(s *Search) (node, error) {
	var alts []node
	for _, alt := range s.Alternatives {
		n, err := cc.alt(s.Name, alt)
		if err != nil {
			return nil, err
		}
		alts = append(alts, n)
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return orNode(alts), nil
}

func (cc *compiler) alt(name string, alt SearchAlt) (node, error) {
	if alt.IsKeywords {
		fi := FieldItem{Modifiers: alt.KeywordMods, Values: alt.Keywords, Line: alt.Line}
		ms, err := cc.valueMatchers(name, fi, true)
		if err != nil {
			return nil, err
		}
		n := &keywordNode{ms: ms, all: has(fi.Modifiers, "all")}
		n.setPrefilter(cc.ft)
		return n, nil
	}
	var ns andNode
	for _, fi := range alt.Fields {
		n, err := cc.item(name, fi)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	if len(ns) == 1 {
		return ns[0], nil
	}
	return ns, nil
}

func has(mods []string, m string) bool {
	for _, x := range mods {
		if x == m {
			return true
		}
	}
	return false
}

func (cc *compiler) fieldRef(name string) int {
	var names []string
	if cc.pipe != nil {
		names = append(names, cc.pipe.FieldMappings[name]...)
	}
	if !has(names, name) {
		names = append(names, name)
	}
	if cc.pipe != nil {
		for _, p := range cc.pipe.FieldPrefixes {
			names = append(names, p+name)
		}
	}
	return cc.ft.ref(names)
}

func (cc *compiler) item(name string, fi FieldItem) (node, error) {
	f := cc.fieldRef(fi.Field)
	mods := fi.Modifiers
	where := "detection." + name + "." + fi.Field
	if has(mods, "exists") {
		return existsNode{f: f, want: fi.Values[0].Text == "true"}, nil
	}
	if has(mods, "fieldref") {
		mode := "eq"
		for _, m := range []string{"contains", "startswith", "endswith"} {
			if has(mods, m) {
				mode = m
			}
		}
		var ns []node
		for _, v := range fi.Values {
			ns = append(ns, fieldrefNode{f: f, ref: cc.fieldRef(v.Text), mode: mode, cased: has(mods, "cased")})
		}
		if has(mods, "all") {
			return andNode(ns), nil
		}
		if len(ns) == 1 {
			return ns[0], nil
		}
		return orNode(ns), nil
	}
	// A null value matches a missing or null field; mixed with other values it is ORed.
	var nulls []node
	var rest []Value
	for _, v := range fi.Values {
		if v.Kind == "null" {
			nulls = append(nulls, nullNode{f: f})
		} else {
			rest = append(rest, v)
		}
	}
	if len(rest) == 0 {
		return nulls[0], nil
	}
	fi.Values = rest
	ms, err := cc.valueMatchers(where, fi, false)
	if err != nil {
		return nil, err
	}
	n := &fieldNode{f: f, ms: ms, all: has(mods, "all")}
	for _, m := range ms {
		if sm, ok := m.(*strMatcher); ok && !sm.cased {
			n.needLow = true
		}
	}
	n.setPrefilter(cc.ft)
	if len(nulls) > 0 {
		return orNode{nulls[0], n}, nil
	}
	return n, nil
}

// valueMatchers compiles the values of an item with its modifiers. Keywords without a
// wildcard at their ends are searched as infixes of the event's text values.
func (cc *compiler) valueMatchers(where string, fi FieldItem, keyword bool) ([]valueMatcher, error) {
	mods := fi.Modifiers
	var out []valueMatcher
	for _, v := range fi.Values {
		line := v.Line
		if line == 0 {
			line = fi.Line
		}
		switch {
		case has(mods, "re"):
			expr := v.Text
			flags := ""
			for _, f := range []string{"i", "m", "s"} {
				if has(mods, f) {
					flags += f
				}
			}
			m := &reMatcher{timeouts: cc.timeouts}
			goExpr := expr
			if flags != "" {
				goExpr = "(?" + flags + ")" + expr
			}
			re, err := regexp.Compile(goExpr)
			if err == nil {
				m.re = re
				m.lits = regexLiterals(goExpr)
			} else {
				opt := regexp2.RegexOptions(0)
				if has(mods, "i") {
					opt |= regexp2.IgnoreCase
				}
				if has(mods, "m") {
					opt |= regexp2.Multiline
				}
				if has(mods, "s") {
					opt |= regexp2.Singleline
				}
				re2, err2 := regexp2.Compile(expr, opt)
				if err2 != nil {
					return nil, cc.errf(line, where, "bad regular expression %q: %v", expr, err)
				}
				re2.MatchTimeout = regexTimeout
				m.re2 = re2
				cc.backtracking = append(cc.backtracking, backtrackingRegex{line: line, field: where, expr: expr, re: re2})
			}
			out = append(out, m)
			continue
		case has(mods, "cidr"):
			p, err := netip.ParsePrefix(strings.TrimSpace(v.Text))
			if err != nil {
				return nil, cc.errf(line, where, "bad CIDR %q", v.Text)
			}
			out = append(out, cidrMatcher{p: p.Masked()})
			continue
		}
		if op := numOp(mods); op != "" {
			n, _ := strconv.ParseFloat(v.Text, 64)
			out = append(out, numMatcher{op: op, n: n})
			continue
		}
		texts := []string{v.Text}
		if has(mods, "expand") {
			var err error
			texts, err = cc.expand(v.Text)
			if err != nil {
				return nil, cc.errf(line, where, "%v", err)
			}
		}
		for _, text := range texts {
			cased := has(mods, "cased")
			var variants [][]gtok
			if has(mods, "base64") || has(mods, "base64offset") {
				raw := encodeUTF16(text, mods)
				cased = true // base64 text is case-sensitive
				if has(mods, "base64") {
					variants = append(variants, []gtok{{kind: tokLit, lit: base64.StdEncoding.EncodeToString(raw)}})
				} else {
					for _, s := range base64Offsets(raw) {
						variants = append(variants, []gtok{{kind: tokLit, lit: s}})
					}
				}
			} else {
				variants = [][]gtok{parseSigmaString(text, has(mods, "windash"))}
			}
			for _, toks := range variants {
				switch {
				case has(mods, "contains") || (keyword && !has(mods, "startswith") && !has(mods, "endswith")):
					toks = wrapStar(toks, true, true)
				case has(mods, "startswith"):
					toks = wrapStar(toks, false, true)
				case has(mods, "endswith"):
					toks = wrapStar(toks, true, false)
				}
				for _, t := range expandDashes(toks) {
					out = append(out, newStrMatcher(t, cased))
				}
			}
		}
	}
	return out, nil
}

func numOp(mods []string) string {
	for _, m := range []string{"gt", "gte", "lt", "lte"} {
		if has(mods, m) {
			return m
		}
	}
	return ""
}

func wrapStar(toks []gtok, lead, trail bool) []gtok {
	out := make([]gtok, 0, len(toks)+2)
	if lead && (len(toks) == 0 || toks[0].kind != tokStar) {
		out = append(out, gtok{kind: tokStar})
	}
	out = append(out, toks...)
	if trail && (len(out) == 0 || out[len(out)-1].kind != tokStar) {
		out = append(out, gtok{kind: tokStar})
	}
	return out
}

// expandDashes turns up to two windash tokens into literal variants (at most 25), so
// that common patterns keep the fast string shapes; more stay as dash tokens.
func expandDashes(toks []gtok) [][]gtok {
	n := 0
	for _, t := range toks {
		if t.kind == tokDash {
			n++
		}
	}
	if n == 0 || n > 2 {
		return [][]gtok{toks}
	}
	out := [][]gtok{nil}
	for _, t := range toks {
		if t.kind != tokDash {
			for i := range out {
				out[i] = append(out[i], t)
			}
			continue
		}
		var next [][]gtok
		for _, prefix := range out {
			for _, r := range dashRunes {
				v := append(append([]gtok(nil), prefix...), gtok{kind: tokLit, lit: string(r)})
				next = append(next, v)
			}
		}
		out = next
	}
	for i := range out {
		out[i] = mergeLits(out[i])
	}
	return out
}

func mergeLits(toks []gtok) []gtok {
	var out []gtok
	for _, t := range toks {
		if t.kind == tokLit && len(out) > 0 && out[len(out)-1].kind == tokLit {
			out[len(out)-1].lit += t.lit
			continue
		}
		out = append(out, t)
	}
	return out
}

// encodeUTF16 applies utf16le/wide, utf16be or utf16 (little-endian with a byte order
// mark) before base64; without them the text's UTF-8 bytes are used.
func encodeUTF16(s string, mods []string) []byte {
	var order binary.AppendByteOrder
	bom := false
	switch {
	case has(mods, "utf16le") || has(mods, "wide"):
		order = binary.LittleEndian
	case has(mods, "utf16be"):
		order = binary.BigEndian
	case has(mods, "utf16"):
		order, bom = binary.LittleEndian, true
	default:
		return []byte(s)
	}
	units := utf16.Encode([]rune(s))
	var out []byte
	if bom {
		out = append(out, 0xFF, 0xFE)
	}
	for _, u := range units {
		out = order.AppendUint16(out, u)
	}
	return out
}

// base64Offsets returns the three base64 forms of b as it may appear at any offset inside
// a longer encoded text, with the characters that depend on the neighbours cut off (as
// pySigma's base64offset modifier does).
func base64Offsets(b []byte) []string {
	start := []int{0, 2, 3}
	endCut := []int{0, 3, 2}
	var out []string
	for i := 0; i < 3; i++ {
		padded := append(make([]byte, i), b...)
		for j := 0; j < i; j++ {
			padded[j] = ' '
		}
		enc := base64.StdEncoding.EncodeToString(padded)
		cut := endCut[(len(b)+i)%3]
		if start[i] > len(enc)-cut {
			continue
		}
		out = append(out, enc[start[i]:len(enc)-cut])
	}
	return out
}

var placeholderRE = regexp.MustCompile(`%([A-Za-z0-9_.\-]+)%`)

// expand replaces each %name% placeholder by each of its configured values.
func (cc *compiler) expand(s string) ([]string, error) {
	out := []string{""}
	last := 0
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(s, -1) {
		name := s[m[2]:m[3]]
		var vals []string
		if cc.pipe != nil {
			vals = cc.pipe.Placeholders[name]
		}
		if len(vals) == 0 {
			return nil, errorf("placeholder %%%s%% has no values in the pipeline's placeholders", name)
		}
		lit := s[last:m[0]]
		var next []string
		for _, prefix := range out {
			for _, v := range vals {
				next = append(next, prefix+lit+v)
			}
		}
		if len(next) > 4096 {
			return nil, errorf("placeholders expand to more than 4096 values")
		}
		out = next
		last = m[1]
	}
	for i := range out {
		out[i] += s[last:]
	}
	return out, nil
}

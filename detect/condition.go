package detect

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Cond is a parsed Sigma condition (Sigma specification, "Condition"): an identifier, a
// quantified pattern ("1 of selection_*", "all of them"), or not/and/or of conditions.
type Cond struct {
	// Op is "id", "of", "not", "and" or "or".
	Op string
	// Name is the identifier (Op "id") or the pattern, possibly with * and ?, or "them"
	// (Op "of").
	Name string
	// Quant is the quantifier of Op "of": "all" or a positive number ("1").
	Quant string
	// Args are the operands of not (one), and, or (two or more).
	Args []*Cond
}

// String prints the condition in Sigma syntax, fully parenthesised.
func (c *Cond) String() string {
	switch c.Op {
	case "id":
		return c.Name
	case "of":
		return c.Quant + " of " + c.Name
	case "not":
		return "not " + c.Args[0].String()
	}
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	return "(" + strings.Join(parts, " "+c.Op+" ") + ")"
}

// ConditionError is a syntax error in a condition, at a 1-based character position.
type ConditionError struct {
	Pos int
	Msg string
	// format and args state Msg (messageKeys names format for translation).
	format string
	args   []any
}

func condErr(pos int, format string, args ...any) *ConditionError {
	return &ConditionError{Pos: pos, Msg: fmt.Sprintf(format, args...), format: format, args: args}
}

// Error implements error.
func (e *ConditionError) Error() string {
	return fmt.Sprintf("condition, character %d: %s", e.Pos, e.Msg)
}

type token struct {
	text string
	pos  int
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			out = append(out, token{string(c), i + 1})
			i++
		case c == '|':
			return nil, condErr(i+1, "aggregations (\"| count() ...\") belong to correlation rules, not conditions")
		case isIdentChar(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			out = append(out, token{s[i:j], i + 1})
			i = j
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return nil, condErr(i+1, "unexpected character %q", r)
		}
	}
	return out, nil
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '*' || c == '?' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// ParseCondition parses one Sigma condition expression. Precedence, from loosest: or,
// and, not; parentheses group; "N of pattern" and "all of pattern" quantify over search
// identifiers matching the pattern (* and ?), "them" meaning every identifier not starting
// with "_". Keywords are case-insensitive. Errors are *ConditionError.
func ParseCondition(s string) (*Cond, error) {
	if len(s) > 64<<10 {
		return nil, condErr(1, "condition longer than 64 KiB")
	}
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &condParser{toks: toks, end: len(s) + 1}
	if len(toks) == 0 {
		return nil, condErr(1, "empty condition")
	}
	c, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, condErr(p.toks[p.i].pos, "unexpected %q", p.toks[p.i].text)
	}
	return c, nil
}

type condParser struct {
	toks []token
	i    int
	end  int
}

const maxCondDepth = 200

func (p *condParser) peek() string {
	if p.i < len(p.toks) {
		return strings.ToLower(p.toks[p.i].text)
	}
	return ""
}

func (p *condParser) pos() int {
	if p.i < len(p.toks) {
		return p.toks[p.i].pos
	}
	return p.end
}

func (p *condParser) or(depth int) (*Cond, error) {
	a, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	args := []*Cond{a}
	for p.peek() == "or" {
		p.i++
		b, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, b)
	}
	if len(args) == 1 {
		return a, nil
	}
	return &Cond{Op: "or", Args: args}, nil
}

func (p *condParser) and(depth int) (*Cond, error) {
	a, err := p.not(depth)
	if err != nil {
		return nil, err
	}
	args := []*Cond{a}
	for p.peek() == "and" {
		p.i++
		b, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, b)
	}
	if len(args) == 1 {
		return a, nil
	}
	return &Cond{Op: "and", Args: args}, nil
}

func (p *condParser) not(depth int) (*Cond, error) {
	if depth > maxCondDepth {
		return nil, condErr(p.pos(), "nested too deeply")
	}
	if p.peek() == "not" {
		p.i++
		a, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Cond{Op: "not", Args: []*Cond{a}}, nil
	}
	return p.primary(depth)
}

func isKeyword(s string) bool {
	switch s {
	case "and", "or", "not", "of", "them":
		return true
	}
	return false
}

func (p *condParser) primary(depth int) (*Cond, error) {
	if p.i >= len(p.toks) {
		return nil, condErr(p.end, "condition ends too early")
	}
	t := p.toks[p.i]
	lt := strings.ToLower(t.text)
	switch {
	case lt == "(":
		p.i++
		c, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, condErr(p.pos(), "missing \")\"")
		}
		p.i++
		return c, nil
	case lt == ")":
		return nil, condErr(t.pos, "unexpected \")\"")
	case isKeyword(lt):
		return nil, condErr(t.pos, "unexpected %q", t.text)
	}
	// "N of x" or "all of x"?
	if p.i+1 < len(p.toks) && strings.ToLower(p.toks[p.i+1].text) == "of" {
		quant := lt
		if quant != "all" {
			n, err := strconv.Atoi(quant)
			if err != nil || n < 1 {
				return nil, condErr(t.pos, "%q before \"of\": want \"all\" or a positive number", t.text)
			}
		}
		p.i += 2
		if p.i >= len(p.toks) {
			return nil, condErr(p.end, "\"of\" needs a pattern or \"them\"")
		}
		target := p.toks[p.i]
		lt2 := strings.ToLower(target.text)
		if lt2 == "(" || lt2 == ")" || (isKeyword(lt2) && lt2 != "them") {
			return nil, condErr(target.pos, "\"of\" needs a pattern or \"them\"")
		}
		p.i++
		name := target.text
		if lt2 == "them" {
			name = "them"
		} else if _, err := path.Match(name, ""); err != nil {
			return nil, condErr(target.pos, "bad pattern %q", name)
		}
		return &Cond{Op: "of", Quant: quant, Name: name}, nil
	}
	if strings.ContainsAny(t.text, "*?") {
		return nil, condErr(t.pos, "wildcard identifier %q needs \"1 of\" or \"all of\"", t.text)
	}
	p.i++
	return &Cond{Op: "id", Name: t.text}, nil
}

// expandOf returns the search names a quantified condition ranges over, in order.
func expandOf(pattern string, names []string) []string {
	var out []string
	for _, n := range names {
		if pattern == "them" {
			if !strings.HasPrefix(n, "_") {
				out = append(out, n)
			}
			continue
		}
		if ok, _ := path.Match(pattern, n); ok {
			out = append(out, n)
		}
	}
	return out
}

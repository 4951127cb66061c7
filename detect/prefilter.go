package detect

import (
	"regexp/syntax"
	"unicode"
)

// The literal prefilter: most rules fail because a field lacks the text they look for.
// Every field test whose values are all case-insensitive text patterns needs its field to
// contain at least one of their literals (a pattern "*\whoami.exe" needs "\whoami.exe").
// An engine gathers these literals per field into one Aho-Corasick automaton; for each
// event, each field's lower-cased text is scanned once, and a field test whose literals
// are all absent fails without running its matchers. This is how the engine keeps its
// cost per event low with a thousand rules.

// litIndex is the literal set of one field reference.
type litIndex struct {
	ids  map[string]int32
	pats []string
	ac   *acMatcher
}

func (t *fieldTable) literal(f int, lit string) int32 {
	for len(t.lits) <= f {
		t.lits = append(t.lits, nil)
	}
	li := t.lits[f]
	if li == nil {
		li = &litIndex{ids: map[string]int32{}}
		t.lits[f] = li
	}
	if id, ok := li.ids[lit]; ok {
		return id
	}
	id := int32(len(li.pats))
	li.ids[lit] = id
	li.pats = append(li.pats, lit)
	li.ac = nil
	return id
}

// build makes the automata of every field whose literal set changed. It must run after
// compiling and before matching (compileRule and NewEngine call it).
func (t *fieldTable) build() {
	for _, li := range t.lits {
		if li != nil && li.ac == nil {
			li.ac = buildAC(li.pats)
		}
	}
}

// requiredLiterals returns literals one of which text matching m must contain
// (lower-cased), or false when there is no such set (a case-sensitive matcher, a bare
// "*", a regular expression without a required literal).
func requiredLiterals(m valueMatcher) ([]string, bool) {
	if rm, ok := m.(*reMatcher); ok {
		return rm.lits, rm.re != nil && len(rm.lits) > 0
	}
	sm, ok := m.(*strMatcher)
	if !ok || sm.cased {
		return nil, false
	}
	switch sm.shape {
	case shapeEq, shapePrefix, shapeSuffix, shapeContains:
		return []string{sm.lit}, sm.lit != ""
	case shapeGlob:
		best := ""
		for _, t := range sm.toks {
			if t.kind == tokLit && len(t.lit) > len(best) {
				best = t.lit
			}
		}
		return []string{best}, best != ""
	}
	return nil, false
}

// minRegexLiteral is the shortest literal regexLiterals gives: shorter ones would match
// nearly every text and only fill the automaton.
const minRegexLiteral = 3

// regexLiterals returns lower-cased literals one of which every text the expression
// (Go syntax, flags inside) matches contains, or nil. It reads the parsed expression: a
// literal must occur; a concatenation needs what its most selective part needs; an
// alternation one of its branches' sets; x+ and x{n,} with n ≥ 1 what x needs. A
// case-insensitive literal is kept only where lower-casing the text cannot miss it: a
// character whose case-folding equivalents lower-case differently (s and ſ, U+017F)
// splits it. The prefilter scans the lower-cased text, so these literals are a
// necessary condition for a match, never a change of result.
func regexLiterals(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	lits := reLits(re.Simplify())
	for _, l := range lits {
		if len(l) < minRegexLiteral {
			return nil
		}
	}
	return lits
}

func reLits(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		best := ""
		var cur []rune
		flush := func() {
			if s := string(cur); len(s) > len(best) {
				best = s
			}
			cur = cur[:0]
		}
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && !foldSafe(r) {
				flush()
				continue
			}
			cur = append(cur, unicode.ToLower(r))
		}
		flush()
		if best == "" {
			return nil
		}
		return []string{best}
	case syntax.OpCapture, syntax.OpPlus:
		return reLits(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reLits(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		score := -1
		for _, sub := range re.Sub {
			l := reLits(sub)
			if len(l) == 0 {
				continue
			}
			sc := 1 << 30
			for _, x := range l {
				sc = min(sc, len(x))
			}
			if sc > score {
				best, score = l, sc
			}
		}
		return best
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			l := reLits(sub)
			if len(l) == 0 {
				return nil
			}
			out = append(out, l...)
		}
		return out
	}
	return nil
}

// foldSafe reports whether every character that case-folds to r lower-cases to what r
// lower-cases to (true for K and the Kelvin sign, false for s and ſ).
func foldSafe(r rune) bool {
	low := unicode.ToLower(r)
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if unicode.ToLower(f) != low {
			return false
		}
	}
	return true
}

// setPrefilter registers the node's literals when every matcher has one.
func (n *fieldNode) setPrefilter(t *fieldTable) {
	n.litIDs, n.pre = literalIDs(t, n.f, n.ms)
}

// setPrefilter registers the keyword node's literals under the keyword pseudo field.
func (n *keywordNode) setPrefilter(t *fieldTable) {
	n.litIDs, n.pre = literalIDs(t, t.keywordRef(), n.ms)
}

func literalIDs(t *fieldTable, f int, ms []valueMatcher) ([]int32, bool) {
	var lits []string
	for _, m := range ms {
		l, ok := requiredLiterals(m)
		if !ok {
			return nil, false
		}
		lits = append(lits, l...)
	}
	ids := make([]int32, len(lits))
	for i, l := range lits {
		ids[i] = t.literal(f, l)
	}
	return ids, true
}

// hasAny reports whether any of ids is set in bits.
func hasAny(bits []uint64, ids []int32) bool {
	for _, id := range ids {
		if bits[id>>6]&(1<<(uint(id)&63)) != 0 {
			return true
		}
	}
	return false
}

// litBits returns the set of the field's literals found in its lower-cased text, scanning
// it once per event.
func (c *evalCtx) litBits(f int) []uint64 {
	for len(c.bgen) <= f {
		c.bgen = append(c.bgen, 0)
		c.bits = append(c.bits, nil)
	}
	if c.bgen[f] == c.gen {
		return c.bits[f]
	}
	c.bgen[f] = c.gen
	li := c.ft.lits[f]
	words := (len(li.pats) + 63) / 64
	b := c.bits[f]
	if cap(b) < words {
		b = make([]uint64, words)
	} else {
		b = b[:words]
		clear(b)
	}
	if f == c.ft.kwRef {
		low, _ := c.keywords()
		for _, s := range low {
			li.ac.scan(s, b)
		}
	} else if txt, ok := c.text(f); ok {
		// ASCII text is folded while scanning; other text is lower-cased first.
		if !li.ac.scanFold(txt, b) {
			low, _ := c.lower(f)
			li.ac.scan(low, b)
		}
	} else {
		if list, ok := c.list(f); ok {
			// A list matches when an element does: gather the literals of every element.
			for _, e := range list {
				if s, ok := scalarText(e); ok {
					li.ac.scan(toLower(s), b)
				}
			}
		}
	}
	c.bits[f] = b
	return b
}

// acMatcher is an Aho-Corasick automaton over bytes.
type acMatcher struct {
	root  [256]int32 // transitions of the root (-1: none)
	nodes []acNode
	// The same automaton as a table, when it fits in maxDenseEntries: delta[state*nclass +
	// class] is the next state, failure links already followed, so a scan does one load
	// per byte. Bytes are numbered by class: every byte some pattern holds has its own
	// class, every other byte is class 0 (it leads back to the root from anywhere).
	// foldClass is the class of a byte's ASCII lower case; rep[state] is
	// nodes[state].report, kept apart so that the scan reads only small arrays.
	class, foldClass [256]uint8
	nclass           int
	delta            []int32
	rep              []int32
}

// maxDenseEntries bounds one automaton's table (int32 entries: 8 MB). A larger literal
// set keeps the sparse automaton, walking failure links.
const maxDenseEntries = 1 << 21

type acNode struct {
	keys []byte
	next []int32
	fail int32
	// report is the nearest state, this one or along the failure links, that ends a
	// pattern (0: none); dict is the next such state after this one.
	report int32
	dict   int32
	out    []int32
}

func (a *acMatcher) child(st int32, b byte) int32 {
	if st == 0 {
		return a.root[b]
	}
	n := &a.nodes[st]
	for i, k := range n.keys {
		if k == b {
			return n.next[i]
		}
	}
	return -1
}

func buildAC(pats []string) *acMatcher {
	a := &acMatcher{nodes: []acNode{{}}}
	for i := range a.root {
		a.root[i] = -1
	}
	for id, p := range pats {
		st := int32(0)
		for i := 0; i < len(p); i++ {
			nx := a.child(st, p[i])
			if nx < 0 {
				nx = int32(len(a.nodes))
				a.nodes = append(a.nodes, acNode{})
				if st == 0 {
					a.root[p[i]] = nx
				} else {
					a.nodes[st].keys = append(a.nodes[st].keys, p[i])
					a.nodes[st].next = append(a.nodes[st].next, nx)
				}
			}
			st = nx
		}
		a.nodes[st].out = append(a.nodes[st].out, int32(id))
	}
	// Breadth-first: failure links, then report and dict links.
	var queue []int32
	for b := 0; b < 256; b++ {
		if v := a.root[b]; v >= 0 {
			a.nodes[v].fail = 0
			queue = append(queue, v)
		}
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		un := &a.nodes[u]
		f := un.fail
		if len(un.out) > 0 {
			un.report = u
		} else {
			un.report = a.nodes[f].report
		}
		un.dict = a.nodes[f].report
		for i, b := range un.keys {
			v := un.next[i]
			g := f
			for {
				if x := a.child(g, b); x >= 0 {
					a.nodes[v].fail = x
					break
				}
				if g == 0 {
					a.nodes[v].fail = 0
					break
				}
				g = a.nodes[g].fail
			}
			queue = append(queue, v)
		}
	}
	a.buildDense(pats)
	return a
}

// buildDense fills the automaton's table, or leaves it empty when it would exceed
// maxDenseEntries or the patterns hold more than 255 distinct bytes.
func (a *acMatcher) buildDense(pats []string) {
	var used [256]bool
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			used[p[i]] = true
		}
	}
	var bytesOf []byte // the byte of each class (class 0 has none)
	bytesOf = append(bytesOf, 0)
	for b := 0; b < 256; b++ {
		if used[b] {
			if len(bytesOf) == 256 {
				return
			}
			a.class[b] = uint8(len(bytesOf))
			bytesOf = append(bytesOf, byte(b))
		}
	}
	nc := len(bytesOf)
	if len(a.nodes)*nc > maxDenseEntries {
		return
	}
	for b := 0; b < 256; b++ {
		l := byte(b)
		if 'A' <= l && l <= 'Z' {
			l += 'a' - 'A'
		}
		a.foldClass[b] = a.class[l]
	}
	delta := make([]int32, len(a.nodes)*nc)
	rep := make([]int32, len(a.nodes))
	// Breadth-first, so that a state's failure state has its row already.
	queue := []int32{0}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		rep[u] = a.nodes[u].report
		for c := 1; c < nc; c++ {
			if v := a.child(u, bytesOf[c]); v >= 0 {
				delta[int(u)*nc+c] = v
				queue = append(queue, v)
			} else if u != 0 {
				delta[int(u)*nc+c] = delta[int(a.nodes[u].fail)*nc+c]
			}
		}
	}
	a.nclass, a.delta, a.rep = nc, delta, rep
}

// emit sets the bits of the patterns ending at state st.
func (a *acMatcher) emit(st int32, bits []uint64) {
	for o := st; o > 0; o = a.nodes[o].dict {
		for _, id := range a.nodes[o].out {
			bits[id>>6] |= 1 << (uint(id) & 63)
		}
	}
}

// scanFold is scan on the ASCII lower-case of s. It returns false if s holds a byte that
// is not ASCII (whose lower case the caller must compute and scan); the bits it may have
// set then are only patterns that scan finds in the lower-cased text too.
func (a *acMatcher) scanFold(s string, bits []uint64) bool {
	if a.delta != nil {
		// One pass: a byte beyond ASCII stops it. The bits set before are of patterns in
		// an ASCII prefix, which the lower-cased text begins with too: the caller's scan
		// of it sets them again.
		st, nc := int32(0), a.nclass
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return false
			}
			st = a.delta[int(st)*nc+int(a.foldClass[s[i]])]
			if r := a.rep[st]; r > 0 {
				a.emit(r, bits)
			}
		}
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	st := int32(0)
	for i := 0; i < len(s); i++ {
		b := s[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		for {
			if nx := a.child(st, b); nx >= 0 {
				st = nx
				break
			}
			if st == 0 {
				break
			}
			st = a.nodes[st].fail
		}
		for o := a.nodes[st].report; o > 0; o = a.nodes[o].dict {
			for _, id := range a.nodes[o].out {
				bits[id>>6] |= 1 << (uint(id) & 63)
			}
		}
	}
	return true
}

// scan sets the bit of every pattern that occurs in s.
func (a *acMatcher) scan(s string, bits []uint64) {
	if a.delta != nil {
		st, nc := int32(0), a.nclass
		for i := 0; i < len(s); i++ {
			st = a.delta[int(st)*nc+int(a.class[s[i]])]
			if r := a.rep[st]; r > 0 {
				a.emit(r, bits)
			}
		}
		return
	}
	st := int32(0)
	for i := 0; i < len(s); i++ {
		b := s[i]
		for {
			if nx := a.child(st, b); nx >= 0 {
				st = nx
				break
			}
			if st == 0 {
				break
			}
			st = a.nodes[st].fail
		}
		for o := a.nodes[st].report; o > 0; o = a.nodes[o].dict {
			for _, id := range a.nodes[o].out {
				bits[id>>6] |= 1 << (uint(id) & 63)
			}
		}
	}
}

// gateLit is one literal of one field.
type gateLit struct {
	f  int
	id int32
}

// gate returns literals one of which the event must hold for the node to be true, or
// false when there is no such set. For "and" it takes the child whose shortest literal is
// longest (the most selective); for "or" and "N of" it needs every child's set.
func gate(n node, t *fieldTable) ([]gateLit, bool) {
	switch x := n.(type) {
	case *fieldNode:
		if !x.pre {
			return nil, false
		}
		out := make([]gateLit, len(x.litIDs))
		for i, id := range x.litIDs {
			out[i] = gateLit{x.f, id}
		}
		return out, true
	case *keywordNode:
		if !x.pre {
			return nil, false
		}
		out := make([]gateLit, len(x.litIDs))
		for i, id := range x.litIDs {
			out[i] = gateLit{t.kwRef, id}
		}
		return out, true
	case andNode:
		var best []gateLit
		bestScore := -1
		for _, c := range x {
			g, ok := gate(c, t)
			if !ok {
				continue
			}
			score := 1 << 30
			for _, l := range g {
				score = min(score, len(t.lits[l.f].pats[l.id]))
			}
			if score > bestScore || (score == bestScore && len(g) < len(best)) {
				best, bestScore = g, score
			}
		}
		return best, bestScore >= 0
	case orNode:
		return gateUnion(x, t)
	case atLeastNode:
		return gateUnion(x.ns, t)
	}
	return nil, false
}

func gateUnion(ns []node, t *fieldTable) ([]gateLit, bool) {
	var out []gateLit
	for _, c := range ns {
		g, ok := gate(c, t)
		if !ok {
			return nil, false
		}
		out = append(out, g...)
	}
	return out, len(out) > 0
}

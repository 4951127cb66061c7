package detect

import (
	"encoding/json"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/dlclark/regexp2"
)

// fieldTable interns the field references of compiled rules so that one event's values
// are looked up once for all rules of an engine. A reference is the list of event field
// names tried in order (the pipeline's mapped names, then the rule's own name).
type fieldTable struct {
	index map[string]int
	names [][]string
	// logsources caches compiled logsource conditions, so that rules of one logsource
	// share one condition, evaluated once per event.
	logsources map[lsCacheKey]node
	// lits holds, per field reference, the literals of the prefilter (prefilter.go).
	lits []*litIndex
	// kwRef is the pseudo field reference of keyword search (every text value); -1 until used.
	kwRef int
	// slots numbers the event field names that references read, and nameSlots gives,
	// per reference, the slots of its names in order: a flat event's members are placed
	// in their slots once per event, and references read them without hashing.
	slots     map[string]int32
	nameSlots [][]int32
}

// keywordRef returns the pseudo field reference whose literals are those of keyword
// searches; its "text" is every text value of the event.
func (t *fieldTable) keywordRef() int {
	if t.kwRef < 0 {
		t.kwRef = t.ref([]string{"\x00keywords"})
	}
	return t.kwRef
}

type lsCacheKey struct {
	p   *Pipeline
	key string
}

func newFieldTable() *fieldTable {
	return &fieldTable{index: map[string]int{}, logsources: map[lsCacheKey]node{}, kwRef: -1, slots: map[string]int32{}}
}

func (t *fieldTable) ref(names []string) int {
	key := strings.Join(names, "\x00")
	if i, ok := t.index[key]; ok {
		return i
	}
	t.index[key] = len(t.names)
	t.names = append(t.names, names)
	ss := make([]int32, len(names))
	for i, n := range names {
		s, ok := t.slots[n]
		if !ok {
			s = int32(len(t.slots))
			t.slots[n] = s
		}
		ss[i] = s
	}
	t.nameSlots = append(t.nameSlots, ss)
	return len(t.names) - 1
}

// evalCtx caches one event's field values and their text forms across the rules
// evaluated on it. Entries are valid when their generation equals gen.
type evalCtx struct {
	ft   *fieldTable
	ev   *Event
	gen  uint32
	fgen []uint32
	fval []any
	fok  []bool
	sgen []uint32
	str  []string
	sok  []bool
	lgen []uint32
	low  []string
	// Keyword search: every text value of the event, lower-cased and as it is.
	kwGen  uint32
	kwLow  []string
	kwOrig []string
	// Logsource conditions, by index in the engine.
	lsGen    []uint32
	lsVal    []bool
	plainGen uint32
	plain    bool
	// arena holds the lower-cased texts of the current event (lowerArena).
	arena []byte
	// Prefilter: per field, the literals found in its text.
	bgen []uint32
	bits [][]uint64
	// A flat event (Event.flat): slotGen and slotIdx give, per slot of the field table,
	// the index of the member holding that name this event; present lists the slots
	// filled. keyName and keySlot remember the slot of each position of the previous
	// event, whose names most events repeat in the same order.
	flat    bool
	slotGen []uint32
	slotIdx []int32
	present []int32
	keyName []string
	keySlot []int32
	// fidx caches, for a flat event, the member index of each reference (-1: absent).
	fidx []int32
	// slotted: a map event without nested maps, its fields placed in slots (slotVal
	// holds the values) by placeMap.
	slotted bool
	slotVal []any
}

func newEvalCtx(ft *fieldTable) *evalCtx { return &evalCtx{ft: ft} }

func (c *evalCtx) reset(ev *Event) {
	c.ev = ev
	c.gen++
	if cap(c.arena) > 1<<20 {
		c.arena = nil // do not keep a huge event's buffer
	}
	c.arena = c.arena[:0]
	if c.gen == 0 { // wrapped: clear every stamp
		clear(c.fgen)
		clear(c.sgen)
		clear(c.lgen)
		clear(c.lsGen)
		clear(c.bgen)
		clear(c.slotGen)
		c.kwGen = 0
		c.plainGen = 0
		c.gen = 1
	}
	if n := len(c.ft.names); len(c.fgen) < n {
		c.fgen = append(c.fgen, make([]uint32, n-len(c.fgen))...)
		c.fval = append(c.fval, make([]any, n-len(c.fval))...)
		c.fok = append(c.fok, make([]bool, n-len(c.fok))...)
		c.sgen = append(c.sgen, make([]uint32, n-len(c.sgen))...)
		c.str = append(c.str, make([]string, n-len(c.str))...)
		c.sok = append(c.sok, make([]bool, n-len(c.sok))...)
		c.lgen = append(c.lgen, make([]uint32, n-len(c.lgen))...)
		c.low = append(c.low, make([]string, n-len(c.low))...)
		c.fidx = append(c.fidx, make([]int32, n-len(c.fidx))...)
	}
	c.flat = ev != nil && ev.Fields == nil && ev.flat != nil
	c.slotted = false
	if c.flat {
		c.placeFlat()
	} else if ev != nil {
		c.slotted = c.placeMap()
	}
}

// placeMap puts each field of a map event whose name some reference reads in its slot,
// as placeFlat does, when the event has no nested map (its fields are then found only
// under their own names, Event.Lookup's first step). It returns false, having placed
// nothing usable, for an event with a nested map, which value reads through Lookup.
func (c *evalCtx) placeMap() bool {
	if n := len(c.ft.slots); len(c.slotGen) < n {
		c.slotGen = append(c.slotGen, make([]uint32, n-len(c.slotGen))...)
		c.slotIdx = append(c.slotIdx, make([]int32, n-len(c.slotIdx))...)
	}
	if len(c.slotVal) < len(c.slotGen) {
		c.slotVal = append(c.slotVal, make([]any, len(c.slotGen)-len(c.slotVal))...)
	}
	c.present = c.present[:0]
	for k, v := range c.ev.Fields {
		if _, nested := v.(map[string]any); nested {
			return false
		}
		if s, ok := c.ft.slots[k]; ok {
			c.slotGen[s] = c.gen
			c.slotVal[s] = v
			c.present = append(c.present, s)
		}
	}
	return true
}

// placeFlat puts each member of the flat event whose name some reference reads in its slot.
func (c *evalCtx) placeFlat() {
	if n := len(c.ft.slots); len(c.slotGen) < n {
		c.slotGen = append(c.slotGen, make([]uint32, n-len(c.slotGen))...)
		c.slotIdx = append(c.slotIdx, make([]int32, n-len(c.slotIdx))...)
	}
	c.present = c.present[:0]
	for i := range c.ev.flat {
		name := c.ev.flat[i].name
		var s int32
		if i < len(c.keyName) && c.keyName[i] == name {
			s = c.keySlot[i]
		} else {
			x, ok := c.ft.slots[name]
			if !ok {
				x = -1
			}
			s = x
			if i < len(c.keyName) {
				c.keyName[i], c.keySlot[i] = name, s
			} else if i < maxInternedKeys {
				c.keyName = append(c.keyName, name)
				c.keySlot = append(c.keySlot, s)
			}
		}
		if s >= 0 {
			c.slotGen[s] = c.gen
			c.slotIdx[s] = int32(i)
			c.present = append(c.present, s)
		}
	}
}

// member returns the flat event's member read by reference f, or nil when absent.
func (c *evalCtx) member(f int) *flatField {
	if c.fgen[f] != c.gen {
		c.fgen[f] = c.gen
		c.fidx[f] = -1
		for _, s := range c.ft.nameSlots[f] {
			if c.slotGen[s] == c.gen {
				c.fidx[f] = c.slotIdx[s]
				break
			}
		}
	}
	if i := c.fidx[f]; i >= 0 {
		return &c.ev.flat[i]
	}
	return nil
}

// has reports whether the event has the field (null included).
func (c *evalCtx) has(f int) bool {
	if c.flat {
		return c.member(f) != nil
	}
	_, ok := c.value(f)
	return ok
}

// null reports whether the event has the field and whether its value is null.
func (c *evalCtx) null(f int) (present, null bool) {
	if c.flat {
		m := c.member(f)
		return m != nil, m != nil && m.kind == kindNull
	}
	v, ok := c.value(f)
	return ok, ok && v == nil
}

// list returns the elements of the field's value when it is a list.
func (c *evalCtx) list(f int) ([]any, bool) {
	if c.flat {
		if m := c.member(f); m != nil && m.kind == kindList {
			return *m.list, true
		}
		return nil, false
	}
	v, _ := c.value(f)
	return listValues(v)
}

func (c *evalCtx) value(f int) (any, bool) {
	if c.flat {
		if m := c.member(f); m != nil {
			return m.value(), true
		}
		return nil, false
	}
	if c.fgen[f] != c.gen && c.slotted {
		c.fgen[f] = c.gen
		c.fval[f], c.fok[f] = nil, false
		for _, s := range c.ft.nameSlots[f] {
			if c.slotGen[s] == c.gen {
				c.fval[f], c.fok[f] = c.slotVal[s], true
				break
			}
		}
	}
	if c.fgen[f] != c.gen {
		c.fgen[f] = c.gen
		c.fval[f], c.fok[f] = nil, false
		plain := c.plainEvent()
		for _, n := range c.ft.names[f] {
			if plain {
				// No dotted key and no nested map: only a plain name can be there.
				if strings.IndexByte(n, '.') >= 0 {
					continue
				}
				if v, ok := c.ev.Fields[n]; ok {
					c.fval[f], c.fok[f] = v, true
					break
				}
				continue
			}
			if v, ok := c.ev.Lookup(n); ok {
				c.fval[f], c.fok[f] = v, true
				break
			}
		}
	}
	return c.fval[f], c.fok[f]
}

// plainEvent reports whether the event has neither dotted keys nor nested maps (as
// Windows event-log events have), computed once per event.
func (c *evalCtx) plainEvent() bool {
	if c.plainGen != c.gen {
		c.plainGen = c.gen
		c.plain = true
		for k, v := range c.ev.Fields {
			if _, ok := v.(map[string]any); ok || strings.IndexByte(k, '.') >= 0 {
				c.plain = false
				break
			}
		}
	}
	return c.plain
}

// text returns the field's scalar value as text; false for a missing field, a list or a map.
func (c *evalCtx) text(f int) (string, bool) {
	if c.sgen[f] != c.gen {
		c.sgen[f] = c.gen
		c.str[f], c.sok[f] = "", false
		if c.flat {
			if m := c.member(f); m != nil {
				c.str[f], c.sok[f] = m.scalarText()
			}
		} else if v, ok := c.value(f); ok {
			c.str[f], c.sok[f] = scalarText(v)
		}
	}
	return c.str[f], c.sok[f]
}

// groupText is the text a correlation groups an event by: the field's scalar text, or,
// for a list (a repeated CEF extension key or RFC 5424 SD-PARAM, say "src" twice), the
// text of its first scalar element — the first value the sender wrote. Was: a list had
// no text, so an event whose group-by field repeated was never correlated, and a field
// derived from its joined text ("10.0.0.1,10.0.0.2") was no address (issue 13). An empty
// list is absent.
func (c *evalCtx) groupText(f int) (string, bool) {
	if s, ok := c.text(f); ok {
		return s, true
	}
	v, ok := c.value(f)
	if !ok {
		return "", false
	}
	return FirstScalar(v)
}

// FirstScalar returns the text of v when it is a scalar, or of the first element of a
// list ([]string, []any) that is one; false otherwise. See groupText.
func FirstScalar(v any) (string, bool) {
	switch x := v.(type) {
	case []string:
		if len(x) > 0 {
			return x[0], true
		}
		return "", false
	case []any:
		for _, e := range x {
			if s, ok := scalarText(e); ok {
				return s, true
			}
		}
		return "", false
	}
	return scalarText(v)
}

func (c *evalCtx) lower(f int) (string, bool) {
	s, ok := c.text(f)
	if !ok {
		return "", false
	}
	if c.lgen[f] != c.gen {
		c.lgen[f] = c.gen
		c.low[f] = c.lowerArena(s)
	}
	return c.low[f], true
}

func (c *evalCtx) keywords() (low, orig []string) {
	if c.kwGen != c.gen {
		c.kwGen = c.gen
		c.kwLow, c.kwOrig = c.kwLow[:0], c.kwOrig[:0]
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				for _, y := range x {
					walk(y)
				}
			case []any:
				for _, y := range x {
					walk(y)
				}
			case []string:
				for _, y := range x {
					c.kwOrig = append(c.kwOrig, y)
					c.kwLow = append(c.kwLow, c.lowerArena(y))
				}
			default:
				if s, ok := scalarText(x); ok {
					c.kwOrig = append(c.kwOrig, s)
					c.kwLow = append(c.kwLow, c.lowerArena(s))
				}
			}
		}
		if c.flat {
			for i := range c.ev.flat {
				m := &c.ev.flat[i]
				if m.kind == kindList {
					walk(*m.list)
				} else if s, ok := m.scalarText(); ok {
					c.kwOrig = append(c.kwOrig, s)
					c.kwLow = append(c.kwLow, c.lowerArena(s))
				}
			}
		} else {
			walk(c.ev.Fields)
		}
	}
	return c.kwLow, c.kwOrig
}

// lowerArena lower-cases s like toLower, writing ASCII text into the context's arena
// instead of a new allocation. The result is valid until the next reset: lower-cased
// texts are read only while the event is evaluated.
func (c *evalCtx) lowerArena(s string) string {
	upper := false
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
		if 'A' <= b && b <= 'Z' {
			upper = true
		}
	}
	if !upper {
		return s
	}
	if cap(c.arena)-len(c.arena) < len(s) {
		// A new block; texts already handed out keep the old one alive.
		c.arena = make([]byte, 0, max(4096, 2*len(s)))
	}
	start := len(c.arena)
	for i := 0; i < len(s); i++ {
		b := s[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		c.arena = append(c.arena, b)
	}
	return unsafe.String(&c.arena[start], len(s))
}

// toLower lower-cases s, without allocating when s has no upper-case ASCII and is ASCII.
func toLower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}

// scalarText is the text form of a scalar value: numbers in their canonical decimal form
// (canonicalFloat), so that 4688, 4688.0 and 4.688e3 all read "4688"; strings as they are.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return canonicalNumber(string(x)), true
	case float64:
		return canonicalFloat(x), true
	case float32:
		return canonicalFloat(float64(x)), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "", false
	}
	return "", false
}

// canonicalFloat is the one text form of a number: a whole number below 10^15 in
// magnitude as an integer ("4688"), any other in the shortest decimal form that reads
// back to the same float64 ("0.5", "1e+20" never: "100000000000000000000").
func canonicalFloat(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		if x == 0 {
			return "0" // -0 too
		}
		return strconv.FormatInt(int64(x), 10)
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// canonicalNumber is the canonical text of a number literal (JSON or YAML): an integer
// literal keeps its digits exactly (no float64 rounding of 64-bit IDs), "-0" reads "0";
// any other literal that parses as a finite float64 is canonicalFloat of it. Text that is
// no number is returned unchanged.
func canonicalNumber(s string) string {
	digits := strings.TrimPrefix(s, "-")
	if digits != "" && strings.Trim(digits, "0123456789") == "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return strconv.FormatInt(n, 10)
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return s
	}
	return canonicalFloat(f)
}

// listValues returns the elements of a list value, or nil for a scalar.
func listValues(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// node is a compiled piece of a rule's condition.
type node interface {
	eval(c *evalCtx) bool
}

type andNode []node

func (n andNode) eval(c *evalCtx) bool {
	for _, x := range n {
		if !x.eval(c) {
			return false
		}
	}
	return true
}

type orNode []node

func (n orNode) eval(c *evalCtx) bool {
	for _, x := range n {
		if x.eval(c) {
			return true
		}
	}
	return false
}

type notNode struct{ n node }

func (n notNode) eval(c *evalCtx) bool { return !n.n.eval(c) }

// atLeastNode is "N of": true when at least k operands hold.
type atLeastNode struct {
	k  int
	ns []node
}

func (n atLeastNode) eval(c *evalCtx) bool {
	got := 0
	for i, x := range n.ns {
		if x.eval(c) {
			got++
			if got >= n.k {
				return true
			}
		}
		if got+len(n.ns)-i-1 < n.k {
			return false
		}
	}
	return false
}

type constNode bool

func (n constNode) eval(*evalCtx) bool { return bool(n) }

// valueMatcher tests one value of a field.
type valueMatcher interface {
	// matchText tests the text (s) and lower-cased text (low) of a scalar.
	matchText(s, low string) bool
}

// fieldNode tests one field against its values: any of them (all with "all").
type fieldNode struct {
	f   int
	ms  []valueMatcher
	all bool
	// needLow: at least one matcher reads the lower-cased text.
	needLow bool
	// pre: every matcher needs one of litIDs in the field's text (prefilter.go).
	pre    bool
	litIDs []int32
}

func (n *fieldNode) eval(c *evalCtx) bool {
	if !c.has(n.f) {
		return false
	}
	if list, isList := c.list(n.f); isList {
		return n.evalList(list)
	}
	if n.pre && !hasAny(c.litBits(n.f), n.litIDs) {
		return false
	}
	s, ok := c.text(n.f)
	if !ok {
		return false
	}
	low := s
	if n.needLow {
		low, _ = c.lower(n.f)
	}
	if n.all {
		for _, m := range n.ms {
			if !m.matchText(s, low) {
				return false
			}
		}
		return true
	}
	for _, m := range n.ms {
		if m.matchText(s, low) {
			return true
		}
	}
	return false
}

// evalList tests a list value: a matcher holds when any element satisfies it.
func (n *fieldNode) evalList(list []any) bool {
	texts := make([]string, 0, len(list))
	lows := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := scalarText(e); ok {
			texts = append(texts, s)
			lows = append(lows, toLower(s))
		}
	}
	any := func(m valueMatcher) bool {
		for i := range texts {
			if m.matchText(texts[i], lows[i]) {
				return true
			}
		}
		return false
	}
	for _, m := range n.ms {
		if any(m) != n.all {
			return !n.all
		}
	}
	return n.all
}

// nullNode matches a field that is missing or null (a rule's "field: null").
type nullNode struct{ f int }

func (n nullNode) eval(c *evalCtx) bool {
	ok, null := c.null(n.f)
	return !ok || null
}

// existsNode is the exists modifier.
type existsNode struct {
	f    int
	want bool
}

func (n existsNode) eval(c *evalCtx) bool {
	ok, null := c.null(n.f)
	return (ok && !null) == n.want
}

// keywordNode searches every text value of the event.
type keywordNode struct {
	ms  []valueMatcher
	all bool
	// pre: every matcher needs one of litIDs in some text value (prefilter.go).
	pre    bool
	litIDs []int32
}

func (n *keywordNode) eval(c *evalCtx) bool {
	if n.pre && !hasAny(c.litBits(c.ft.keywordRef()), n.litIDs) {
		return false
	}
	low, orig := c.keywords()
	test := func(m valueMatcher) bool {
		for i := range low {
			if m.matchText(orig[i], low[i]) {
				return true
			}
		}
		return false
	}
	if n.all {
		for _, m := range n.ms {
			if !test(m) {
				return false
			}
		}
		return true
	}
	for _, m := range n.ms {
		if test(m) {
			return true
		}
	}
	return false
}

// fieldrefNode compares a field with another field of the same event.
type fieldrefNode struct {
	f, ref int
	mode   string // "eq", "contains", "startswith", "endswith"
	cased  bool
}

func (n fieldrefNode) eval(c *evalCtx) bool {
	a, ok1 := c.text(n.f)
	b, ok2 := c.text(n.ref)
	if !ok1 || !ok2 {
		return false
	}
	if !n.cased {
		a, _ = c.lower(n.f)
		b, _ = c.lower(n.ref)
	}
	switch n.mode {
	case "contains":
		return strings.Contains(a, b)
	case "startswith":
		return strings.HasPrefix(a, b)
	case "endswith":
		return strings.HasSuffix(a, b)
	}
	return a == b
}

// Pattern tokens of a Sigma string value.
const (
	tokLit  = iota // literal text
	tokStar        // * : any run of characters
	tokOne         // ? : one character
	tokDash        // windash: one of - / – — ―
)

type gtok struct {
	kind int
	lit  string
}

var dashRunes = []rune{'-', '/', '–', '—', '―'}

func isDashRune(r rune) bool {
	for _, d := range dashRunes {
		if r == d {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// parseSigmaString splits a Sigma string into literal and wildcard tokens. A backslash
// escapes the following *, ? or backslash; any other backslash is literal (Sigma
// specification, "Escaping"). With windash, a - or / at the start of a word (after a
// non-word character, before a word character) becomes a dash token.
func parseSigmaString(s string, windash bool) []gtok {
	var out []gtok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, gtok{kind: tokLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			if len(out) == 0 || out[len(out)-1].kind != tokStar {
				out = append(out, gtok{kind: tokStar})
			}
		case c == '?':
			flush()
			out = append(out, gtok{kind: tokOne})
		case windash && (c == '-' || c == '/') && (i == 0 || !isWordByte(s[i-1])) && i+1 < len(s) && isWordByte(s[i+1]):
			flush()
			out = append(out, gtok{kind: tokDash})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// globMatch matches s against the tokens: the classic wildcard algorithm, backtracking
// only to the last star, which is exact when every other token matches a fixed text.
func globMatch(toks []gtok, s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case tokStar:
				starT, starS = ti, si
				ti++
				if ti < len(toks) && toks[ti].kind == tokLit {
					// Jump to the next occurrence of the literal that follows the star.
					j := strings.Index(s[si:], toks[ti].lit)
					if j < 0 {
						return false
					}
					starS = si + j
					si = starS + len(toks[ti].lit)
					ti++
				}
				continue
			case tokLit:
				if strings.HasPrefix(s[si:], t.lit) {
					si += len(t.lit)
					ti++
					continue
				}
			case tokOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			case tokDash:
				if si < len(s) {
					r, n := utf8.DecodeRuneInString(s[si:])
					if isDashRune(r) {
						si += n
						ti++
						continue
					}
				}
			}
		} else if si == len(s) {
			return true
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		si, ti = starS, starT+1
		if ti < len(toks) && toks[ti].kind == tokLit {
			j := strings.Index(s[si:], toks[ti].lit)
			if j < 0 {
				return false
			}
			starS = si + j
			si = starS + len(toks[ti].lit)
			ti++
		}
	}
}

// strMatcher matches text with a Sigma pattern. Simple shapes (exact text, prefix,
// suffix, infix) use the strings package; others the glob matcher.
type strMatcher struct {
	cased bool
	shape int // shapeEq, shapePrefix, shapeSuffix, shapeContains, shapeAny, shapeGlob
	lit   string
	toks  []gtok
}

const (
	shapeEq = iota
	shapePrefix
	shapeSuffix
	shapeContains
	shapeAny
	shapeGlob
)

func newStrMatcher(toks []gtok, cased bool) *strMatcher {
	m := &strMatcher{cased: cased}
	if !cased {
		low := make([]gtok, len(toks))
		for i, t := range toks {
			low[i] = t
			if t.kind == tokLit {
				low[i].lit = strings.ToLower(t.lit)
			}
		}
		toks = low
	}
	m.toks = toks
	lead := len(toks) > 0 && toks[0].kind == tokStar
	trail := len(toks) > 0 && toks[len(toks)-1].kind == tokStar
	inner := toks
	if lead {
		inner = inner[1:]
	}
	if trail && len(inner) > 0 {
		inner = inner[:len(inner)-1]
	}
	switch {
	case len(toks) == 0:
		m.shape = shapeEq
	case len(inner) == 0:
		m.shape = shapeAny
	case len(inner) == 1 && inner[0].kind == tokLit:
		m.lit = inner[0].lit
		switch {
		case lead && trail:
			m.shape = shapeContains
		case lead:
			m.shape = shapeSuffix
		case trail:
			m.shape = shapePrefix
		default:
			m.shape = shapeEq
		}
	default:
		m.shape = shapeGlob
	}
	return m
}

func (m *strMatcher) matchText(s, low string) bool {
	if !m.cased {
		s = low
	}
	switch m.shape {
	case shapeEq:
		return s == m.lit
	case shapePrefix:
		return strings.HasPrefix(s, m.lit)
	case shapeSuffix:
		return strings.HasSuffix(s, m.lit)
	case shapeContains:
		return strings.Contains(s, m.lit)
	case shapeAny:
		return true
	}
	return globMatch(m.toks, s)
}

// reMatcher is the re modifier: Go's RE2 syntax, or .NET-compatible syntax (lookaround,
// backreferences) through regexp2 when RE2 cannot compile the pattern.
type reMatcher struct {
	re  *regexp.Regexp
	re2 *regexp2.Regexp
	// lits: text the expression matches contains one of these, lower-cased
	// (regexLiterals); nil when there is no such set.
	lits []string
	// timeouts counts the rule's matches that ran out of time (regexp2's MatchTimeout).
	timeouts *atomic.Int64
}

func (m *reMatcher) matchText(s, _ string) bool {
	if m.re != nil {
		return m.re.MatchString(s)
	}
	ok, err := m.re2.MatchString(s)
	if err != nil {
		// regexp2's only match error is running out of MatchTimeout.
		m.timeouts.Add(1)
		return false
	}
	return ok
}

// cidrMatcher is the cidr modifier.
type cidrMatcher struct{ p netip.Prefix }

func (m cidrMatcher) matchText(s, _ string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	return m.p.Contains(a.Unmap().WithZone(""))
}

// numMatcher is the gt, gte, lt and lte modifiers.
type numMatcher struct {
	op string
	n  float64
}

func (m numMatcher) matchText(s, _ string) bool {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return false
	}
	switch m.op {
	case "gt":
		return v > m.n
	case "gte":
		return v >= m.n
	case "lt":
		return v < m.n
	}
	return v <= m.n
}

package detect

import (
	"container/heap"
	"math/bits"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configure an Engine.
type Options struct {
	// Pipeline maps fields and logsources (nil: DefaultPipeline()).
	Pipeline *Pipeline
	// Lateness is how far an event may arrive behind the latest event time seen and still
	// be correlated in its time order. Correlation input is held back by this much; a
	// match arriving later than that (older than the newest event time minus Lateness, or
	// than a match already correlated) is counted in Stats.Late and TakeLate and not
	// correlated (its detection match is still reported).
	Lateness time.Duration
	// MaxGroups bounds the open groups (distinct group-by values with events) of each
	// correlation; beyond it the group whose window started first is dropped. Default 10,000.
	MaxGroups int
	// MaxEventsPerGroup bounds the events kept in one group's window; beyond it the oldest
	// is dropped. Default 1,000.
	MaxEventsPerGroup int
	// MaxEventsPerCorrelation bounds the events held by all groups of one correlation;
	// beyond it the group whose window started first is dropped. Default 100,000 (with the
	// default MaxGroups, at most about 20 MB beyond the events themselves,
	// docs/PERFORMANCE.md).
	MaxEventsPerCorrelation int
}

// Engine runs detection rules and correlation rules over a stream of events. Feed events
// with Process in (roughly) time order; call Flush at the end of a finite stream. An
// Engine is not safe for concurrent use: one goroutine feeds it.
type Engine struct {
	opt Options
	ft  *fieldTable
	// ctx is the evaluation context of the goroutine feeding the engine (w0's); workers
	// holds those of ProcessBatch's goroutines.
	ctx       *evalCtx
	w0        *matcher
	workers   []*matcher
	hits      []int32
	groups    []*lsGroup
	rules     []*Compiled
	corrs     []*corrState
	consumers map[string][]*corrState // rule key or ID -> correlations reading it
	reported  map[*Rule]bool

	// The rule index: rules whose condition needs one of a set of literals are tested only
	// on events holding one (prefilter.go); gated[i] says rule i is indexed.
	gated      []bool
	gateFields []int
	gateRules  [][][]int32 // field reference, literal ID -> rules
	// kwGated[i]: rule i is indexed under keyword literals, looked for only when a rule
	// needs them (keyword search reads every value of the event).
	kwGated []bool
	// nameRefs maps an event field name to the indexed field references reading it;
	// slotRefs the same by the name's slot in the field table (for flat events).
	nameRefs  map[string][]int
	slotRefs  [][]int
	ruleGroup []int32 // index in groups of each rule's logsource group

	buf     itemHeap
	seq     uint64
	maxTime time.Time
	lastOut time.Time
	stats   Stats
	// late counts the late matches (see Options.Lateness) by detection rule since the
	// last TakeLate.
	late map[*Rule]*LateMatches
}

// LateMatches counts a detection rule's matches that arrived later than
// Options.Lateness behind the stream and were left out of its correlations (they are
// still reported as matches): N of them, the event time of the newest and the oldest.
type LateMatches struct {
	Rule           *Rule
	N              int64
	Oldest, Newest time.Time
}

// TakeLate returns the late matches counted per detection rule since the last call
// (in no particular order) and starts counting afresh.
func (e *Engine) TakeLate() []LateMatches {
	if len(e.late) == 0 {
		return nil
	}
	out := make([]LateMatches, 0, len(e.late))
	for _, l := range e.late {
		out = append(out, *l)
	}
	e.late = nil
	return out
}

type lsGroup struct {
	cond  node
	rules []*Compiled
	idx   []int32 // index of each rule in Engine.rules
	// open: some rule of the group is not indexed (or indexed by keywords), so the
	// group's condition is always evaluated; otherwise only when a rule is a candidate.
	open bool
}

// matcher is the state of one goroutine evaluating detection rules on events: the
// event's cached values and the candidate stamps of the rule index. Compiled rules are
// shared and read-only, so several matchers evaluate one engine's rules at once.
type matcher struct {
	ctx        *evalCtx
	stamp      uint32
	candStamp  []uint32 // per rule
	fieldSeen  []uint32 // per field reference
	groupStamp []uint32 // per logsource group
}

func (e *Engine) newMatcher() *matcher {
	return &matcher{ctx: newEvalCtx(e.ft), candStamp: make([]uint32, len(e.rules)),
		fieldSeen: make([]uint32, len(e.ft.names)), groupStamp: make([]uint32, len(e.groups))}
}

// Stats counts what the engine did.
type Stats struct {
	// Events is the number of events processed; Matches of detection rules; Alerts of
	// correlations.
	Events, Matches, Alerts int64
	// Late counts matches that arrived beyond Options.Lateness and were not correlated.
	Late int64
	// Dropped counts events dropped from windows by MaxEventsPerGroup, MaxGroups and
	// MaxEventsPerCorrelation.
	Dropped int64
	// OpenGroups is the number of correlation groups holding events now.
	OpenGroups int
	// OpenEvents is the number of events held in correlation windows now.
	OpenEvents int
}

// Match is one event matched by one detection rule.
type Match struct {
	Rule  *Rule
	Event *Event
	// Standalone is false when the rule is read by correlations none of which asks for
	// "generate: true": the match then counts only towards them and is not an alert of
	// its own (Sigma correlation specification, "generate").
	Standalone bool
}

// Alert is one firing of a correlation rule.
type Alert struct {
	// Rule is the correlation rule.
	Rule *Rule
	// Group holds the group-by values (field or alias name to value as text).
	Group map[string]string
	// Start and End are the times of the first and last event of the alert.
	Start, End time.Time
	// Value is what the condition counted: events (event_count), distinct values
	// (value_count), distinct rules (temporal, temporal_ordered).
	Value int64
	// Events are the detection-rule matches behind the alert, in time order (through
	// nested correlations, their events); they are used up.
	Events []*Event
	// Rules names, per event, the rule it matched (same order as Events).
	Rules []string
}

// Output is what one call to Process, Advance or Flush produced.
type Output struct {
	Matches []Match
	Alerts  []Alert
}

// NewEngine compiles rules (detection and correlation, in any order) for one stream.
// Errors are *ParseError naming the file and line of the rule: a detection that does not
// compile, a correlation naming an unknown rule, a cycle of correlations.
func NewEngine(rules []*Rule, opt Options) (*Engine, error) {
	if opt.Pipeline == nil {
		opt.Pipeline = DefaultPipeline()
	}
	if opt.MaxGroups <= 0 {
		opt.MaxGroups = 10000
	}
	if opt.MaxEventsPerGroup <= 0 {
		opt.MaxEventsPerGroup = 1000
	}
	if opt.MaxEventsPerCorrelation <= 0 {
		opt.MaxEventsPerCorrelation = 100000
	}
	e := &Engine{opt: opt, ft: newFieldTable(), consumers: map[string][]*corrState{}, reported: map[*Rule]bool{}}
	byKey := map[string]*Rule{}
	groupIdx := map[string]*lsGroup{}
	for _, r := range rules {
		for _, k := range []string{r.Name, r.ID} {
			if k == "" {
				continue
			}
			if o, dup := byKey[k]; dup && o != r {
				return nil, newParseError(r.File, r.Line, "id", "%q is also the name or id of the rule at %s:%d", k, o.File, o.Line)
			}
			byKey[k] = r
		}
		if r.IsCorrelation() {
			continue
		}
		c, err := compileRule(r, opt.Pipeline, e.ft)
		if err != nil {
			return nil, err
		}
		e.rules = append(e.rules, c)
		g := groupIdx[c.lsKey]
		if g == nil {
			g = &lsGroup{cond: c.logsrc}
			groupIdx[c.lsKey] = g
			e.groups = append(e.groups, g)
		}
		g.rules = append(g.rules, c)
		g.idx = append(g.idx, int32(len(e.rules)-1))
	}
	// Correlations, in an order where each comes after the correlations it reads.
	state := map[*Rule]int{} // 1 visiting, 2 done
	var visit func(r *Rule) error
	visit = func(r *Rule) error {
		switch state[r] {
		case 1:
			return newParseError(r.File, r.Line, "correlation.rules", "correlations refer to each other in a cycle")
		case 2:
			return nil
		}
		state[r] = 1
		for _, name := range r.Correlation.Rules {
			ref, ok := byKey[name]
			if !ok {
				return newParseError(r.File, r.Correlation.Line, "correlation.rules", "no rule has the name or id %q", name)
			}
			if ref.IsCorrelation() {
				if err := visit(ref); err != nil {
					return err
				}
			}
		}
		state[r] = 2
		cs, err := newCorrState(r, e)
		if err != nil {
			return err
		}
		e.corrs = append(e.corrs, cs)
		for _, name := range uniq(r.Correlation.Rules) {
			e.consumers[name] = append(e.consumers[name], cs)
			ref := byKey[name]
			if r.Correlation.Generate {
				e.reported[ref] = true
			} else if _, seen := e.reported[ref]; !seen {
				e.reported[ref] = false
			}
		}
		return nil
	}
	for _, r := range rules {
		if r.IsCorrelation() {
			if err := visit(r); err != nil {
				return nil, err
			}
		}
	}
	e.ft.build()
	e.gated = make([]bool, len(e.rules))
	e.gateRules = make([][][]int32, len(e.ft.names))
	e.kwGated = make([]bool, len(e.rules))
	fields := map[int]bool{}
	for i, c := range e.rules {
		g, ok := gate(c.root, e.ft)
		if !ok {
			continue
		}
		e.gated[i] = true
		for _, l := range g {
			if e.gateRules[l.f] == nil {
				e.gateRules[l.f] = make([][]int32, len(e.ft.lits[l.f].pats))
			}
			e.gateRules[l.f][l.id] = append(e.gateRules[l.f][l.id], int32(i))
			if l.f == e.ft.kwRef {
				e.kwGated[i] = true
				continue
			}
			if !fields[l.f] {
				fields[l.f] = true
				e.gateFields = append(e.gateFields, l.f)
			}
		}
	}
	e.ruleGroup = make([]int32, len(e.rules))
	for gi, g := range e.groups {
		for _, i := range g.idx {
			e.ruleGroup[i] = int32(gi)
			if !e.gated[i] || e.kwGated[i] {
				g.open = true
			}
		}
	}
	sort.Ints(e.gateFields)
	e.nameRefs = map[string][]int{}
	e.slotRefs = make([][]int, len(e.ft.slots))
	for _, f := range e.gateFields {
		for i, n := range e.ft.names[f] {
			e.nameRefs[n] = append(e.nameRefs[n], f)
			s := e.ft.nameSlots[f][i]
			e.slotRefs[s] = append(e.slotRefs[s], f)
		}
	}
	e.w0 = e.newMatcher()
	e.ctx = e.w0.ctx
	return e, nil
}

// Adopt takes over the open correlation windows and the matches held back for late
// events of old, an engine of the same stream compiled before a change of rules, so that
// a change (a rule turned on or off, an import, new settings) does not lose what the
// correlations have counted so far. A correlation's windows are taken when old has a
// correlation of the same id whose type, rules, group-by, aliases and timespan are the
// same (its condition may differ: the new one is applied from the next event on); the
// held matches of rules the new engine has are taken with their order. old must not be
// used afterwards. Call Adopt before the new engine processes events.
func (e *Engine) Adopt(old *Engine) {
	if old == nil {
		return
	}
	byID := map[string]*corrState{}
	for _, c := range old.corrs {
		byID[c.rule.ID] = c
	}
	for _, c := range e.corrs {
		o := byID[c.rule.ID]
		if o == nil || o.rule.Key() != c.rule.Key() || !sameWindows(o.c, c.c) {
			continue
		}
		c.groups, c.expiry, c.held = o.groups, o.expiry, o.held
		o.groups, o.expiry, o.held = map[string]*group{}, nil, 0
	}
	rules := map[string]*Rule{}
	for _, c := range e.rules {
		rules[c.Rule.Key()] = c.Rule
	}
	for _, it := range old.buf {
		if r := rules[it.rule.Key()]; r != nil {
			it.rule = r
			e.buf = append(e.buf, it)
		}
	}
	heap.Init(&e.buf)
	old.buf = nil
	e.seq = max(e.seq, old.seq)
	if old.maxTime.After(e.maxTime) {
		e.maxTime = old.maxTime
	}
	if old.lastOut.After(e.lastOut) {
		e.lastOut = old.lastOut
	}
}

// sameWindows reports whether two correlations group and window events alike.
func sameWindows(a, b *Correlation) bool {
	return a.Type == b.Type && a.Timespan == b.Timespan && slices.Equal(a.Rules, b.Rules) &&
		slices.Equal(a.GroupBy, b.GroupBy) && reflect.DeepEqual(a.Aliases, b.Aliases) &&
		a.Condition.Field == b.Condition.Field
}

// Rules returns the compiled detection rules, in the order given to NewEngine.
func (e *Engine) Rules() []*Compiled { return e.rules }

// Stats returns the counters.
func (e *Engine) Stats() Stats {
	s := e.stats
	for _, c := range e.corrs {
		s.OpenGroups += len(c.groups)
		for _, g := range c.groups {
			s.OpenEvents += len(g.items)
		}
	}
	return s
}

// Process tests one event against every detection rule and returns the matches at once;
// matches read by correlations are released to them in time order once the stream has
// moved Lateness past them, and the alerts this causes are returned too. The event must
// not change afterwards (alerts point at it).
func (e *Engine) Process(ev *Event) Output {
	e.hits = e.matchRules(e.w0, ev, e.hits[:0])
	return e.processed(ev, e.hits)
}

// ProcessBatch is Process on each event in turn, returning each event's Output in
// order, with the detection rules evaluated on up to workers goroutines at once (the
// events split into consecutive runs); matches then go to the correlations in the events'
// order on the calling goroutine. The outputs, the correlation state and the statistics
// are exactly those of calling Process on each event (TestProcessBatchIsProcess).
// workers below 2, or a batch too short to share, is evaluated on the calling goroutine.
func (e *Engine) ProcessBatch(evs []*Event, workers int) []Output {
	outs := make([]Output, len(evs))
	if workers < 2 || len(evs) < 2*workers {
		for i, ev := range evs {
			outs[i] = e.Process(ev)
		}
		return outs
	}
	for len(e.workers) < workers {
		e.workers = append(e.workers, e.newMatcher())
	}
	hits := make([][]int32, len(evs))
	var wg sync.WaitGroup
	per := (len(evs) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, len(evs))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func(m *matcher, lo, hi int) {
			defer wg.Done()
			var buf []int32
			for i := lo; i < hi; i++ {
				buf = e.matchRules(m, evs[i], buf[:0])
				if len(buf) > 0 {
					hits[i] = append([]int32(nil), buf...)
				}
			}
		}(e.workers[w], lo, hi)
	}
	wg.Wait()
	for i, ev := range evs {
		outs[i] = e.processed(ev, hits[i])
	}
	return outs
}

// matchRules appends to dst the indices (in e.rules) of the detection rules ev matches,
// in the order Process reports them. It changes only m.
func (e *Engine) matchRules(m *matcher, ev *Event, dst []int32) []int32 {
	ctx := m.ctx
	ctx.reset(ev)
	if len(ctx.lsGen) < len(e.groups) {
		ctx.lsGen = make([]uint32, len(e.groups))
		ctx.lsVal = make([]bool, len(e.groups))
	}
	e.markCandidates(m)
	for gi, g := range e.groups {
		if !g.open && m.groupStamp[gi] != m.stamp {
			continue // no rule of the group is a candidate
		}
		if g.cond != nil && !g.cond.eval(ctx) {
			continue
		}
		for j, c := range g.rules {
			if i := g.idx[j]; e.gated[i] && m.candStamp[i] != m.stamp {
				if !e.kwGated[i] || m.fieldSeen[e.ft.kwRef] == m.stamp {
					continue
				}
				m.fieldSeen[e.ft.kwRef] = m.stamp
				e.candidatesOf(m, e.ft.kwRef)
				if m.candStamp[i] != m.stamp {
					continue
				}
			}
			if c.root.eval(ctx) {
				dst = append(dst, g.idx[j])
			}
		}
	}
	ctx.ev = nil
	return dst
}

// processed reports the matches of ev (rule indices from matchRules), hands those read by
// correlations to them and releases what the stream's progress allows.
func (e *Engine) processed(ev *Event, hits []int32) Output {
	var out Output
	e.stats.Events++
	for _, i := range hits {
		c := e.rules[i]
		e.stats.Matches++
		ev.Materialize()
		rep, read := e.reported[c.Rule]
		out.Matches = append(out.Matches, Match{Rule: c.Rule, Event: ev, Standalone: !read || rep})
		if read {
			e.enqueue(c.Rule, ev)
		}
	}
	if ev.Time.After(e.maxTime) {
		e.maxTime = ev.Time
	}
	out.Alerts = e.release(e.maxTime.Add(-e.opt.Lateness), false)
	return out
}

// Advance tells the engine that the stream has reached t with no further events (a
// heartbeat): buffered matches up to t minus Lateness are correlated and windows that
// ended before then are closed, which is when lt, lte and eq conditions are decided.
func (e *Engine) Advance(t time.Time) []Alert {
	if t.After(e.maxTime) {
		e.maxTime = t
	}
	return e.release(e.maxTime.Add(-e.opt.Lateness), false)
}

// Flush ends a finite stream: every buffered match is correlated and every open window is
// closed (and decided) as if time had run on past its end.
func (e *Engine) Flush() []Alert {
	alerts := e.release(time.Time{}, true)
	for _, c := range e.corrs {
		keys := make([]string, 0, len(c.groups))
		for k := range c.groups {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			alerts = append(alerts, c.closeGroup(k, time.Time{}, true)...)
		}
	}
	return alerts
}

// markCandidates stamps the indexed rules whose literals the event holds.
func (e *Engine) markCandidates(m *matcher) {
	m.stamp++
	if m.stamp == 0 {
		clear(m.candStamp)
		clear(m.fieldSeen)
		clear(m.groupStamp)
		m.stamp = 1
	}
	// A flat event: visit only the indexed fields it has. An event with nested maps:
	// visit every indexed field.
	if m.ctx.flat || m.ctx.slotted {
		for _, s := range m.ctx.present {
			for _, f := range e.slotRefs[s] {
				if m.fieldSeen[f] != m.stamp {
					m.fieldSeen[f] = m.stamp
					e.candidatesOf(m, f)
				}
			}
		}
		return
	}
	nested := false
	for k, v := range m.ctx.ev.Fields {
		if _, ok := v.(map[string]any); ok {
			nested = true
			break
		}
		for _, f := range e.nameRefs[k] {
			if m.fieldSeen[f] != m.stamp {
				m.fieldSeen[f] = m.stamp
				e.candidatesOf(m, f)
			}
		}
	}
	if nested {
		for _, f := range e.gateFields {
			if m.fieldSeen[f] != m.stamp {
				m.fieldSeen[f] = m.stamp
				e.candidatesOf(m, f)
			}
		}
	}
}

// candidatesOf stamps the rules indexed under literals that field f holds.
func (e *Engine) candidatesOf(m *matcher, f int) {
	if f != e.ft.kwRef && !m.ctx.has(f) {
		return
	}
	bits := m.ctx.litBits(f)
	for w, word := range bits {
		for word != 0 {
			b := bits64TrailingZeros(word)
			word &= word - 1
			for _, r := range e.gateRules[f][w*64+b] {
				m.candStamp[r] = m.stamp
				m.groupStamp[e.ruleGroup[r]] = m.stamp
			}
		}
	}
}

func (e *Engine) enqueue(r *Rule, ev *Event) {
	// Late: older than what was released, or more than Lateness behind the newest event
	// (released at once, it would meet only windows already closed: each match its own
	// window, a burst never counted) [issue 13 t13 finding 19].
	if !e.lastOut.IsZero() && ev.Time.Before(e.lastOut) || !e.maxTime.IsZero() && ev.Time.Before(e.maxTime.Add(-e.opt.Lateness)) {
		e.stats.Late++
		if e.late == nil {
			e.late = map[*Rule]*LateMatches{}
		}
		l := e.late[r]
		if l == nil {
			l = &LateMatches{Rule: r, Oldest: ev.Time, Newest: ev.Time}
			e.late[r] = l
		}
		l.N++
		if ev.Time.Before(l.Oldest) {
			l.Oldest = ev.Time
		}
		if ev.Time.After(l.Newest) {
			l.Newest = ev.Time
		}
		return
	}
	e.seq++
	heap.Push(&e.buf, &item{t: ev.Time, seq: e.seq, rule: r, events: []*Event{ev}, rules: []string{r.Key()}})
}

func (e *Engine) release(upTo time.Time, all bool) []Alert {
	var alerts []Alert
	for e.buf.Len() > 0 {
		it := e.buf[0]
		if !all && it.t.After(upTo) {
			break
		}
		heap.Pop(&e.buf)
		e.lastOut = it.t
		alerts = append(alerts, e.feed(it)...)
	}
	if !all && !upTo.IsZero() {
		for _, c := range e.corrs {
			alerts = append(alerts, c.expire(upTo)...)
		}
	}
	return alerts
}

// feed hands one in-order item to the correlations reading its rule, and their alerts to
// the correlations reading those.
func (e *Engine) feed(it *item) []Alert {
	var alerts []Alert
	var consumers []*corrState
	seen := map[*corrState]bool{}
	for _, k := range []string{it.rule.Name, it.rule.ID} {
		for _, c := range e.consumers[k] {
			if !seen[c] {
				seen[c] = true
				consumers = append(consumers, c)
			}
		}
	}
	for _, c := range consumers {
		for _, a := range c.add(it) {
			alerts = append(alerts, a)
			alerts = append(alerts, e.feed(alertItem(a))...)
		}
	}
	return alerts
}

// item is one input of a correlation: a detection match, or an alert of a correlation.
type item struct {
	t      time.Time
	seq    uint64
	rule   *Rule
	events []*Event
	rules  []string
	group  map[string]string // for alerts: their group-by values
}

func alertItem(a Alert) *item {
	return &item{t: a.End, rule: a.Rule, events: a.Events, rules: a.Rules, group: a.Group}
}

type itemHeap []*item

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	if h[i].t.Equal(h[j].t) {
		return h[i].seq < h[j].seq
	}
	return h[i].t.Before(h[j].t)
}
func (h itemHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)   { *h = append(*h, x.(*item)) }
func (h *itemHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}

// corrState is the open windows of one correlation rule.
type corrState struct {
	rule    *Rule
	c       *Correlation
	e       *Engine
	atClose bool // an upper bound or eq: decided when the window ends
	groupBy []groupField
	valueF  groupField
	groups  map[string]*group
	expiry  deadlineHeap
	held    int // events held by all groups
}

type groupField struct {
	name string
	// per referenced rule key: the field reference to read (aliases resolved).
	refs map[string]int
	def  int
}

type group struct {
	key    string
	vals   map[string]string
	items  []*item
	queued time.Time // deadline queued in expiry (zero: none)
}

func newCorrState(r *Rule, e *Engine) (*corrState, error) {
	c := r.Correlation
	cs := &corrState{rule: r, c: c, e: e, groups: map[string]*group{}}
	cs.atClose = c.Condition.AtClose()
	cc := &compiler{rule: r, pipe: e.opt.Pipeline, ft: e.ft}
	mk := func(name string) groupField {
		gf := groupField{name: name, refs: map[string]int{}, def: cc.fieldRef(name)}
		for rule, field := range c.Aliases[name] {
			gf.refs[rule] = cc.fieldRef(field)
		}
		return gf
	}
	for _, g := range c.GroupBy {
		cs.groupBy = append(cs.groupBy, mk(g))
	}
	if c.Type == "value_count" {
		cs.valueF = mk(c.Condition.Field)
	}
	return cs, nil
}

// fieldOf reads a group-by or value field of an item: from the event for a detection
// match, from the alert's group for a correlation's alert.
func (cs *corrState) fieldOf(it *item, gf groupField) (string, bool) {
	if it.group != nil {
		v, ok := it.group[gf.name]
		if !ok {
			for rule, f := range cs.c.Aliases[gf.name] {
				if rule == it.rule.Name || rule == it.rule.ID {
					v, ok = it.group[f]
				}
			}
		}
		return v, ok
	}
	f := gf.def
	if x, ok := gf.refs[it.rule.Name]; ok && it.rule.Name != "" {
		f = x
	} else if x, ok := gf.refs[it.rule.ID]; ok {
		f = x
	}
	ctx := cs.e.ctx
	ctx.reset(it.events[0])
	s, ok := ctx.groupText(f)
	ctx.ev = nil
	return s, ok
}

func (cs *corrState) add(it *item) []Alert {
	vals := map[string]string{}
	var kb strings.Builder
	for _, gf := range cs.groupBy {
		v, ok := cs.fieldOf(it, gf)
		if !ok {
			// An event without a group-by field is not correlated (as a backend's GROUP BY
			// would put it in a null group; Sigma leaves it undefined).
			return nil
		}
		vals[gf.name] = v
		kb.WriteString(v)
		kb.WriteByte(0)
	}
	key := kb.String()
	var alerts []Alert
	g := cs.groups[key]
	if g != nil {
		alerts = append(alerts, cs.closeGroup(key, it.t, false)...)
		g = cs.groups[key]
	}
	if g == nil {
		if len(cs.groups) >= cs.e.opt.MaxGroups {
			cs.evictOldest()
		}
		g = &group{key: key, vals: vals}
		cs.groups[key] = g
	}
	if len(g.items) >= cs.e.opt.MaxEventsPerGroup {
		g.items = g.items[1:]
		cs.e.stats.Dropped++
		cs.held--
	}
	g.items = append(g.items, it)
	cs.held++
	for cs.held > cs.e.opt.MaxEventsPerCorrelation && len(cs.groups) > 1 {
		if !cs.evictOldest() {
			break
		}
		if cs.groups[key] == nil { // the group of this event went itself
			return alerts
		}
	}
	cs.schedule(g)
	if !cs.atClose {
		if n, ok := cs.holds(g.items); ok {
			alerts = append(alerts, cs.fire(g, len(g.items), n))
			if len(g.items) == 0 {
				delete(cs.groups, key)
			}
		}
	}
	return alerts
}

// schedule queues the end of the group's current window.
func (cs *corrState) schedule(g *group) {
	if len(g.items) == 0 {
		return
	}
	end := g.items[0].t.Add(cs.c.Timespan)
	if g.queued.Equal(end) {
		return
	}
	g.queued = end
	heap.Push(&cs.expiry, deadline{t: end, key: g.key})
}

func (cs *corrState) evictOldest() bool {
	for cs.expiry.Len() > 0 {
		d := heap.Pop(&cs.expiry).(deadline)
		g := cs.groups[d.key]
		if g == nil || !g.queued.Equal(d.t) {
			continue
		}
		cs.e.stats.Dropped += int64(len(g.items))
		cs.held -= len(g.items)
		delete(cs.groups, d.key)
		return true
	}
	return false
}

// expire closes the windows that ended before now.
func (cs *corrState) expire(now time.Time) []Alert {
	var alerts []Alert
	for cs.expiry.Len() > 0 && cs.expiry[0].t.Before(now) {
		d := heap.Pop(&cs.expiry).(deadline)
		g := cs.groups[d.key]
		if g == nil || !g.queued.Equal(d.t) {
			continue
		}
		g.queued = time.Time{}
		alerts = append(alerts, cs.closeGroup(d.key, now, false)...)
	}
	return alerts
}

// closeGroup ends every window of the group that ended before now (all, with final):
// a window starts at the group's oldest unused event and spans Timespan (inclusive);
// when it ends, conditions decided at the close (an upper bound or eq) are tested on its events,
// and otherwise its oldest event leaves and the next window starts at the next event.
func (cs *corrState) closeGroup(key string, now time.Time, final bool) []Alert {
	g := cs.groups[key]
	if g == nil {
		return nil
	}
	var alerts []Alert
	for len(g.items) > 0 {
		end := g.items[0].t.Add(cs.c.Timespan)
		if !final && !end.Before(now) {
			break
		}
		if cs.atClose {
			n := 0
			for n < len(g.items) && !g.items[n].t.After(end) {
				n++
			}
			if v, ok := cs.holds(g.items[:n]); ok {
				alerts = append(alerts, cs.fire(g, n, v))
				continue
			}
		}
		g.items = g.items[1:]
		cs.held--
	}
	if len(g.items) == 0 {
		delete(cs.groups, key)
		return alerts
	}
	cs.schedule(g)
	return alerts
}

// holds evaluates the correlation's condition on a window's items.
func (cs *corrState) holds(items []*item) (int64, bool) {
	var n int64
	switch cs.c.Type {
	case "event_count":
		n = int64(len(items))
	case "value_count":
		seen := map[string]bool{}
		for _, it := range items {
			if v, ok := cs.fieldOf(it, cs.valueF); ok {
				// Values compare case-insensitively, as in detection: "a" and "A" are one.
				seen[strings.ToLower(v)] = true
			}
		}
		n = int64(len(seen))
	case "temporal":
		seen := map[string]bool{}
		for _, it := range items {
			seen[cs.refName(it)] = true
		}
		n = int64(len(seen))
	case "temporal_ordered":
		// The longest prefix of the rule list found in order.
		want := cs.c.Rules
		i := 0
		for _, it := range items {
			if i < len(want) && cs.refName(it) == want[i] {
				i++
			}
		}
		n = int64(i)
		if i < len(want) && !cs.atClose {
			return n, false
		}
	}
	return n, cs.c.Condition.Holds(n)
}

// refName is the name under which the correlation lists the item's rule.
func (cs *corrState) refName(it *item) string {
	for _, r := range cs.c.Rules {
		if r == it.rule.Name || r == it.rule.ID {
			return r
		}
	}
	return it.rule.Key()
}

// fire makes an alert of the group's first n items and uses them up.
func (cs *corrState) fire(g *group, n int, v int64) Alert {
	used := g.items[:n]
	a := Alert{Rule: cs.rule, Group: g.vals, Start: used[0].t, End: used[n-1].t, Value: v}
	for _, it := range used {
		a.Events = append(a.Events, it.events...)
		a.Rules = append(a.Rules, it.rules...)
	}
	g.items = append([]*item(nil), g.items[n:]...)
	cs.held -= n
	cs.e.stats.Alerts++
	cs.schedule(g)
	return a
}

type deadline struct {
	t   time.Time
	key string
}

type deadlineHeap []deadline

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].t.Before(h[j].t) }
func (h deadlineHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)        { *h = append(*h, x.(deadline)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func bits64TrailingZeros(x uint64) int { return bits.TrailingZeros64(x) }

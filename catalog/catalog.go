package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
)

//go:embed data/*.json
var dataFS embed.FS

// crosswalkFile is the embedded crosswalk; every other data/*.json is a catalog.
const crosswalkFile = "crosswalk.json"

// ErrNotFound is returned (wrapped) when a catalog or control id is not known.
var ErrNotFound = errors.New("not found")

// Catalog ids of the embedded catalogs.
const (
	IDTaiwanBaseline = "tw-mohw-medical-baseline"
	IDChinaMeasures  = "cn-nhc-2022-measures"
	IDJapanOperation = "jp-mhlw-6.0-system-operation"
	IDIncidentPlan   = "hospital-incident-plan"
)

// Load parses and validates every embedded catalog, in file-name order. It fails if a
// file does not parse or does not pass Validate, naming the file and every problem.
func Load() ([]*Catalog, error) {
	entries, err := dataFS.ReadDir("data")
	if err != nil {
		return nil, fmt.Errorf("load catalogs: %w", err)
	}
	var out []*Catalog
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".json" || e.Name() == crosswalkFile {
			continue
		}
		data, err := dataFS.ReadFile("data/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("load catalogs: %w", err)
		}
		c, err := Parse(e.Name(), data)
		if err != nil {
			return nil, fmt.Errorf("load catalogs: %w", err)
		}
		if errs := Validate(c); len(errs) > 0 {
			return nil, fmt.Errorf("load catalogs: %s: %w", e.Name(), errors.Join(errs...))
		}
		out = append(out, c)
	}
	return out, nil
}

// Find returns the catalog with the given id from cs, or an error wrapping ErrNotFound.
func Find(cs []*Catalog, id string) (*Catalog, error) {
	for _, c := range cs {
		if c.ID() == id {
			return c, nil
		}
	}
	return nil, fmt.Errorf("catalog %q: %w", id, ErrNotFound)
}

// Parse decodes an OSCAL catalog document (JSON). name names the input in errors. Parse
// checks only that the document is JSON with a catalog object; Validate checks the rest.
func Parse(name string, data []byte) (*Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse catalog %s: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("parse catalog %s: trailing data after the document", name)
	}
	if doc.Catalog == nil {
		return nil, fmt.Errorf("parse catalog %s: no \"catalog\" object", name)
	}
	c := doc.Catalog
	c.index = map[string]*Control{}
	c.order = nil
	for _, ctl := range c.Controls {
		c.indexControl(ctl, nil)
	}
	for _, g := range c.Groups {
		c.indexGroup(g, nil)
	}
	if c.ID() == IDTaiwanBaseline {
		c.linkIncludes()
	}
	return c, nil
}

// includesRE finds the clause by which a TW row takes in every measure of a lower level
// of its objective: 「等級「中」之所有控制措施」 [000 附表一].
var includesRE = regexp.MustCompile(`等級「(普|中|高)」之所有控制措施`)

// linkIncludes records, for each TW row whose text says 「等級「X」之所有控制措施」, the row
// of the same objective (the innermost group) printed at level X. The clause takes the
// lower row's measures into this row, for this row's targets: a row marked for both
// targets that includes a row marked for one still carries that row's measures to both.
func (c *Catalog) linkIncludes() {
	for _, ctl := range c.order {
		if len(ctl.groups) == 0 {
			continue
		}
		objective := ctl.groups[len(ctl.groups)-1]
		for _, m := range includesRE.FindAllStringSubmatch(ctl.OriginalText(), -1) {
			want, err := ParseLevel(m[1])
			if err != nil {
				continue
			}
			for _, other := range objective.Controls {
				if other != ctl && slices.Contains(other.Levels(), want) && !slices.Contains(ctl.includes, other) {
					ctl.includes = append(ctl.includes, other)
				}
			}
		}
	}
}

// Includes returns the rows of the same TW objective whose measures this row takes in
// with 「等級「X」之所有控制措施」, in document order; nil when it takes in none.
func (ctl *Control) Includes() []*Control { return ctl.includes }

func (c *Catalog) indexGroup(g *Group, parents []*Group) {
	if g == nil {
		return
	}
	chain := append(append([]*Group(nil), parents...), g)
	for _, ctl := range g.Controls {
		c.indexControl(ctl, chain)
	}
	for _, sub := range g.Groups {
		c.indexGroup(sub, chain)
	}
}

func (c *Catalog) indexControl(ctl *Control, chain []*Group) {
	if ctl == nil {
		return
	}
	ctl.groups = chain
	c.order = append(c.order, ctl)
	if _, dup := c.index[ctl.ID]; !dup {
		c.index[ctl.ID] = ctl
	}
	for _, sub := range ctl.Controls {
		c.indexControl(sub, chain)
	}
}

// Export returns the catalog as an indented OSCAL JSON document.
func Export(c *Catalog) ([]byte, error) {
	data, err := json.MarshalIndent(document{Catalog: c}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("export catalog %s: %w", c.ID(), err)
	}
	return append(data, '\n'), nil
}

// ID returns the catalog's id (metadata prop catalog-id), e.g. IDTaiwanBaseline.
func (c *Catalog) ID() string { return propValue(c.Metadata.Props, "catalog-id") }

// Title returns the catalog's title.
func (c *Catalog) Title() string { return c.Metadata.Title }

// AllControls returns every control of the catalog in document order.
func (c *Catalog) AllControls() []*Control { return c.order }

// Control returns the control with the given id, or an error wrapping ErrNotFound.
func (c *Catalog) Control(id string) (*Control, error) {
	if ctl, ok := c.index[id]; ok {
		return ctl, nil
	}
	return nil, fmt.Errorf("control %q in catalog %s: %w", id, c.ID(), ErrNotFound)
}

// GroupCount returns the number of groups at every depth.
func (c *Catalog) GroupCount() int {
	var n int
	var walk func([]*Group)
	walk = func(gs []*Group) {
		for _, g := range gs {
			if g == nil {
				continue
			}
			n++
			walk(g.Groups)
		}
	}
	walk(c.Groups)
	return n
}

// GroupPath returns the chain of groups that contain the control, outermost first.
func (ctl *Control) GroupPath() []*Group { return ctl.groups }

// OriginalText returns the control's text in the language of its source (zh-TW, zh-CN,
// zh-Hant or ja), from the statement part whose lang prop is not "en".
func (ctl *Control) OriginalText() string {
	p := ctl.statement(false)
	if p == nil {
		return ""
	}
	return p.Prose
}

// OriginalLang returns the BCP 47 tag of the original text, e.g. "zh-TW".
func (ctl *Control) OriginalLang() string {
	p := ctl.statement(false)
	if p == nil {
		return ""
	}
	return propValue(p.Props, "lang")
}

// English returns medsec's English rendering of the control (not an official
// translation).
func (ctl *Control) English() string {
	p := ctl.statement(true)
	if p == nil {
		return ""
	}
	return p.Prose
}

func (ctl *Control) statement(english bool) *Part {
	for i := range ctl.Parts {
		p := &ctl.Parts[i]
		if p.Name != "statement" {
			continue
		}
		if (propValue(p.Props, "lang") == "en") == english {
			return p
		}
	}
	return nil
}

// Item is one numbered measure of a control's statement (一、二、三、 in the TW baseline).
type Item struct {
	// Label is the item's number as printed in the source (一, 二, ...).
	Label    string
	Original string
	English  string
}

// Items returns the numbered measures of the control, pairing each original item with its
// English one, or nil when the statement is not itemised. An automatic check can cite one
// measure, e.g. tw-si-1.h item 二 (the yearly vulnerability scan).
func (ctl *Control) Items() []Item {
	orig, en := ctl.statement(false), ctl.statement(true)
	if orig == nil || en == nil || len(orig.Parts) == 0 || len(orig.Parts) != len(en.Parts) {
		return nil
	}
	out := make([]Item, len(orig.Parts))
	for i := range orig.Parts {
		var label string
		for _, p := range orig.Parts[i].Props {
			if p.Name == "label" && p.NS == "" {
				label = p.Value
			}
		}
		out[i] = Item{Label: label, Original: orig.Parts[i].Prose, English: en.Parts[i].Prose}
	}
	return out
}

// TitleEnglish returns the English title (prop title-en), or the title if none.
func (ctl *Control) TitleEnglish() string {
	if v := ctl.Prop("title-en"); v != "" {
		return v
	}
	return ctl.Title
}

// Prop returns the first value of the medsec prop name, or "".
func (ctl *Control) Prop(name string) string { return propValue(ctl.Props, name) }

// PropValues returns every value of the medsec prop name, in order.
func (ctl *Control) PropValues(name string) []string { return propValues(ctl.Props, name) }

// Domain returns the control domain (控制構面 for TW, the chapter for CN and JP) in the
// original language.
func (ctl *Control) Domain() string { return ctl.Prop("domain") }

// DomainEnglish returns the control domain in English.
func (ctl *Control) DomainEnglish() string { return ctl.Prop("domain-en") }

// Objective returns the control objective (控制目標 for TW, the article or section
// title for the others) in the original language.
func (ctl *Control) Objective() string { return ctl.Prop("objective") }

// ObjectiveEnglish returns the control objective in English.
func (ctl *Control) ObjectiveEnglish() string { return ctl.Prop("objective-en") }

// Levels returns the TW protection levels (普/中/高) of the row, as printed in the
// source or, where the source cell is missing, as inferred (see LevelInferred).
func (ctl *Control) Levels() []Level {
	var out []Level
	for _, v := range ctl.PropValues("level") {
		if l, err := ParseLevel(v); err == nil {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// LevelInferred reports whether the level is inferred because the source cell is
// missing or damaged; the reason is in the control's source-gap props.
func (ctl *Control) LevelInferred() bool { return ctl.Prop("level-basis") == "inferred" }

// MinLevel returns the lowest level of the row, or 0 if it has none.
func (ctl *Control) MinLevel() Level {
	ls := ctl.Levels()
	if len(ls) == 0 {
		return 0
	}
	return ls[0]
}

// Targets returns the TW protection targets the row applies to.
func (ctl *Control) Targets() []Target {
	var out []Target
	for _, v := range ctl.PropValues("target") {
		out = append(out, Target(v))
	}
	return out
}

// TargetBasis says where the targets come from: "row-mark" (the • in the source row),
// "row-text" (the row's own text names the targets, more than its extracted mark shows),
// "damaged-mark" (a mark extracted as another glyph) or "default-all" (no mark in the
// source row: medsec applies the row to both targets, see README.md).
func (ctl *Control) TargetBasis() string { return ctl.Prop("target-basis") }

// Undecided returns what the seed cannot settle about the control, as codes:
// "target-mark-lost" (the row's target mark is lost, applied to both targets),
// "level-cell-missing" (no level and no clue, applied from 普), "level-overflow" (a level
// glyph that most likely belongs to the row, applied with it), "pattern-heading-conflict"
// (JP: the chapter heading and the pattern table disagree). The control's source-gap props
// say why; nil when the seed decides everything.
func (ctl *Control) Undecided() []string { return ctl.PropValues("undecided") }

// Cadence returns how often the obligation recurs, as an ISO 8601 duration ("P1Y"),
// or "" if the source gives none.
func (ctl *Control) Cadence() string { return ctl.Prop("cadence") }

// Deadline returns the time limit the source sets, as an ISO 8601 duration ("PT24H"
// or "P10D"), or "" if none; DeadlineBasis says from what event it runs.
func (ctl *Control) Deadline() string { return ctl.Prop("deadline") }

// DeadlineBasis describes the event from which Deadline runs and its unit when the
// source counts working days.
func (ctl *Control) DeadlineBasis() string { return ctl.Prop("deadline-basis") }

// SourceRef returns the reference into the source document, e.g.
// "000 附表一 網路架構/網段規劃/高" or "002 第六条(二)".
func (ctl *Control) SourceRef() string { return ctl.Prop("source-ref") }

// SourceGaps returns the notes on text missing or damaged in the source for this
// control; empty when the source is whole.
func (ctl *Control) SourceGaps() []string { return ctl.PropValues("source-gap") }

// Patterns returns the JP reference patterns (I–IV) whose hospitals must apply the
// control.
func (ctl *Control) Patterns() []Pattern {
	var out []Pattern
	for _, v := range ctl.PropValues("ref-pattern") {
		out = append(out, Pattern(v))
	}
	return out
}

// Param returns the control's parameter whose id is id or ends in "_"+id (param ids are
// "<control-id>_<name>"), or an error wrapping ErrNotFound.
func (ctl *Control) Param(id string) (Param, error) {
	for _, p := range ctl.Params {
		if p.ID == id || strings.HasSuffix(p.ID, "_"+id) {
			return p, nil
		}
	}
	return Param{}, fmt.Errorf("param %q of control %s: %w", id, ctl.ID, ErrNotFound)
}

func propValue(props []Prop, name string) string {
	for _, p := range props {
		if p.Name == name && p.NS == NS {
			return p.Value
		}
	}
	return ""
}

func propValues(props []Prop, name string) []string {
	var out []string
	for _, p := range props {
		if p.Name == name && p.NS == NS {
			out = append(out, p.Value)
		}
	}
	return out
}

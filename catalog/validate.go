package catalog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	// tokenRE is OSCAL's token datatype (an NCName), restricted to ASCII for ids.
	tokenRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)
	// uuidRE is OSCAL's UUID datatype (RFC 4122 versions 4 and 5).
	uuidRE = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$`)
	// durationRE is an ISO 8601 duration as used in cadence and deadline props.
	durationRE = regexp.MustCompile(`^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$`)
	// stringRE is OSCAL's string datatype: non-empty, one line, no surrounding space.
	stringRE = regexp.MustCompile(`^\S(.*\S)?$`)
	// langs are the languages of original text.
	langs = map[string]bool{"zh-TW": true, "zh-CN": true, "zh-Hant": true, "ja": true}
)

// Validate checks a catalog and returns every problem found, each naming where it is.
// It checks OSCAL structure (required fields, id and uuid syntax, links into
// back-matter) and medsec's rules: unique ids; every control has an original statement
// (zh-TW, zh-CN, zh-Hant or ja) and an English one, or a source-gap prop saying what is missing;
// medsec props have known names and well-formed values; every TW row has a level and a
// target; every JP item has a reference pattern.
func Validate(c *Catalog) []error {
	v := &validator{c: c, ids: map[string]string{}, rules: true}
	v.catalog()
	return v.errs
}

// ValidateDocument checks an OSCAL catalog document as `medsec catalog validate` does:
// first against the OSCAL 1.1.2 JSON schema (ValidateSchema; unknown keys, missing
// required fields and bad datatypes, each named by its JSON path), then, if it parses,
// against medsec's own rules (Validate). It returns every problem found.
func ValidateDocument(name string, data []byte) []error {
	errs := ValidateSchema(ModelCatalog, data)
	c, err := Parse(name, data)
	if err != nil {
		if len(errs) == 0 {
			errs = append(errs, err)
		}
		return errs
	}
	return append(errs, Validate(c)...)
}

// ValidateStructure checks only OSCAL structure (required fields, id, uuid and string
// syntax, unique ids, links into back-matter), not medsec's rules; use it for catalogs
// from elsewhere, such as NIST's.
func ValidateStructure(c *Catalog) []error {
	v := &validator{c: c, ids: map[string]string{}}
	v.catalog()
	return v.errs
}

type validator struct {
	c     *Catalog
	ids   map[string]string
	rules bool
	errs  []error
}

func (v *validator) errf(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) id(kind, id, where string) {
	if id == "" {
		v.errf("%s: %s id is empty", where, kind)
		return
	}
	if !tokenRE.MatchString(id) {
		v.errf("%s: %s id %q is not an OSCAL token", where, kind, id)
	}
	if prev, dup := v.ids[id]; dup {
		v.errf("%s: id %q already used by %s", where, id, prev)
		return
	}
	v.ids[id] = where
}

func (v *validator) catalog() {
	c := v.c
	if !uuidRE.MatchString(c.UUID) {
		v.errf("catalog: uuid %q is not a version 4 or 5 UUID", c.UUID)
	}
	m := c.Metadata
	if strings.TrimSpace(m.Title) == "" {
		v.errf("metadata: title is required")
	}
	if _, err := time.Parse(time.RFC3339, m.LastModified); err != nil {
		v.errf("metadata: last-modified %q is not an RFC 3339 date-time", m.LastModified)
	}
	if m.Version == "" {
		v.errf("metadata: version is required")
	}
	if !strings.HasPrefix(m.OSCALVersion, "1.1.") {
		v.errf("metadata: oscal-version %q is not 1.1.x", m.OSCALVersion)
	}
	v.props("metadata", m.Props)
	if v.rules && c.ID() == "" {
		v.errf("metadata: prop catalog-id (ns %s) is required", NS)
	}
	resources := map[string]bool{}
	if c.BackMatter != nil {
		for i, r := range c.BackMatter.Resources {
			if !uuidRE.MatchString(r.UUID) {
				v.errf("back-matter resource %d: uuid %q is not a UUID", i, r.UUID)
			}
			resources[r.UUID] = true
		}
	}
	for _, p := range c.Params {
		v.param(p, "catalog")
	}
	for _, ctl := range c.Controls {
		v.control(ctl, "catalog", resources)
	}
	for _, g := range c.Groups {
		v.group(g, resources)
	}
	if len(c.order) == 0 {
		v.errf("catalog: no controls")
	}
}

func (v *validator) group(g *Group, resources map[string]bool) {
	if g == nil {
		v.errf("catalog: null group")
		return
	}
	// A group's id is optional in OSCAL (a section heading need not be addressable).
	where := "group " + g.ID
	if g.ID == "" {
		where = "group " + strconv.Quote(g.Title)
	} else {
		v.id("group", g.ID, where)
	}
	if strings.TrimSpace(g.Title) == "" {
		v.errf("%s: title is required", where)
	}
	v.props(where, g.Props)
	for _, p := range g.Params {
		v.param(p, where)
	}
	for _, p := range g.Parts {
		v.part(p, where)
	}
	for _, sub := range g.Groups {
		v.group(sub, resources)
	}
	for _, ctl := range g.Controls {
		v.control(ctl, where, resources)
	}
}

func (v *validator) param(p Param, where string) {
	w := where + " param " + p.ID
	v.id("param", p.ID, w)
	v.props(w, p.Props)
}

func (v *validator) part(p Part, where string) {
	w := where + " part " + p.ID
	if p.ID != "" {
		v.id("part", p.ID, w)
	}
	if !tokenRE.MatchString(p.Name) {
		v.errf("%s: name %q is not an OSCAL token", w, p.Name)
	}
	v.props(w, p.Props)
	for _, sub := range p.Parts {
		v.part(sub, w)
	}
}

func (v *validator) control(ctl *Control, parent string, resources map[string]bool) {
	if ctl == nil {
		v.errf("%s: null control", parent)
		return
	}
	where := "control " + ctl.ID
	v.id("control", ctl.ID, where)
	if strings.TrimSpace(ctl.Title) == "" || strings.Contains(ctl.Title, "\n") {
		v.errf("%s: title is required and must be one line", where)
	}
	v.props(where, ctl.Props)
	for _, p := range ctl.Params {
		v.param(p, where)
	}
	for _, p := range ctl.Parts {
		v.part(p, where)
	}
	for _, l := range ctl.Links {
		if strings.HasPrefix(l.Href, "#") && !resources[strings.TrimPrefix(l.Href, "#")] {
			v.errf("%s: link %s points to no back-matter resource", where, l.Href)
		}
	}
	if v.rules {
		v.text(ctl, where)
		v.catalogRules(ctl, where)
	}
	for _, sub := range ctl.Controls {
		v.control(sub, where, resources)
	}
}

// text checks that the control has its original text and an English rendering.
func (v *validator) text(ctl *Control, where string) {
	var orig, en int
	for _, p := range ctl.Parts {
		if p.Name != "statement" {
			continue
		}
		lang := propValue(p.Props, "lang")
		switch {
		case lang == "en":
			en++
			if strings.TrimSpace(p.Prose) == "" {
				v.errf("%s: English statement is empty", where)
			}
		case langs[lang]:
			orig++
			if strings.TrimSpace(p.Prose) == "" && len(ctl.SourceGaps()) == 0 {
				v.errf("%s: original statement is empty and no source-gap says why", where)
			}
		default:
			v.errf("%s: statement part %s: lang %q is not zh-TW, zh-CN, zh-Hant, ja or en", where, p.ID, lang)
		}
	}
	if orig != 1 {
		v.errf("%s: want 1 original-language statement, have %d", where, orig)
	}
	if en != 1 {
		v.errf("%s: want 1 English statement, have %d", where, en)
	}
	if ctl.SourceRef() == "" {
		v.errf("%s: prop source-ref is required", where)
	}
}

// catalogRules checks medsec's per-catalog rules.
func (v *validator) catalogRules(ctl *Control, where string) {
	for _, name := range []string{"cadence", "deadline"} {
		for _, d := range ctl.PropValues(name) {
			if d == "P" || d == "PT" || !durationRE.MatchString(d) {
				v.errf("%s: %s %q is not an ISO 8601 duration", where, name, d)
			}
		}
	}
	for _, p := range ctl.Params {
		if propValue(p.Props, "kind") == "duration" {
			for _, d := range p.Values {
				if d == "P" || d == "PT" || !durationRE.MatchString(d) {
					v.errf("%s: param %s value %q is not an ISO 8601 duration", where, p.ID, d)
				}
			}
		}
	}
	switch v.c.ID() {
	case IDTaiwanBaseline:
		if len(ctl.PropValues("level")) == 0 {
			v.errf("%s: TW row has no level", where)
		}
		for _, l := range ctl.PropValues("level") {
			if _, err := ParseLevel(l); err != nil {
				v.errf("%s: %v", where, err)
			}
		}
		if len(ctl.Targets()) == 0 {
			v.errf("%s: TW row has no target", where)
		}
		for _, t := range ctl.Targets() {
			if t != TargetBoundaryHost && t != TargetControlSystem {
				v.errf("%s: target %q is not boundary-host or control-system", where, t)
			}
		}
		switch ctl.TargetBasis() {
		case "row-mark", "row-text", "damaged-mark", "default-all":
		default:
			v.errf("%s: target-basis %q is not row-mark, row-text, damaged-mark or default-all", where, ctl.TargetBasis())
		}
		if ctl.TargetBasis() != "row-mark" && len(ctl.SourceGaps()) == 0 {
			v.errf("%s: targets not from a row mark but no source-gap says why", where)
		}
		if ctl.LevelInferred() && len(ctl.SourceGaps()) == 0 {
			v.errf("%s: level inferred but no source-gap says why", where)
		}
		if ctl.Domain() == "" || ctl.Objective() == "" {
			v.errf("%s: TW row needs domain and objective", where)
		}
	case IDJapanOperation:
		if len(ctl.Patterns()) == 0 {
			v.errf("%s: JP item has no ref-pattern", where)
		}
		for _, p := range ctl.Patterns() {
			if _, err := ParsePattern(string(p)); err != nil || strings.ContainsAny(string(p), "1234Ⅰ") {
				v.errf("%s: ref-pattern %q is not I, II, III or IV", where, p)
			}
		}
	}
}

// knownProps are the medsec prop names; a typo in a data file is an error.
var knownProps = map[string]bool{
	"catalog-id": true, "lang": true, "translation": true, "title-en": true,
	"domain": true, "domain-en": true, "objective": true, "objective-en": true,
	"level": true, "level-basis": true, "level-as-printed": true, "target": true, "target-basis": true,
	"cadence": true, "deadline": true, "deadline-basis": true, "source-ref": true,
	"source-gap": true, "transcription-note": true, "ref-pattern": true, "chapter": true,
	"item": true, "article": true, "paragraph": true, "obligation-strength": true,
	"condition": true, "condition-mlps-min": true, "condition-mlps-max": true,
	"condition-personal-info": true, "condition-cii": true, "kind": true, "unit": true,
	"seed-file": true, "source-language": true, "subject": true, "undecided": true,
}

func (v *validator) props(where string, props []Prop) {
	for _, p := range props {
		if !tokenRE.MatchString(p.Name) {
			v.errf("%s: prop name %q is not an OSCAL token", where, p.Name)
		}
		if !stringRE.MatchString(p.Value) {
			v.errf("%s: prop %s value %q is not an OSCAL string (non-empty, one line, trimmed)", where, p.Name, p.Value)
		}
		if v.rules && p.NS == NS && !knownProps[p.Name] {
			v.errf("%s: prop %q is not a medsec prop", where, p.Name)
		}
	}
}

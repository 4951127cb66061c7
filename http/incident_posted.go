package http

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
)

// postedForm is the form a user submitted on an incident page, to show it again when it
// is refused (a problem with a field, or someone else saved the incident first): what
// the user typed stays in the form, and each problem is shown next to its field as well
// as in the summary at the top of the page.
type postedForm struct {
	// Key names the submitted form: the action ("record", "create"), with the row for
	// the forms of a table's rows ("meet_clock:12", "meet_item:stable-24h").
	Key    string
	Values url.Values
	// Errs are the problems' texts by the name of the field's input, in the page's
	// language.
	Errs map[string][]string
	// Ambiguous is the choice of instant of each time field whose value occurs twice in
	// the site's zone (incident.err.time_ambiguous, parseLocalTime), by the field's input:
	// the page offers it beside the field.
	Ambiguous map[string]*offsetPick
}

// offsetPick is the choice of a repeated local time's instant shown beside its field:
// Name is the select's name (offsetChoice), Earlier and Later the two UTC offsets
// ("+02:00"), Chosen the one the user picked ("" for none); Label, EarlierText and
// LaterText are the select's texts in the page's language.
type offsetPick struct {
	Name, Earlier, Later, Chosen  string
	Label, EarlierText, LaterText string
}

// Offsets is the choice of offset for field of form key when its time occurs twice, nil
// otherwise.
func (f *postedForm) Offsets(key, field string) *offsetPick {
	if !f.Mine(key) {
		return nil
	}
	return f.Ambiguous[field]
}

// fieldProblem is a problem shown next to its field: ID is the element the field points
// at with aria-describedby.
type fieldProblem struct {
	ID, Text string
}

// Mine reports whether key names the submitted form.
func (f *postedForm) Mine(key string) bool { return f != nil && f.Key == key }

// Val is a field's value in form key: what the user typed when key was the form
// submitted, else def.
func (f *postedForm) Val(key, field string, def any) string {
	if f.Mine(key) {
		if v, ok := f.Values[field]; ok && len(v) > 0 {
			return v[0]
		}
	}
	if def == nil {
		return ""
	}
	switch d := def.(type) {
	case string:
		return d
	default:
		return sprint(d)
	}
}

// Picked reports whether value was chosen in field of form key (a select's option, a
// tick box): as the user chose it when key was the form submitted, else def.
func (f *postedForm) Picked(key, field, value string, def bool) bool {
	if f.Mine(key) {
		return slices.Contains(f.Values[field], value)
	}
	return def
}

// Err is the problem of a field of form key, nil for none.
func (f *postedForm) Err(key, field string) *fieldProblem {
	if !f.Mine(key) || len(f.Errs[field]) == 0 {
		return nil
	}
	return &fieldProblem{ID: problemID(key, field), Text: strings.Join(f.Errs[field], " ")}
}

// Aria marks a field of form key that has a problem: invalid, described by the problem's
// text beside it; "" for a field without one.
func (f *postedForm) Aria(key, field string) template.HTMLAttr {
	if e := f.Err(key, field); e != nil {
		return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + e.ID + `"`)
	}
	return ""
}

// problemID is the id of a field's problem: letters, digits and dashes only (a row's key
// comes from the request).
func problemID(key, field string) string {
	var b strings.Builder
	b.WriteString("err")
	for _, part := range []string{key, field} {
		b.WriteByte('-')
		for _, c := range part {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				b.WriteRune(c)
			} else {
				b.WriteByte('-')
			}
		}
	}
	return b.String()
}

func sprint(v any) string { return fmt.Sprint(v) }

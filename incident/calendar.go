package incident

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"medsec"
)

// Calendar is a jurisdiction's working days: Monday to Friday, less its public holidays,
// plus the weekend days worked instead (調休). The hospital maintains it (import from CSV
// or ICS). A nil *Calendar is Monday to Friday in UTC. Its days are counted in Loc: the
// jurisdiction's zone, or the zone of the site whose clocks it counts (In).
type Calendar struct {
	Loc *time.Location
	off map[string]bool
	on  map[string]bool
	// years are the years the hospital's calendar gives any day of (Covers).
	years map[int]bool
}

// NewCalendar returns the calendar of the holidays given, in the jurisdiction's time zone.
func NewCalendar(j medsec.Jurisdiction, days []medsec.Holiday) *Calendar {
	c := &Calendar{Loc: Location(j), off: map[string]bool{}, on: map[string]bool{}, years: map[int]bool{}}
	for _, d := range days {
		if d.Workday {
			c.on[d.Date.String()] = true
		} else {
			c.off[d.Date.String()] = true
		}
		c.years[d.Date.Time().Year()] = true
	}
	return c
}

// In returns the same calendar counting its days in loc, a site's time zone: a site in
// America/New_York under the TW calendar has its working days by New York's date (bt14
// #9: they were Taipei's, and a summary fell due on the site's Sunday).
func (c *Calendar) In(loc *time.Location) *Calendar {
	if c == nil || loc == nil {
		return c
	}
	in := *c
	in.Loc = loc
	return &in
}

// Uncovered returns the years, in order, of the days from from to to (in the calendar's
// zone) that the calendar gives no day of: there its working days are Monday to Friday
// only, holidays unknown, and a clock counted across them may fall due on a holiday.
func (c *Calendar) Uncovered(from, to time.Time) []int {
	loc := time.UTC
	if c != nil {
		loc = c.Loc
	}
	var out []int
	for y := from.In(loc).Year(); y <= to.In(loc).Year(); y++ {
		if c == nil || !c.years[y] {
			out = append(out, y)
		}
	}
	return out
}

// IsWorkingDay reports whether the day of t (in the calendar's zone) is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	if c != nil {
		t = t.In(c.Loc)
		day := t.Format(time.DateOnly)
		if c.on[day] {
			return true
		}
		if c.off[day] {
			return false
		}
	}
	return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
}

// AddWorkingDays returns the same time of day on the n-th working day after t's day, in
// the calendar's zone: "within 3 working days" of a Thursday-afternoon closing is Tuesday
// afternoon, one day later across a Monday holiday. The day of t itself never counts.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	loc := time.UTC
	if c != nil {
		loc = c.Loc
	}
	d := t.In(loc)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d.UTC()
}

// maxHolidays bounds one import, and maxHolidaySpan one ICS event's days. A holiday's
// year is MinHolidayYear to MaxHolidayYear: a calendar moves the due dates of incidents,
// which medsec records from 2000 on (medsec.MinIncidentTime); a year such as 1900 or
// 9999 is a typing error, not a holiday.
const (
	maxHolidays    = 5000
	maxHolidaySpan = 31
)

// The years a holiday may fall in.
const (
	MinHolidayYear = 2000
	MaxHolidayYear = 2099
)

// dayLines records the line each date was first given on, to refuse a date given twice
// (one import is one calendar: a date given twice is a typing error, and the audit counts
// the days stored).
type dayLines map[string]int

// add records h from line; a date already given is EINVALID naming both lines.
func (d dayLines) add(source string, line int, field string, h medsec.Holiday) error {
	day := h.Date.String()
	if first, ok := d[day]; ok {
		return &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{{Line: line, Field: field, Key: "incident.err.holiday_duplicate",
			Message: fmt.Sprintf("gives %s again: it is already on line %d (one calendar gives each date once)", day, first),
			Args:    []string{day, strconv.Itoa(first)}}}}
	}
	d[day] = line
	return nil
}

func lineError(source string, line int, field, key, msg, value string) error {
	return &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{{Line: line, Field: field, Key: key, Message: msg, Value: value}}}
}

// ParseCSV reads a holiday calendar from CSV with the header date,name[,workday]: date is
// YYYY-MM-DD, name the holiday's name, workday "yes" (or true, 1) for a weekend day
// worked instead. Errors are *medsec.ValidationError naming source, line and field.
func ParseCSV(r io.Reader, source string, j medsec.Jurisdiction) ([]medsec.Holiday, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, lineError(source, 1, "header", "err.invalid", "is missing or unreadable: want date,name[,workday]", "")
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["date"]; !ok {
		return nil, lineError(source, 1, "header", "err.invalid", "has no date column: want date,name[,workday]", strings.Join(header, ","))
	}
	get := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var out []medsec.Holiday
	seen := dayLines{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, lineError(source, line, "", "err.invalid", "is not valid CSV", "")
		}
		line, _ := cr.FieldPos(0)
		h, err := holiday(source, line, j, get(rec, "date"), get(rec, "name"), get(rec, "workday"))
		if err != nil {
			return nil, err
		}
		if err := seen.add(source, line, "date", h); err != nil {
			return nil, err
		}
		if out = append(out, h); len(out) > maxHolidays {
			return nil, lineError(source, line, "", "err.too_many", fmt.Sprintf("more than %d days in one calendar", maxHolidays), "")
		}
	}
	return out, nil
}

func holiday(source string, line int, j medsec.Jurisdiction, date, name, workday string) (medsec.Holiday, error) {
	d, err := medsec.ParseDate(date)
	if err != nil || d.IsZero() {
		return medsec.Holiday{}, lineError(source, line, "date", "err.invalid", "is not a date (YYYY-MM-DD)", date)
	}
	if fe := holidayYear("date", d); fe != nil {
		fe.Line = line
		return medsec.Holiday{}, &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{*fe}}
	}
	if fe := medsec.CheckText("name", name, false); fe != nil {
		fe.Line = line
		return medsec.Holiday{}, &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{*fe}}
	}
	if fe := medsec.CheckLength("name", name, medsec.MaxNameLength); fe != nil {
		fe.Line = line
		return medsec.Holiday{}, &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{*fe}}
	}
	h := medsec.Holiday{Jurisdiction: j, Date: d, Name: name}
	switch strings.ToLower(workday) {
	case "", "no", "false", "0":
	case "yes", "true", "1":
		h.Workday = true
	default:
		return medsec.Holiday{}, lineError(source, line, "workday", "err.invalid", "must be yes or no", workday)
	}
	return h, nil
}

// ParseICS reads the all-day events of an iCalendar file (RFC 5545) as holidays: each
// VEVENT's DTSTART (a DATE) to its DTEND (exclusive, at most 31 days; one day without it)
// named by its SUMMARY (a DATE-TIME at midnight, T000000, counts as its date). A timed
// event (DTSTART or DTEND at any other time, such as a meeting at 09:00) is not a holiday
// and is refused, naming its line. A repeating event (RRULE, RDATE) is refused naming
// its line, as medsec does not expand it (list each date); a cancelled event
// (STATUS:CANCELLED) is skipped; an event whose DTEND is before its DTSTART is refused
// naming the DTEND line (t14 finding 10). Folded lines are unfolded
// (RFC 5545 §3.1) and SUMMARY's escapes undone (§3.3.11). Errors are
// *medsec.ValidationError naming source, the physical line of the property (of a folded
// line, the line holding the problem) and the property.
func ParseICS(r io.Reader, source string, j medsec.Jurisdiction) ([]medsec.Holiday, error) {
	var lines []icsLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		t := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			t = strings.TrimPrefix(t, "\ufeff")
		}
		if (strings.HasPrefix(t, " ") || strings.HasPrefix(t, "\t")) && len(lines) > 0 {
			l := &lines[len(lines)-1]
			l.parts = append(l.parts, icsPart{line: n, at: len(l.text)})
			l.text += t[1:]
			continue
		}
		lines = append(lines, icsLine{line: n, text: t, parts: []icsPart{{line: n}}})
	}
	if err := sc.Err(); err != nil {
		return nil, lineError(source, n+1, "", "err.invalid", "line too long or unreadable", "")
	}
	var out []medsec.Holiday
	seen := dayLines{}
	inEvent, sawCalendar := false, false
	var ev icsEvent
	for _, l := range lines {
		name, value, ok := strings.Cut(l.text, ":")
		if !ok {
			if strings.TrimSpace(l.text) == "" {
				continue
			}
			return nil, lineError(source, l.line, "", "err.invalid", "is not a NAME:VALUE content line", truncate(l.text))
		}
		prop, params, _ := strings.Cut(name, ";")
		prop = strings.ToUpper(prop)
		switch {
		case prop == "BEGIN" && strings.EqualFold(value, "VCALENDAR"):
			sawCalendar = true
		case prop == "BEGIN" && strings.EqualFold(value, "VEVENT"):
			inEvent, ev = true, icsEvent{begin: l.line}
		case prop == "END" && strings.EqualFold(value, "VEVENT"):
			if !inEvent {
				return nil, lineError(source, l.line, "END", "err.invalid", "ends an event that did not begin", "")
			}
			inEvent = false
			if ev.repeat.line != 0 {
				return nil, &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{{Line: ev.repeat.line, Field: ev.repeat.value, Key: "incident.err.ics_repeat",
					Message: "is a repeating event, which medsec does not expand: list each date as its own event"}}}
			}
			if ev.cancelled {
				continue
			}
			days, err := icsDays(source, ev)
			if err != nil {
				return nil, err
			}
			summary := unescapeText(ev.summary.value)
			if fe := medsec.CheckText("SUMMARY", summary, false); fe != nil {
				fe.Line = ev.summary.badLine(ev.begin)
				return nil, &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{*fe}}
			}
			for _, d := range days {
				h, err := holiday(source, ev.start.line, j, d, summary, "")
				if err != nil {
					var ve *medsec.ValidationError
					if errors.As(err, &ve) && len(ve.Errors) == 1 {
						switch ve.Errors[0].Field {
						case "name":
							ve.Errors[0].Field, ve.Errors[0].Line = "SUMMARY", ev.summary.lineOr(ev.begin)
						case "date":
							ve.Errors[0].Field = "DTSTART"
						}
					}
					return nil, err
				}
				if err := seen.add(source, ev.start.line, "DTSTART", h); err != nil {
					return nil, err
				}
				if out = append(out, h); len(out) > maxHolidays {
					return nil, lineError(source, l.line, "", "err.too_many", fmt.Sprintf("more than %d days in one calendar", maxHolidays), "")
				}
			}
		case inEvent && prop == "DTSTART":
			ev.start = icsProp{line: l.line, value: value, params: params}
		case inEvent && prop == "DTEND":
			ev.end = icsProp{line: l.line, value: value, params: params}
		case inEvent && (prop == "RRULE" || prop == "RDATE") && ev.repeat.line == 0:
			ev.repeat = icsProp{line: l.line, value: prop}
		case inEvent && prop == "STATUS":
			ev.cancelled = strings.EqualFold(strings.TrimSpace(value), "CANCELLED")
		case inEvent && prop == "SUMMARY":
			ev.summary = icsProp{line: l.line, value: value, src: &l}
		}
	}
	if !sawCalendar {
		return nil, lineError(source, 1, "BEGIN", "err.invalid", "has no BEGIN:VCALENDAR", "")
	}
	if inEvent {
		return nil, &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{{Line: ev.begin, Field: "BEGIN", Key: "incident.err.ics_unended",
			Message: "begins an event that has no END:VEVENT before the end of the file"}}}
	}
	return out, nil
}

// icsLine is one content line, unfolded: the physical line it starts on and where each of
// its physical lines starts in text.
type icsLine struct {
	line  int
	text  string
	parts []icsPart
}

// icsPart is a physical line of a folded content line: its number and the offset in the
// unfolded text where it starts.
type icsPart struct{ line, at int }

// icsProp is a property of an event with the line it is on.
type icsProp struct {
	line   int
	value  string
	params string
	src    *icsLine
}

// lineOr is the property's line, or def when the event has no such property.
func (p icsProp) lineOr(def int) int {
	if p.line == 0 {
		return def
	}
	return p.line
}

// badLine is the physical line holding the first character of the value that medsec
// does not store (for a folded line, the continuation line it is on), or the property's
// line.
func (p icsProp) badLine(def int) int {
	if p.src == nil {
		return p.lineOr(def)
	}
	start := len(p.src.text) - len(p.value)
	for i, r := range p.value {
		if _, bad := medsec.BadRune(string(r), false); bad || (r == utf8.RuneError) {
			at, line := start+i, p.src.line
			for _, part := range p.src.parts {
				if part.at <= at {
					line = part.line
				}
			}
			return line
		}
	}
	return p.line
}

// icsEvent is a VEVENT as read: the line of its BEGIN and its properties.
type icsEvent struct {
	begin               int
	start, end, summary icsProp
	// repeat is the event's first RRULE or RDATE (value: the property's name).
	repeat icsProp
	// cancelled is STATUS:CANCELLED.
	cancelled bool
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// icsDays returns the days (YYYY-MM-DD) of an all-day event from DTSTART up to DTEND
// (exclusive).
func icsDays(source string, ev icsEvent) ([]string, error) {
	parse := func(field string, p icsProp) (time.Time, error) {
		v := p.value
		// A DATE-TIME at midnight (20270211T000000, some calendars' way of writing a
		// whole day) is its date; any other time is a timed event.
		if len(v) > 8 && v[8] == 'T' && (v[9:] == "000000" || v[9:] == "000000Z") {
			v = v[:8]
		} else if len(v) > 8 && v[8] == 'T' {
			return time.Time{}, &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{{Line: p.line, Field: field, Key: "incident.err.ics_timed",
				Message: "is a date and time, not a whole day: a holiday is an all-day event (" + field + ";VALUE=DATE:YYYYMMDD)", Value: truncate(v)}}}
		}
		if len(v) == 8 {
			if t, err := time.Parse("20060102", v); err == nil {
				return t, nil
			}
		}
		return time.Time{}, lineError(source, p.line, field, "err.invalid", "is not an iCalendar date (YYYYMMDD)", truncate(v))
	}
	if ev.start.value == "" {
		return nil, lineError(source, ev.start.lineOr(ev.begin), "DTSTART", "err.required", "is required", "")
	}
	s, err := parse("DTSTART", ev.start)
	if err != nil {
		return nil, err
	}
	if fe := holidayYear("DTSTART", medsec.DateOf(s)); fe != nil {
		fe.Line = ev.start.line
		return nil, &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{*fe}}
	}
	e := s.AddDate(0, 0, 1)
	if ev.end.value != "" {
		if e, err = parse("DTEND", ev.end); err != nil {
			return nil, err
		}
		if e.Before(s) {
			return nil, &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{{Line: ev.end.line, Field: "DTEND", Key: "incident.err.ics_inverted",
				Message: fmt.Sprintf("ends (%s) before the event starts (%s)", e.Format(time.DateOnly), s.Format(time.DateOnly)),
				Args:    []string{e.Format(time.DateOnly), s.Format(time.DateOnly)}}}}
		}
		if !e.After(s) {
			e = s.AddDate(0, 0, 1)
		}
	}
	if days := int(e.Sub(s) / (24 * time.Hour)); days > maxHolidaySpan {
		last := e.AddDate(0, 0, -1).Format(time.DateOnly)
		return nil, &medsec.ValidationError{Source: source, Errors: []medsec.FieldError{{Line: ev.end.line, Field: "DTEND", Key: "incident.err.ics_span",
			Message: fmt.Sprintf("the event spans %d days (%s to %s); one holiday event may span at most %d days: split a longer closure into several events",
				days, s.Format(time.DateOnly), last, maxHolidaySpan),
			Args: []string{strconv.Itoa(days), s.Format(time.DateOnly), last, strconv.Itoa(maxHolidaySpan)}}}}
	}
	var out []string
	for d := s; d.Before(e); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out, nil
}

// unescapeText undoes RFC 5545 §3.3.11 TEXT escapes.
func unescapeText(s string) string {
	r := strings.NewReplacer(`\\`, `\`, `\;`, `;`, `\,`, `,`, `\n`, " ", `\N`, " ")
	return strings.TrimSpace(r.Replace(s))
}

// holidayYear returns an error for field when d is outside MinHolidayYear to
// MaxHolidayYear, naming the rule.
func holidayYear(field string, d medsec.Date) *medsec.FieldError {
	y := d.Time().Year()
	if y >= MinHolidayYear && y <= MaxHolidayYear {
		return nil
	}
	return &medsec.FieldError{Field: field, Key: "incident.err.holiday_year",
		Message: fmt.Sprintf("%s is outside the years a holiday calendar covers (%d to %d)", d, MinHolidayYear, MaxHolidayYear),
		Args:    []string{d.String(), strconv.Itoa(MinHolidayYear), strconv.Itoa(MaxHolidayYear)}}
}

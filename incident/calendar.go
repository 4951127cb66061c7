package incident

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"medsec"
)

// Calendar is a jurisdiction's working days: Monday to Friday, less its public holidays,
// plus the weekend days worked instead (調休). The hospital maintains it (import from CSV
// or ICS). A nil *Calendar is Monday to Friday in UTC.
type Calendar struct {
	Loc *time.Location
	off map[string]bool
	on  map[string]bool
}

// NewCalendar returns the calendar of the holidays given, in the jurisdiction's time zone.
func NewCalendar(j medsec.Jurisdiction, days []medsec.Holiday) *Calendar {
	c := &Calendar{Loc: Location(j), off: map[string]bool{}, on: map[string]bool{}}
	for _, d := range days {
		if d.Workday {
			c.on[d.Date.String()] = true
		} else {
			c.off[d.Date.String()] = true
		}
	}
	return c
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

// maxHolidays bounds one import, and maxHolidaySpan one ICS event's days.
const (
	maxHolidays    = 5000
	maxHolidaySpan = 31
)

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
// VEVENT's DTSTART (a DATE, or the date of a DATE-TIME) to its DTEND (exclusive, at most
// 31 days; one day without it) named by its SUMMARY. Folded lines are unfolded (RFC 5545
// §3.1) and SUMMARY's escapes undone (§3.3.11). Errors are *medsec.ValidationError naming
// source, line and property.
func ParseICS(r io.Reader, source string, j medsec.Jurisdiction) ([]medsec.Holiday, error) {
	type logical struct {
		line int
		text string
	}
	var lines []logical
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		t := strings.TrimSuffix(sc.Text(), "\r")
		if (strings.HasPrefix(t, " ") || strings.HasPrefix(t, "\t")) && len(lines) > 0 {
			lines[len(lines)-1].text += t[1:]
			continue
		}
		lines = append(lines, logical{n, t})
	}
	if err := sc.Err(); err != nil {
		return nil, lineError(source, n+1, "", "err.invalid", "line too long or unreadable", "")
	}
	var out []medsec.Holiday
	inEvent, sawCalendar := false, false
	var start, end, summary string
	var startLine int
	for _, l := range lines {
		name, value, ok := strings.Cut(l.text, ":")
		if !ok {
			if strings.TrimSpace(l.text) == "" {
				continue
			}
			return nil, lineError(source, l.line, "", "err.invalid", "is not a NAME:VALUE content line", truncate(l.text))
		}
		prop, _, _ := strings.Cut(name, ";")
		prop = strings.ToUpper(prop)
		switch {
		case prop == "BEGIN" && strings.EqualFold(value, "VCALENDAR"):
			sawCalendar = true
		case prop == "BEGIN" && strings.EqualFold(value, "VEVENT"):
			inEvent, start, end, summary, startLine = true, "", "", "", l.line
		case prop == "END" && strings.EqualFold(value, "VEVENT"):
			if !inEvent {
				return nil, lineError(source, l.line, "END", "err.invalid", "ends an event that did not begin", "")
			}
			inEvent = false
			days, err := icsDays(source, startLine, start, end)
			if err != nil {
				return nil, err
			}
			for _, d := range days {
				h, err := holiday(source, startLine, j, d, unescapeText(summary), "")
				if err != nil {
					return nil, err
				}
				if out = append(out, h); len(out) > maxHolidays {
					return nil, lineError(source, l.line, "", "err.too_many", fmt.Sprintf("more than %d days in one calendar", maxHolidays), "")
				}
			}
		case inEvent && prop == "DTSTART":
			start = value
		case inEvent && prop == "DTEND":
			end = value
		case inEvent && prop == "SUMMARY":
			summary = value
		}
	}
	if !sawCalendar {
		return nil, lineError(source, 1, "BEGIN", "err.invalid", "has no BEGIN:VCALENDAR", "")
	}
	if inEvent {
		return nil, lineError(source, startLine, "BEGIN", "err.invalid", "event has no END:VEVENT", "")
	}
	return out, nil
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// icsDays returns the days (YYYY-MM-DD) from DTSTART up to DTEND (exclusive).
func icsDays(source string, line int, start, end string) ([]string, error) {
	parse := func(field, v string) (time.Time, error) {
		if len(v) >= 8 {
			if t, err := time.Parse("20060102", v[:8]); err == nil && (len(v) == 8 || v[8] == 'T') {
				return t, nil
			}
		}
		return time.Time{}, lineError(source, line, field, "err.invalid", "is not an iCalendar date (YYYYMMDD)", truncate(v))
	}
	if start == "" {
		return nil, lineError(source, line, "DTSTART", "err.required", "is required", "")
	}
	s, err := parse("DTSTART", start)
	if err != nil {
		return nil, err
	}
	e := s.AddDate(0, 0, 1)
	if end != "" {
		if e, err = parse("DTEND", end); err != nil {
			return nil, err
		}
		if !e.After(s) {
			e = s.AddDate(0, 0, 1)
		}
	}
	if e.Sub(s) > maxHolidaySpan*24*time.Hour {
		return nil, lineError(source, line, "DTEND", "err.invalid", fmt.Sprintf("spans more than %d days", maxHolidaySpan), end)
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

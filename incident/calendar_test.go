package incident

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"medsec"
)

func TestParseCSV(t *testing.T) {
	f, err := os.Open("testdata/holidays-cn-example.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	days, err := ParseCSV(f, "holidays-cn-example.csv", medsec.JurisdictionCN)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 8 || days[0].Date.String() != "2026-10-01" || days[0].Name != "国庆节" || !days[7].Workday || days[0].Jurisdiction != medsec.JurisdictionCN {
		t.Errorf("days: %+v", days)
	}
	bad := []struct{ in, want string }{
		{"", "line 1: header"},
		{"day,name\n", "line 1: header"},
		{"date,name\n2026-13-01,x\n", `line 2: date: is not a date (YYYY-MM-DD) ("2026-13-01")`},
		{"date,name,workday\n2026-10-01,a\n2026-10-10,b,maybe\n", `line 3: workday: must be yes or no ("maybe")`},
		{"date,name\n2026-10-01,\"a\n", "line 2"},
		{"date,name\n2026-10-01,a\x00b\n", "line 2: name"},
		// Years a calendar does not cover, and a date given twice (before: both stored as
		// one day, the audit counting two).
		{"date,name\n1900-01-01,x\n", "line 2: date: 1900-01-01 is outside the years a holiday calendar covers (2000 to 2099)"},
		{"date,name\n9999-12-31,x\n", "line 2: date: 9999-12-31 is outside"},
		{"date,name,workday\n2026-10-01,a\n2026-10-02,b\n2026-10-01,c,yes\n", "line 4: date: gives 2026-10-01 again: it is already on line 2"},
	}
	for _, b := range bad {
		_, err := ParseCSV(strings.NewReader(b.in), "h.csv", medsec.JurisdictionCN)
		if err == nil || !strings.Contains(describe(err), b.want) {
			t.Errorf("%q: %v, want %q", b.in, describe(err), b.want)
		}
	}
}

// describe renders a validation error as "source: line N: field: message (value)".
func describe(err error) string {
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) {
		if err == nil {
			return "<nil>"
		}
		return err.Error()
	}
	var b strings.Builder
	for _, e := range ve.Errors {
		b.WriteString(ve.Source)
		if e.Line > 0 {
			b.WriteString(": line " + itoa(e.Line))
		}
		b.WriteString(": " + e.Field + ": " + e.Message)
		if e.Value != "" {
			b.WriteString(` ("` + e.Value + `")`)
		}
	}
	return b.String()
}

func itoa(n int) string {
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	if s == "" {
		return "0"
	}
	return s
}

func TestParseICS(t *testing.T) {
	f, err := os.Open("testdata/holidays-jp-2027q1.ics")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	days, err := ParseICS(f, "holidays-jp-2027q1.ics", medsec.JurisdictionJP)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range days {
		got = append(got, d.Date.String()+" "+d.Name)
	}
	want := []string{"2027-01-01 元日, 正月", "2027-01-02 年始休暇", "2027-01-03 年始休暇", "2027-01-11 成人の日", "2027-02-11 建国記念の日"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("days:\n got %q\nwant %q", got, want)
	}
	// A working-day deadline across them: closed Thu 2026-12-31 10:00 JST, 3 working days
	// are Mon 4, Tue 5, Wed 6 January.
	cal := NewCalendar(medsec.JurisdictionJP, days)
	if got := cal.AddWorkingDays(mustTime("2026-12-31T01:00:00Z"), 3); got.Format("2006-01-02T15:04Z07:00") != "2027-01-06T01:00Z" {
		t.Errorf("due %v", got)
	}
	bad := []struct{ in, want string }{
		{"BEGIN:VEVENT\nEND:VEVENT\n", "line 1: DTSTART"},
		// Each problem names the line of its property (before: the event's BEGIN line).
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2027011\nEND:VEVENT\nEND:VCALENDAR\n", `line 3: DTSTART: is not an iCalendar date (YYYYMMDD) ("2027011")`},
		// The span rule is named, with the event's days.
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20270101\nDTEND;VALUE=DATE:20270301\nEND:VEVENT\nEND:VCALENDAR\n",
			"line 4: DTEND: the event spans 59 days (2027-01-01 to 2027-02-28); one holiday event may span at most 31 days"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270101\n", "line 2: BEGIN: begins an event that has no END:VEVENT before the end of the file"},
		// t14 finding 10: a repeating event is refused naming its line (not imported as its
		// first date), and an event that ends before it starts is refused naming DTEND.
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\nRRULE:FREQ=YEARLY\nSUMMARY:Christmas\nEND:VEVENT\nEND:VCALENDAR\n",
			"line 4: RRULE: is a repeating event, which medsec does not expand: list each date as its own event"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\nRDATE;VALUE=DATE:20271225\nEND:VEVENT\nEND:VCALENDAR\n", "line 4: RDATE: is a repeating event"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261001\nDTEND;VALUE=DATE:20260930\nEND:VEVENT\nEND:VCALENDAR\n",
			"line 4: DTEND: ends (2026-09-30) before the event starts (2026-10-01)"},
		{"BEGIN:VCALENDAR\nnonsense\n", "line 2: : is not a NAME:VALUE content line"},
		{"BEGIN:VCALENDAR\nEND:VEVENT\n", "line 2: END"},
		// A folded line: the problem is named on the physical line that holds it.
		{"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:New\r\n  Year\r\n  \x01day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "line 6: SUMMARY"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\n y\nDTSTART;VALUE=DATE:2027\n 0101\nDTEND:20270102T120000\nEND:VEVENT\nEND:VCALENDAR\n", "line 7: DTEND: is a date and time, not a whole day"},
		// Timed events are not holidays.
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270104T090000\nDTEND:20270104T100000\nSUMMARY:meeting\nEND:VEVENT\nEND:VCALENDAR\n", `line 3: DTSTART: is a date and time, not a whole day: a holiday is an all-day event (DTSTART;VALUE=DATE:YYYYMMDD) ("20270104T090000")`},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=Asia/Tokyo:20270104T090000\nEND:VEVENT\nEND:VCALENDAR\n", "line 3: DTSTART: is a date and time"},
		// Years outside 2000 to 2099, and a date given twice.
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:19000101\nEND:VEVENT\nEND:VCALENDAR\n", "line 3: DTSTART: 1900-01-01 is outside the years a holiday calendar covers (2000 to 2099)"},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20270101\nDTEND;VALUE=DATE:20270103\nEND:VEVENT\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20270102\nEND:VEVENT\nEND:VCALENDAR\n",
			"line 7: DTSTART: gives 2027-01-02 again: it is already on line 3"},
	}
	for _, b := range bad {
		_, err := ParseICS(strings.NewReader(b.in), "h.ics", medsec.JurisdictionJP)
		if err == nil || !strings.Contains(describe(err), b.want) {
			t.Errorf("%q: %v, want %q", b.in, describe(err), b.want)
		}
	}
}

// FuzzParseCSV: any input either parses into valid days or fails with a validation error
// naming the source.
func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{"date,name\n2026-10-01,国庆节\n", "date,name,workday\n2026-10-10,调休,yes\n", "date\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		days, err := ParseCSV(strings.NewReader(string(data)), "f.csv", medsec.JurisdictionCN)
		checkParsed(t, days, err, "f.csv")
	})
}

// FuzzParseICS: as FuzzParseCSV, for iCalendar files.
func FuzzParseICS(f *testing.F) {
	for _, s := range []string{"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:元日\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270101T000000Z\nDTEND:20270104\nSUMMARY:a\\, b\n c\nEND:VEVENT\nEND:VCALENDAR\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		days, err := ParseICS(strings.NewReader(string(data)), "f.ics", medsec.JurisdictionJP)
		checkParsed(t, days, err, "f.ics")
	})
}

func checkParsed(t *testing.T, days []medsec.Holiday, err error, source string) {
	if err != nil {
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) || ve.Source != source || len(ve.Errors) == 0 {
			t.Fatalf("error is not a validation error of %s: %v", source, err)
		}
		return
	}
	if len(days) > maxHolidays {
		t.Fatalf("%d days", len(days))
	}
	for _, d := range days {
		if d.Date.IsZero() || medsec.CheckText("name", d.Name, false) != nil {
			t.Fatalf("bad day %+v", d)
		}
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestParseICSSkipsCancelled is t14 finding 10: a cancelled event (STATUS:CANCELLED) is
// not a holiday; the other events of the file are.
func TestParseICSSkipsCancelled(t *testing.T) {
	in := "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261001\nSUMMARY:cancelled\nSTATUS:CANCELLED\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nDTSTART;VALUE=DATE:20261002\nSUMMARY:kept\nSTATUS:CONFIRMED\nEND:VEVENT\nEND:VCALENDAR\n"
	days, err := ParseICS(strings.NewReader(in), "h.ics", medsec.JurisdictionCN)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 1 || days[0].Date.String() != "2026-10-02" || days[0].Name != "kept" {
		t.Errorf("days: %+v, want only 2026-10-02 kept", days)
	}
}

package logs

import (
	"strconv"
	"strings"
	"time"
)

// defaultPRI is the priority RFC 3164 §4.3.3 tells a relay to give a message
// that arrives without a valid PRI: facility user (1), severity notice (5).
const defaultPRI = 13

// parseRFC3164 reads a BSD syslog message (RFC 3164 §4.1) as leniently as
// rsyslog does, and never fails: what cannot be read as a header stays in
// the message. now is the receive time in loc, the zone of times without
// one. The decisions where parsers disagree, each tested in
// rfc3164_test.go and listed in docs/LOGS.md:
//
//   - no or invalid PRI: priority 13 (§4.3.3) and the line is read from its
//     start, so a header without PRI still counts (rsyslog does the same);
//   - spaces after PRI, a one-digit day ("Mar 7"), a zero-padded day, an
//     upper-case month, a year inside the date ("Mar 7 2008 19:06:53"), a
//     colon after the time, fractions of a second and RFC 3339 times are all
//     accepted as the TIMESTAMP (§4.1.2 names only "Mmm dd hh:mm:ss");
//   - a missing year is the year that puts the time within 7 days after and
//     358 days before the receive time (rsyslog moves December back a year
//     in January; this also moves January forward in December);
//   - no valid TIMESTAMP: §4.3.2 — no header at all, the whole line after
//     PRI is the message and the record has no time of its own;
//   - HOSTNAME is the next word; an IP address goes to host.ip, anything
//     else (even an invalid address like 10.321.1.123) to host.name;
//   - TAG is everything up to the first ':' or space (rsyslog's rule; §4.1.3
//     says alphanumeric, but "%PIX-7-710005:" and "sshd(pam_unix)[12750]:"
//     are real); process.name is the TAG before '[', process.pid the number
//     between '[' and ']'; a TAG without ':' still counts;
//   - message is what follows the TAG's ':' and one space; rsyslog keeps
//     that space in its msg property, medsec does not.
func parseRFC3164(line []byte, now time.Time, loc *time.Location) map[string]any {
	f := make(map[string]any, 12)
	s := string(line)
	pri, rest, ok := readPRI(s)
	if !ok {
		pri, rest = defaultPRI, s
	}
	setPriority(f, pri)
	rest = strings.TrimLeft(rest, " ")
	ts, after, ok := readTimestamp3164(rest, now, loc)
	if !ok {
		setMessage(f, rest)
		return f
	}
	f["@timestamp"] = ts
	rest = after
	// HOSTNAME: one word after one space.
	if !strings.HasPrefix(rest, " ") {
		if rest != "" {
			setMessage(f, rest)
		}
		return f
	}
	rest = rest[1:]
	host, rest, _ := strings.Cut(rest, " ")
	setHost(f, host)
	readTag(f, rest)
	return f
}

// readTag reads TAG[PID]: and the message after it from s.
func readTag(f map[string]any, s string) {
	end := strings.IndexAny(s, ": ")
	if end < 0 {
		end = len(s)
	}
	tag := s[:end]
	msg := s[end:]
	if strings.HasPrefix(msg, ":") {
		msg = msg[1:]
	}
	msg = strings.TrimPrefix(msg, " ")
	if tag != "" {
		name, pid := tag, ""
		if i := strings.IndexByte(tag, '['); i > 0 {
			name = tag[:i]
			if j := strings.IndexByte(tag[i:], ']'); j > 0 {
				pid = tag[i+1 : i+j]
			}
		}
		f["log.syslog.appname"] = name
		f["process.name"] = name
		if pid != "" {
			f["log.syslog.procid"] = pid
			if n, err := strconv.Atoi(pid); err == nil && n >= 0 {
				f["process.pid"] = n
			}
		}
	}
	setMessage(f, msg)
}

// setMessage sets message unless msg is empty.
func setMessage(f map[string]any, msg string) {
	if msg != "" {
		f["message"] = msg
	}
}

// readPRI reads "<N>" with N from 0 to 191 (RFC 3164 §4.1.1, RFC 5424 §6.2.1).
func readPRI(s string) (pri int, rest string, ok bool) {
	if len(s) < 3 || s[0] != '<' {
		return 0, s, false
	}
	end := strings.IndexByte(s[:min(len(s), 5)], '>')
	if end < 2 {
		return 0, s, false
	}
	digits := s[1:end]
	if len(digits) > 1 && digits[0] == '0' {
		return 0, s, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || n > 191 || strings.ContainsAny(digits, "+-") {
		return 0, s, false
	}
	return n, s[end+1:], true
}

var months = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// readTimestamp3164 reads a TIMESTAMP at the start of s: RFC 3339, or
// "Mmm d[d] [yyyy] hh:mm:ss[.frac][:]". It returns the time and what follows.
func readTimestamp3164(s string, now time.Time, loc *time.Location) (time.Time, string, bool) {
	if len(s) >= 19 && s[4] == '-' && s[10] == 'T' {
		end := strings.IndexByte(s, ' ')
		if end < 0 {
			end = len(s)
		}
		if t, err := time.Parse(time.RFC3339Nano, s[:end]); err == nil {
			return t, s[end:], true
		}
		return time.Time{}, s, false
	}
	if len(s) < 3 {
		return time.Time{}, s, false
	}
	mon, ok := months[strings.ToLower(s[:3])]
	if !ok {
		return time.Time{}, s, false
	}
	r := strings.TrimLeft(s[3:], " ")
	if len(r) == len(s)-3 {
		return time.Time{}, s, false
	}
	day, r, ok := readNumber(r, 1, 2)
	if !ok || day < 1 || day > 31 || !strings.HasPrefix(r, " ") {
		return time.Time{}, s, false
	}
	r = strings.TrimLeft(r, " ")
	year := 0
	if len(r) > 5 && r[4] == ' ' {
		y, rr, ok := readNumber(r, 4, 4)
		if !ok {
			return time.Time{}, s, false
		}
		year, r = y, strings.TrimLeft(rr, " ")
	}
	hh, r, ok1 := readNumber(r, 2, 2)
	r, ok2 := strings.CutPrefix(r, ":")
	mm, r, ok3 := readNumber(r, 2, 2)
	r, ok4 := strings.CutPrefix(r, ":")
	ss, r, ok5 := readNumber(r, 2, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, s, false
	}
	nsec := 0
	if strings.HasPrefix(r, ".") {
		i := 1
		for i < len(r) && i <= 9 && r[i] >= '0' && r[i] <= '9' {
			i++
		}
		if i > 1 {
			frac := r[1:i] + strings.Repeat("0", 10-i)
			nsec, _ = strconv.Atoi(frac)
			r = r[i:]
		}
	}
	r = strings.TrimPrefix(r, ":")
	if r != "" && r[0] != ' ' {
		return time.Time{}, s, false
	}
	if year == 0 {
		t, ok := guessYear(mon, day, hh, mm, ss, nsec, now, loc)
		return t, r, ok
	}
	t := time.Date(year, mon, day, hh, mm, ss, nsec, loc)
	if t.Day() != day {
		return time.Time{}, s, false
	}
	return t, r, true
}

// guessYear picks the year of a time that has none: the one that places it
// no more than 7 days after now and no more than 358 days before it.
func guessYear(mon time.Month, day, hh, mm, ss, nsec int, now time.Time, loc *time.Location) (time.Time, bool) {
	for _, y := range []int{now.Year(), now.Year() - 1, now.Year() + 1} {
		t := time.Date(y, mon, day, hh, mm, ss, nsec, loc)
		if t.Day() != day { // 29 February outside a leap year
			continue
		}
		d := t.Sub(now)
		if d <= 7*24*time.Hour && d >= -358*24*time.Hour {
			return t, true
		}
	}
	// 29 February from four years back, say: the latest year it exists.
	for y := now.Year(); y > now.Year()-8; y-- {
		if t := time.Date(y, mon, day, hh, mm, ss, nsec, loc); t.Day() == day {
			return t, true
		}
	}
	return time.Time{}, false
}

// readNumber reads between minDigits and maxDigits decimal digits.
func readNumber(s string, minDigits, maxDigits int) (int, string, bool) {
	i := 0
	for i < len(s) && i < maxDigits && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i < minDigits {
		return 0, s, false
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:], true
}

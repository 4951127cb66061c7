package medsec

import "time"

// ZonedTime writes an instant in a site's time zone naming the zone, to the minute:
// "2026-11-30 14:05 (Asia/Taipei)" — how incidents show their times on the pages, in the
// ledger exports and in notifications, since they are entered in the site's local time.
// zone is an IANA name (Site.Zone); an empty or unknown one is UTC. The zero time is "".
func ZonedTime(t time.Time, zone string) string {
	return zoned(t, zone, "2006-01-02 15:04")
}

// ZonedTimeSec is ZonedTime to the second (timeline entries, log records).
func ZonedTimeSec(t time.Time, zone string) string {
	return zoned(t, zone, "2006-01-02 15:04:05")
}

// InZone returns t in the named IANA zone; an empty or unknown one is UTC.
func InZone(t time.Time, zone string) (time.Time, string) {
	loc, err := LoadZone("time_zone", zone)
	if err != nil {
		return t.UTC(), "UTC"
	}
	return t.In(loc), zone
}

func zoned(t time.Time, zone, layout string) string {
	if t.IsZero() {
		return ""
	}
	t, name := InZone(t, zone)
	if Ambiguous(t) {
		return t.Format(layout) + " (" + t.Format("-07:00") + ") (" + name + ")"
	}
	return t.Format(layout) + " (" + name + ")"
}

// Ambiguous reports whether t's wall time occurs twice in its location: in the hour the
// clocks repeat when summer time ends (America/New_York 2026-11-01 01:00–02:00 is first
// -04:00, then -05:00), where a wall time alone does not say which instant it is, so
// ZonedTime adds the UTC offset ("2026-11-01 01:50 (-04:00) (America/New_York)") — else an
// occurrence at 05:50Z shows as 01:50 after a detection at 06:40Z shown as 01:40.
func Ambiguous(t time.Time) bool {
	start, end := t.ZoneBounds()
	_, off := t.Zone()
	if !start.IsZero() {
		if _, prev := start.Add(-time.Second).Zone(); prev > off && t.Before(start.Add(time.Duration(prev-off)*time.Second)) {
			return true // the later pass of the repeated hour
		}
	}
	if !end.IsZero() {
		if _, next := end.Zone(); next < off && !t.Before(end.Add(-time.Duration(off-next)*time.Second)) {
			return true // the first pass of the repeated hour
		}
	}
	return false
}

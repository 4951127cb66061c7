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
	return t.Format(layout) + " (" + name + ")"
}

package http

import (
	"testing"
	"time"
)

// TestParseLocalTimeDST: a local time inside the hour a site's clocks skip (Europe/Berlin,
// 2026-03-29 02:00–02:59) is refused naming the zone, not moved an hour on silently; a
// time the clocks pass twice (2026-10-25 02:30) is refused naming the field and both
// offsets until the user chooses one, then read at that offset (America/New_York too); an
// ordinary time is read in the zone, a choice of offset ignored. Was: the repeated hour
// silently taken as the first of the two.
func TestParseLocalTimeDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	if _, fe := parseLocalTime("detected_at", "2026-03-29T02:30", "", berlin); fe == nil || fe.Key != "incident.err.time_gap" || fe.Field != "detected_at" || fe.Args[0] != "Europe/Berlin" {
		t.Errorf("gap: %+v", fe)
	}
	for _, bad := range []string{"", "+03:00", "later"} {
		_, fe := parseLocalTime("restored_at", "2026-10-25T02:30", bad, berlin)
		if fe == nil || fe.Key != "incident.err.time_ambiguous" || fe.Field != "restored_at" || len(fe.Args) != 3 ||
			fe.Args[0] != "Europe/Berlin" || fe.Args[1] != "+02:00" || fe.Args[2] != "+01:00" {
			t.Errorf("repeated hour, offset %q: %+v, want refused naming +02:00 and +01:00", bad, fe)
		}
	}
	got, fe := parseLocalTime("detected_at", "2026-10-25T02:30", "+02:00", berlin)
	if fe != nil || !got.Equal(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)) {
		t.Errorf("repeated hour, earlier: %v %+v, want 00:30 UTC", got.UTC(), fe)
	}
	got, fe = parseLocalTime("detected_at", "2026-10-25T02:30", " +01:00", berlin)
	if fe != nil || !got.Equal(time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)) {
		t.Errorf("repeated hour, later: %v %+v, want 01:30 UTC", got.UTC(), fe)
	}
	got, fe = parseLocalTime("found_at", "2026-11-01T01:15", "-05:00", newYork)
	if fe != nil || !got.Equal(time.Date(2026, 11, 1, 6, 15, 0, 0, time.UTC)) {
		t.Errorf("New York, later: %v %+v, want 06:15 UTC", got.UTC(), fe)
	}
	if _, fe := parseLocalTime("found_at", "2026-11-01T01:15", "", newYork); fe == nil || fe.Args[1] != "-04:00" || fe.Args[2] != "-05:00" {
		t.Errorf("New York, no choice: %+v", fe)
	}
	got, fe = parseLocalTime("met_at", "2026-07-01T09:15", "+01:00", berlin)
	if fe != nil || !got.Equal(time.Date(2026, 7, 1, 7, 15, 0, 0, time.UTC)) {
		t.Errorf("summer: %v %+v", got.UTC(), fe)
	}
	if _, fe := parseLocalTime("met_at", "2026-07-01 9:15", "", berlin); fe == nil || fe.Key != "incident.err.bad_time" {
		t.Errorf("not a time: %+v", fe)
	}
}

package http

import (
	"testing"
	"time"
)

// TestParseLocalTimeDST: a local time inside the hour a site's clocks skip (Europe/Berlin,
// 2026-03-29 02:00–02:59) is refused naming the zone, not moved an hour on silently; a
// time the clocks pass twice (2026-10-25 02:30) is the first of the two, still on summer
// time; an ordinary time is read in the zone.
func TestParseLocalTimeDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	if _, fe := parseLocalTime("detected_at", "2026-03-29T02:30", berlin); fe == nil || fe.Key != "incident.err.time_gap" || fe.Field != "detected_at" || fe.Args[0] != "Europe/Berlin" {
		t.Errorf("gap: %+v", fe)
	}
	got, fe := parseLocalTime("detected_at", "2026-10-25T02:30", berlin)
	if fe != nil || !got.Equal(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)) {
		t.Errorf("repeated hour: %v %+v, want 00:30 UTC (the first, summer time)", got.UTC(), fe)
	}
	got, fe = parseLocalTime("met_at", "2026-07-01T09:15", berlin)
	if fe != nil || !got.Equal(time.Date(2026, 7, 1, 7, 15, 0, 0, time.UTC)) {
		t.Errorf("summer: %v %+v", got.UTC(), fe)
	}
	if _, fe := parseLocalTime("met_at", "2026-07-01 9:15", berlin); fe == nil || fe.Key != "incident.err.bad_time" {
		t.Errorf("not a time: %+v", fe)
	}
}

package medsec

import (
	"testing"
	"time"
)

// TestZonedTimeRepeatedHour: in the hour America/New_York repeats when summer time ends
// (2026-11-01), a time is shown with its UTC offset, so an occurrence at 05:50Z (01:50
// EDT) does not read as after a detection at 06:40Z (01:40 EST); other times as before.
// Before, both showed a bare 01:50 and 01:40.
func TestZonedTimeRepeatedHour(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 1, 5, 50, 0, 0, time.UTC), "2026-11-01 01:50 (-04:00) (America/New_York)"},
		{time.Date(2026, 11, 1, 6, 40, 0, 0, time.UTC), "2026-11-01 01:40 (-05:00) (America/New_York)"},
		{time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), "2026-11-01 01:00 (-04:00) (America/New_York)"},
		{time.Date(2026, 11, 1, 4, 59, 0, 0, time.UTC), "2026-11-01 00:59 (America/New_York)"},
		{time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC), "2026-11-01 02:00 (America/New_York)"},
		{time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), "2026-03-08 03:30 (America/New_York)"}, // the skipped hour's end: one instant
		{time.Date(2026, 11, 1, 5, 50, 0, 0, time.UTC), "2026-11-01 05:50 (UTC)"},
	} {
		zone := "America/New_York"
		if c.want[len(c.want)-4:] == "UTC)" {
			zone = "UTC"
		}
		if got := ZonedTime(c.at, zone); got != c.want {
			t.Errorf("%v: %q, want %q", c.at, got, c.want)
		}
	}
}

package incident

import (
	"testing"
	"time"

	"medsec"
)

// TestOutageLength: an outage not restored lasts at least as long as it has run so far;
// a restored one as long as it ran; the minutes recorded win when longer; no outage has
// no length of its own (bt14e #8).
func TestOutageLength(t *testing.T) {
	began := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	now := began.Add(5 * time.Hour)
	for _, tt := range []struct {
		name        string
		scope       medsec.OutageScope
		recorded    int
		restored    time.Time
		wantMin     int
		wantOngoing bool
	}{
		{"ongoing, no minutes", medsec.OutageCore, 0, time.Time{}, 300, true},
		{"ongoing, short minutes", medsec.OutageCore, 20, time.Time{}, 300, true},
		{"minutes recorded longer", medsec.OutageCore, 400, time.Time{}, 400, false},
		{"restored after 40 minutes", medsec.OutageCore, 0, began.Add(40 * time.Minute), 40, true},
		{"no outage", medsec.OutageNone, 0, time.Time{}, 0, false},
		{"restored before it began (bad data)", medsec.OutageSystem, 15, began.Add(-time.Hour), 15, false},
	} {
		got, ongoing := OutageLength(tt.scope, tt.recorded, began, tt.restored, now)
		if got != tt.wantMin || ongoing != tt.wantOngoing {
			t.Errorf("%s: %d %v, want %d %v", tt.name, got, ongoing, tt.wantMin, tt.wantOngoing)
		}
	}
	if level, _ := Suggest(medsec.IncidentFacts{Outage: medsec.OutageCore, OutageMinutes: 300, OutageOngoing: true}); level != medsec.IncidentLevel1 {
		t.Errorf("core systems down 5 h and counting: level %d, want 1", level)
	}
}

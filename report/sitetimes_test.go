package report

import (
	"testing"
	"time"
)

// TestSiteTimes: the backup record's "Rules broken" detail writes a finding's UTC
// date-time in the site's zone, as its Since column (bt16 M3: "started 2026-12-02 06:40
// UTC" beside a Since in Taipei time); other values are left as they are.
func TestSiteTimes(t *testing.T) {
	taipei := time.FixedZone("CST", 8*3600)
	got := siteTimes([]string{"2026-12-02 06:40 UTC", "24", "2026-12-02"}, taipei)
	want := []any{"2026-12-02 14:40 +08:00", "24", "2026-12-02"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("arg %d: %v, want %v", i, got[i], want[i])
		}
	}
}

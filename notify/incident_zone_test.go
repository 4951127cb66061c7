package notify_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/notify"
)

// TestClockNotificationTimeInSiteZone: a late clock's notice gives its due time in the
// incident's site's time zone, naming the zone (the times were entered in it), not UTC.
func TestClockNotificationTimeInSiteZone(t *testing.T) {
	due := time.Date(2026, 11, 30, 6, 5, 0, 0, time.UTC)
	for zone, want := range map[string]string{"Asia/Taipei": "2026-11-30 14:05 (Asia/Taipei)", "Asia/Tokyo": "2026-11-30 15:05 (Asia/Tokyo)", "": "2026-11-30 06:05 (UTC)"} {
		inc := &medsec.Incident{ID: 7, SiteID: 1, Title: "PACS", Level: 2, TimeZone: zone}
		c := &medsec.Clock{ID: 3, Key: "first-report", Source: "003 §4.1.2", Start: due.Add(-10 * time.Minute), Due: due}
		ns := notify.ClockNotifications(medsec.LateClock{Incident: inc, Clock: c}, due.Add(time.Minute))
		if len(ns) == 0 || ns[0].Args[3].Text != want {
			t.Errorf("zone %q: due %+v, want %q", zone, ns, want)
		}
	}
}

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

// TestClockNotificationHospitalSourceAndNewDue: a clock the hospital added names its
// source by the translation key, not the raw value "hospital" (t14 break-test 5), and a
// clock moved to a new due time is a new notice, so that late again it is told again
// (t14 break-test 4: the one notice kept the old due time).
func TestClockNotificationHospitalSourceAndNewDue(t *testing.T) {
	due := time.Date(2026, 11, 30, 6, 5, 0, 0, time.UTC)
	inc := &medsec.Incident{ID: 7, SiteID: 1, Title: "PACS", Level: 2, TimeZone: "Asia/Taipei"}
	c := &medsec.Clock{ID: 3, Key: "custom", Label: "BT one minute", Source: "hospital", Custom: true, Start: due.Add(-time.Minute), Due: due}
	first := notify.ClockNotifications(medsec.LateClock{Incident: inc, Clock: c}, due.Add(time.Minute))
	if len(first) == 0 || first[0].Args[4].Key != "incident.source_hospital" {
		t.Fatalf("hospital clock's source: %+v", first)
	}
	moved := *c
	moved.Due = due.Add(20 * time.Minute)
	again := notify.ClockNotifications(medsec.LateClock{Incident: inc, Clock: &moved}, moved.Due.Add(time.Minute))
	if len(again) == 0 || again[0].DedupKey == first[0].DedupKey {
		t.Errorf("a clock late again after a move keeps the first notice's key %q", first[0].DedupKey)
	}
	if same := notify.ClockNotifications(medsec.LateClock{Incident: inc, Clock: c}, due.Add(5*time.Minute)); same[0].DedupKey != first[0].DedupKey {
		t.Errorf("the same late clock told twice: %q, %q", first[0].DedupKey, same[0].DedupKey)
	}
}

package notify_test

import (
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/notify"
)

// TestDrillClockNoticeSubjectMarked: a drill's late and escalated notices are marked as a
// drill in the subject, in each language ([演練], [演练], [訓練], [DRILL]); a real incident's
// are not. Before, only the body said "drill", and an inbox showed the subject alone.
func TestDrillClockNoticeSubjectMarked(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 11, 30, 6, 5, 0, 0, time.UTC)
	c := &medsec.Clock{ID: 3, Key: "authority-report", Source: "003 §4.2.1", Start: due.Add(-time.Hour), Due: due}
	for _, drill := range []bool{true, false} {
		inc := &medsec.Incident{ID: 7, SiteID: 1, Title: "年度演練", Level: 1, Drill: drill, TimeZone: "Asia/Taipei"}
		ns := notify.ClockNotifications(medsec.LateClock{Incident: inc, Clock: c}, due.Add(2*time.Hour))
		if len(ns) != 2 {
			t.Fatalf("%d notices", len(ns))
		}
		for _, n := range ns {
			for lang, mark := range map[string]string{"zh-TW": "[演練] ", "zh-CN": "[演练] ", "ja": "[訓練] ", "en": "[DRILL] "} {
				m := notify.Render(b, &n, lang, "")
				if got := strings.HasPrefix(m.Subject, mark); got != drill || strings.Contains(m.Subject, "%!") {
					t.Errorf("drill %v %s %s: subject %q", drill, n.Kind, lang, m.Subject)
				}
				if strings.Contains(m.Body, "%!") {
					t.Errorf("body %q", m.Body)
				}
			}
		}
	}
}

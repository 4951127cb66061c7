package medsec_test

import (
	"strings"
	"testing"
	"time"

	"medsec"
)

// TestHoursOvernight checks a maintenance window that crosses midnight (22:00-02:00 on
// Monday and Friday, Taipei time) at its edges: it starts at 22:00 of each of its days,
// still holds 01:59 the next morning, ends at 02:00, and does not hold the small hours
// of a day whose evening before is not one of its days.
func TestHoursOvernight(t *testing.T) {
	h := medsec.Hours{From: "22:00", To: "02:00", Days: []int{1, 5}, TZ: "Asia/Taipei"}
	tpe := time.FixedZone("CST", 8*3600)
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 11, day, hh, mm, 0, 0, tpe) } // 2026-11-30 is a Monday
	for _, c := range []struct {
		name string
		t    time.Time
		want bool
	}{
		{"Monday 21:59", at(30, 21, 59), false},
		{"Monday 22:00", at(30, 22, 0), true},
		{"Monday 23:59", at(30, 23, 59), true},
		{"Tuesday 00:00", time.Date(2026, 12, 1, 0, 0, 0, 0, tpe), true},
		{"Tuesday 01:59", time.Date(2026, 12, 1, 1, 59, 0, 0, tpe), true},
		{"Tuesday 02:00", time.Date(2026, 12, 1, 2, 0, 0, 0, tpe), false},
		{"Tuesday 22:00 (not a day of the window)", time.Date(2026, 12, 1, 22, 0, 0, 0, tpe), false},
		{"Monday 01:00 (Sunday evening is not a day)", at(30, 1, 0), false},
		{"Saturday 01:00 (after Friday evening)", at(28, 1, 0), true},
		{"Friday 12:00", at(27, 12, 0), false},
		{"Monday 22:30 given in UTC", at(30, 22, 30).UTC(), true},
	} {
		if got := h.Contains(c.t); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// Sunday evening runs into Monday morning (day 7 wraps to 1).
	sun := medsec.Hours{From: "23:00", To: "01:00", Days: []int{7}, TZ: "Asia/Taipei"}
	if !sun.Contains(at(30, 0, 30)) || sun.Contains(at(30, 1, 0)) {
		t.Error("Sunday 23:00-01:00 does not hold Monday 00:30, or holds Monday 01:00")
	}
	// A same-day window is unchanged.
	day := medsec.Hours{From: "09:00", To: "17:00", Days: []int{1}, TZ: "Asia/Taipei"}
	if !day.Contains(at(30, 9, 0)) || day.Contains(at(30, 17, 0)) || day.Contains(at(30, 8, 59)) {
		t.Error("same-day window edges")
	}
	if s := h.String(); !strings.Contains(s, "22:00-02:00 (next day)") {
		t.Errorf("String: %q", s)
	}
	set := medsec.DefaultDetectionSettings()
	set.MaintenanceWindow = h
	if err := set.Validate(); err != nil {
		t.Errorf("overnight window refused: %v", err)
	}
	set.MaintenanceWindow.To = "22:00"
	if err := set.Validate(); err == nil || !strings.Contains(err.Error(), "maintenance_window") {
		t.Errorf("empty window (from = to): %v, want an error naming maintenance_window", err)
	}
}

// TestDefaultDetectionSettings: the defaults read from detection/builtin/defaults.json
// are the plan's figures [003 §3.2.1, §3.3.2] and validate; each call returns its own
// copy (a caller changing its lists changes nobody else's).
func TestDefaultDetectionSettings(t *testing.T) {
	set := medsec.DefaultDetectionSettings()
	if set.FailedLogins != (medsec.CountWindow{Count: 10, Minutes: 5}) || set.StorageGrowthPercent != 20 ||
		set.SensitiveAttempts != (medsec.CountWindow{Count: 5, Minutes: 10}) || set.WorkingHours.String() == "" {
		t.Errorf("defaults: %+v", set)
	}
	want := []string{"etc", "root", "Windows/System32/config", "admin", "phi"}
	if strings.Join(set.SensitivePaths, "|") != strings.Join(want, "|") {
		t.Errorf("sensitive_paths: %q, want %q", set.SensitivePaths, want)
	}
	if len(set.DeviceZoneKinds) != 2 || set.DeviceZoneKinds[0] != medsec.ZoneOT || set.DeviceZoneKinds[1] != medsec.ZoneTrustedLocalLAN {
		t.Errorf("device_zone_kinds: %q", set.DeviceZoneKinds)
	}
	set.SensitivePaths[0] = "changed"
	if medsec.DefaultDetectionSettings().SensitivePaths[0] != "etc" {
		t.Error("a caller's change reached the defaults")
	}
}

// TestSensitivePathsNormalized: a sensitive directory may be written as a path with /
// or \ and a drive letter; the settings keep its names under the root, once each, and
// the rule looks for it with both separators. A root alone, a wildcard, or a . or ..
// name (which a resolved path never holds, so the rule would never fire: bt13g #6) is
// refused, naming the field.
func TestSensitivePathsNormalized(t *testing.T) {
	set := medsec.DefaultDetectionSettings()
	set.SensitivePaths = []string{"/etc/", `C:\Windows\System32\config\`, "etc", ` \\phi\ `, "var/log/"}
	if err := set.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(set.SensitivePaths, "|"); got != "etc|Windows/System32/config|phi|var/log" {
		t.Errorf("kept %q", got)
	}
	set.SensitivePaths = []string{"var/log"}
	want := []string{"/var/log/", `\var\log\`, "?:/var/log/", `?:\var\log\`}
	if got := set.SensitivePathPrefixes(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("prefixes %q, want %q", got, want)
	}
	for _, bad := range []string{"/", `C:\`, "/data/*/x", "a?", "../etc", `C:\Windows\..\etc`, "/var/./log"} {
		set.SensitivePaths = []string{bad}
		err := set.Validate()
		if err == nil || !strings.Contains(err.Error(), "sensitive_paths") {
			t.Errorf("%q: %v, want an error naming sensitive_paths", bad, err)
		}
	}
}

package incident

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
)

var t0 = time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC) // a Thursday, 14:00 in Taipei

// TestOpenClocksEveryLevel checks every clock each level starts with, and its deadline,
// against the plan [003 §3.3.3, §4.1.2, §4.1.3, §4.2.1–4.2.4, ch.2].
func TestOpenClocksEveryLevel(t *testing.T) {
	occurred, detected := t0.Add(-20*time.Minute), t0.Add(-5*time.Minute)
	common := map[string]time.Duration{"first-report@d": 10 * time.Minute, "verification": 30 * time.Minute}
	tests := []struct {
		level medsec.IncidentLevel
		want  map[string]time.Duration // key → due after its start ("@d": after detection, "@o": after the occurrence)
	}{
		// ch.2: the technical team within 30 minutes and the liaison to the authority
		// within 1 hour of the event (事件發生後), not of the recording.
		// §4.1.2's reports to the leading group (較大事件) and the president (重大事件) are
		// owed by a 特別重大 event too (bt14f M3).
		{1, map[string]time.Duration{"leadership-meeting": 15 * time.Minute, "technical-team@o": 30 * time.Minute, "authority-report@o": time.Hour,
			"progress-update": 30 * time.Minute, "technical-progress": 2 * time.Hour, "leadership-report": 30 * time.Minute, "president-report": 30 * time.Minute}},
		// §4.1.2: 重大事件需同步上報院長 — the level-2 report to the leading group, as the
		// level-3 one, and at the same time its own report to the president, within 30
		// minutes of the initial assessment.
		{2, map[string]time.Duration{"authority-report@o": time.Hour, "technical-progress": 2 * time.Hour, "initial-disposal": 2 * time.Hour, "initial-control": 12 * time.Hour,
			"leadership-report": 30 * time.Minute, "president-report": 30 * time.Minute}},
		{3, map[string]time.Duration{"leadership-report": 30 * time.Minute, "repair": 4 * time.Hour}},
		{4, map[string]time.Duration{"resolve": 24 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(strings.Repeat("I", int(tt.level)), func(t *testing.T) {
			want := maps.Clone(tt.want)
			maps.Copy(want, common)
			clocks := Open(Situation{Level: tt.level, Jurisdiction: medsec.JurisdictionTW, Scenario: medsec.ScenarioOther, Exposure: medsec.ExposureNone},
				Moments{Occurred: occurred, Detected: detected, Opened: t0, Level: t0}, nil)
			got := map[string]time.Duration{}
			for _, c := range clocks {
				if strings.HasPrefix(c.Key, "tw-") {
					continue // jurisdiction duties: TestJurisdictionDuties
				}
				k := c.Key
				switch {
				case c.Start.Equal(detected) && c.Basis == medsec.BasisDetected:
					k += "@d"
				case c.Start.Equal(detected) && c.Basis == medsec.BasisDetectedAfterOccurrence:
					k += "@o" // from the occurrence, which is before the detection: from the detection
				case !c.Start.Equal(t0) || (c.Basis != medsec.BasisLevel && c.Basis != medsec.BasisOpened):
					t.Errorf("%s starts at %v (%s)", c.Key, c.Start, c.Basis)
				}
				got[k] = c.Due.Sub(c.Start)
				if c.Source == "" || !strings.HasPrefix(c.Source, "003 ") {
					t.Errorf("%s: source %q, want a section of 003", c.Key, c.Source)
				}
				// The state at each side of the deadline.
				if s := c.StateAt(c.Due.Add(-time.Second)); s != medsec.ClockRunning {
					t.Errorf("%s a second before due: %s", c.Key, s)
				}
				if s := c.StateAt(c.Due.Add(time.Second)); s != medsec.ClockLate {
					t.Errorf("%s a second after due: %s", c.Key, s)
				}
				met := *c
				met.MetAt = c.Due
				if s := met.StateAt(c.Due.Add(time.Hour)); s != medsec.ClockMet {
					t.Errorf("%s met at due: %s", c.Key, s)
				}
				met.MetAt = c.Due.Add(time.Second)
				if s := met.StateAt(c.Due.Add(time.Hour)); s != medsec.ClockLate {
					t.Errorf("%s met after due: %s", c.Key, s)
				}
			}
			if !maps.Equal(got, want) {
				t.Errorf("level %d clocks:\n got %v\nwant %v", tt.level, got, want)
			}
		})
	}
}

// TestPatientDataClocks: a patient-data leak is reported to the authorities and told to
// the patients within 24 hours of its discovery, at any level [003 §5.3.3].
func TestPatientDataClocks(t *testing.T) {
	for _, level := range medsec.IncidentLevels {
		for _, exp := range medsec.DataExposures {
			clocks := Open(Situation{Level: level, Jurisdiction: medsec.JurisdictionCN, Exposure: exp}, Moments{Detected: t0, Opened: t0, Level: t0, Exposure: t0}, nil)
			var got []string
			for _, c := range clocks {
				if strings.HasPrefix(c.Key, "leak-") {
					got = append(got, c.Key)
					if c.Due.Sub(t0) != 24*time.Hour || !strings.HasPrefix(c.Source, "003 §5.3.3") {
						t.Errorf("level %d %s: %s due after %v (%s)", level, exp, c.Key, c.Due.Sub(t0), c.Source)
					}
				}
			}
			want := []string{"leak-report-health", "leak-report-cyberspace", "leak-inform-patients"}
			if exp == medsec.ExposureNone {
				want = nil
			}
			if !slices.Equal(got, want) {
				t.Errorf("level %d %s: %v, want %v", level, exp, got, want)
			}
		}
	}
	// 網信辦 is a mainland authority: a leak at a site in Taiwan or Japan owes its health
	// authority and its patients only.
	for _, j := range []medsec.Jurisdiction{medsec.JurisdictionTW, medsec.JurisdictionJP} {
		var got []string
		for _, c := range Open(Situation{Level: 2, Jurisdiction: j, Exposure: medsec.ExposureOrdinary}, Moments{Detected: t0, Opened: t0, Level: t0, Exposure: t0}, nil) {
			if strings.HasPrefix(c.Key, "leak-") {
				got = append(got, c.Key)
			}
		}
		if want := []string{"leak-report-health", "leak-inform-patients"}; !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", j, got, want)
		}
	}
}

// TestJurisdictionDuties: each jurisdiction adds its own duties, with its seed section,
// and none of another's.
func TestJurisdictionDuties(t *testing.T) {
	tests := []struct {
		j        medsec.Jurisdiction
		scenario medsec.Scenario
		want     []string
		source   string
	}{
		{medsec.JurisdictionCN, medsec.ScenarioRansomware, []string{"cn-notify-subjects", "cn-report-regulator", "cn-report-health", "cn-report-police", "cn-keep-records"}, "002 第二十"},
		{medsec.JurisdictionJP, medsec.ScenarioRansomware, []string{"jp-disconnect-external", "jp-isolate-devices", "jp-stop-systems", "jp-restore-backup"}, "004 §18"},
		{medsec.JurisdictionTW, medsec.ScenarioRansomware, []string{"tw-monitoring-alert"}, "000 附表一"},
		{medsec.JurisdictionTW, medsec.ScenarioDevice, []string{"tw-monitoring-alert", "tw-adr-report"}, "000 附表一"},
	}
	for _, tt := range tests {
		clocks := Open(Situation{Level: 3, Jurisdiction: tt.j, Scenario: tt.scenario, Exposure: medsec.ExposureNone}, Moments{Detected: t0, Opened: t0, Level: t0}, nil)
		var got []string
		for _, c := range clocks {
			if strings.HasPrefix(c.Source, "003") {
				continue
			}
			got = append(got, c.Key)
			if !strings.HasPrefix(c.Source, tt.source) {
				t.Errorf("%s %s: source %q", tt.j, c.Key, c.Source)
			}
			// The seeds set no time for these duties (及時): never late, met when done.
			if !c.Due.IsZero() || c.StateAt(t0.AddDate(1, 0, 0)) != medsec.ClockRunning {
				t.Errorf("%s %s: due %v, state a year on %s", tt.j, c.Key, c.Due, c.StateAt(t0.AddDate(1, 0, 0)))
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s %s duties: %v, want %v", tt.j, tt.scenario, got, tt.want)
		}
	}
}

func keys(cs []*medsec.Clock) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key)
	}
	return out
}

// TestChangeLevel: a level change stops the old level's unmet clocks the new level does not
// run, starts the new level's from the change, and keeps what is already running or met.
func TestChangeLevel(t *testing.T) {
	m := Moments{Detected: t0, Opened: t0, Level: t0}
	at := t0.Add(40 * time.Minute)
	tests := []struct {
		name         string
		from, to     medsec.IncidentLevel
		met          []string
		wantStop     []string
		wantAdd      []string
		wantAddStart time.Time
	}{
		// Level 2 owes the report to the leading group too: the one level 3 started goes on,
		// with its deadline; the report to the president (§4.1.2 重大事件需同步上報院長) is
		// another recipient, so it starts even when the leading group was told.
		{name: "3 to 2", from: 3, to: 2, wantStop: []string{"repair"},
			wantAdd: []string{"authority-report", "technical-progress", "initial-disposal", "initial-control", "president-report"}},
		{name: "3 to 2 with report met", from: 3, to: 2, met: []string{"leadership-report"}, wantStop: []string{"repair"},
			wantAdd: []string{"authority-report", "technical-progress", "initial-disposal", "initial-control", "president-report"}},
		// A higher level keeps what both levels owe: the reports to the leading group and
		// the president go on with their deadlines (bt14f M3: 2 → 1 stopped them).
		{name: "2 to 1 keeps the authority, leading-group and president reports", from: 2, to: 1, wantStop: []string{"initial-disposal", "initial-control"},
			wantAdd: []string{"leadership-meeting", "technical-team", "progress-update"}},
		{name: "3 to 1 keeps the leading-group report and adds the president's", from: 3, to: 1, wantStop: []string{"repair"},
			wantAdd: []string{"leadership-meeting", "technical-team", "authority-report", "progress-update", "technical-progress", "president-report"}},
		{name: "1 to 4", from: 1, to: 4, met: []string{"leadership-meeting"},
			wantStop: []string{"technical-team", "authority-report", "progress-update", "technical-progress", "leadership-report", "president-report"}, wantAdd: []string{"resolve"}},
		{name: "4 to 4", from: 4, to: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Situation{Level: tt.from, Jurisdiction: medsec.JurisdictionTW, Exposure: medsec.ExposureNone}
			clocks := Open(s, m, nil)
			for _, c := range clocks {
				if slices.Contains(tt.met, c.Key) {
					c.MetAt = t0.Add(5 * time.Minute)
				}
			}
			s.Level = tt.to
			r := ChangeLevel(clocks, s, at, m, nil)
			var stopped []string
			for _, i := range r.Stop {
				stopped = append(stopped, clocks[i].Key)
			}
			if !slices.Equal(stopped, tt.wantStop) {
				t.Errorf("stop %v, want %v", stopped, tt.wantStop)
			}
			if got := keys(r.Add); !slices.Equal(got, tt.wantAdd) {
				t.Errorf("add %v, want %v", got, tt.wantAdd)
			}
			for _, c := range r.Add {
				want, basis := at, medsec.BasisLevel
				if c.Key == "authority-report" || c.Key == "technical-team" {
					// Counted from the event (unknown here: its detection), not the change.
					want, basis = m.Detected, medsec.BasisDetectedNoOccurrence
				}
				if !c.Start.Equal(want) || c.Basis != basis || c.Level != tt.to {
					t.Errorf("%s starts %v (%s) at level %d, want %v (%s) at %d", c.Key, c.Start, c.Basis, c.Level, want, basis, tt.to)
				}
			}
		})
	}
	// A stopped clock shows as stopped, not late, however long ago its deadline was.
	c := &medsec.Clock{Due: t0, StoppedAt: t0.Add(-time.Minute)}
	if s := c.StateAt(t0.Add(time.Hour)); s != medsec.ClockStopped {
		t.Errorf("stopped clock: %s", s)
	}
}

// TestRepeatingClock: the level-1 progress update every 30 minutes [003 §4.2.1] starts its
// next round when met; other clocks do not repeat.
func TestRepeatingClock(t *testing.T) {
	clocks := Open(Situation{Level: 1, Jurisdiction: medsec.JurisdictionTW}, Moments{Detected: t0, Opened: t0, Level: t0}, nil)
	for _, c := range clocks {
		next := Next(c, t0.Add(20*time.Minute))
		switch c.Key {
		case "progress-update":
			if next == nil || next.Due.Sub(t0) != 50*time.Minute {
				t.Errorf("progress-update next: %+v", next)
			}
		case "technical-progress":
			if next == nil || next.Due.Sub(t0) != 140*time.Minute {
				t.Errorf("technical-progress next: %+v", next)
			}
		default:
			if next != nil {
				t.Errorf("%s repeats", c.Key)
			}
		}
	}
}

// TestPostIncidentClocks: closing starts the hand-over (2 h), the summary and the
// investigation (3 working days) and the review meeting (10 days) [003 §4.4.4, §5.3.1,
// §5.4.1], across a holiday on the jurisdiction's calendar, and stops repeating clocks;
// the legal duty to report to the authority runs on [003 §5.3.3].
func TestPostIncidentClocks(t *testing.T) {
	// Closed Thursday 2026-12-31 15:00 in Taipei; 2027-01-01 (Friday) is a holiday.
	closed := time.Date(2026, 12, 31, 7, 0, 0, 0, time.UTC)
	cal := NewCalendar(medsec.JurisdictionTW, []medsec.Holiday{{Date: mustDate("2027-01-01"), Name: "開國紀念日"}})
	s := Situation{Level: 1, Jurisdiction: medsec.JurisdictionTW}
	clocks := Open(s, Moments{Detected: t0, Opened: t0, Level: t0}, nil)
	clocks[0].MetAt = t0.Add(5 * time.Minute) // the first report was made
	stop, add := Close(clocks, s, closed, cal)
	var stopped []string
	for _, i := range stop {
		stopped = append(stopped, clocks[i].Key)
		clocks[i].StoppedAt = closed
	}
	if want := []string{"verification", "leadership-meeting", "technical-team", "progress-update", "technical-progress", "tw-monitoring-alert"}; !slices.Equal(stopped, want) {
		t.Errorf("stopped %v, want %v", stopped, want)
	}
	// After closing, an unmet timed clock stays late for the record, a repeating clock's
	// round and a duty without a time just stop.
	for _, c := range clocks {
		want := medsec.ClockLate
		switch {
		case c.Key == "first-report":
			want = medsec.ClockMet
		case c.Every > 0 || c.Due.IsZero():
			want = medsec.ClockStopped
		}
		if got := c.StateAt(closed.Add(time.Hour)); got != want {
			t.Errorf("%s after closing: %s, want %s", c.Key, got, want)
		}
	}
	want := map[string]time.Time{
		"handover":       closed.Add(2 * time.Hour),
		"summary":        time.Date(2027, 1, 6, 7, 0, 0, 0, time.UTC), // Mon 4, Tue 5, Wed 6
		"investigation":  time.Date(2027, 1, 6, 7, 0, 0, 0, time.UTC),
		"review-meeting": closed.AddDate(0, 0, 10),
	}
	got := map[string]time.Time{}
	for _, c := range add {
		got[c.Key] = c.Due
	}
	if !maps.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("post-incident clocks:\n got %v\nwant %v", got, want)
	}
}

func mustDate(s string) medsec.Date {
	d, err := medsec.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestWorkingDays: weekends and holidays do not count; a weekend day worked instead (調休)
// does; days are counted in the jurisdiction's zone.
func TestWorkingDays(t *testing.T) {
	cn := NewCalendar(medsec.JurisdictionCN, []medsec.Holiday{
		{Date: mustDate("2026-10-01"), Name: "国庆节"}, {Date: mustDate("2026-10-02"), Name: "国庆节"},
		{Date: mustDate("2026-10-05"), Name: "国庆节"}, {Date: mustDate("2026-10-10"), Name: "调休上班", Workday: true},
	})
	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		n     int
		want  time.Time
	}{
		{"plain week", nil, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), 3, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)},
		{"across a weekend", nil, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), 3, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"from a Saturday", nil, time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), 1, time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)},
		// Wed 30 Sep 10:00 Beijing: Oct 1, 2 holidays, 3–4 weekend, 5 holiday → 6, 7, 8.
		{"across holidays", cn, time.Date(2026, 9, 30, 2, 0, 0, 0, time.UTC), 3, time.Date(2026, 10, 8, 2, 0, 0, 0, time.UTC)},
		// Thu 8 Oct: 9 (Fri), 10 (Saturday worked), 12 (Mon).
		{"a Saturday worked", cn, time.Date(2026, 10, 8, 2, 0, 0, 0, time.UTC), 3, time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC)},
		// 23:30 UTC Thursday is Friday 07:30 in Beijing: Mon, Tue, Wed.
		{"day in the zone", cn, time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC), 3, time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := tt.cal.AddWorkingDays(tt.start, tt.n); !got.Equal(tt.want) {
			t.Errorf("%s: %v + %d working days = %v, want %v", tt.name, tt.start, tt.n, got, tt.want)
		}
	}
}

// TestChecklist: the incident closes only when every termination condition is met or
// waived; only a security officer may waive [003 §4.4].
func TestChecklist(t *testing.T) {
	items := Checklist()
	if got := len(items); got != 5 {
		t.Fatalf("%d items, want 5", got)
	}
	for _, it := range items {
		if !strings.HasPrefix(it.Source, "003 §4.4.") {
			t.Errorf("%s: source %q", it.Key, it.Source)
		}
	}
	for i, it := range items {
		err := CheckClose(items)
		var e *medsec.Error
		if !errors.As(err, &e) || e.Code != medsec.EINVALID || strings.Contains(e.Message, it.Key) ||
			len(e.Args) != 1 || !slices.Contains(e.Args[0].(i18n.Keys), "incident.check."+it.Key) {
			t.Fatalf("with %d of 5 done: %v", i, err)
		}
		it.MetAt = t0
		if i == 2 {
			it.Waived = true
		}
	}
	if err := CheckClose(items); err != nil {
		t.Errorf("all done: %v", err)
	}
	for _, r := range medsec.Roles {
		if got, want := CanWaive(&medsec.User{Role: r}), r == medsec.RoleSecurityOfficer; got != want {
			t.Errorf("%s may waive: %v, want %v", r, got, want)
		}
	}
	if CanWaive(nil) {
		t.Error("nobody may waive")
	}
}

// TestTaskTemplates: every scenario has tasks with their sources; the attack scenarios
// isolate within 10 minutes [003 §4.3.1]; an incident of no named scenario has only the
// patch tasks every restoration owes [003 §4.3.4].
func TestTaskTemplates(t *testing.T) {
	for _, s := range medsec.Scenarios {
		tasks := Tasks(s)
		if s == medsec.ScenarioOther {
			if len(tasks) != 2 || tasks[0].Key != "patch-high" || tasks[1].Key != "patch-medium" {
				t.Errorf("other: %+v", tasks)
			}
			continue
		}
		if len(tasks) == 0 {
			t.Errorf("%s has no template", s)
		}
		isolate := false
		for _, task := range tasks {
			if task.Source == "" || task.Key == "" {
				t.Errorf("%s: %+v", s, task)
			}
			if task.Minutes == 10 && task.Source == "003 §4.3.1" {
				isolate = true
			}
		}
		if !isolate {
			t.Errorf("%s: no 10-minute isolation task", s)
		}
	}
}

// TestPatchDeadlines: after the systems are restored the plan fixes high-risk
// vulnerabilities within 24 hours and medium-risk ones within 48 [003 §4.3.4: 技術工作組在
// 系統恢復後，立即開展漏洞掃描和修復。高危漏洞需在24小時內完成補丁更新，中危漏洞48小時內修復],
// each a task with its clock counted from the restoration — in every scenario, as the
// clause names none (was: ransomware only, counted from the detection).
func TestPatchDeadlines(t *testing.T) {
	for _, s := range medsec.Scenarios {
		want := map[string]int{"patch-high": 24 * 60, "patch-medium": 48 * 60}
		for _, task := range Tasks(s) {
			if m, ok := want[task.Key]; ok {
				if task.Minutes != m || task.Source != "003 §4.3.4" || task.From != TaskFromRestored {
					t.Errorf("%s %s: %d minutes from %q, source %q; want %d from restored, 003 §4.3.4", s, task.Key, task.Minutes, task.From, task.Source, m)
				}
				delete(want, task.Key)
			}
		}
		if len(want) != 0 {
			t.Errorf("%s: missing patch tasks: %v", s, want)
		}
	}
	if RestoredTaskMinutes("task.patch-high") != 1440 || RestoredTaskMinutes("task.patch-medium") != 2880 || RestoredTaskMinutes("task.isolate-infected") != 0 {
		t.Error("RestoredTaskMinutes")
	}
}

// TestSuggest: the plan's triggers [003 §3.3.1] from the facts.
func TestSuggest(t *testing.T) {
	his := &medsec.Asset{Kind: medsec.KindHIS, DataClass: medsec.DataSensitivePersonal}
	pump := &medsec.Asset{Kind: medsec.KindInfusionPump, Class: medsec.ClassStandalone, DataClass: medsec.DataDeviceOnly}
	central := &medsec.Asset{Kind: medsec.KindCentralStation, Class: medsec.ClassSystem, DataClass: medsec.DataNonSensitive}
	tests := []struct {
		name   string
		f      medsec.IncidentFacts
		want   medsec.IncidentLevel
		reason string
	}{
		{"core down 4h01", medsec.IncidentFacts{Outage: medsec.OutageCore, OutageMinutes: 241}, 1, ReasonCoreDown4h},
		{"core down exactly 4h", medsec.IncidentFacts{Outage: medsec.OutageCore, OutageMinutes: 240}, 2, ReasonKeyDown2h},
		{"HIS down 5h", medsec.IncidentFacts{OutageMinutes: 300, Assets: []*medsec.Asset{pump, his}}, 1, ReasonCoreDown4h},
		{"large leak", medsec.IncidentFacts{Exposure: medsec.ExposureLargeScale}, 1, ReasonLargeLeak},
		{"key department 2h01", medsec.IncidentFacts{Outage: medsec.OutageDepartment, OutageMinutes: 121}, 2, ReasonKeyDown2h},
		{"central station 3h", medsec.IncidentFacts{OutageMinutes: 180, Assets: []*medsec.Asset{central}}, 2, ReasonKeyDown2h},
		{"important leak", medsec.IncidentFacts{Exposure: medsec.ExposureImportant}, 2, ReasonImportantLeak},
		{"ordinary leak from the HIS", medsec.IncidentFacts{Exposure: medsec.ExposureOrdinary, Assets: []*medsec.Asset{his}}, 2, ReasonImportantLeak},
		{"one system 61 min", medsec.IncidentFacts{Outage: medsec.OutageSystem, OutageMinutes: 61}, 3, ReasonSystemDown1h},
		{"pump down 2h", medsec.IncidentFacts{OutageMinutes: 120, Assets: []*medsec.Asset{pump}}, 3, ReasonSystemDown1h},
		{"ordinary leak", medsec.IncidentFacts{Exposure: medsec.ExposureOrdinary, Assets: []*medsec.Asset{pump}}, 3, ReasonOrdinaryLeak},
		{"one system 60 min", medsec.IncidentFacts{Outage: medsec.OutageSystem, OutageMinutes: 60}, 4, ReasonBrief},
		{"suspected attack", medsec.IncidentFacts{Assets: []*medsec.Asset{his}}, 4, ReasonBrief},
		// A local outage is brief for an hour at most (局部功能短暫中斷); 5 hours is not
		// brief: one function abnormal more than 1 h, level 3 (bt14f M7).
		{"local 60 min", medsec.IncidentFacts{Outage: medsec.OutageLocal, OutageMinutes: 60}, 4, ReasonBrief},
		{"local 5h", medsec.IncidentFacts{Outage: medsec.OutageLocal, OutageMinutes: 300}, 3, ReasonLocalDown1h},
		{"local 5h ongoing", medsec.IncidentFacts{Outage: medsec.OutageLocal, OutageMinutes: 300, OutageOngoing: true}, 3, ReasonLocalDown1h},
	}
	for _, tt := range tests {
		got, reasons := Suggest(tt.f)
		if got != tt.want || reasons[len(reasons)-1] != tt.reason {
			t.Errorf("%s: level %d %v, want %d %s", tt.name, got, reasons, tt.want, tt.reason)
		}
	}
}

// TestAlertSuggestion: an alert's scenario and level [003 §3.3.2].
func TestAlertSuggestion(t *testing.T) {
	his := &medsec.Asset{Kind: medsec.KindHIS}
	pump := &medsec.Asset{Kind: medsec.KindInfusionPump, Class: medsec.ClassStandalone}
	ws := &medsec.Asset{Kind: medsec.KindWorkstation}
	ct := &medsec.Asset{Kind: medsec.KindModality, Class: medsec.ClassStandalone}
	tests := []struct {
		a        AlertFacts
		facts    medsec.IncidentFacts
		scenario medsec.Scenario
		level    medsec.IncidentLevel
	}{
		{AlertFacts{Title: "Ransomware file renames", Asset: his}, medsec.IncidentFacts{}, medsec.ScenarioRansomware, 1},
		{AlertFacts{Title: "Mass file encryption", Tags: "attack.impact attack.t1486", Asset: ws}, medsec.IncidentFacts{}, medsec.ScenarioRansomware, 4},
		{AlertFacts{Title: "HIS 資料庫異常匯出", Asset: his}, medsec.IncidentFacts{}, medsec.ScenarioDataLeak, 1},
		{AlertFacts{Title: "Vendor VPN login outside the window", Asset: pump}, medsec.IncidentFacts{}, medsec.ScenarioVendorAccess, 4},
		{AlertFacts{Title: "Port scan from the device", Asset: pump}, medsec.IncidentFacts{Outage: medsec.OutageDepartment, OutageMinutes: 150}, medsec.ScenarioDevice, 2},
		{AlertFacts{Title: "SYN flood", Tags: "attack.t1498"}, medsec.IncidentFacts{}, medsec.ScenarioDDoS, 4},
		{AlertFacts{Title: "Failed logins"}, medsec.IncidentFacts{}, medsec.ScenarioOther, 4},
		// Lateral movement on a device is a compromised device, not the vendor's access.
		{AlertFacts{Title: "Cross-zone flow outside any conduit", Tags: "attack.lateral_movement attack.t1021", Asset: ct}, medsec.IncidentFacts{}, medsec.ScenarioDevice, 4},
		{AlertFacts{Title: "Cross-zone flow outside any conduit", Tags: "attack.lateral_movement attack.t1021", Asset: ws}, medsec.IncidentFacts{}, medsec.ScenarioOther, 4},
		{AlertFacts{Title: "Remote maintenance outside the approved window", Tags: "attack.initial_access attack.t1133", Asset: ct}, medsec.IncidentFacts{}, medsec.ScenarioVendorAccess, 4},
	}
	for _, tt := range tests {
		if got := ScenarioFromAlert(tt.a); got != tt.scenario {
			t.Errorf("%s: scenario %s, want %s", tt.a.Title, got, tt.scenario)
		}
		if got, reasons := SuggestForAlert(tt.facts, tt.a); got != tt.level {
			t.Errorf("%s: level %d %v, want %d", tt.a.Title, got, reasons, tt.level)
		}
	}
}

// TestChangeLevelBack: 3 → 4 → 3 resumes the level-3 repair clock stopped on the way
// down, with its original start and due, instead of starting a fresh one.
func TestChangeLevelBack(t *testing.T) {
	m := Moments{Detected: t0, Opened: t0, Level: t0}
	s := Situation{Level: 3, Jurisdiction: medsec.JurisdictionTW, Exposure: medsec.ExposureNone}
	clocks := Open(s, m, nil)
	down := t0.Add(5 * time.Hour)
	s.Level = 4
	r := ChangeLevel(clocks, s, down, m, nil)
	for _, i := range r.Stop {
		clocks[i].StoppedAt = down
	}
	clocks = append(clocks, r.Add...)
	s.Level = 3
	r = ChangeLevel(clocks, s, down.Add(time.Hour), m, nil)
	if got := keys(r.Add); slices.Contains(got, "repair") {
		t.Errorf("a second repair clock: add %v", got)
	}
	var resumed []string
	for _, i := range r.Resume {
		resumed = append(resumed, clocks[i].Key)
		if clocks[i].Key == "repair" && !clocks[i].Due.Equal(t0.Add(4*time.Hour)) {
			t.Errorf("repair due %v, want the original %v", clocks[i].Due, t0.Add(4*time.Hour))
		}
	}
	if !slices.Contains(resumed, "repair") {
		t.Errorf("resumed %v, want repair", resumed)
	}
}

// TestRepeatingClocksEnd: the technical group's two-hourly report runs until the systems
// are fully recovered (003 ch.2: 直至系統完全恢復 — the termination condition stable-24h
// met or waived) and the level-1 progress update for the response period (003 §4.2.1:
// 響應期間 — until every termination condition of §4.4 is met or waived), not until close.
func TestRepeatingClocksEnd(t *testing.T) {
	clocks := Open(Situation{Level: 1, Jurisdiction: medsec.JurisdictionTW}, Moments{Detected: t0, Opened: t0, Level: t0}, nil)
	items := Checklist()
	settled := func() []string {
		var keys []string
		for _, i := range Settle(clocks, items) {
			keys = append(keys, clocks[i].Key)
		}
		return keys
	}
	if got := settled(); got != nil {
		t.Errorf("nothing met, ended: %v", got)
	}
	for _, it := range items {
		if it.Key != "stable-24h" {
			it.MetAt = t0.Add(time.Hour)
		}
	}
	if got := settled(); got != nil {
		t.Errorf("all but stable-24h met, ended: %v", got)
	}
	items[0].MetAt, items[0].Waived = t0.Add(2*time.Hour), true
	if got, want := settled(), []string{"progress-update", "technical-progress"}; !slices.Equal(got, want) {
		t.Errorf("all met, ended %v, want %v", got, want)
	}
	for _, it := range items[1:] {
		it.MetAt = time.Time{}
	}
	if got, want := settled(), []string{"technical-progress"}; !slices.Equal(got, want) {
		t.Errorf("only stable-24h met, ended %v, want %v", got, want)
	}
	if Ended("first-report", items) || Ended("no-such-clock", items) {
		t.Error("a clock that does not repeat ends by the checklist")
	}
}

// TestAlertMeets: of a TW incident's duties without a time, only the warning through the
// network monitoring (000 附表一) is met by a linked alert; once met, nothing more is.
func TestAlertMeets(t *testing.T) {
	clocks := Open(Situation{Level: 3, Jurisdiction: medsec.JurisdictionTW, Scenario: medsec.ScenarioDevice, Exposure: medsec.ExposureNone},
		Moments{Detected: t0, Opened: t0, Level: t0}, nil)
	got := AlertMeets(clocks)
	if len(got) != 1 || clocks[got[0]].Key != "tw-monitoring-alert" {
		t.Fatalf("alert meets %v", got)
	}
	clocks[got[0]].MetAt = t0
	if again := AlertMeets(clocks); len(again) != 0 {
		t.Errorf("met clock met again: %v", again)
	}
	cn := Open(Situation{Level: 3, Jurisdiction: medsec.JurisdictionCN, Scenario: medsec.ScenarioDevice, Exposure: medsec.ExposureNone},
		Moments{Detected: t0, Opened: t0, Level: t0}, nil)
	if got := AlertMeets(cn); len(got) != 0 {
		t.Errorf("CN duties met by an alert: %v", got)
	}
}

// TestRepeatingClockMetBeforeStart is t14 finding 14: a repeating clock met at a time
// before its own start (a backdated meeting) starts its next round at the met round's
// start, not at the met time, so the round is not late at birth.
func TestRepeatingClockMetBeforeStart(t *testing.T) {
	c := &medsec.Clock{Key: "progress-update", Every: 30, Start: t0.Add(59 * time.Minute), Due: t0.Add(89 * time.Minute)}
	next := Next(c, t0.Add(5*time.Minute))
	if next == nil || !next.Start.Equal(c.Start) || !next.Due.Equal(c.Start.Add(30*time.Minute)) {
		t.Fatalf("next round: %+v, want start %v due %v", next, c.Start, c.Start.Add(30*time.Minute))
	}
	if s := next.StateAt(c.Start.Add(time.Minute)); s != medsec.ClockRunning {
		t.Errorf("next round at its birth: %s, want running", s)
	}
	// Met after its start: the next round counts from the meeting.
	if next := Next(c, t0.Add(70*time.Minute)); !next.Start.Equal(t0.Add(70 * time.Minute)) {
		t.Errorf("met after start: next starts %v", next.Start)
	}
}

// TestClosedDrillStopsLegalDuties: closing a CN drill stops its legal duties (002
// 第二十五–二十七条 reports to the regulator, health authority, police; the authority
// report) with the rest, where a real incident's run on until met. Was: a closed drill's
// legal duties ran on, late and notified.
func TestClosedDrillStopsLegalDuties(t *testing.T) {
	closed := t0.Add(3 * time.Hour)
	for _, drill := range []bool{false, true} {
		s := Situation{Level: 1, Jurisdiction: medsec.JurisdictionCN, Drill: drill}
		clocks := Open(s, Moments{Detected: t0, Opened: t0, Level: t0}, nil)
		stop, _ := Close(clocks, s, closed, NewCalendar(medsec.JurisdictionCN, nil))
		stopped := map[string]bool{}
		for _, i := range stop {
			stopped[clocks[i].Key] = true
		}
		legal := 0
		for _, c := range clocks {
			if !IsLegal(c) {
				continue
			}
			legal++
			if stopped[c.Key] != drill {
				t.Errorf("drill %v: legal duty %s stopped %v, want %v", drill, c.Key, stopped[c.Key], drill)
			}
		}
		if legal < 4 {
			t.Fatalf("a CN level-1 incident has %d legal duties, want the 002 ones at least", legal)
		}
	}
}

// TestCloseKeepsReportsOwed (bt14 #2): closing an incident before its one-time internal
// reports are due leaves them running (003 §4.1.2: the level-2 report to the leading
// group and the president are owed once the level is set), so a report never made goes
// late and is counted; a repeating clock ends with the response. Closing a drill stops
// them: they end unmet at close, counted, and never go late nor are notified after the
// exercise (bt14f H3).
func TestCloseKeepsReportsOwed(t *testing.T) {
	closed := t0.Add(5 * time.Minute)
	for _, drill := range []bool{false, true} {
		s := Situation{Level: 2, Jurisdiction: medsec.JurisdictionTW, Drill: drill}
		clocks := Open(s, Moments{Detected: t0, Opened: t0, Level: t0}, nil)
		stop, _ := Close(clocks, s, closed, NewCalendar(medsec.JurisdictionTW, nil))
		stopped := map[string]bool{}
		for _, i := range stop {
			stopped[clocks[i].Key] = true
			clocks[i].StoppedAt, clocks[i].StopReason = closed, medsec.StopClosed
		}
		for _, key := range []string{"leadership-report", "president-report"} {
			i := slices.IndexFunc(clocks, func(c *medsec.Clock) bool { return c.Key == key })
			if i < 0 {
				t.Fatalf("drill %v: a level-2 incident has no %s clock", drill, key)
			}
			if got, want := stopped[key], drill; got != want {
				t.Errorf("drill %v: closing five minutes in stopped %s: %v, want %v", drill, key, got, want)
			}
			want := medsec.ClockLate // a real incident's report runs on and goes late
			if drill {
				want = medsec.ClockUnmet
			}
			if got := clocks[i].StateAt(t0.Add(2 * time.Hour)); got != want {
				t.Errorf("drill %v: %s two hours on is %s, want %s", drill, key, got, want)
			}
		}
	}
	s := Situation{Level: 1, Jurisdiction: medsec.JurisdictionTW}
	clocks := Open(s, Moments{Detected: t0, Opened: t0, Level: t0}, nil)
	stop, _ := Close(clocks, s, closed, NewCalendar(medsec.JurisdictionTW, nil))
	for i, c := range clocks {
		if c.Key == "progress-update" && !slices.Contains(stop, i) {
			t.Error("the repeating progress update runs on after close")
		}
	}
}

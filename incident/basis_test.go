package incident

import (
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/catalog"
)

// clockControls names, for each timed duty of the plan in clocks.json, the requirement of
// the plan's catalog (003 as data) that sets its deadline and says what it counts from.
var clockControls = map[string]string{
	"first-report":           "ir-4.1.2-1", // 發現事件後…10分鐘內
	"verification":           "ir-4.1.3-1", // 技術工作組接到報告後…不超過30分鐘
	"leadership-meeting":     "ir-4.2.1-1", // 一級響應…15分鐘內召開緊急會議
	"technical-team":         "ir-2-3",     // 組長在事件發生後30分鐘內組織團隊
	"authority-report":       "ir-2-5",     // 組長在事件發生後1小時內…聯系上級衛生健康主管部門
	"initial-disposal":       "ir-4.2.2-1", // 二級響應…2小時內
	"initial-control":        "ir-4.2.2-2", // 12小時內完成初步控制
	"leadership-report":      "ir-4.1.2-2", // 較大事件需在30分鐘內通報網絡安全領導小組
	"president-report":       "ir-4.1.2-2", // 重大事件需同步上報院長 (ir-4.1.2-3): at the same time as the leading group's 30 minutes
	"repair":                 "ir-4.2.3-1", // 三級響應…4小時內完成系統修復
	"resolve":                "ir-4.2.4-1", // 四級響應…24小時內
	"leak-report-health":     "ir-5.3.3-1", // 患者數據泄露事件需在24小時內向屬地衛健委…報告
	"leak-report-cyberspace": "ir-5.3.3-1", // …和網信辦報告
	"leak-inform-patients":   "ir-5.3.3-1", // 同步告知受影響患者
	"handover":               "ir-4.4.4-1", // 信息科在2小時內完成系統移交
}

// fromOfBasis reads the catalog's deadline-basis ("from the occurrence of the incident")
// as the moment a clock starts from.
func fromOfBasis(basis string) From {
	switch {
	case strings.Contains(basis, "occurrence"):
		return FromOccurred
	case strings.Contains(basis, "discovery"):
		return FromDetected
	case strings.Contains(basis, "receipt of the report"):
		return FromOpened
	case strings.Contains(basis, "leak"):
		return FromExposure
	case strings.Contains(basis, "end of the emergency"):
		return FromClosed
	case strings.Contains(basis, "response"), strings.Contains(basis, "initial assessment"):
		return FromLevel
	}
	return ""
}

// TestClocksCountFromTheSeedsMoment: every timed duty of the plan counts from the moment
// the plan's text gives for it (the catalog's deadline-basis) — the event's occurrence
// (事件發生後, 003 ch.2), its discovery, the level's response, the leak confirmed, the end
// of the response — with the catalog's deadline, and no timed duty of 003 is left
// without its requirement.
func TestClocksCountFromTheSeedsMoment(t *testing.T) {
	cs, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := catalog.Find(cs, catalog.IDIncidentPlan)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ClockDefs() {
		if !strings.HasPrefix(d.Source, "003") || d.Every > 0 || d.Minutes == 0 {
			continue // repeating rounds (from the previous round), day counts (TestPostIncidentClocks), other seeds
		}
		id, ok := clockControls[d.Key]
		if !ok {
			t.Errorf("%s: no requirement of the plan's catalog says what it counts from", d.Key)
			continue
		}
		ctl, err := plan.Control(id)
		if err != nil {
			t.Fatal(err)
		}
		basis := ctl.Prop("deadline-basis")
		if want := fromOfBasis(basis); d.From != want {
			t.Errorf("%s counts from %q; %s says %q (%s)", d.Key, d.From, id, basis, want)
		}
		dl, err := time.ParseDuration(strings.ToLower(strings.TrimPrefix(ctl.Prop("deadline"), "PT")))
		if err != nil {
			t.Fatalf("%s deadline %q: %v", id, ctl.Prop("deadline"), err)
		}
		if got := time.Duration(d.Minutes) * time.Minute; got != dl {
			t.Errorf("%s due after %v; %s says %v", d.Key, got, id, dl)
		}
	}
}

// TestClockLateWhenRecorded: an incident recorded hours after it was found starts the
// duties that count from the event at its detection (the event being earlier) — the ones
// already past due are late at once — and the rest at their own moments; each clock says
// what it counts from.
func TestClockLateWhenRecorded(t *testing.T) {
	occurred, detected, opened := t0.Add(-3*time.Hour), t0.Add(-2*time.Hour), t0
	clocks := Open(Situation{Level: 2, Jurisdiction: medsec.JurisdictionTW, Exposure: medsec.ExposureImportant},
		Moments{Occurred: occurred, Detected: detected, Opened: opened, Level: opened, Exposure: detected}, nil)
	want := map[string]struct {
		start time.Time
		basis string
		state medsec.ClockState
	}{
		"authority-report":   {detected, medsec.BasisDetectedAfterOccurrence, medsec.ClockLate}, // 1 h after the event known: late at recording
		"first-report":       {detected, medsec.BasisDetected, medsec.ClockLate},                // 10 min after discovery
		"verification":       {opened, medsec.BasisOpened, medsec.ClockRunning},                 // from the report reaching the team
		"leadership-report":  {opened, medsec.BasisLevel, medsec.ClockRunning},                  // from the initial assessment
		"leak-report-health": {detected, medsec.BasisExposure, medsec.ClockRunning},             // 24 h from the leak known at discovery
	}
	for _, c := range clocks {
		w, ok := want[c.Key]
		if !ok {
			continue
		}
		delete(want, c.Key)
		if !c.Start.Equal(w.start) || c.Basis != w.basis || c.StateAt(opened) != w.state {
			t.Errorf("%s: start %v (%s) %s at recording, want %v (%s) %s", c.Key, c.Start, c.Basis, c.StateAt(opened), w.start, w.basis, w.state)
		}
	}
	for k := range want {
		t.Errorf("%s not started", k)
	}
	// Occurrence not known: counted from the detection, and said so.
	for _, c := range Open(Situation{Level: 1, Jurisdiction: medsec.JurisdictionTW}, Moments{Detected: detected, Opened: opened, Level: opened}, nil) {
		if c.Key == "technical-team" && (!c.Start.Equal(detected) || c.Basis != medsec.BasisDetectedNoOccurrence) {
			t.Errorf("technical-team without an occurrence: %v (%s)", c.Start, c.Basis)
		}
	}
}

// TestExposedStartsLeakDuties: patient data found exposed after opening starts the
// 24-hour leak duties [003 §5.3.3] from when it was found; a later finding keeps them;
// a corrected time restarts the unmet ones; a correction to none stops them; a met one
// stays met.
func TestExposedStartsLeakDuties(t *testing.T) {
	s := Situation{Level: 3, Jurisdiction: medsec.JurisdictionCN, Exposure: medsec.ExposureNone} // both authorities
	clocks := Open(s, Moments{Detected: t0, Opened: t0, Level: t0}, nil)
	if slices.ContainsFunc(clocks, func(c *medsec.Clock) bool { return strings.HasPrefix(c.Key, "leak-") }) {
		t.Fatal("leak duties without an exposure")
	}
	found := t0.Add(5 * time.Hour)
	s.Exposure = medsec.ExposureOrdinary
	stop, add := Exposed(clocks, s, found, nil)
	if len(stop) != 0 || !slices.Equal(keys(add), []string{"leak-report-health", "leak-report-cyberspace", "leak-inform-patients"}) {
		t.Fatalf("found: stop %v add %v", stop, keys(add))
	}
	for _, c := range add {
		if !c.Start.Equal(found) || !c.Due.Equal(found.Add(24*time.Hour)) || c.Basis != medsec.BasisExposure {
			t.Errorf("%s: %v → %v (%s), want from %v", c.Key, c.Start, c.Due, c.Basis, found)
		}
	}
	clocks = append(clocks, add...)
	// Found more, same first finding: nothing moves.
	s.Exposure = medsec.ExposureLargeScale
	if stop, add := Exposed(clocks, s, found, nil); len(stop) != 0 || len(add) != 0 {
		t.Errorf("worse exposure: stop %v add %v", stop, keys(add))
	}
	// The patients were told; then the time is corrected: only the unmet duty restarts.
	clocks[len(clocks)-1].MetAt = found.Add(time.Hour)
	corrected := found.Add(-time.Hour)
	stop, add = Exposed(clocks, s, corrected, nil)
	if len(stop) != 2 || clocks[stop[0]].Key != "leak-report-health" || clocks[stop[1]].Key != "leak-report-cyberspace" ||
		!slices.Equal(keys(add), []string{"leak-report-health", "leak-report-cyberspace"}) || !add[0].Start.Equal(corrected) {
		t.Errorf("corrected time: stop %v add %v", stop, keys(add))
	}
	// Corrected to none: the unmet duty stops, nothing starts.
	s.Exposure = medsec.ExposureNone
	stop, add = Exposed(clocks, s, corrected, nil)
	if len(stop) != 2 || clocks[stop[0]].Key != "leak-report-health" || len(add) != 0 {
		t.Errorf("corrected to none: stop %v add %v", stop, keys(add))
	}
}

// TestOccurrenceBeforeDetectionCountsFromDetection: an event that occurred three days
// before it was found ten minutes ago starts the duties the plan counts from the event
// (事件發生後, 003 ch.2) at the detection — running, not due before the hospital knew
// (bt14h #2: the 1-hour report was late and escalated at once) — and says so; an event
// found as it occurred counts from the event.
func TestOccurrenceBeforeDetectionCountsFromDetection(t *testing.T) {
	detected := t0.Add(-10 * time.Minute)
	for _, tt := range []struct {
		occurred time.Time
		basis    string
	}{{t0.AddDate(0, 0, -3), medsec.BasisDetectedAfterOccurrence}, {detected, medsec.BasisOccurred}} {
		clocks := Open(Situation{Level: 1, Jurisdiction: medsec.JurisdictionTW}, Moments{Occurred: tt.occurred, Detected: detected, Opened: t0, Level: t0}, nil)
		n := 0
		for _, c := range clocks {
			if c.Key != "authority-report" && c.Key != "technical-team" {
				continue
			}
			n++
			if !c.Start.Equal(detected) || c.Basis != tt.basis || c.StateAt(t0) != medsec.ClockRunning {
				t.Errorf("occurred %v: %s starts %v (%s), %s now; want the detection %v (%s), running", tt.occurred, c.Key, c.Start, c.Basis, c.StateAt(t0), detected, tt.basis)
			}
		}
		if n != 2 {
			t.Errorf("occurred %v: %d clocks from the occurrence, want 2", tt.occurred, n)
		}
	}
}

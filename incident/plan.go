// Package incident holds the rules of the hospital's incident response plan [003 §3–5]
// and of the jurisdictions' reporting duties [002 第二十五–二十七条, 004 §18, 000 附表一]:
// the level a set of facts suggests, the clocks each level and jurisdiction runs, how a
// level change restarts or adds clocks, working-day deadlines on a holiday calendar, the
// scenario task templates and the termination checklist. The clocks, tasks and checklist
// are data (clocks.json, tasks.json, checklist.json), each entry with its seed section.
// Nothing here reads a clock: every function takes the time it works at.
package incident

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the jurisdictions' time zones, on hosts without a zoneinfo database

	"medsec"
	"medsec/i18n"
)

// From names the moment a clock starts from.
type From string

// Start moments.
const (
	// FromOccurred: when the incident occurred (事件發生後, 003 ch.2), or its detection
	// when the occurrence is not known (medsec.BasisDetectedNoOccurrence) or is before it
	// (medsec.BasisDetectedAfterOccurrence): no duty falls due before the hospital knew.
	FromOccurred From = "occurred"
	FromDetected From = "detected" // when the incident was found (the plan's 發現事件後)
	// FromOpened: when it was recorded in medsec, i.e. when the report reached the
	// technical team (技術工作組接到報告後, 003 §4.1.3).
	FromOpened From = "opened"
	FromLevel  From = "level" // when its current level was confirmed
	// FromExposure: when patient or personal data was found exposed (the leak
	// confirmed, 003 §5.3.3): the detection for an exposure known at opening, the time a
	// person gave when it was found later.
	FromExposure From = "exposure"
	FromClosed   From = "closed" // when the response ended (應急終止)
)

// ClockDef is one clock of the plan or of a jurisdiction, as data.
type ClockDef struct {
	Key    string `json:"key"`
	Source string `json:"source"`
	// Levels the clock runs at; empty means every level.
	Levels []medsec.IncidentLevel `json:"levels"`
	// Jurisdictions the clock is a duty of; empty means every jurisdiction (the plan's own).
	Jurisdictions []medsec.Jurisdiction `json:"jurisdictions"`
	// Scenarios limits the clock to incidents of these scenarios; empty means every one.
	Scenarios []medsec.Scenario `json:"scenarios"`
	// When "patient-data", the clock runs only when patient or medical data was exposed.
	When string `json:"when"`
	From From   `json:"from"`
	// The deadline after the start: Minutes, Days (calendar days) or WorkingDays on the
	// jurisdiction's calendar. None of them: a duty without a time (the seed says 及時).
	Minutes     int `json:"minutes"`
	Days        int `json:"days"`
	WorkingDays int `json:"working_days"`
	// Every, in minutes, repeats the clock after it is met.
	Every int `json:"every"`
	// Until ends a repeating clock before the incident closes: UntilRecovered,
	// UntilTerminated, or "" (it runs until close).
	Until string `json:"until"`
	// MetBy, when MetByAlert, is a duty medsec meets itself when an alert of its network
	// monitoring is linked to the incident (it opens the incident, or joins it); a person
	// may still meet it by hand (the warning went through another monitoring tool).
	MetBy string `json:"met_by"`
	// Legal marks a reporting or compliance duty of the law or of an outside authority
	// (法定報告義務, 003 §5.3.3; 002 第二十五、二十七条; 004 §18 遵守事項; 000 附表一): it does
	// not end when the response ends, so closing the incident leaves it running (late once
	// due) until it is met.
	Legal bool `json:"legal"`
	// Recipients are whom a notification meeting the clock may be sent to (the duty's
	// addressee: 上級衛生健康主管部門 for the authority report, the patients for 003 §5.3.3's
	// 告知受影響患者, ...); empty means a notification does not meet it (a person meets it).
	Recipients []medsec.Recipient `json:"recipients"`
}

// MetByAlert: the duty is that the hospital's network monitoring raises a warning
// (控制系統應納入全院 Intranet 網路安全監控機制，並有警訊通報或回饋機制, 000 附表一
// 系統與資訊完整性/惡意程式防護): a medsec alert linked to the incident is that warning.
const MetByAlert = "alert"

// AlertMeets returns the clocks (indexes) an alert linked to the incident meets: the
// running duties met by the network monitoring's alert (MetByAlert).
func AlertMeets(clocks []*medsec.Clock) []int {
	var out []int
	for i, c := range clocks {
		if c.MetAt.IsZero() && c.StoppedAt.IsZero() && !c.Custom && c.TaskID == 0 && metByAlert(c.Key) {
			out = append(out, i)
		}
	}
	return out
}

func metByAlert(key string) bool {
	return slices.ContainsFunc(clockDefs, func(d ClockDef) bool { return d.Key == key && d.MetBy == MetByAlert })
}

// When a repeating clock ends [003 ch.2, §4.2.1, §4.4].
const (
	// UntilRecovered: the systems are fully recovered (技術工作組每2小時…匯報進展,直至系統完全
	// 恢復, 003 ch.2), i.e. the termination condition "core systems stable, key functions
	// back to normal" (stable-24h, 003 §4.4.1) is met or waived.
	UntilRecovered = "recovered"
	// UntilTerminated: the response period is over (響應期間每30分鐘更新一次處置進展,
	// 003 §4.2.1), i.e. every termination condition of 003 §4.4 is met or waived (當滿足
	// 終止條件時…宣布應急響應結束, §4.4.4), even before the incident is closed.
	UntilTerminated = "terminated"
)

// Ended reports whether the repeating duty key ends with the checklist as it is: its
// until-point is reached.
func Ended(key string, items []*medsec.ChecklistItem) bool {
	i := slices.IndexFunc(clockDefs, func(d ClockDef) bool { return d.Key == key })
	if i < 0 || clockDefs[i].Every == 0 {
		return false
	}
	done := func(k string) bool {
		return slices.ContainsFunc(items, func(it *medsec.ChecklistItem) bool { return it.Key == k && it.Done() })
	}
	switch clockDefs[i].Until {
	case UntilRecovered:
		return done("stable-24h")
	case UntilTerminated:
		return len(items) > 0 && !slices.ContainsFunc(items, func(it *medsec.ChecklistItem) bool { return !it.Done() })
	}
	return false
}

// Settle returns the running repeating clocks (indexes into clocks) that end with the
// checklist as it is (Ended); they stop, neither met nor late.
func Settle(clocks []*medsec.Clock, items []*medsec.ChecklistItem) []int {
	var out []int
	for i, c := range clocks {
		if c.Every > 0 && c.MetAt.IsZero() && c.StoppedAt.IsZero() && Ended(c.Key, items) {
			out = append(out, i)
		}
	}
	return out
}

//go:embed clocks.json
var clocksJSON []byte

//go:embed tasks.json
var tasksJSON []byte

//go:embed checklist.json
var checklistJSON []byte

var (
	clockDefs     []ClockDef
	taskTemplates map[medsec.Scenario][]TaskDef
	checklistDefs []ChecklistDef
)

func init() {
	for _, f := range []struct {
		name string
		data []byte
		into any
	}{{"clocks.json", clocksJSON, &clockDefs}, {"tasks.json", tasksJSON, &taskTemplates}, {"checklist.json", checklistJSON, &checklistDefs}} {
		if err := json.Unmarshal(f.data, f.into); err != nil {
			panic(fmt.Sprintf("incident: %s: %v", f.name, err))
		}
	}
}

// ClockDefs returns every clock definition, in the order of clocks.json.
func ClockDefs() []ClockDef { return slices.Clone(clockDefs) }

// Situation is what decides which clocks an incident runs.
type Situation struct {
	Level        medsec.IncidentLevel
	Jurisdiction medsec.Jurisdiction
	Scenario     medsec.Scenario
	Exposure     medsec.DataExposure
	// Drill marks an exercise: closing it stops every duty not met, the legal duties and
	// the reports to the leading group and the president too (owedAfterClose).
	Drill bool
}

// applies reports whether d runs in situation s, for clocks starting from one of from.
func (d *ClockDef) applies(s Situation) bool {
	if len(d.Levels) > 0 && !slices.Contains(d.Levels, s.Level) {
		return false
	}
	if len(d.Jurisdictions) > 0 && !slices.Contains(d.Jurisdictions, s.Jurisdiction) {
		return false
	}
	if len(d.Scenarios) > 0 && !slices.Contains(d.Scenarios, s.Scenario) {
		return false
	}
	if d.When == "patient-data" && (s.Exposure == "" || s.Exposure == medsec.ExposureNone) {
		return false
	}
	return true
}

// Plan returns the definitions of the clocks that run in situation s and start from one
// of the moments given, in the order of clocks.json.
func Plan(s Situation, from ...From) []ClockDef {
	var out []ClockDef
	for _, d := range clockDefs {
		if d.applies(s) && slices.Contains(from, d.From) {
			out = append(out, d)
		}
	}
	return out
}

// Moments are the times clocks start from. Occurred is zero when not known.
type Moments struct {
	Occurred, Detected, Opened, Level, Exposure, Closed time.Time
}

// of returns the moment f and what it is (a medsec.Basis constant).
func (m Moments) of(f From) (time.Time, string) {
	switch f {
	case FromOccurred:
		switch {
		case m.Occurred.IsZero():
			return m.Detected, medsec.BasisDetectedNoOccurrence
		case m.Occurred.Before(m.Detected):
			return m.Detected, medsec.BasisDetectedAfterOccurrence
		}
		return m.Occurred, medsec.BasisOccurred
	case FromDetected:
		return m.Detected, medsec.BasisDetected
	case FromOpened:
		return m.Opened, medsec.BasisOpened
	case FromLevel:
		return m.Level, medsec.BasisLevel
	case FromExposure:
		return m.Exposure, medsec.BasisExposure
	}
	return m.Closed, medsec.BasisClosed
}

// Start returns the clock d starts at its moment, due on cal for working days. A moment
// in the past gives a clock already late when it is started: the duty's deadline counts
// from the moment its seed names, not from when medsec learnt of it.
func Start(d ClockDef, level medsec.IncidentLevel, m Moments, cal *Calendar) *medsec.Clock {
	start, basis := m.of(d.From)
	c := &medsec.Clock{Key: d.Key, Source: d.Source, Every: d.Every, Start: start, Basis: basis}
	if len(d.Levels) > 0 {
		c.Level = level
	}
	switch {
	case d.Minutes > 0:
		c.Due = start.Add(time.Duration(d.Minutes) * time.Minute)
	case d.Days > 0:
		c.Due = start.AddDate(0, 0, d.Days)
	case d.WorkingDays > 0:
		c.Due = cal.AddWorkingDays(start, d.WorkingDays)
	}
	return c
}

// opening are the moments of the clocks an incident runs while it is open.
var opening = []From{FromOccurred, FromDetected, FromOpened, FromLevel, FromExposure}

// Open returns the clocks an incident starts with when it is opened: the plan's and the
// jurisdiction's clocks of its situation that start from its occurrence, detection,
// opening, level or (an exposure known at opening) exposure.
func Open(s Situation, m Moments, cal *Calendar) []*medsec.Clock {
	var out []*medsec.Clock
	for _, d := range Plan(s, opening...) {
		out = append(out, Start(d, s.Level, m, cal))
	}
	return out
}

// Next returns the next round of a repeating clock met at metAt, or nil for a clock that
// does not repeat. The next round starts at metAt, or at the met round's own start when
// metAt is before it (a backdated meeting must not spawn a round late at birth; t14
// finding 14).
func Next(c *medsec.Clock, metAt time.Time) *medsec.Clock {
	if c.Every <= 0 {
		return nil
	}
	start := metAt
	if start.Before(c.Start) {
		start = c.Start
	}
	return &medsec.Clock{Key: c.Key, Source: c.Source, Level: c.Level, Every: c.Every, Start: start, Basis: medsec.BasisMet,
		Due: start.Add(time.Duration(c.Every) * time.Minute)}
}

// Replan is what a level change does to the clocks.
type Replan struct {
	// Stop are the clocks (indexes into the clocks given) that stop: clocks of the old
	// level that the new level does not run and that are not yet met.
	Stop []int
	// Add are the new level's clocks that are not already running or met, starting at the
	// change.
	Add []*medsec.Clock
	// Resume are the clocks (indexes) that an earlier level change stopped, unmet, and that
	// the new level runs again: they resume with their original start and due (a return to
	// a level does not give its duties a fresh deadline; a late one stays late).
	Resume []int
}

// ChangeLevel returns what a change to situation s (its new level) at time at does to the
// clocks: the old level's unmet clocks that the new level does not run stop; the new
// level's clocks start from the change unless a clock of the same duty is already running
// or met (a report to the authority made at level 2 stands at level 1), or was stopped
// unmet by an earlier level change, in which case that clock resumes with its original
// start and due: a level's response starts when the level is first declared ("啟動三級
// 響應… 4小時內完成系統修復") and the plan names no restart on a return to it. Clocks of
// every level (first report, verification, jurisdiction duties, patient-data reports) go
// on [003 §4.2: each level's response starts when that level is declared].
func ChangeLevel(clocks []*medsec.Clock, s Situation, at time.Time, m Moments, cal *Calendar) Replan {
	var r Replan
	next := Plan(s, opening...)
	runs := map[string]bool{}
	for _, d := range next {
		runs[d.Key] = true
	}
	live := map[string]bool{}
	stopped := map[string]int{} // the last clock of each duty stopped unmet
	for i, c := range clocks {
		if c.Custom || c.TaskID != 0 {
			continue
		}
		if !c.StoppedAt.IsZero() {
			if c.MetAt.IsZero() && c.Level != 0 {
				stopped[c.Key] = i
			}
			continue
		}
		if c.Level != 0 && !runs[c.Key] {
			if c.MetAt.IsZero() {
				r.Stop = append(r.Stop, i)
			}
			continue
		}
		live[c.Key] = true
	}
	m.Level = at
	for _, d := range next {
		if live[d.Key] {
			continue
		}
		if i, ok := stopped[d.Key]; ok {
			r.Resume = append(r.Resume, i)
			continue
		}
		r.Add = append(r.Add, Start(d, s.Level, m, cal))
	}
	return r
}

// Exposed returns what an exposure finding does to the leak duties (the clocks that
// count from an exposure found, FromExposure, 003 §5.3.3): s.Exposure is the exposure
// now known, found when it was found. With no exposure, every unmet, running leak clock
// stops (a correction: there was none after all). Otherwise each leak duty of s runs
// from found: one already met stays met; one running from found goes on; one running
// from another time stops and starts again from found (a corrected time); a missing one
// starts. stop are indexes into clocks.
func Exposed(clocks []*medsec.Clock, s Situation, found time.Time, cal *Calendar) (stop []int, add []*medsec.Clock) {
	isLeak := func(c *medsec.Clock) bool {
		d := def(c)
		return d != nil && d.From == FromExposure
	}
	met, running := map[string]bool{}, map[string]bool{}
	for i, c := range clocks {
		if !isLeak(c) {
			continue
		}
		switch {
		case !c.MetAt.IsZero():
			met[c.Key] = true
		case !c.StoppedAt.IsZero():
		case s.Exposure != "" && s.Exposure != medsec.ExposureNone && c.Start.Equal(found):
			running[c.Key] = true
		default:
			stop = append(stop, i)
		}
	}
	if s.Exposure == "" || s.Exposure == medsec.ExposureNone {
		return stop, nil
	}
	for _, d := range Plan(s, FromExposure) {
		if met[d.Key] || running[d.Key] {
			continue
		}
		add = append(add, Start(d, s.Level, Moments{Exposure: found}, cal))
	}
	return stop, add
}

// Close returns the post-incident clocks that start when the response ends [003 §4.4.4,
// §5.3.1, §5.4.1], and the indexes of the clocks that stop with it: every clock not yet
// met (a late one stays late in the record; a repeating clock's round just ends) except
// the one-time internal reports with a deadline and the legal duties (owedAfterClose):
// the response ending does not discharge a duty to report (履行法定報告義務, 003 §5.3.3;
// 002 第二十五、二十七条; 004 §18), so they run on, late once due, until met. A drill's
// stop too (Situation.Drill): an exercise owes no authority a report, and its internal
// reports not made end unmet, so once it ends nothing of it runs on, goes late or is
// notified.
func Close(clocks []*medsec.Clock, s Situation, closedAt time.Time, cal *Calendar) (stop []int, add []*medsec.Clock) {
	for i, c := range clocks {
		if c.MetAt.IsZero() && c.StoppedAt.IsZero() && !owedAfterClose(c, s.Drill) {
			stop = append(stop, i)
		}
	}
	for _, d := range Plan(s, FromClosed) {
		add = append(add, Start(d, s.Level, Moments{Closed: closedAt}, cal))
	}
	return stop, add
}

// def returns the definition of the duty clock c, or nil for a custom or task clock.
func def(c *medsec.Clock) *ClockDef {
	if c.Custom || c.TaskID != 0 {
		return nil
	}
	i := slices.IndexFunc(clockDefs, func(d ClockDef) bool { return d.Key == c.Key })
	if i < 0 {
		return nil
	}
	return &clockDefs[i]
}

// WorkingDayDue returns the due time of a duty clock counted in working days (the
// summary in 3 working days, 003 §4.4.4) on cal, and whether c is one; a custom or task
// clock, and one of minutes or calendar days, is not (its due time is not the calendar's).
func WorkingDayDue(c *medsec.Clock, cal *Calendar) (time.Time, bool) {
	d := def(c)
	if d == nil || d.WorkingDays <= 0 {
		return time.Time{}, false
	}
	return cal.AddWorkingDays(c.Start, d.WorkingDays), true
}

// owedAfterClose reports whether closing leaves the unmet clock c running: of a real
// incident, a legal duty, and a one-time internal report with a deadline to the duty's
// addressees, owed since the level was set whenever the response ends [003 §4.1.2:
// 30分鐘內通報領導小組, 同步上報院長] (bt14 #2: closing early stopped the leadership and
// president reports not yet due, counted nowhere). Nothing of a drill: an exercise owes
// no authority a report, and its reports to the leading group and the president, not
// made when the drill ends, end unmet at close (medsec.ClockUnmet) and are counted in the
// drill's ledger row instead of running on, going late and being notified to people
// after the exercise is over (bt14f H3). A repeating clock (progress every 30 minutes)
// and a task end with the response.
func owedAfterClose(c *medsec.Clock, drill bool) bool {
	if drill {
		return false
	}
	if IsLegal(c) {
		return true
	}
	d := def(c)
	return d != nil && d.Every == 0 && len(d.Recipients) > 0 && !c.Due.IsZero()
}

// IsLegal reports whether c is a legal duty (ClockDef.Legal), which closing does not stop.
func IsLegal(c *medsec.Clock) bool {
	d := def(c)
	return d != nil && d.Legal
}

// CheckRecipient returns EINVALID naming recipient unless a notification to r may meet
// clock c: r is one of the duty's addressees (ClockDef.Recipients), or c is the hospital's
// own clock. A notification to the vendor does not inform the patients [003 §5.3.3].
func CheckRecipient(c *medsec.Clock, r medsec.Recipient) error {
	if c.Custom {
		return nil
	}
	var want []medsec.Recipient
	if d := def(c); d != nil {
		want = d.Recipients
	}
	if slices.Contains(want, r) {
		return nil
	}
	if len(want) == 0 {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "clock_id", Key: "incident.err.clock_not_by_notification",
			Message: "this clock is not met by a notification; mark it met instead"}}}
	}
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = string(w)
	}
	return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "recipient", Key: "incident.err.recipient_mismatch",
		Message: "does not meet this clock: its duty is to notify " + strings.Join(names, " or "), Value: string(r),
		Enum: "recipient", Allowed: names}}}
}

// TaskDef is one task of a scenario's template.
type TaskDef struct {
	Key    string `json:"key"`
	Source string `json:"source"`
	// Minutes is the task's deadline from the moment From; 0 for none.
	Minutes int `json:"minutes"`
	// From is what the deadline counts from: "" the detection (發現攻擊行為後…10分鐘內,
	// 003 §4.3.1), TaskFromRestored the systems restored (系統恢復後, 003 §4.3.4).
	From string `json:"from,omitempty"`
}

// TaskFromRestored: the task's deadline counts from the systems restored
// (技術工作組在系統恢復後，立即開展漏洞掃描和修復。高危漏洞需在24小時內完成補丁更新，中危漏洞
// 48小時內修復, 003 §4.3.4); until the restoration is recorded the clock waits.
const TaskFromRestored = "restored"

// Tasks returns the task template of a scenario.
func Tasks(s medsec.Scenario) []TaskDef { return slices.Clone(taskTemplates[s]) }

// RestoredTaskMinutes returns the deadline, in minutes from the systems restored, of the
// template task whose clock key is key ("task."+the task's key), or 0 when that task
// does not count from the restoration.
func RestoredTaskMinutes(key string) int {
	k := strings.TrimPrefix(key, "task.")
	for _, tasks := range taskTemplates {
		for _, t := range tasks {
			if t.Key == k && t.From == TaskFromRestored {
				return t.Minutes
			}
		}
	}
	return 0
}

// ChecklistDef is one termination condition [003 §4.4].
type ChecklistDef struct {
	Key    string `json:"key"`
	Source string `json:"source"`
	// Hours, when set, makes the condition a span of calm ("core systems stable for 24
	// h", "72 h without anomaly"): it can be met no sooner than that many hours after
	// the systems were restored, or after detection while no restoration is recorded,
	// the earliest the span can have begun (EarliestMet).
	Hours int `json:"hours,omitempty"`
}

// EarliestMet returns when the checklist item key can first be met for an incident
// detected at detected whose systems were restored at restored (zero: not recorded): a
// span of calm (stable-24h, no-anomaly-72h [003 §4.4.1 核心業務系統連續運行24小時無故障,
// §4.4.3 連續72小時未發現異常活動]) counts from the restoration once it is recorded, since
// systems run again only then, else from detection; zero for any other item. hours is
// the span.
func EarliestMet(key string, detected, restored time.Time) (at time.Time, hours int) {
	from := detected
	if !restored.IsZero() {
		from = restored
	}
	for _, d := range checklistDefs {
		if d.Key == key && d.Hours > 0 {
			return from.Add(time.Duration(d.Hours) * time.Hour), d.Hours
		}
	}
	return time.Time{}, 0
}

// CheckMeetItem returns EINVALID when the checklist item key is a span of calm that has
// not yet passed at now (EarliestMet): the error names the item (a message key), the time
// it can be met, written in loc (the site's time zone), and the hours, counted from the
// restoration (incident.err.item_too_early_restored) or from detection. An incident with
// an outage (outage other than none) counts the span only from its restoration: until
// that is recorded the item cannot be met (incident.err.item_needs_restoration; bt14d: a
// core-systems outage never restored ticked "stable 24 h" counted from detection). A
// security officer may still waive the item with a reason.
func CheckMeetItem(key string, detected, restored time.Time, outage medsec.OutageScope, now time.Time, loc *time.Location) error {
	at, hours := EarliestMet(key, detected, restored)
	if at.IsZero() {
		return nil
	}
	item := i18n.Key("incident.check." + key)
	if restored.IsZero() && outage != "" && outage != medsec.OutageNone {
		return itemError("incident.err.item_needs_restoration", item)
	}
	if !now.Before(at) {
		return nil
	}
	when := medsec.ZonedTime(at, loc.String())
	if restored.IsZero() {
		return itemError("incident.err.item_too_early", item, when, strconv.Itoa(hours))
	}
	return itemError("incident.err.item_too_early_restored", item, when, strconv.Itoa(hours))
}

// itemError is an EINVALID checklist refusal with the message key and its arguments, its
// English text for logs.
func itemError(key string, args ...any) error {
	en := ""
	if b := bundle(); b != nil {
		en = b.T("en", key, args...)
	}
	return &medsec.Error{Code: medsec.EINVALID, Message: en, Key: key, Args: args}
}

// Checklist returns a fresh termination checklist [003 §4.4.1–4.4.3].
func Checklist() []*medsec.ChecklistItem {
	out := make([]*medsec.ChecklistItem, len(checklistDefs))
	for i, d := range checklistDefs {
		out[i] = &medsec.ChecklistItem{Key: d.Key, Source: d.Source}
	}
	return out
}

// CanWaive reports whether a user may waive a termination condition: only the security
// officer (信息安全組, who answers for compliance in the plan's organisation [003 ch.2]).
func CanWaive(u *medsec.User) bool { return u != nil && u.Role == medsec.RoleSecurityOfficer }

// CheckClose returns EINVALID naming the checklist items neither met nor waived, or nil
// when the incident may close [003 §4.4.4: the response ends when the termination
// conditions are met].
func CheckClose(items []*medsec.ChecklistItem) error {
	var open i18n.Keys
	for _, it := range items {
		if !it.Done() {
			open = append(open, "incident.check."+it.Key)
		}
	}
	if len(open) > 0 {
		en := ""
		if b := bundle(); b != nil {
			en = b.T("en", "incident.err.checklist_open_items", open)
		}
		return &medsec.Error{Code: medsec.EINVALID, Message: en, Key: "incident.err.checklist_open_items", Args: []any{open}}
	}
	return nil
}

// CheckTasksDone returns EINVALID naming the scenario template's tasks of a real incident
// not yet done, or nil. The template's containment, recovery and patch tasks are the
// plan's own (003 §4.3; §4.4.3: 漏洞修復完成並通過復測 is a termination condition), so the
// response does not end with one open: a task that does not apply is completed with a
// note saying why. A task added by hand and a lesson learned (003 §5.4.1, work after the
// review) do not hold the close. A drill's open tasks do not either: a drill closed early
// records what the team did not do (their clocks end unmet, medsec.ClockUnmet).
func CheckTasksDone(tasks []*medsec.IncidentTask, drill bool) error {
	if drill {
		return nil
	}
	var open i18n.Keys
	for _, t := range tasks {
		if t.Key != "" && !t.Lesson && t.DoneAt.IsZero() {
			open = append(open, "incident.task."+t.Key)
		}
	}
	if len(open) == 0 {
		return nil
	}
	en := ""
	if b := bundle(); b != nil {
		en = b.T("en", "incident.err.tasks_open", open)
	}
	return &medsec.Error{Code: medsec.EINVALID, Message: en, Key: "incident.err.tasks_open", Args: []any{open}}
}

// CheckEnd returns EINVALID naming everything that holds an incident open — the
// termination conditions neither met nor waived (CheckClose) and the required tasks not
// done (CheckTasksDone) — in one error, or nil when the response may end.
func CheckEnd(items []*medsec.ChecklistItem, tasks []*medsec.IncidentTask, drill bool) error {
	itemsErr, tasksErr := CheckClose(items), CheckTasksDone(tasks, drill)
	switch {
	case itemsErr == nil:
		return tasksErr
	case tasksErr == nil:
		return itemsErr
	}
	args := []any{itemsErr.(*medsec.Error).Args[0], tasksErr.(*medsec.Error).Args[0]}
	en := ""
	if b := bundle(); b != nil {
		en = b.T("en", "incident.err.close_items_and_tasks_open", args...)
	}
	return &medsec.Error{Code: medsec.EINVALID, Message: en, Key: "incident.err.close_items_and_tasks_open", Args: args}
}

// bundle is the messages, for the English text of errors that name checklist items.
var bundle = sync.OnceValue(func() *i18n.Bundle {
	b, _ := i18n.Load()
	return b
})

// Location returns the time zone a jurisdiction's working days are counted in.
func Location(j medsec.Jurisdiction) *time.Location {
	name := map[medsec.Jurisdiction]string{medsec.JurisdictionTW: "Asia/Taipei", medsec.JurisdictionCN: "Asia/Shanghai", medsec.JurisdictionJP: "Asia/Tokyo"}[j]
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

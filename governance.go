package medsec

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Governance permissions [M11]: PermGovernanceRead reads a site's governance calendar and
// training records; PermGovernanceWrite marks duties done and records training. No vendor
// holds either: the calendar is the hospital's own.
const (
	PermGovernanceRead  Permission = "governance:read"
	PermGovernanceWrite Permission = "governance:write"
)

// DutyKind names a recurring duty of the governance calendar.
type DutyKind string

// Duty kinds [M11; 002, 003 §3.2.2, §3.4, 004 §2].
const (
	DutyTraining          DutyKind = "training"
	DutyIncidentDrill     DutyKind = "incident_drill"
	DutyContinuityDrill   DutyKind = "continuity_drill"
	DutyAccessReview      DutyKind = "access_review"
	DutyLogReview         DutyKind = "log_review"
	DutyRiskReview        DutyKind = "risk_review"
	DutyPolicyReview      DutyKind = "policy_review"
	DutySelfInspection    DutyKind = "self_inspection"
	DutyGradingAssessment DutyKind = "grading_assessment"
	DutyVulnScan          DutyKind = "vuln_scan"
	DutyPenTest           DutyKind = "pentest"
	DutyLeadershipMeeting DutyKind = "leadership_meeting"
	DutySecuritySummary   DutyKind = "security_summary"
	DutyFirewallReview    DutyKind = "firewall_review"
)

// Duty is one obligation of the governance calendar. A recurring duty says how often it
// recurs (CadenceMonths: 1 monthly, 3 quarterly, 6 half-yearly, 12 yearly, each period
// aligned to the calendar); an event-driven one (Event set, CadenceMonths 0) is created
// when its event is recorded, due WorkingDays working days after it on the site's
// working-day calendar, or later by the graded level (see MLPSAssessmentMonths). Clause is
// where it comes from; FromSeed says whether the cadence or window is the seed's own or a
// default medsec chose where the seed sets none. Filing marks a duty whose record goes to
// the authority.
type Duty struct {
	Kind          DutyKind `json:"kind"`
	CadenceMonths int      `json:"cadence_months"`
	Clause        string   `json:"clause"`
	FromSeed      bool     `json:"from_seed"`
	Filing        bool     `json:"filing"`
	// Event is the event that creates the duty's items (MLPSGrading, MLPSChange), empty
	// for a recurring duty.
	Event MLPSEventKind `json:"event,omitempty"`
	// WorkingDays is an event-driven duty's window in working days after its event; 0
	// when the window is in months by level.
	WorkingDays int `json:"working_days,omitempty"`
}

// Duties is the governance calendar's list of duties, in display order. Cadences marked
// FromSeed are the seeds' numbers; the others are medsec's defaults, said as such.
var Duties = []Duty{
	{DutyTraining, 12, "003 §3.4.2 (新員工 8 學時, 關鍵崗位每年 16 學時); 002 第十条", true, false, "", 0},
	{DutyIncidentDrill, 12, "003 §3.2.2 (每年開展一次應急演練), §6.1.1; 002 第八条", true, false, "", 0},
	{DutyContinuityDrill, 12, "000 附表一 營運持續 普 一 (執行演練), 二 (定期審查)", false, false, "", 0},
	{DutyAccessReview, 3, "000 帳號管理 高 一 (定期盤點帳號並審核); 004 §14 ⑦", false, false, "", 0},
	{DutyLogReview, 1, "004 §17 ① (定期的にログを確認); 000 事件日誌與可歸責性", false, false, "", 0},
	{DutyRiskReview, 12, "002 第二十一条 (每年对本单位的数据进行数据安全风险评估)", true, false, "", 0},
	{DutyPolicyReview, 12, "002 第二十一条 (管理制度每年至少修订一次)", true, false, "", 0},
	{DutySelfInspection, 12, "002 第九条 (每年安全自查, 整改情况报上级卫生健康行政部门)", true, true, "", 0},
	{DutyGradingAssessment, 12, "002 第六条(四) (第三级或第四级每年至少一次等级测评)", true, true, "", 0},
	{DutyVulnScan, 1, "003 §3.2.2 (每月對核心業務系統進行漏洞掃描)", true, false, "", 0},
	{DutyPenTest, 3, "003 §3.2.2 (每季度開展一次滲透測試)", true, false, "", 0},
	{DutyLeadershipMeeting, 1, "003 二 組織機構 (領導小組每月召開一次安全會議); 002 第五条 (每年至少一次)", true, false, "", 0},
	{DutySecuritySummary, 3, "003 §3.4.2 (安全員每季度提交《安全工作總結》)", true, false, "", 0},
	{DutyFirewallReview, 6, "004 §13.2 (セキュリティ診断を定期的に実施); 000 附表一 網路安全", false, false, "", 0},
}

// DutyOf returns the duty of a kind, recurring or event-driven, and whether it is one.
func DutyOf(k DutyKind) (Duty, bool) {
	for _, d := range AllDuties() {
		if d.Kind == k {
			return d, true
		}
	}
	return Duty{}, false
}

// AllDuties returns the recurring duties then the event-driven ones, in display order.
func AllDuties() []Duty {
	return append(append([]Duty{}, Duties...), EventDuties...)
}

// PeriodOf returns the calendar-aligned period of a duty that holds day: its first day and
// its last day (the due date). A yearly duty's period is the calendar year, a quarterly
// one's the quarter.
func (d Duty) PeriodOf(day Date) (start, due Date) {
	t := day.Time()
	m := d.CadenceMonths
	if m <= 0 {
		m = 12
	}
	first := (int(t.Month())-1)/m*m + 1
	s := time.Date(t.Year(), time.Month(first), 1, 0, 0, 0, 0, time.UTC)
	return DateOf(s), DateOf(s.AddDate(0, m, -1))
}

// GovernanceState is what a due item's state is on a day.
type GovernanceState string

// Governance item states: done (with its record), overdue (its due date has passed),
// due soon (due within GovernanceDueSoonDays) and planned.
const (
	GovernanceDone    GovernanceState = "done"
	GovernanceOverdue GovernanceState = "overdue"
	GovernanceDueSoon GovernanceState = "due_soon"
	GovernancePlanned GovernanceState = "planned"
)

// GovernanceStates lists the states in display order.
var GovernanceStates = []GovernanceState{GovernanceOverdue, GovernanceDueSoon, GovernancePlanned, GovernanceDone}

// GovernanceDueSoonDays is how many days before its due date an item is due soon and its
// people are told.
const GovernanceDueSoonDays = 30

// GovernanceItem is one duty's occurrence at one site for one period: due on the period's
// last day, done when someone records what was done (Record) with its evidence (a ticket,
// minutes, a report and its hash).
type GovernanceItem struct {
	ID       int64    `json:"id"`
	SiteID   int64    `json:"site_id"`
	SiteName string   `json:"site_name,omitempty"`
	Kind     DutyKind `json:"kind"`
	Clause   string   `json:"clause"`
	// EventID is the 等保 event (MLPSEvent) an event-driven item answers, 0 for a
	// recurring one; System and Level are that event's system and level. An event-driven
	// item's PeriodStart is the event's day.
	EventID int64  `json:"event_id,omitempty"`
	System  string `json:"system,omitempty"`
	Level   int    `json:"level,omitempty"`
	// CadenceMonths and CadenceBasis are a recurring item's duty's cadence at the site and
	// whose it is (CadenceSeed, CadenceMedsecDefault, CadenceHospital); empty for an
	// event-driven item.
	CadenceMonths int             `json:"cadence_months,omitempty"`
	CadenceBasis  string          `json:"cadence_basis,omitempty"`
	PeriodStart   Date            `json:"period_start"`
	Due           Date            `json:"due"`
	State         GovernanceState `json:"state"`
	DoneOn        Date            `json:"done_on,omitzero"`
	DoneBy        string          `json:"done_by,omitempty"`
	Record        string          `json:"record,omitempty"`
	Evidence      string          `json:"evidence,omitempty"`
	// DrillID is the continuity drill whose run did the item, when one did, stored by ID
	// (governance_items.drill_id): its evidence is that drill, shown in the reader's
	// language (drill.evidence); evidence a user typed never links a drill.
	DrillID int64 `json:"drill_id,omitempty"`
	// DrillScenario, DrillResult (a DrillResult code, drill_result.* in the reader's
	// language) and DrillFindings are that drill's run: pages show them as what was done,
	// translated, in place of Record (which the old code wrote with the raw code).
	DrillScenario string `json:"drill_scenario,omitempty"`
	DrillResult   string `json:"drill_result,omitempty"`
	DrillFindings string `json:"drill_findings,omitempty"`
}

// DrillEvidence is the evidence a continuity drill's run writes on the calendar item it
// does [000 附表一 營運持續 普 一 (執行演練)]: words naming the drill for exports and the
// audit. The item names its drill by ID (GovernanceItem.DrillID), never by these words.
func DrillEvidence(id int64) string { return "continuity drill " + strconv.FormatInt(id, 10) }

// StateOn returns the item's state on a day.
func (it *GovernanceItem) StateOn(day Date) GovernanceState {
	switch {
	case !it.DoneOn.IsZero():
		return GovernanceDone
	case it.Due.Before(day.Time()):
		return GovernanceOverdue
	case !it.Due.Before(day.Time().AddDate(0, 0, GovernanceDueSoonDays+1)):
		return GovernancePlanned
	}
	return GovernanceDueSoon
}

// GovernanceCompletion records a duty done: the day, what was done, and its evidence.
type GovernanceCompletion struct {
	DoneOn   Date   `json:"done_on"`
	Record   string `json:"record"`
	Evidence string `json:"evidence"`
}

// Validate checks a completion: a day, a record (one paragraph of at most 4000
// characters) and evidence (at most 2000).
func (c *GovernanceCompletion) Validate() error {
	c.Record, c.Evidence = strings.TrimSpace(c.Record), strings.TrimSpace(c.Evidence)
	var errs []FieldError
	if c.DoneOn.IsZero() {
		errs = append(errs, FieldError{Field: "done_on", Key: "err.required", Message: "is required"})
	}
	if c.Record == "" {
		errs = append(errs, FieldError{Field: "record", Key: "err.required", Message: "is required"})
	}
	if c.Evidence == "" {
		errs = append(errs, FieldError{Field: "evidence", Key: "err.required", Message: "is required"})
	}
	var t textChecks
	t.text("record", c.Record)
	t.lineMax("evidence", 2000, c.Evidence)
	errs = append(errs, t.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// GovernanceFilter selects items. Zero fields do not filter; Year keeps the items whose
// period starts in that year.
type GovernanceFilter struct {
	SiteID int64
	Kind   DutyKind
	State  GovernanceState
	Year   int
}

// Training hour duties [003 §3.4.2: 新員工入職需完成8學時網絡安全培訓…關鍵崗位人員每年參加16學時
// 進階培訓]: hours a year for a person who joined that year, and for a key role.
const (
	TrainingHoursNewStaff = 8
	TrainingHoursKeyRole  = 16
)

// TrainingClause is where the hours come from.
const TrainingClause = "003 §3.4.2"

// MaxTrainingHours bounds one session's hours: a day.
const MaxTrainingHours = 24

// TrainingSession is one training course held at a site on a day, with the hours it gave
// each attendee and who attended.
type TrainingSession struct {
	ID        int64              `json:"id"`
	SiteID    int64              `json:"site_id"`
	Course    string             `json:"course"`
	Date      Date               `json:"date"`
	Hours     float64            `json:"hours"`
	Trainer   string             `json:"trainer,omitempty"`
	Evidence  string             `json:"evidence,omitempty"`
	Attendees []TrainingAttendee `json:"attendees"`
}

// TrainingAttendee is one person at a session.
type TrainingAttendee struct {
	PersonID   int64  `json:"person_id"`
	Name       string `json:"name"`
	EmployeeNo string `json:"employee_no,omitempty"`
}

// TrainingRow is one attendance of a training import: the course, its day and hours, and
// the person (by employee number, else by name), with the line it was read from.
type TrainingRow struct {
	Line       int     `json:"line"`
	Course     string  `json:"course"`
	Date       Date    `json:"date"`
	Hours      float64 `json:"hours"`
	EmployeeNo string  `json:"employee_no,omitempty"`
	Name       string  `json:"name,omitempty"`
	Trainer    string  `json:"trainer,omitempty"`
	Evidence   string  `json:"evidence,omitempty"`
}

// TrainingImport is one attendance file's rows, the site its sessions were held at, and
// its reader's problems.
type TrainingImport struct {
	Source   string
	SiteID   int64
	Rows     []TrainingRow
	Problems []FieldError
}

// TrainingImportResult counts what an import did.
type TrainingImportResult struct {
	Sessions    int `json:"sessions"`
	Attendances int `json:"attendances"`
	// Unchanged counts attendances already recorded.
	Unchanged int `json:"unchanged"`
}

// TrainingHours is one person's training hours in a year against the hours required:
// TrainingHoursKeyRole for a key role, TrainingHoursNewStaff for someone who joined that
// year, else none. Short is the hours missing.
type TrainingHours struct {
	PersonID   int64   `json:"person_id"`
	Name       string  `json:"name"`
	EmployeeNo string  `json:"employee_no,omitempty"`
	KeyRole    bool    `json:"key_role"`
	NewStaff   bool    `json:"new_staff"`
	Year       int     `json:"year"`
	Hours      float64 `json:"hours"`
	Required   float64 `json:"required"`
	Short      float64 `json:"short"`
	Clause     string  `json:"clause,omitempty"`
}

// RequiredTrainingHours returns the hours a person owes in a year [003 §3.4.2]: 16 for a
// key role, 8 for someone who joined that year, the larger when both, else 0.
func RequiredTrainingHours(keyRole bool, joined Date, year int) float64 {
	switch {
	case keyRole:
		return TrainingHoursKeyRole
	case !joined.IsZero() && joined.Time().Year() == year:
		return TrainingHoursNewStaff
	}
	return 0
}

// Audit actions of the governance calendar and training.
const (
	ActionGovernanceDone   = "governance.done"
	ActionTrainingImport   = "training.import"
	ActionTrainingKeyRole  = "training.key_role"
	ActionGovernanceEnsure = "governance.ensure"
)

// GovernanceService keeps the governance calendar of every site and the training records.
// Reads need PermGovernanceRead, changes PermGovernanceWrite; a caller limited to sites
// sees and changes only theirs (another site's item is ENOTFOUND); every change is
// audited in its transaction.
type GovernanceService interface {
	// EnsureGovernanceItems creates, for every site and duty, the item of the period
	// holding now when missing, and returns how many it created (the scheduler, as
	// SystemUser).
	EnsureGovernanceItems(ctx context.Context, now time.Time) (int, error)
	// FindGovernanceItems returns the items the filter selects, by due date then duty,
	// each with its state at the store's clock.
	FindGovernanceItems(ctx context.Context, f GovernanceFilter) ([]*GovernanceItem, error)
	// CompleteGovernanceItem records an item done (EINVALID naming the field; ECONFLICT
	// when already done) and returns it.
	CompleteGovernanceItem(ctx context.Context, id int64, c GovernanceCompletion) (*GovernanceItem, error)

	// ImportTraining records the sessions and attendances of an import at its site, all
	// rows or none; a person not found by employee number or name is EINVALID naming the
	// line and field.
	ImportTraining(ctx context.Context, imp TrainingImport) (TrainingImportResult, error)
	// FindTrainingSessions returns the sessions of a year (0: every year) at the caller's
	// sites (siteID 0: all of them), latest first.
	FindTrainingSessions(ctx context.Context, siteID int64, year int) ([]*TrainingSession, error)
	// TrainingHoursOf returns each person's hours in the year against what they owe: the
	// people of the caller's sites (by department) and everyone who attended a session
	// there, by name.
	TrainingHoursOf(ctx context.Context, siteID int64, year int) ([]TrainingHours, error)
	// SetKeyRole marks a person as holding a key role (关键岗位) or not. Needs a caller
	// limited to no site, as the roster does.
	SetKeyRole(ctx context.Context, personID int64, keyRole bool) error

	// ContinuityDrillService keeps the continuity drills, which mark the calendar's
	// continuity-drill items done.
	ContinuityDrillService
	// MLPSService keeps the 等保 events, which create event-driven items.
	MLPSService
	// CadenceService keeps the sites' choices of the cadences left to the hospital.
	CadenceService
}

// Continuity drill results [000 附表一 營運持續 普 一: 於可容忍時間內替代流程提供服務,並執行演練].
const (
	DrillPass    = "pass"
	DrillPartial = "partial"
	DrillFail    = "fail"
)

// DrillResults lists the results in display order.
var DrillResults = []string{DrillPass, DrillPartial, DrillFail}

// ContinuityDrill is a business-continuity drill of a site, or of one clinical system of
// it: planned for a day with its scenario, then run with a result and its findings. A
// drill run marks the site's continuity-drill item of the calendar period done. Restore
// tests of backups are recorded with the backup plans, not here.
type ContinuityDrill struct {
	ID         int64  `json:"id"`
	SiteID     int64  `json:"site_id"`
	SiteName   string `json:"site_name,omitempty"`
	AssetID    int64  `json:"asset_id,omitempty"`
	AssetName  string `json:"asset_name,omitempty"`
	Scenario   string `json:"scenario"`
	Planned    Date   `json:"planned"`
	RunOn      Date   `json:"run_on,omitzero"`
	Result     string `json:"result,omitempty"`
	Findings   string `json:"findings,omitempty"`
	RecordedBy string `json:"recorded_by,omitempty"`
}

// ValidatePlan checks a drill to plan and returns every problem at once: the scenario
// (required, text, at most 4,000 characters), the planned day and the site or system
// [000 附表一 營運持續 普 一].
func (d *ContinuityDrill) ValidatePlan() error {
	d.Scenario = strings.TrimSpace(d.Scenario)
	var errs []FieldError
	if d.Scenario == "" {
		errs = append(errs, FieldError{Field: "scenario", Key: "err.required", Message: "is required"})
	} else if fe := CheckText("scenario", d.Scenario, true); fe != nil {
		errs = append(errs, *fe)
	} else if fe := CheckLength("scenario", d.Scenario, 4000); fe != nil {
		errs = append(errs, *fe)
	}
	if d.Planned.IsZero() {
		errs = append(errs, FieldError{Field: "planned", Key: "err.required", Message: "is required"})
	}
	if d.SiteID == 0 && d.AssetID == 0 {
		errs = append(errs, FieldError{Field: "site_id", Key: "err.required", Message: "is required"})
	}
	if errs != nil {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// DrillResult is what a drill run gave: the day, the result, and the findings (required
// unless it passed).
type DrillResult struct {
	RunOn    Date   `json:"run_on"`
	Result   string `json:"result"`
	Findings string `json:"findings"`
}

// Validate checks a result.
func (r *DrillResult) Validate() error {
	r.Findings = strings.TrimSpace(r.Findings)
	var errs []FieldError
	if r.RunOn.IsZero() {
		errs = append(errs, FieldError{Field: "run_on", Key: "err.required", Message: "is required"})
	}
	switch r.Result {
	case DrillPass, DrillPartial, DrillFail:
	default:
		errs = append(errs, FieldError{Field: "result", Key: "err.unknown_value", Value: r.Result, Enum: "drill_result", Allowed: DrillResults, Message: "is not pass, partial or fail"})
	}
	if r.Result != DrillPass && r.Findings == "" {
		errs = append(errs, FieldError{Field: "findings", Key: "err.drill_findings", Message: "say what did not work"})
	}
	var t textChecks
	t.text("findings", r.Findings)
	errs = append(errs, t.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// Audit actions of continuity drills.
const (
	ActionDrillPlan   = "continuity_drill.plan"
	ActionDrillResult = "continuity_drill.result"
)

// ContinuityDrillService keeps the continuity drills. Reads need PermGovernanceRead,
// changes PermGovernanceWrite and the site (and system) in the caller's scope; audited.
type ContinuityDrillService interface {
	// FindContinuityDrills returns the drills of a site (0: the caller's sites), latest
	// planned first.
	FindContinuityDrills(ctx context.Context, siteID int64) ([]*ContinuityDrill, error)
	// PlanContinuityDrill stores a planned drill (EINVALID naming the field: no scenario,
	// no day; ENOTFOUND for a site or system out of scope) and sets its ID.
	PlanContinuityDrill(ctx context.Context, d *ContinuityDrill) error
	// RecordDrillResult records a planned drill run (ECONFLICT when already recorded) and
	// marks the site's continuity-drill calendar item of the day's period done.
	RecordDrillResult(ctx context.Context, id int64, r DrillResult) (*ContinuityDrill, error)
}

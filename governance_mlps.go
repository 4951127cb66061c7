package medsec

import (
	"context"
	"strings"
)

// MLPSEventKind is an event of a system under graded protection (等保, MLPS) in mainland
// China [002 第六条].
type MLPSEventKind string

// 等保 events: the system's grading (定级), which owes the filing with the public security
// authority (备案) within 10 working days and an assessment (测评); and a change of a graded
// system (its level changed, or the system withdrawn: level 0), which owes the change or
// withdrawal of the filing within 10 working days [002 第六条(二), (四)].
const (
	MLPSGrading MLPSEventKind = "grading"
	MLPSChange  MLPSEventKind = "change"
)

// MLPSEventKinds lists the events in display order.
var MLPSEventKinds = []MLPSEventKind{MLPSGrading, MLPSChange}

// Event-driven duty kinds of 等保 [002 第六条(二), (四)].
const (
	DutyMLPSFiling     DutyKind = "mlps_filing"
	DutyMLPSRefiling   DutyKind = "mlps_refiling"
	DutyMLPSAssessment DutyKind = "mlps_assessment"
)

// MLPSFilingWorkingDays is the filing window [002 第六条(二): 第二级以上网络应在网络安全保护
// 等级确定后10个工作日内…向公安机关备案; 变更安全保护等级的,应在10个工作日内向原备案公安机关
// 撤销或变更].
const MLPSFilingWorkingDays = 10

// EventDuties are the duties created by a recorded 等保 event, not by the calendar's
// periods: the filing and the first assessment after a grading, the re-filing after a
// change.
var EventDuties = []Duty{
	{Kind: DutyMLPSFiling, Clause: "002 第六条(二) (第二级以上网络应在网络安全保护等级确定后10个工作日内…向公安机关备案)", FromSeed: true, Filing: true, Event: MLPSGrading, WorkingDays: MLPSFilingWorkingDays},
	{Kind: DutyMLPSAssessment, Clause: "002 第六条(四) (第三级或第四级每年至少一次; 第二级涉及10万人以上个人信息至少三年一次, 其他至少五年一次)", FromSeed: true, Filing: true, Event: MLPSGrading},
	{Kind: DutyMLPSRefiling, Clause: "002 第六条(二) (因网络撤销或变更安全保护等级的,应在10个工作日内向原备案公安机关撤销或变更)", FromSeed: true, Filing: true, Event: MLPSChange, WorkingDays: MLPSFilingWorkingDays},
}

// MLPSPeopleThreshold is the number of people whose personal information makes a level-2
// system's assessment due every three years rather than five [002 第六条(四): 10万人以上;
// the number itself included].
const MLPSPeopleThreshold = 100000

// MLPSAssessmentMonths returns the months after its grading within which a system's first
// 等保 assessment is due, by level [002 第六条(四)]: 12 for level 3 and above (每年至少一次),
// 36 for level 2 involving the personal information of MLPSPeopleThreshold people or more,
// 60 for other level-2 systems, and 0 (no assessment owed) for level 1.
func MLPSAssessmentMonths(level int, people int64) int {
	switch {
	case level >= 3:
		return 12
	case level == 2 && people >= MLPSPeopleThreshold:
		return 36
	case level == 2:
		return 60
	}
	return 0
}

// MLPSEvent is one recorded 等保 event of a system at a site: its grading, or a change to
// it, on a day, with the level the system then has (0 on a change: withdrawn). Items are
// the governance-calendar items the event created.
type MLPSEvent struct {
	ID       int64         `json:"id"`
	SiteID   int64         `json:"site_id"`
	SiteName string        `json:"site_name,omitempty"`
	System   string        `json:"system"`
	Kind     MLPSEventKind `json:"kind"`
	Level    int           `json:"level"`
	// People is how many people's personal information the system involves (for a
	// level-2 system's assessment cadence); 0 when not known.
	People     int64             `json:"people"`
	On         Date              `json:"on"`
	Note       string            `json:"note,omitempty"`
	RecordedBy string            `json:"recorded_by,omitempty"`
	Items      []*GovernanceItem `json:"items"`
}

// Validate checks an event's own fields: a system name, a known kind, a level of 1 to 5
// (0 too on a change: withdrawn), a day, people not negative, and a note saying what
// changed on a change.
func (e *MLPSEvent) Validate() error {
	e.System, e.Note = strings.TrimSpace(e.System), strings.TrimSpace(e.Note)
	var errs []FieldError
	if e.SiteID == 0 {
		errs = append(errs, FieldError{Field: "site_id", Key: "err.required", Message: "is required"})
	}
	if e.System == "" {
		errs = append(errs, FieldError{Field: "system", Key: "err.required", Message: "is required"})
	}
	switch e.Kind {
	case MLPSGrading:
		if e.Level < 1 || e.Level > 5 {
			errs = append(errs, FieldError{Field: "level", Key: "err.mlps_level", Message: "must be between 1 and 5"})
		}
	case MLPSChange:
		if e.Level < 0 || e.Level > 5 {
			errs = append(errs, FieldError{Field: "level", Key: "err.mlps_level_change", Message: "must be between 0 (withdrawn) and 5"})
		}
		if e.Note == "" {
			errs = append(errs, FieldError{Field: "note", Key: "err.mlps_change_note", Message: "say what changed"})
		}
	default:
		errs = append(errs, FieldError{Field: "kind", Key: "err.unknown_value", Value: string(e.Kind), Enum: "mlps_event", Allowed: []string{string(MLPSGrading), string(MLPSChange)}, Message: "is not grading or change"})
	}
	if e.On.IsZero() {
		errs = append(errs, FieldError{Field: "on", Key: "err.required", Message: "is required"})
	}
	if e.People < 0 {
		errs = append(errs, FieldError{Field: "people", Key: "err.negative", Message: "must not be negative"})
	}
	var t textChecks
	t.lineMax("system", MaxNameLength, e.System)
	t.text("note", e.Note)
	errs = append(errs, t.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// ActionMLPSRecord is the audit action of a recorded 等保 event.
const ActionMLPSRecord = "mlps.record"

// MLPSService keeps the 等保 events of the sites in mainland China and the calendar items
// they create. Reads need PermGovernanceRead, recording PermGovernanceWrite and the site in
// the caller's scope (another site is ENOTFOUND); audited.
type MLPSService interface {
	// FindMLPSEvents returns the events of a site (0: the caller's sites), latest first,
	// each with the items it created.
	FindMLPSEvents(ctx context.Context, siteID int64) ([]*MLPSEvent, error)
	// RecordMLPSEvent stores an event and creates its items in one transaction: a grading
	// of level 2 or above owes the filing (MLPSFilingWorkingDays working days after its
	// day on the site's working-day calendar) and the first assessment
	// (MLPSAssessmentMonths); a change of a system graded at level 2 or above (before or
	// after) owes the re-filing. EINVALID naming the field: a site outside mainland China
	// (site_id), a day in the future (on), a grading of a system already graded or a change
	// of one never graded (system), and the Validate problems. Sets ID and Items.
	RecordMLPSEvent(ctx context.Context, e *MLPSEvent) error
}

package medsec

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// AssessmentStatus is how far a control is met for a subject [M4].
type AssessmentStatus string

// Assessment statuses. NotAssessed is never stored: reports use it for a control that
// applies and has no assessment yet.
const (
	AssessImplemented    AssessmentStatus = "implemented"
	AssessCompensating   AssessmentStatus = "compensating"
	AssessPartial        AssessmentStatus = "partial"
	AssessNotImplemented AssessmentStatus = "not-implemented"
	AssessNotApplicable  AssessmentStatus = "not-applicable"
	AssessNotAssessed    AssessmentStatus = "not-assessed"
)

// AssessmentStatuses lists the statuses an assessor may record, in display order.
var AssessmentStatuses = []AssessmentStatus{AssessImplemented, AssessCompensating, AssessPartial, AssessNotImplemented, AssessNotApplicable}

// ReportStatuses lists every status a report counts, NotAssessed last.
var ReportStatuses = []AssessmentStatus{AssessImplemented, AssessCompensating, AssessPartial, AssessNotImplemented, AssessNotApplicable, AssessNotAssessed}

// Open reports whether the status leaves work to do: partial, not implemented or not
// assessed. Implemented, compensating and not applicable are closed.
func (s AssessmentStatus) Open() bool {
	return s == AssessPartial || s == AssessNotImplemented || s == AssessNotAssessed
}

// Organisation is the subject id of an assessment of the organisation rather than of an
// asset (the CN, JP and incident-plan obligations).
const Organisation int64 = 0

// Evidence is one file kept as evidence of an assessment. Files are stored once by
// their SHA-256 and never overwritten; the same content uploaded twice is one file.
type Evidence struct {
	SHA256    string `json:"sha256"`
	Name      string `json:"name"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type,omitempty"`
}

// Assessment is one judgement of one control of one catalog for one subject (an asset,
// or the organisation). Assessments are never changed: a new judgement is a new row, and
// the subject's current state is its latest row, so the history is complete.
type Assessment struct {
	ID        int64  `json:"id"`
	CatalogID string `json:"catalog_id"`
	ControlID string `json:"control_id"`
	// AssetID is the assessed asset, or Organisation (0).
	AssetID int64            `json:"asset_id"`
	SiteID  int64            `json:"site_id,omitempty"`
	Status  AssessmentStatus `json:"status"`
	// Reason is required when the status is not-applicable.
	Reason string `json:"reason,omitempty"`
	// Compensating describes the compensating measure; required when the status is
	// compensating.
	Compensating string     `json:"compensating,omitempty"`
	Notes        string     `json:"notes,omitempty"`
	Evidence     []Evidence `json:"evidence"`
	Links        []string   `json:"links"`
	AssessorID   int64      `json:"assessor_id,omitempty"`
	Assessor     string     `json:"assessor"`
	// AssessedOn is the day of the judgement; the store sets today when zero.
	AssessedOn Date `json:"assessed_on"`
	// NextReview is when the judgement must be looked at again; zero when not set.
	NextReview Date      `json:"next_review,omitzero"`
	CreatedAt  time.Time `json:"created_at"`

	// AssetName is filled by reads for display.
	AssetName string `json:"asset_name,omitempty"`
}

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidSHA256 reports whether s is a lower-case hex SHA-256 digest.
func ValidSHA256(s string) bool { return sha256Pattern.MatchString(s) }

// Normalize trims the free-text fields and drops empty links.
func (a *Assessment) Normalize() {
	a.CatalogID = strings.TrimSpace(a.CatalogID)
	a.ControlID = strings.TrimSpace(a.ControlID)
	a.Reason = strings.TrimSpace(a.Reason)
	a.Compensating = strings.TrimSpace(a.Compensating)
	a.Notes = strings.TrimSpace(a.Notes)
	for i := range a.Links {
		a.Links[i] = strings.TrimSpace(a.Links[i])
	}
	a.Links = slices.DeleteFunc(a.Links, func(s string) bool { return s == "" })
	if a.Links == nil {
		a.Links = []string{}
	}
	if a.Evidence == nil {
		a.Evidence = []Evidence{}
	}
}

// Validate returns every invalid field of a normalized assessment as a *ValidationError,
// or nil. It does not check that the control exists; the service does.
func (a *Assessment) Validate() error {
	var errs []FieldError
	add := func(field, key, msg string) { errs = append(errs, FieldError{Field: field, Key: key, Message: msg}) }
	if a.CatalogID == "" {
		add("catalog_id", "err.required", "is required")
	}
	if a.ControlID == "" {
		add("control_id", "err.required", "is required")
	}
	if a.AssetID < 0 {
		add("asset_id", "err.negative", "must not be negative")
	}
	if !slices.Contains(AssessmentStatuses, a.Status) {
		add("status", "err.unknown_value", fmt.Sprintf("unknown status %q", a.Status))
	}
	if a.Status == AssessNotApplicable && a.Reason == "" {
		add("reason", "err.reason_required", "is required when the control does not apply")
	}
	if a.Status == AssessCompensating && a.Compensating == "" {
		add("compensating", "err.compensating_required", "is required for a compensating control")
	}
	for _, l := range a.Links {
		if len(a.Links) > MaxAssessmentLinks || utf8.RuneCountInString(l) > MaxLinkLength {
			break // textChecks reports the count or the length
		}
		u, err := url.Parse(l)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("links", "err.bad_link", fmt.Sprintf("%q is not an http or https address", l))
		}
	}
	for _, e := range a.Evidence {
		if !ValidSHA256(e.SHA256) {
			add("evidence", "err.bad_evidence", fmt.Sprintf("%q is not a SHA-256 digest", e.SHA256))
		}
	}
	if !a.NextReview.IsZero() && !a.AssessedOn.IsZero() && a.NextReview.Before(a.AssessedOn.t) {
		add("next_review", "err.review_before_assessment", "is before the assessment date")
	}
	var c textChecks
	c.line("catalog_id", a.CatalogID)
	c.line("control_id", a.ControlID)
	c.text("reason", a.Reason)
	c.text("compensating", a.Compensating)
	c.text("notes", a.Notes)
	c.lineMax("links", MaxLinkLength, a.Links...)
	for _, e := range a.Evidence {
		c.line("evidence", e.Name, e.MediaType)
	}
	c.count("links", len(a.Links), MaxAssessmentLinks)
	c.count("evidence", len(a.Evidence), MaxEvidenceItems)
	errs = append(errs, c.errs...)
	if len(errs) > 0 {
		slices.SortFunc(errs, func(x, y FieldError) int { return strings.Compare(x.Field, y.Field) })
		return &ValidationError{Errors: errs}
	}
	return nil
}

// AssessmentFilter selects current assessments. Zero fields do not filter.
type AssessmentFilter struct {
	CatalogID string
	ControlID string
	// AssetID selects one asset; with OrganisationOnly false and AssetID 0, every subject.
	AssetID int64
	// OrganisationOnly selects the organisation's assessments.
	OrganisationOnly bool
	// RecordedBefore, when set, reads the assessments as they stood then: a subject's
	// current assessment is its latest recorded before it (a closed period's report).
	RecordedBefore time.Time
}

// ApplicableControl is one control that applies to a subject, why, and where it stands.
type ApplicableControl struct {
	CatalogID string `json:"catalog_id"`
	ControlID string `json:"control_id"`
	Title     string `json:"title"`
	TitleEn   string `json:"title_en"`
	Original  string `json:"original"`
	// OriginalLang is the BCP 47 tag of Original, e.g. zh-TW.
	OriginalLang string `json:"original_lang"`
	English      string `json:"english"`
	SourceRef    string `json:"source_ref,omitempty"`
	// Domain is the control's domain as the catalog prints it (控制構面 for TW, the chapter
	// for CN and JP), DomainEn its English name.
	Domain   string `json:"domain,omitempty"`
	DomainEn string `json:"domain_en,omitempty"`
	// Level is the row's lowest TW level (low, moderate, high); "" for organisational
	// obligations.
	Level Level `json:"level,omitempty"`
	// Reason says in English why the control applies.
	Reason string `json:"reason"`
	// Target is the TW protection target matched (boundary-host, control-system), or
	// organisation; TargetBasis says how the row's target is known (row-mark,
	// damaged-mark, default-all); LevelInferred is set when the source's level cell is
	// missing. Views build a translated reason from these.
	Target        string `json:"target,omitempty"`
	TargetBasis   string `json:"target_basis,omitempty"`
	LevelInferred bool   `json:"level_inferred,omitempty"`
	// IncludedBy is the TW row that takes this row in with 「等級「X」之所有控制措施」 when
	// the row applies only through it (000 附表一), "" otherwise.
	IncludedBy string `json:"included_by,omitempty"`
	// Voluntary is set for an encouraged (鼓励) or recommended (建议) item: not an
	// obligation, so not a gap and not a calendar duty.
	Voluntary bool `json:"voluntary,omitempty"`
	// Handling is "confirm-with-provider" for a JP item outside the hospital's reference
	// pattern II or IV: confirm it with the service provider, simplify it where the
	// contract covers it [004 はじめに].
	Handling string `json:"handling,omitempty"`
	// Undecided lists what the seed cannot settle about the control, as codes
	// (target-mark-lost, level-cell-missing, level-overflow, pattern-heading-conflict);
	// the control is applied in its most inclusive reading.
	Undecided []string `json:"undecided,omitempty"`
	// Cadence is the ISO 8601 duration of a recurring obligation, "" if none.
	Cadence string `json:"cadence,omitempty"`
	// Current is the latest assessment, nil when none.
	Current *Assessment `json:"current,omitempty"`
	// Status is Current's status, or not-assessed.
	Status AssessmentStatus `json:"status"`
	// Checks are the automatic results that bear on this control.
	Checks []CheckResult `json:"checks,omitempty"`
	// Crosswalk lists the controls of other catalogs on the same subject.
	Crosswalk []CrosswalkLink `json:"crosswalk,omitempty"`
}

// CrosswalkLink is a control of another catalog that addresses the same subject (log
// retention, backups, two-factor authentication, ...).
type CrosswalkLink struct {
	Subject string `json:"subject"`
	// SubjectLabels names the subject by language tag (zh-TW, zh-CN, ja).
	SubjectLabels map[string]string `json:"subject_labels,omitempty"`
	CatalogID     string            `json:"catalog_id"`
	ControlID     string            `json:"control_id"`
	// Relation is equivalent, partial or related.
	Relation string `json:"relation"`
}

// AssetRef names an asset.
type AssetRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Carriage bases (AssetControls.Carriage, GapLeftOut.Reason): why an asset carries the TW
// baseline's targets itself, or why it carries none [000 四, 五(二)].
const (
	CarriedAsBoundaryHost  = "boundary-host"        // a boundary host
	CarriedAsStandalone    = "standalone"           // a 終端單機
	CarriedAsControlGroup  = "control-group"        // a device control or application system
	CarriedAsSystemConsole = "system-console"       // a system-type device whose console (its boundary host) is on the Intranet
	CarriedAsGroupHost     = "group-host"           // a group-type device recorded with its boundary host
	CarriedByBoundaryHost  = "behind-boundary-host" // a device on a Local LAN: its boundary host carries the controls
	CarriedNoBoundaryHost  = "no-boundary-host"     // a device on a Local LAN whose boundary host is not in the inventory
	CarriedUnclassified    = "unclassified"         // no class in the grouping model
)

// AssetControls is the applicability of the TW baseline to one asset.
type AssetControls struct {
	Asset *Asset `json:"asset"`
	// Carriage says why the asset carries the targets it carries, or none (one of the
	// Carried* codes). CarriedBy names the boundary hosts that carry the boundary-host
	// column for a device behind them; LocalLAN is the zone the device sits in.
	Carriage  string     `json:"carriage"`
	CarriedBy []AssetRef `json:"carried_by,omitempty"`
	LocalLAN  string     `json:"local_lan,omitempty"`
	// Level is the level used: the asset's effective level (its zone's SL mapped to
	// 普/中/高, else its own), or low when it has none (LevelAssumed).
	Level        Level `json:"level"`
	LevelAssumed bool  `json:"level_assumed"`
	// LevelSource says where the level comes from; Zone and SL name the zone when it
	// is the zone.
	LevelSource LevelSource         `json:"level_source"`
	Zone        string              `json:"zone,omitempty"`
	SL          int                 `json:"sl"`
	Targets     []string            `json:"targets"`
	Controls    []ApplicableControl `json:"controls"`
	Checks      []CheckResult       `json:"checks"`
}

// ComplianceSettings describe the organisation for the organisational catalogs.
type ComplianceSettings struct {
	// JPPattern is the reference pattern (I–IV) of 004 the hospital chose; default I.
	JPPattern string `json:"jp_pattern"`
	// Networks are the hospital's graded networks (等保) [002 第六条]; the duties bound to
	// a level or a record count apply per network.
	Networks []GradedNetwork `json:"networks"`
	// MLPSLevel is the highest level among Networks, filled by reads. A write without
	// networks and with a level above 0 records one unnamed network at that level.
	MLPSLevel int `json:"mlps_level"`
	// CIIOperator: the hospital operates critical information infrastructure.
	CIIOperator bool `json:"cii_operator"`
}

// GradedNetwork is one network of the hospital under graded protection (等保) [002 第六条].
type GradedNetwork struct {
	Name string `json:"name"`
	// Level is its 等保 level, 1–5.
	Level int `json:"level"`
	// People is how many people's personal information it involves; from 100,000 (「10万人
	// 以上」 includes the number) a level-2 network is assessed every three years, else every
	// five [002 第六条(四)].
	People int64 `json:"people"`
}

// Validate checks the settings.
func (s *ComplianceSettings) Validate() error {
	var errs []FieldError
	if !slices.Contains([]string{"I", "II", "III", "IV"}, s.JPPattern) {
		errs = append(errs, FieldError{Field: "jp_pattern", Key: "err.unknown_value", Message: "must be I, II, III or IV"})
	}
	if s.MLPSLevel < 0 || s.MLPSLevel > 5 {
		errs = append(errs, FieldError{Field: "mlps_level", Key: "err.unknown_value", Message: "must be between 0 and 5"})
	}
	for i, n := range s.Networks {
		if n.Level < 1 || n.Level > 5 {
			errs = append(errs, FieldError{Line: i + 1, Field: "networks.level", Key: "err.unknown_value", Message: "must be between 1 and 5"})
		}
		if n.People < 0 {
			errs = append(errs, FieldError{Line: i + 1, Field: "networks.people", Key: "err.negative", Message: "must not be negative"})
		}
		if fe := CheckText("networks.name", n.Name, false); fe != nil {
			fe.Line = i + 1
			errs = append(errs, *fe)
		} else if fe := CheckLength("networks.name", n.Name, MaxNameLength); fe != nil {
			fe.Line = i + 1
			errs = append(errs, *fe)
		}
	}
	var c textChecks
	c.count("networks", len(s.Networks), MaxListItems)
	errs = append(errs, c.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// GapFilter selects what a gap report covers.
type GapFilter struct {
	CatalogID string
	// AssetID limits a TW report to one asset; 0 means every asset the caller sees.
	AssetID int64
	// SiteID and DepartmentID limit a TW report to the assets of one site or department
	// (0: every one the caller sees); organisational catalogs ignore them.
	SiteID       int64
	DepartmentID int64
	// Level, Status and Domain narrow the rows counted and listed to a control level (TW),
	// a status, and a control domain as the catalog prints it (控制構面 for TW, the chapter
	// for CN and JP); OwnerID narrows a TW report to the assets a person answers for. Zero
	// values select every row.
	Level   Level
	Status  AssessmentStatus
	Domain  string
	OwnerID int64
	// AsOf, when set, reports the state as recorded before it (the end of a closed
	// period): the subjects are the assets in use at some time in [InUseFrom, AsOf)
	// (AssetFilter.InUseFrom), each row's status is its latest assessment recorded before
	// AsOf (AssessmentFilter.RecordedBefore), and the automatic checks, which read
	// today's data, are not run. Each asset, and its site's zones, conduits and hand
	// placements (so its zone and level), are as recorded at AsOf, rewound from the audit
	// trail's "before" values; the organisation's names and the compliance settings are
	// today's. Zero is now.
	AsOf      time.Time
	InUseFrom time.Time
	// Offset and Limit select a page of the open items, in the report's order (worst
	// first); Limit 0 lists every open item. The counts, groups and OpenTotal always cover
	// every row, whatever the page.
	Offset int
	Limit  int
}

// domainKeyRune is what a domain key keeps of an English domain name.
var domainKeyRune = regexp.MustCompile(`[^a-z0-9]+`)

// DomainKey is the message key of a catalog's control domain (控制構面 for TW, the chapter
// for CN and JP; the catalogs' "domain" and "domain-en" props, catalog/README.md): the
// catalog's ID and its English name, lower case, each run of other characters an
// underscore, so "Access control" of tw-mohw-medical-baseline is
// "domain.tw-mohw-medical-baseline.access_control". Reports and pages name a domain in the
// reader's language through it; a domain with no message (an imported catalog's) keeps its
// catalog's name, as the control texts always do.
func DomainKey(catalogID, domainEn string) string {
	return "domain." + catalogID + "." + strings.Trim(domainKeyRune.ReplaceAllString(strings.ToLower(domainEn), "_"), "_")
}

// GapGroup counts a TW report's (asset, control) pairs by status for the assets of one
// site or one department, for the charts and tables that compare them.
type GapGroup struct {
	// ID is the site's or the department's ID (0: assets with no department).
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// NameEn is a domain's English name (ByDomain); empty for sites and departments.
	NameEn string `json:"name_en,omitempty"`
	SiteID int64  `json:"site_id"`
	// Subjects counts the group's assets that the report counts.
	Subjects int      `json:"subjects"`
	Totals   GapCount `json:"totals"`
}

// GapCount counts applicable (subject, control) pairs by status at one level.
type GapCount struct {
	// Level is low, moderate, high, or "" for organisational obligations.
	Level    Level                    `json:"level"`
	ByStatus map[AssessmentStatus]int `json:"by_status"`
	Total    int                      `json:"total"`
}

// GapItem is one open item: a control that applies to a subject and is not met.
type GapItem struct {
	CatalogID string `json:"catalog_id"`
	ControlID string `json:"control_id"`
	Title     string `json:"title"`
	TitleEn   string `json:"title_en"`
	Domain    string `json:"domain,omitempty"`
	// DomainEn is the domain's English name, whose DomainKey names it in the reader's language.
	DomainEn  string           `json:"domain_en,omitempty"`
	Level     Level            `json:"level,omitempty"`
	AssetID   int64            `json:"asset_id"`
	AssetName string           `json:"asset_name,omitempty"`
	Status    AssessmentStatus `json:"status"`
	// Owner is the asset's responsible person ("" for the organisation or when unset).
	Owner string `json:"owner,omitempty"`
	// SiteName and DepartmentName place the asset ("" for the organisation or when unset).
	SiteName       string `json:"site_name,omitempty"`
	DepartmentName string `json:"department_name,omitempty"`
	AssessedOn     Date   `json:"assessed_on,omitzero"`
	NextReview     Date   `json:"next_review,omitzero"`
	// FailedChecks are the ids of automatic checks failing on this control and subject.
	FailedChecks []string `json:"failed_checks,omitempty"`
	// Evidence is the data the failing checks were computed from (an inventory field's
	// value, a manufacturer's MDS2 answer such as "STCF-1 = No").
	Evidence []CheckDatum `json:"evidence,omitempty"`
}

// GapLeftOut is an in-use asset that a TW gap report does not count as a subject, and why.
type GapLeftOut struct {
	Asset AssetRef    `json:"asset"`
	Class DeviceClass `json:"class,omitempty"`
	// Reason is CarriedByBoundaryHost, CarriedNoBoundaryHost or CarriedUnclassified.
	Reason string `json:"reason"`
	// CarriedBy names the boundary hosts that carry its controls.
	CarriedBy []AssetRef `json:"carried_by,omitempty"`
	LocalLAN  string     `json:"local_lan,omitempty"`
}

// GapCheck is an automatic check failing on an asset that none of the asset's own control
// rows carries (the asset is left out, or the check's control does not apply to it): it is
// listed so that no failing check is invisible.
type GapCheck struct {
	Asset    AssetRef     `json:"asset"`
	CheckID  string       `json:"check_id"`
	Controls []ControlRef `json:"controls"`
	// Detail says in English what was found.
	Detail string `json:"detail"`
	// CarriedBy names the boundary hosts that carry the asset's controls, if any.
	CarriedBy []AssetRef `json:"carried_by,omitempty"`
}

// GapReport is the gap analysis of one catalog [M4, M12].
type GapReport struct {
	CatalogID   string    `json:"catalog_id"`
	Title       string    `json:"title"`
	GeneratedAt time.Time `json:"generated_at"`
	// Subjects counts the assets (or the organisation) the counts cover.
	Subjects int `json:"subjects"`
	// LeftOut lists every in-use asset a TW report does not count, with the reason.
	LeftOut []GapLeftOut `json:"left_out"`
	// UncarriedChecks lists failing automatic checks no control row of the asset carries.
	UncarriedChecks []GapCheck `json:"uncarried_checks"`
	Counts          []GapCount `json:"counts"`
	// Totals counts every level together.
	Totals GapCount `json:"totals"`
	// BySite and ByDepartment count a TW report's rows per site and per department of the
	// assets, by site name then department name (empty for organisational catalogs).
	BySite       []GapGroup `json:"by_site"`
	ByDepartment []GapGroup `json:"by_department"`
	// ByDomain counts the rows per control domain (控制構面 for TW, the chapter for CN and
	// JP) in the order of Domains: Name is the domain as the catalog prints it, NameEn
	// its English; ID and SiteID are 0.
	ByDomain []GapGroup `json:"by_domain"`
	// Domains are the control domains of the rows the report looked at, in the order met,
	// before the filter's level, status and domain narrowed them: the choices of a filter.
	Domains []string `json:"domains"`
	// DomainsEn are the English names of Domains, one for one: with medsec.DomainKey they
	// name the filter's choices in the reader's language.
	DomainsEn []string `json:"domains_en"`
	// Open lists the open items of the page the filter asks for (GapFilter.Offset and
	// Limit), worst first; OpenTotal counts every open item.
	Open      []GapItem `json:"open"`
	OpenTotal int       `json:"open_total"`
}

// ObligationTask is an organisational obligation with a cadence as a dated task [M11].
type ObligationTask struct {
	CatalogID string `json:"catalog_id"`
	ControlID string `json:"control_id"`
	Title     string `json:"title"`
	TitleEn   string `json:"title_en"`
	SourceRef string `json:"source_ref,omitempty"`
	// Cadence is the ISO 8601 duration between due dates.
	Cadence string `json:"cadence"`
	// LastDone is the day of the latest implemented assessment, zero when never done.
	LastDone Date `json:"last_done,omitzero"`
	// NextDue is LastDone plus the cadence, or today when never done.
	NextDue Date `json:"next_due"`
	Overdue bool `json:"overdue"`
	// Current is the latest assessment, nil when none.
	Current *Assessment `json:"current,omitempty"`
}

// AssessmentService records and reports compliance assessments. Assessing needs
// PermInventoryWrite (admin, security officer, clinical engineer, IT operations);
// reading needs PermInventoryRead, and a user sees an asset's assessments only when the
// user may see the asset (site, and vendor for maintenance users). The organisation's
// assessments are hidden from vendor maintenance users. Every change is audited in the
// same transaction.
type AssessmentService interface {
	// Assess validates and appends an assessment, setting its ID, assessor and date.
	// EINVALID for an unknown catalog or control or a control that does not apply to
	// the subject's kind (TW controls are per asset, the others per organisation);
	// ENOTFOUND for an asset the caller cannot see.
	Assess(ctx context.Context, a *Assessment) error
	// AssessBulk appends the same judgement for many assets in one transaction, all or
	// none. It returns the stored rows.
	AssessBulk(ctx context.Context, a Assessment, assetIDs []int64) ([]*Assessment, error)
	// FindAssessments returns the current (latest) assessments the filter selects.
	FindAssessments(ctx context.Context, f AssessmentFilter) ([]*Assessment, error)
	// AssessmentHistory returns every assessment of one control for one subject, newest
	// first.
	AssessmentHistory(ctx context.Context, catalogID, controlID string, assetID int64) ([]*Assessment, error)
	// StoreEvidence keeps a file content-addressed and returns its description; it is
	// attached when an assessment naming it is stored. Needs PermInventoryWrite.
	StoreEvidence(ctx context.Context, name string, r io.Reader) (Evidence, error)
	// OpenEvidence returns an evidence file that an assessment the caller may see names.
	OpenEvidence(ctx context.Context, sha256 string) (io.ReadCloser, Evidence, error)
	// AssetControls returns the TW baseline controls that apply to an asset, with their
	// current assessments and automatic check results.
	AssetControls(ctx context.Context, assetID int64) (*AssetControls, error)
	// OrganisationControls returns the obligations of an organisational catalog that
	// apply under the compliance settings, with their current assessments (none for vendor
	// maintenance users).
	OrganisationControls(ctx context.Context, catalogID string) ([]ApplicableControl, error)
	// GapReport computes the gap report of a catalog.
	GapReport(ctx context.Context, f GapFilter) (*GapReport, error)
	// ObligationCalendar returns the organisational obligations with a cadence as tasks,
	// leaving out those whose current assessment is not applicable
	// (none for vendor maintenance users).
	ObligationCalendar(ctx context.Context) ([]ObligationTask, error)
	// FindComplianceSettings returns the settings (defaults when never set).
	FindComplianceSettings(ctx context.Context) (ComplianceSettings, error)
	// UpdateComplianceSettings changes them. Needs PermUserAdmin.
	UpdateComplianceSettings(ctx context.Context, s ComplianceSettings) error
}

// CheckOutcome is the result of an automatic check.
type CheckOutcome string

// Check outcomes. Unknown means the inventory does not hold the data to decide.
const (
	CheckPass    CheckOutcome = "pass"
	CheckFail    CheckOutcome = "fail"
	CheckUnknown CheckOutcome = "unknown"
)

// ControlRef names one control, and optionally one numbered measure of it.
type ControlRef struct {
	CatalogID string `json:"catalog_id"`
	ControlID string `json:"control_id"`
	// Item is the measure's label as printed (一, 二, ...), "" for the whole control.
	Item string `json:"item,omitempty"`
}

// CheckDatum is one piece of data a check result was computed from.
type CheckDatum struct {
	// Field names the asset field (its i18n key is "field."+Field).
	Field string `json:"field"`
	Value string `json:"value"`
}

// CheckResult is the outcome of one automatic check on one asset, with the data it was
// computed from and when.
type CheckResult struct {
	CheckID    string       `json:"check_id"`
	AssetID    int64        `json:"asset_id"`
	Controls   []ControlRef `json:"controls"`
	Outcome    CheckOutcome `json:"outcome"`
	Data       []CheckDatum `json:"data"`
	ComputedAt time.Time    `json:"computed_at"`
	// Detail says in English what was found.
	Detail string `json:"detail"`
}

// Check is one automatic check of an asset against the controls it evidences. Run must
// be a pure function of the asset and now.
type Check struct {
	ID       string
	Controls []ControlRef
	Run      func(a *Asset, now time.Time) (CheckOutcome, []CheckDatum, string)
}

// CheckRegistry holds the automatic checks. Capabilities add theirs with Register at
// wiring time (in cmd/), so that the registry is built once and passed in, never global.
type CheckRegistry struct {
	checks []Check
}

// NewCheckRegistry returns a registry holding the given checks.
func NewCheckRegistry(checks ...Check) (*CheckRegistry, error) {
	r := &CheckRegistry{}
	for _, c := range checks {
		if err := r.Register(c); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds a check; an empty or duplicate id, no control, or no function is an error.
func (r *CheckRegistry) Register(c Check) error {
	if c.ID == "" || c.Run == nil || len(c.Controls) == 0 {
		return fmt.Errorf("register check %q: id, controls and function are required", c.ID)
	}
	for _, have := range r.checks {
		if have.ID == c.ID {
			return fmt.Errorf("register check %q: already registered", c.ID)
		}
	}
	r.checks = append(r.checks, c)
	return nil
}

// Checks returns the registered checks in registration order.
func (r *CheckRegistry) Checks() []Check { return slices.Clone(r.checks) }

// Run runs every check on the asset at now.
func (r *CheckRegistry) Run(a *Asset, now time.Time) []CheckResult {
	out := make([]CheckResult, 0, len(r.checks))
	for _, c := range r.checks {
		outcome, data, detail := c.Run(a, now)
		out = append(out, CheckResult{CheckID: c.ID, AssetID: a.ID, Controls: c.Controls, Outcome: outcome, Data: data,
			ComputedAt: now.UTC(), Detail: detail})
	}
	return out
}

// twBaseline is the TW baseline's catalog id (package catalog's IDTaiwanBaseline; the
// domain does not import catalog).
const twBaseline = "tw-mohw-medical-baseline"

// InventoryChecks are the automatic checks computed from what the inventory holds.
func InventoryChecks() []Check {
	return []Check{
		{
			// 000 附表一 帳號管理(普) item 一: a terminal device's manufacturer default
			// password is changed (or compensated); item 二: control-system workstation
			// and server OS default passwords are changed. 普 is included in 中 and 高, so
			// the 普 row applies to every asset at every level.
			ID: "default-credentials-changed",
			Controls: []ControlRef{{CatalogID: twBaseline, ControlID: "tw-ac-1.l", Item: "一"},
				{CatalogID: twBaseline, ControlID: "tw-ac-1.l", Item: "二"}},
			Run: func(a *Asset, _ time.Time) (CheckOutcome, []CheckDatum, string) {
				data := []CheckDatum{{Field: "default_credentials", Value: string(a.DefaultCreds)}}
				switch a.DefaultCreds {
				case CredChanged:
					return CheckPass, data, "the manufacturer's default credentials have been changed"
				case CredNone:
					return CheckPass, data, "the device has no login, so there is no default password"
				case CredUnchanged:
					return CheckFail, data, "the manufacturer's default credentials are still in use"
				}
				return CheckUnknown, data, "the inventory does not record whether the default credentials were changed"
			},
		},
		{
			// 000 附表一 漏洞修補(普): update vulnerable software with the manufacturer's
			// permission. Past the end of support the manufacturer issues no updates, so
			// the measure cannot be met by patching: a compensating control is needed.
			ID:       "end-of-support-not-passed",
			Controls: []ControlRef{{CatalogID: twBaseline, ControlID: "tw-si-1.l"}},
			Run: func(a *Asset, now time.Time) (CheckOutcome, []CheckDatum, string) {
				data := []CheckDatum{{Field: "end_of_support", Value: a.EndOfSupport.String()}}
				switch {
				case a.EndOfSupport.IsZero():
					return CheckUnknown, data, "the end-of-support date is not recorded"
				case a.EndOfSupport.Before(now):
					return CheckFail, data, "the manufacturer's support ended on " + a.EndOfSupport.String()
				}
				return CheckPass, data, "supported until " + a.EndOfSupport.String()
			},
		},
		{
			// 000 附表一 可預測之故障預防 (普 for control systems, 高中 for both targets):
			// maintenance records (periodic maintenance, inspection, testing, servicing)
			// are managed and available for checking; that needs a person answerable for
			// the asset. The same list of responsible parties is what 004 §2 asks to keep
			// current.
			ID:       "responsible-person-set",
			Controls: []ControlRef{{CatalogID: twBaseline, ControlID: "tw-si-4.l"}, {CatalogID: twBaseline, ControlID: "tw-si-4.hm"}},
			Run: func(a *Asset, _ time.Time) (CheckOutcome, []CheckDatum, string) {
				data := []CheckDatum{{Field: "responsible", Value: a.ResponsibleName}}
				if a.ResponsibleID == 0 {
					return CheckFail, data, "no responsible person is recorded"
				}
				return CheckPass, data, "responsible person: " + a.ResponsibleName
			},
		},
		{
			// 000 附表一 漏洞修補(普): updates are applied 在儀器原廠許可下 (with the
			// manufacturer's permission); the permission must be on record before the
			// measure can be carried out or a compensating control chosen.
			ID:       "patching-permission-recorded",
			Controls: []ControlRef{{CatalogID: twBaseline, ControlID: "tw-si-1.l"}},
			Run: func(a *Asset, _ time.Time) (CheckOutcome, []CheckDatum, string) {
				data := []CheckDatum{{Field: "patching_permitted", Value: string(a.PatchingPermitted)}}
				switch a.PatchingPermitted {
				case Yes:
					return CheckPass, data, "the manufacturer permits patching"
				case No:
					return CheckPass, data, "the manufacturer does not permit patching: a compensating control is needed"
				}
				return CheckFail, data, "whether the manufacturer permits patching is not recorded"
			},
		},
	}
}

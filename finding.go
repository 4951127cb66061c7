package medsec

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FindingState is the analysis state of a finding: where a person's review of a matched
// vulnerability stands. The states follow Dependency-Track's analysis and map onto the
// CSAF 2.0 product statuses of a VEX document (§3.2.3.9).
type FindingState string

// Finding states.
const (
	// FindingNew: matched, not yet reviewed (CSAF under_investigation).
	FindingNew FindingState = "new"
	// FindingConfirmed: a person confirmed the device is affected (CSAF known_affected).
	FindingConfirmed FindingState = "confirmed"
	// FindingMitigated: the manufacturer does not allow the fix (在儀器原廠許可下), a
	// compensating control is in place; the finding stays open (CSAF known_affected with a
	// mitigation).
	FindingMitigated FindingState = "mitigated"
	// FindingNotAffected: a person marked the device not affected, with a justification
	// (CSAF known_not_affected).
	FindingNotAffected FindingState = "not_affected"
	// FindingFixed: fixed and verified (CSAF fixed).
	FindingFixed FindingState = "fixed"
)

// FindingStates lists the states in workflow order.
var FindingStates = []FindingState{FindingNew, FindingConfirmed, FindingMitigated, FindingNotAffected, FindingFixed}

// Open reports whether a finding in the state still needs work: new, confirmed and
// mitigated findings are open.
func (s FindingState) Open() bool {
	return s == FindingNew || s == FindingConfirmed || s == FindingMitigated
}

// Open reports whether the finding is open work: its state is open and the latest
// matching still finds it (GoneAt is zero). Counts of open findings and of open ones in
// KEV use it, so a finding medsec marked gone is not counted as open.
func (f *Finding) Open() bool { return f.State.Open() && f.GoneAt.IsZero() }

// VEXStatus returns the CSAF 2.0 product status of the state (§3.2.3.9):
// under_investigation, known_affected, known_not_affected or fixed.
func (s FindingState) VEXStatus() string {
	switch s {
	case FindingConfirmed, FindingMitigated:
		return "known_affected"
	case FindingNotAffected:
		return "known_not_affected"
	case FindingFixed:
		return "fixed"
	}
	return "under_investigation"
}

// Justifications are the CSAF 2.0 flag labels (§3.2.3.5) that say why a product is not
// affected; a not_affected finding needs one.
var Justifications = []string{
	"component_not_present",
	"vulnerable_code_not_present",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"vulnerable_code_not_in_execute_path",
	"inline_mitigations_already_exist",
}

// Where a finding's CVSS score came from (Finding.ScoreSource; issue 11: a scanner's
// check's score is not the CVE's).
const (
	ScoreFromAdvisory = "advisory"
	ScoreFromScanner  = "scanner"
	ScoreFromNone     = "none"
)

// Who published a ScoreFromAdvisory score (Finding.ScoreOrigin; issue 11).
const (
	// ScoreOriginNVD is an NVD CVE API 2.0 record.
	ScoreOriginNVD = "nvd"
	// ScoreOriginCSAF is a CSAF 2.0 advisory (OASIS CSAF v2.0): a manufacturer's or
	// CISA's ICS Medical Advisory.
	ScoreOriginCSAF = "csaf"
	// ScoreOriginScanner is a scanner's check's score that medsec before migration 0090
	// stored as the CVE's own: not a published score.
	ScoreOriginScanner = "scanner"
)

// Finding is one vulnerability matched to one asset (or one component of it): the match
// and why, the scores, the deadline the site's policy gives it and a person's analysis.
// Re-imports update the match and scores; the analysis stays.
type Finding struct {
	ID          int64  `json:"id"`
	AssetID     int64  `json:"asset_id"`
	AssetName   string `json:"asset_name"`
	ComponentID int64  `json:"component_id,omitempty"`
	SiteID      int64  `json:"site_id"`
	CVE         string `json:"cve"`
	// Advisory is the advisory whose match the finding shows (the surest); Advisories the
	// IDs of every advisory that names the CVE for this device ("ICSMA-18-037-02",
	// "CVE-2017-9657" for NVD's record).
	Advisory   string   `json:"advisory"`
	Advisories []string `json:"advisories"`
	// AdvisoryStatus is the advisory's product status for the device.
	AdvisoryStatus string `json:"advisory_status"`
	ProductID      string `json:"product_id,omitempty"`
	// Why says why it matched as data (vuln.Match.Why): the identifiers, the rule and
	// the version tests, each a kind and its parameters; a user interface says it in the
	// reader's language. Nil for a finding matched before medsec stored reasons as data
	// (its English text is in Identifier, Rule and VersionTest until it is matched again).
	Why *MatchWhy `json:"why,omitempty"`
	// Identifier, Rule and VersionTest say Why in English, for a log or a terminal;
	// Confidence says how sure the match is (high, medium, low).
	Identifier  string `json:"identifier"`
	Rule        string `json:"rule"`
	VersionTest string `json:"version_test"`
	Confidence  string `json:"confidence"`
	// Title is the vulnerability's title.
	Title string `json:"title,omitempty"`
	// CVSSVector and the scores come from the advisory; Score is what the deadline
	// follows (base, or the environmental score when re-scored). ScoreKnown is false when
	// no advisory gave a vector.
	CVSSVector string `json:"cvss_vector,omitempty"`
	// CVSSVersion names the version CVSSVector is written in ("2.0", "3.0", "3.1",
	// "4.0"): a CVE NVD scored only in v2 carries its v2 base score, labelled so.
	CVSSVersion string  `json:"cvss_version,omitempty"`
	BaseScore   float64 `json:"base_score"`
	ThreatScore float64 `json:"threat_score"`
	Score       float64 `json:"score"`
	ScoreKnown  bool    `json:"score_known"`
	Severity    string  `json:"severity"`
	// BaseSeverity rates BaseScore alone, for the page's CVSS line when Severity rates an
	// environmental score (bt11g LOW).
	BaseSeverity string `json:"-"`
	// EPSS and EPSSPercentile are FIRST's scores (0–1); KEV is true when the CVE is in
	// CISA's catalog.
	EPSS           float64 `json:"epss"`
	EPSSPercentile float64 `json:"epss_percentile"`
	KEV            bool    `json:"kev"`
	// State is the analysis state; Justification the CSAF flag label of a not_affected
	// finding; Detail the person's words.
	State         FindingState `json:"state"`
	Justification string       `json:"justification,omitempty"`
	Detail        string       `json:"detail,omitempty"`
	AnalyzedBy    string       `json:"analyzed_by,omitempty"`
	AnalyzedAt    time.Time    `json:"analyzed_at,omitzero"`
	// FoundAt is when the vulnerability was first seen on the device: when medsec first
	// matched it, or when a scan that reported it ran, if earlier (bt11g M5); Due the
	// deadline, counted from FoundAt; DeadlineRule the clause (vuln.Rule) that set it.
	FoundAt      time.Time `json:"found_at"`
	Due          time.Time `json:"due"`
	DeadlineRule string    `json:"deadline_rule"`
	// DeadlineBasis says the window Due applied and whether the site's policy or the
	// plan's clause set it.
	DeadlineBasis DeadlineBasis `json:"deadline_basis"`
	// Overdue is true when the finding is open, still matched and past its deadline, and
	// no compensating control stops its clock: a mitigated finding's control stops it
	// until the control's review day (ControlReviewOn) passes unreviewed, when the clock
	// runs again from the finding's deadline.
	Overdue bool `json:"overdue"`
	// ControlReviewOn is the review day of the finding's newest compensating control
	// (zero when it has none); ControlReviewOverdue is true when the finding is mitigated,
	// still matched and that day has passed (the control is due for review and no longer
	// stops the deadline clock).
	ControlReviewOn      Date `json:"control_review_on,omitzero"`
	ControlReviewOverdue bool `json:"control_review_overdue"`
	// Gone is set when the latest matching no longer finds the vulnerability (the
	// device's firmware changed, or the advisory did); the finding is kept with its
	// analysis.
	GoneAt  time.Time `json:"gone_at,omitzero"`
	FixedAt time.Time `json:"fixed_at,omitzero"`
	// Permission is the manufacturer's word on patching this device, if recorded.
	Permission *PatchPermission `json:"permission,omitempty"`
	// Source says where the finding was first found: "advisory" (matched against an
	// advisory's products) or "scanner" (a CVE a scanner reported on the asset; Advisory
	// is then the scan report, SCAN-<id>). A scanner's finding is not marked gone when the
	// advisories are matched again.
	Source string `json:"source"`
	// ScoreSource says where Score (and CVSSVector, BaseScore) came from: ScoreFromAdvisory
	// (the CVE's published score: an NVD record or a CSAF advisory), ScoreFromScanner (the
	// scanner's check that reported it, named by ScoreCheck, when the CVE had no published
	// score: it scores this finding only) or ScoreFromNone (nothing scored it).
	ScoreSource string `json:"score_source"`
	// ScoreOrigin says, for a ScoreFromAdvisory score, who published it: ScoreOriginNVD
	// (an NVD CVE record) or ScoreOriginCSAF (a vendor's or CISA's CSAF advisory), named by
	// ScoreRef; ScoreOriginScanner when a scanner's check wrote it into the CVE's row
	// before migration 0090 (not published: told apart by migration 0097); "" when not
	// known (a score stored before 0097 that no stored advisory explains).
	ScoreOrigin string `json:"score_origin,omitempty"`
	// ScoreRef is the advisory that published the score: the CVE ID of an NVD record, the
	// CSAF advisory's ID ("ICSMA-17-255-01").
	ScoreRef string `json:"score_ref,omitempty"`
	// VendorNote is a manufacturer's statement that the device is not affected that was
	// matched to it only with low confidence, for the analyst to confirm; nil when none.
	VendorNote *VendorNote `json:"vendor_note,omitempty"`
	// ScoreCheck names the scanner's check a ScoreFromScanner score came from, as
	// "<scanner> <check ID>" ("Nessus 12345"); "" otherwise.
	ScoreCheck string `json:"score_check,omitempty"`
	// EnvVector is the vector of the latest environmental re-scoring for this device
	// (RescoreFinding), EnvScore its environmental score, which Score then is; "" and 0
	// when never re-scored.
	EnvVector string  `json:"env_vector,omitempty"`
	EnvScore  float64 `json:"env_score,omitempty"`
	Version   int64   `json:"version"`
}

// RubricAnswers are the answers, for one device, to the questions of MITRE's "Rubric for
// Applying CVSS to Medical Devices" that set a vulnerability's environmental metrics
// (vuln.Rescore says which). Each is one of its question's values (vuln.ReachAnswers,
// HarmAnswers, ClinicalUseAnswers, PatientDataAnswers) or "" for not answered.
type RubricAnswers struct {
	// Reach: from where an attacker reaches the vulnerable interface (internet, hospital,
	// segment, local, physical); the zone model suggests it.
	Reach string `json:"reach,omitempty"`
	// IntegrityHarm and AvailabilityHarm: could a loss of integrity or of availability
	// harm a patient (serious, minor, none).
	IntegrityHarm    string `json:"integrity_harm,omitempty"`
	AvailabilityHarm string `json:"availability_harm,omitempty"`
	// ClinicalUse: life-sustaining, therapy, diagnosis, non-clinical.
	ClinicalUse string `json:"clinical_use,omitempty"`
	// PatientData: the patient data the device holds or sends (many, one, none).
	PatientData string `json:"patient_data,omitempty"`
}

// FindingRescore is a person's environmental re-scoring of a finding for its device: the
// rubric's answers, environmental metrics given explicitly on top of them ("MAC": "H"),
// and why.
type FindingRescore struct {
	Answers RubricAnswers     `json:"answers"`
	Metrics map[string]string `json:"metrics,omitempty"`
	Reason  string            `json:"reason"`
}

// Rescore is one stored re-scoring of a finding: the advisory's vector it started from,
// the re-scored vector and its environmental score, and the deadline that score gave.
type Rescore struct {
	ID           int64             `json:"id"`
	FindingID    int64             `json:"finding_id"`
	BaseVector   string            `json:"base_vector"`
	Vector       string            `json:"vector"`
	Score        float64           `json:"score"`
	Severity     string            `json:"severity"`
	Answers      RubricAnswers     `json:"answers"`
	Metrics      map[string]string `json:"metrics"`
	Reason       string            `json:"reason"`
	Due          time.Time         `json:"due"`
	DeadlineRule string            `json:"deadline_rule"`
	ScoredBy     string            `json:"scored_by"`
	ScoredAt     time.Time         `json:"scored_at"`
}

// RescoreGuide is what the re-scoring form starts from for a finding: the answers medsec
// can suggest (Reach from the zone the device is placed in) and the finding's history.
type RescoreGuide struct {
	Suggested RubricAnswers `json:"suggested"`
	// Zone and ZoneKind name the zone the suggestion comes from; "" when the device is in
	// no zone.
	Zone     string     `json:"zone,omitempty"`
	ZoneKind ZoneKind   `json:"zone_kind,omitempty"`
	History  []*Rescore `json:"history"`
}

// FindingFilter selects findings. Zero fields select all.
type FindingFilter struct {
	AssetID int64
	// SiteID selects the findings of the assets at that site now (at AsOf's end for a
	// closed period's read), wherever an asset was when its finding was found.
	SiteID   int64
	Advisory string
	CVE      string
	State    FindingState
	// Open selects only open findings still matched (not gone: a finding the latest
	// matching no longer finds is not open work, bt11g); Overdue only overdue ones;
	// ControlReviewOverdue only mitigated ones whose compensating control is past its
	// review day.
	Open                 bool
	Overdue              bool
	ControlReviewOverdue bool
	// Query is a substring of the asset name, CVE, advisory or title.
	Query  string
	Offset int
	Limit  int
	// AsOf, when set (the end of a closed report period, issue 16), gives each finding as
	// recorded then: its state and analysis, score and deadline before any later
	// vuln.finding.analyze, vuln.finding.rescore or vuln.finding.deadline (a change of the
	// site's deadline policy; the audit trail's "before" values),
	// not fixed or gone when that came later, late as judged then. In EachFinding the
	// caller's scope and SiteID are then judged on the site (and vendor) the asset had at
	// AsOf, not on today's; the other filters select on today's values.
	AsOf time.Time
}

// FindingAnalysis is a person's decision on a finding.
type FindingAnalysis struct {
	State         FindingState `json:"state"`
	Justification string       `json:"justification,omitempty"`
	Detail        string       `json:"detail,omitempty"`
	// Version is the finding's version the decision was made on; an older one is a
	// conflict.
	Version int64 `json:"version"`
}

// Validate checks the analysis: a known state; a not_affected finding needs a CSAF
// justification; mitigated needs a compensating control (use AddCompensatingControl).
func (a *FindingAnalysis) Validate() error {
	c := newChecker()
	c.oneOf("state", string(a.State), stateNames())
	if a.State == FindingNotAffected && !slices.Contains(Justifications, a.Justification) {
		c.add("justification", "A not-affected finding needs one of the CSAF justifications.")
	}
	if a.State != FindingNotAffected && a.Justification != "" {
		c.add("justification", "Only a not-affected finding has a justification.")
	}
	c.length("detail", a.Detail, 4000)
	return c.err()
}

func stateNames() []string {
	out := make([]string, len(FindingStates))
	for i, s := range FindingStates {
		out[i] = string(s)
	}
	return out
}

// PatchPermission is the manufacturer's word on whether a patch may be applied
// (在儀器原廠許可下, 000 附表一 漏洞修補, high level): for every asset of a model (AssetID 0) or for one asset.
type PatchPermission struct {
	ID       int64  `json:"id"`
	VendorID int64  `json:"vendor_id,omitempty"`
	Model    string `json:"model,omitempty"`
	AssetID  int64  `json:"asset_id,omitempty"`
	// Allowed says whether the manufacturer allows patching.
	Allowed bool `json:"allowed"`
	// SaidBy is who at the manufacturer said so; SaidOn when; Evidence where it is
	// written (a letter's reference, a ticket, a URL).
	SaidBy     string    `json:"said_by"`
	SaidOn     Date      `json:"said_on"`
	Evidence   string    `json:"evidence"`
	RecordedBy string    `json:"recorded_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Validate checks the permission: a model with its vendor, or an asset; who said so and
// when.
func (p *PatchPermission) Validate() error {
	c := newChecker()
	if p.AssetID == 0 && (p.VendorID == 0 || strings.TrimSpace(p.Model) == "") {
		c.add("asset_id", "Name an asset, or a manufacturer and a model.")
	}
	c.required("said_by", p.SaidBy)
	// Where the word is written: a permission without it cannot be checked (bt11g).
	c.required("evidence", p.Evidence)
	if p.SaidOn.IsZero() {
		c.add("said_on", "Required.")
	}
	c.length("said_by", p.SaidBy, 200)
	c.length("evidence", p.Evidence, 2000)
	c.length("model", p.Model, 200)
	return c.err()
}

// latestToday is the latest calendar day anywhere at now (UTC+14): a day after it is in
// the future for every site, whatever its zone.
func latestToday(now time.Time) time.Time {
	return DateOf(now.UTC().Add(14 * time.Hour)).Time()
}

// ValidateSaidOn checks the manufacturer's word is not dated after today (bt11g): field
// said_on.
func (p *PatchPermission) ValidateSaidOn(now time.Time) error {
	c := newChecker()
	if !p.SaidOn.IsZero() && p.SaidOn.Time().After(latestToday(now)) {
		d := p.SaidOn.String()
		c.errs = append(c.errs, FieldError{Field: "said_on", Key: "err.said_on_future", Value: d, Args: []string{d},
			Message: fmt.Sprintf("%s is in the future; record the manufacturer's word once it is given", d)})
	}
	return c.err()
}

// CompensatingControl is what protects a device whose fix is not allowed or not yet
// possible (a narrower conduit, isolation), reviewed by ReviewOn.
type CompensatingControl struct {
	ID          int64     `json:"id"`
	FindingID   int64     `json:"finding_id"`
	Description string    `json:"description"`
	ReviewOn    Date      `json:"review_on"`
	CreatedBy   string    `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Validate checks the control: a description and a review date.
func (cc *CompensatingControl) Validate() error {
	c := newChecker()
	c.required("description", cc.Description)
	c.length("description", cc.Description, 4000)
	if cc.ReviewOn.IsZero() {
		c.add("review_on", "Required.")
	}
	return c.err()
}

// FixResult is the verification result of a fix.
type FixResult string

// Fix results.
const (
	FixPassed  FixResult = "passed"
	FixFailed  FixResult = "failed"
	FixPending FixResult = "pending"
)

// FixResults lists the results.
var FixResults = []FixResult{FixPassed, FixFailed, FixPending}

// FixEntry is one line of the fix ledger (漏洞修復臺賬): when, who, what was done, how it
// was verified, the result, and the retest. A passed entry fixes the finding.
type FixEntry struct {
	ID           int64     `json:"id"`
	FindingID    int64     `json:"finding_id"`
	AssetID      int64     `json:"asset_id"`
	AssetName    string    `json:"asset_name"`
	SiteID       int64     `json:"site_id"`
	CVE          string    `json:"cve"`
	At           time.Time `json:"at"`
	Operator     string    `json:"operator"`
	Action       string    `json:"action"`
	Verification string    `json:"verification"`
	Result       FixResult `json:"result"`
	RetestOn     Date      `json:"retest_on,omitzero"`
	RetestResult string    `json:"retest_result,omitempty"`
	CreatedBy    string    `json:"created_by,omitempty"`
}

// Validate checks the entry.
func (e *FixEntry) Validate() error {
	c := newChecker()
	c.required("operator", e.Operator)
	c.required("action", e.Action)
	c.oneOf("result", string(e.Result), []string{string(FixPassed), string(FixFailed), string(FixPending)})
	c.length("operator", e.Operator, 200)
	c.length("action", e.Action, 4000)
	c.length("verification", e.Verification, 4000)
	c.length("retest_result", e.RetestResult, 2000)
	if e.At.IsZero() {
		c.add("at", "Required.")
	}
	return c.err()
}

// FixClockSkew is how far in the future a fix's time may lie, for clocks that differ a
// little between the operator's machine and the server.
const FixClockSkew = 5 * time.Minute

// ValidateTimes checks the entry's times against its finding and the clock: the fix is
// not in the future (more than FixClockSkew after now), not before the finding was found
// (found's day, since operators write a day and a time by hand), and a retest day is not
// before the fix's day. Each problem names its field ("at", "retest_on").
func (e *FixEntry) ValidateTimes(found, now time.Time) error {
	c := newChecker()
	if e.At.After(now.Add(FixClockSkew)) {
		at := e.At.UTC().Format("2006-01-02 15:04")
		c.errs = append(c.errs, FieldError{Field: "at", Key: "err.fix_in_future", Value: at, Args: []string{at},
			Message: fmt.Sprintf("%s is in the future; record a fix once it is done", at)})
	}
	if !found.IsZero() && DateOf(e.At).Before(found) {
		at, f := e.At.UTC().Format("2006-01-02 15:04"), found.UTC().Format("2006-01-02")
		c.errs = append(c.errs, FieldError{Field: "at", Key: "err.fix_before_found", Value: at, Args: []string{at, f},
			Message: fmt.Sprintf("%s is before the finding was found (%s)", at, f)})
	}
	if e.RetestResult != "" && !e.RetestOn.IsZero() && e.RetestOn.Time().After(latestToday(now)) {
		// A retest's result for a day still to come was not seen (bt11g).
		r := e.RetestOn.String()
		c.errs = append(c.errs, FieldError{Field: "retest_result", Key: "err.retest_result_future", Value: r, Args: []string{r},
			Message: fmt.Sprintf("the retest day %s is still to come; record its result once the retest is done", r)})
	}
	if e.RetestOn.Before(e.At) {
		r, at := e.RetestOn.String(), e.At.UTC().Format("2006-01-02")
		c.errs = append(c.errs, FieldError{Field: "retest_on", Key: "err.retest_before_fix", Value: r, Args: []string{r, at},
			Message: fmt.Sprintf("the retest day %s is before the fix (%s)", r, at)})
	}
	return c.err()
}

// ValidateReview checks the control's review day is not before the finding was found:
// field "review_on".
func (cc *CompensatingControl) ValidateReview(found time.Time) error {
	c := newChecker()
	if !found.IsZero() && cc.ReviewOn.Before(found) {
		r, f := cc.ReviewOn.String(), found.UTC().Format("2006-01-02")
		c.errs = append(c.errs, FieldError{Field: "review_on", Key: "err.review_before_found", Value: r, Args: []string{r, f},
			Message: fmt.Sprintf("the review day %s is before the finding was found (%s)", r, f)})
	}
	return c.err()
}

// VendorAlias is one line of the vendor alias table: a manufacturer name as advisories,
// CPEs or the inventory write it, and the canonical name matching compares it as
// ("Phillips" → "Philips"). Builtin lines come with medsec (vuln.DefaultAliases) and cannot
// be removed, only overridden by a stored line of the same alias.
type VendorAlias struct {
	Alias     string    `json:"alias"`
	Canonical string    `json:"canonical"`
	Builtin   bool      `json:"builtin,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// MaxAliasLength bounds an alias or canonical name, in characters.
const MaxAliasLength = 200

// Validate checks both names are given, one line, at most MaxAliasLength characters.
func (v *VendorAlias) Validate() error {
	c := newChecker()
	c.required("alias", v.Alias)
	c.required("canonical", v.Canonical)
	c.length("alias", v.Alias, MaxAliasLength)
	c.length("canonical", v.Canonical, MaxAliasLength)
	return c.err()
}

// ProductAlias is one line of the product alias table (t11 finding 4): the advisories of
// the manufacturer Vendor name as Name the product the inventory calls Model (GE's
// "CARESCAPE Central Station" is the inventory's "CSCS"). Matching compares a device of
// that manufacturer and model also as Name, and the finding's why names the line.
type ProductAlias struct {
	ID        int64     `json:"id"`
	Vendor    string    `json:"vendor"`
	Name      string    `json:"name"`
	Model     string    `json:"model"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Validate checks the three names are given, one line, at most MaxAliasLength characters.
func (p *ProductAlias) Validate() error {
	c := newChecker()
	c.required("vendor", p.Vendor)
	c.required("name", p.Name)
	c.required("model", p.Model)
	c.length("vendor", p.Vendor, MaxAliasLength)
	c.length("name", p.Name, MaxAliasLength)
	c.length("model", p.Model, MaxAliasLength)
	return c.err()
}

// FindingCounts summarises findings for a dashboard.
type FindingCounts struct {
	Open    int `json:"open"`
	Overdue int `json:"overdue"`
	// ControlReviewOverdue counts the mitigated findings whose compensating control is
	// past its review day.
	ControlReviewOverdue int            `json:"control_review_overdue"`
	KEV                  int            `json:"kev"`
	ByState              map[string]int `json:"by_state"`
	BySeverity           map[string]int `json:"by_severity"`
}

// ImportSummary says what an import of feeds did.
type ImportSummary struct {
	Files           []string `json:"files"`
	Advisories      int      `json:"advisories"`
	Vulnerabilities int      `json:"vulnerabilities"`
	KEV             int      `json:"kev"`
	EPSS            int      `json:"epss"`
	NewFindings     int      `json:"new_findings"`
	Updated         int      `json:"updated_findings"`
	Gone            int      `json:"gone_findings"`
	// DevicesMatched counts the devices matched against the advisories again: only those
	// the import, alias edit or re-match can change (t11 finding 25).
	DevicesMatched int `json:"devices_matched"`
	// ScanReports counts the scanner reports imported; their new findings are counted in
	// NewFindings.
	ScanReports int `json:"scan_reports"`
	// ScanReportsSkipped counts the scanner reports not imported because the same file
	// (by SHA-256) was imported before; Warnings names each.
	ScanReportsSkipped int `json:"scan_reports_skipped,omitempty"`
	// Warnings are what the files held but medsec did not use, each naming the file, the
	// record and the JSON pointer ("nvd.json: /vulnerabilities/3/cve/metrics/cvssMetricV31/0/
	// cvssData/vectorString: CVE-…: CVSS vector not scored: …: metric AV: …").
	Warnings []string `json:"warnings,omitempty"`
}

// AdvisorySummary is an advisory as stored, with how many devices it affects.
type AdvisorySummary struct {
	ID         int64     `json:"id"`
	Ref        string    `json:"ref"`
	Source     string    `json:"source"`
	Title      string    `json:"title"`
	Publisher  string    `json:"publisher"`
	Published  time.Time `json:"published,omitzero"`
	CVEs       []string  `json:"cves"`
	Findings   int       `json:"findings"`
	Open       int       `json:"open"`
	ImportedAt time.Time `json:"imported_at"`
}

// VulnService manages advisories, findings and their workflow. Reads need
// PermInventoryRead and return only findings of assets in the caller's scope (site, and for
// a vendor user the company's assets); writes need PermInventoryWrite. Objects outside the
// scope are ENOTFOUND.
type VulnService interface {
	// FindFindings returns a page of findings and the total the filter selects.
	FindFindings(ctx context.Context, f FindingFilter) ([]*Finding, int, error)
	// EachFinding calls fn with every finding the filter selects (Offset and Limit
	// ignored), each as at f.AsOf when set; it stops at fn's first error.
	EachFinding(ctx context.Context, f FindingFilter, fn func(*Finding) error) error
	// FindFinding returns one finding, or ENOTFOUND.
	FindFinding(ctx context.Context, id int64) (*Finding, error)
	// AnalyzeFinding records a person's decision; EINVALID for a bad one, ECONFLICT for
	// a stale version.
	AnalyzeFinding(ctx context.Context, id int64, a FindingAnalysis) (*Finding, error)
	// AddCompensatingControl records a control and marks the finding mitigated.
	AddCompensatingControl(ctx context.Context, c *CompensatingControl) error
	// FindControls returns a finding's compensating controls, newest first.
	FindControls(ctx context.Context, findingID int64) ([]*CompensatingControl, error)
	// SetPatchPermission records the manufacturer's word for a model or an asset.
	SetPatchPermission(ctx context.Context, p *PatchPermission) error
	// AddFixEntry appends a fix-ledger line; a passed one marks the finding fixed.
	AddFixEntry(ctx context.Context, e *FixEntry) error
	// FindFixEntries returns the ledger lines of one finding (findingID != 0) or all,
	// newest first.
	FindFixEntries(ctx context.Context, findingID int64) ([]*FixEntry, error)
	// CountFindings summarises the findings in scope.
	CountFindings(ctx context.Context) (FindingCounts, error)
	// FindAdvisories returns the stored advisories with their finding counts.
	FindAdvisories(ctx context.Context) ([]*AdvisorySummary, error)
	// RescoreFinding re-scores a finding's vulnerability for its device (vuln.Rescore)
	// and gives it the deadline the environmental score sets, in one transaction with its
	// audit row. Needs PermInventoryWrite; ENOTFOUND outside the scope; EINVALID for a
	// finding without a CVSS vector, a bad answer or metric (named), or no reason.
	RescoreFinding(ctx context.Context, id int64, r FindingRescore) (*Rescore, error)
	// RescoreGuide returns the suggested answers and the re-scorings of a finding, newest
	// first. Needs PermInventoryRead; ENOTFOUND outside the scope.
	RescoreGuide(ctx context.Context, id int64) (*RescoreGuide, error)
	// FindDeadlinePolicies returns the fix-deadline policy of every site in scope. Needs
	// PermInventoryRead.
	FindDeadlinePolicies(ctx context.Context) ([]*DeadlinePolicy, error)
	// SetDeadlinePolicy replaces a site's policy and computes again the deadline of its
	// open findings, with the audit row, in one transaction; p is then the policy as it
	// applies. Needs PermSiteAdmin and the site (ENOTFOUND outside the scope); EINVALID
	// naming a window out of bounds.
	SetDeadlinePolicy(ctx context.Context, p *DeadlinePolicy) error
}

// checker collects the FieldErrors of the vulnerability records' Validate methods, on top
// of the shared text checks.
type checker struct{ textChecks }

func newChecker() *checker { return &checker{} }

func (c *checker) add(field, msg string) {
	c.errs = append(c.errs, FieldError{Field: field, Key: "err.invalid", Message: msg})
}

func (c *checker) required(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.errs = append(c.errs, FieldError{Field: field, Key: "err.required", Message: "is required"})
	}
}

func (c *checker) oneOf(field, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		c.errs = append(c.errs, FieldError{Field: field, Key: "err.unknown_value", Message: "must be one of " + strings.Join(allowed, ", ")})
	}
}

// length checks a text field's characters and length (multi-line when max > MaxLineLength).
func (c *checker) length(field, v string, max int) {
	if max > MaxLineLength {
		if fe := CheckText(field, v, true); fe != nil {
			c.errs = append(c.errs, *fe)
		} else if fe := CheckLength(field, v, max); fe != nil {
			c.errs = append(c.errs, *fe)
		}
		return
	}
	c.lineMax(field, max, v)
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: c.errs}
}

// DeadlinePolicy is one site's fix-deadline policy as its page and the API show it: the
// window of each rule in hours, the plan's default where the site gives none (003 §5.2.1:
// a score of 7.0 or more 24 h, 4.0 to 6.9 72 h, under 4.0 7 days; §3.1.2: a high-risk
// vulnerability of a terminal device 48 h), and the KEV rule (KEVHours 0: a KEV entry
// gets the shortest window of the policy).
type DeadlinePolicy struct {
	SiteID   int64  `json:"site_id"`
	SiteName string `json:"site_name,omitempty"`
	// HighHours, MediumHours and LowHours are the windows of 003 §5.2.1 by score;
	// TerminalHighHours that of §3.1.2. 0 on input takes the plan's default.
	HighHours         int `json:"high_hours"`
	MediumHours       int `json:"medium_hours"`
	LowHours          int `json:"low_hours"`
	TerminalHighHours int `json:"terminal_high_hours"`
	// KEVHours is the window of a vulnerability in CISA's KEV catalog; 0: the shortest of
	// the others.
	KEVHours int `json:"kev_hours"`
	// Custom is true when the site has a policy of its own (else it has the plan's).
	Custom bool `json:"custom"`
	// Recomputed is, after SetDeadlinePolicy, how many open findings of the site got a
	// new deadline.
	Recomputed int `json:"recomputed,omitempty"`
}

// MaxPolicyHours bounds a deadline window: one year.
const MaxPolicyHours = 366 * 24

// Validate checks every window is 0 (the default) to MaxPolicyHours hours.
func (p *DeadlinePolicy) Validate() error {
	c := newChecker()
	for _, f := range []struct {
		name  string
		hours int
	}{{"high_hours", p.HighHours}, {"medium_hours", p.MediumHours}, {"low_hours", p.LowHours}, {"terminal_high_hours", p.TerminalHighHours}, {"kev_hours", p.KEVHours}} {
		if f.hours < 0 || f.hours > MaxPolicyHours {
			c.errs = append(c.errs, FieldError{Field: f.name, Key: "err.bad_hours_window", Message: "must be 0 (the plan's default) to 8784 hours", Value: strconv.Itoa(f.hours)})
		}
	}
	if len(c.errs) > 0 {
		return c.err()
	}
	// The windows as applied (0: the plan's default) must not be inverted: a more severe
	// class never gets longer than a less severe one (003 §5.2.1 orders them 24 h < 72 h <
	// 7 days), a terminal device's high-risk window (§3.1.2) is no longer than the medium
	// one, and the KEV window, when given, is no longer than the high one nor the terminal
	// high-risk one.
	or := func(h, def int) int {
		if h == 0 {
			return def
		}
		return h
	}
	high, medium, low := or(p.HighHours, 24), or(p.MediumHours, 72), or(p.LowHours, 7*24)
	terminal := or(p.TerminalHighHours, 48)
	for _, o := range []struct {
		field, shorter, longer string
		a, b                   int
	}{
		{"high_hours", "high_hours", "medium_hours", high, medium},
		{"medium_hours", "medium_hours", "low_hours", medium, low},
		{"terminal_high_hours", "terminal_high_hours", "medium_hours", terminal, medium},
		{"kev_hours", "kev_hours", "high_hours", p.KEVHours, high},
		// A KEV entry takes the shortest window: on a terminal device too (finding 6).
		{"kev_hours", "kev_hours", "terminal_high_hours", p.KEVHours, terminal},
	} {
		if o.a > o.b {
			a, b := strconv.Itoa(o.a), strconv.Itoa(o.b)
			c.errs = append(c.errs, FieldError{Field: o.field, Key: "err.policy_inverted", Value: a, Args: []string{o.shorter, a, o.longer, b}, FieldArgs: []int{0, 2},
				Message: fmt.Sprintf("inverted: %s (%s h) is longer than %s (%s h); a more severe class must not get a longer window", o.shorter, a, o.longer, b)})
		}
	}
	return c.err()
}

// WhyPart is one statement of why a device matched an advisory, as data: Kind names the
// statement (its sentence is the message "why.<Kind>" in each language) and Params give
// its values by name: a CPE or purl the device carries ("cpe", "purl"), the advisory's
// criterion ("criterion"), a version compared ("version") with which bound ("bound"), by
// which operator ("op") and from which NVD field ("field": versionEndExcluding, …), a
// version range as the advisory writes it ("range"), the kind of version ("what":
// firmware or software), a CPE part ("part": h, o, a).
type WhyPart struct {
	Kind   string            `json:"kind"`
	Params map[string]string `json:"params,omitempty"`
}

// MatchWhy is why a device (or an SBOM component of it) matched an advisory's
// vulnerability: which identifiers of the device matched which of the advisory's, by
// which rule, and which version tests held.
type MatchWhy struct {
	Identifiers  []WhyPart `json:"identifiers"`
	Rule         WhyPart   `json:"rule"`
	VersionTests []WhyPart `json:"version_tests"`
}

// whyParams lists, for each kind of WhyPart, its parameters in the order its message
// ("why.<kind>") takes them.
var whyParams = map[string][]string{
	// Identifiers.
	"cpe":           {"part", "cpe", "criterion"},
	"model":         {"vendor", "model", "criterion"},
	"model_version": {"vendor", "model", "what", "version", "criterion"},
	"model_name":    {"model"},
	"product_alias": {"vendor", "name", "model"},
	"purl":          {"purl"},
	"scanner":       {"scanner_id", "where"},
	// Rules.
	"nvd_configuration":    {"n", "operator", "nodes"},
	"csaf_cpe":             {},
	"csaf_purl":            {},
	"csaf_model_number":    {"name"},
	"csaf_product_name":    {"vendor", "product"},
	"csaf_product_prefix":  {"vendor", "product"},
	"csaf_product_version": {"vendor", "product", "version"},
	"scanner_report":       {"scanner"},
	// Version tests.
	"not_applicable":          {},
	"any_version":             {},
	"unknown_exact":           {"bound"},
	"unknown_range":           {},
	"equal":                   {"version", "bound"},
	"range_check":             {"version", "op", "bound", "field"},
	"model_named":             {},
	"product_version":         {"what", "version", "bound"},
	"product_version_pattern": {"what", "version", "range"},
	"unknown_product_version": {"bound"},
	"range_not_understood":    {"range"},
	"all_versions":            {"range"},
	"in_range":                {"what", "version", "range"},
	"name_version":            {"what", "version", "range"},
	"unknown_name_version":    {"range"},
	"unknown_advisory_range":  {"range"},
	"no_version":              {},
	"unknown_version":         {},
	"purl_equal":              {"version", "bound", "type"},
	"purl_in_range":           {"version", "range", "type"},
	"fixed_in":                {"version", "fixed"},
}

// whyEnums are the parameters whose values are words to translate ("why.<param>.<value>").
var whyEnums = map[string]bool{"part": true, "what": true}

// whyFields are the NVD range fields a range_check names ("field"): each is said as the
// message "why.field.<field>" with the bound ("before version %s"), not the NVD term
// (issue 16 break-test: "versionEndExcluding" stood untranslated in reports).
var whyFields = []string{"versionEndExcluding", "versionEndIncluding", "versionStartExcluding", "versionStartIncluding"}

// WhyKinds returns every kind of WhyPart, sorted: each has a message "why.<kind>".
func WhyKinds() []string {
	out := make([]string, 0, len(whyParams))
	for k := range whyParams {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// WhyWords returns the message keys of the translated parameter values
// ("why.part.h", "why.what.firmware"), sorted.
func WhyWords() []string {
	out := []string{"why.part.a", "why.part.h", "why.part.o", "why.what.firmware", "why.what.software"}
	for _, f := range whyFields {
		out = append(out, "why.field."+f)
	}
	slices.Sort(out)
	return out
}

// Text says the part with t, a translator of message keys (i18n.Bundle.T in one
// language): the message "why.<Kind>" with the parameters in its order, those naming a
// word (a CPE part, a kind of version) translated too, and an NVD range field said with
// its bound (whyFields). A kind without a message says its kind and parameters as they are.
func (p WhyPart) Text(t func(key string, args ...any) string) string {
	names, ok := whyParams[p.Kind]
	if !ok {
		return p.Kind + " " + fmt.Sprint(p.Params)
	}
	args := make([]any, len(names))
	for i, n := range names {
		v := p.Params[n]
		if whyEnums[n] && v != "" {
			v = t("why." + n + "." + v)
		} else if n == "field" && slices.Contains(whyFields, v) {
			v = t("why.field."+v, p.Params["bound"])
		}
		args[i] = v
	}
	return t("why."+p.Kind, args...)
}

// Text says the why with t (WhyPart.Text): the identifiers, the rule and the version
// tests, each a list joined by sep.
func (w *MatchWhy) Text(t func(key string, args ...any) string, sep string) (identifiers, rule, versionTests string) {
	say := func(ps []WhyPart) string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.Text(t)
		}
		return strings.Join(out, sep)
	}
	return say(w.Identifiers), w.Rule.Text(t), say(w.VersionTests)
}

// Late sets the finding's Overdue and ControlReviewOverdue at now from its state,
// deadline, gone time and ControlReviewOn. A compensating control stops the deadline clock
// of a mitigated finding (在儀器原廠許可下: the fix is not allowed, the control protects the
// device meanwhile) only until its review day: once that day has passed unreviewed the
// control is overdue for review and the finding is late again if its deadline has passed.
// Recording a new control with a later review day (AddCompensatingControl) stops the
// clock again.
func (f *Finding) Late(now time.Time) {
	matched := f.GoneAt.IsZero()
	f.ControlReviewOverdue = f.State == FindingMitigated && matched && f.ControlReviewOn.Before(now)
	running := f.State == FindingNew || f.State == FindingConfirmed || f.ControlReviewOverdue
	f.Overdue = running && matched && f.Due.Before(now)
}

// Where a finding's fix window came from.
const (
	// BasisPlan: the plan's window for the rule (003 §5.2.1, §3.1.2).
	BasisPlan = "plan"
	// BasisSite: the site's own deadline policy, which differs from the plan's window.
	BasisSite = "site_policy"
)

// DeadlineBasis is the fix window a finding's deadline actually applied and where it
// came from: Hours from the finding's found time to its deadline under Rule (vuln.Rule),
// from the site's policy when that differs from the plan's window PlanHours for the rule,
// else from the plan's clause. A site policy that sets the plan's own window reads as the
// plan's: the hours and the clause are the same.
type DeadlineBasis struct {
	Rule      string `json:"rule"`
	Hours     int    `json:"hours"`
	PlanHours int    `json:"plan_hours"`
	Source    string `json:"source"`
}

// Key is the message that says the basis ("deadline_basis.medium.site_policy"); Args
// are its values, the window and the plan's, in hours.
func (b DeadlineBasis) Key() string { return "deadline_basis." + b.Rule + "." + b.Source }

// Args returns the values of Key's message: the window applied and the plan's, in hours.
func (b DeadlineBasis) Args() []any {
	return []any{strconv.Itoa(b.Hours), strconv.Itoa(b.PlanHours)}
}

// VendorNote is a manufacturer's CSAF statement that a finding's device is not affected
// by its CVE (product status fixed or known_not_affected) whose product was matched to
// the device only with low confidence (a product name prefix, no vendor branch, a
// version medsec could not test). Such a statement does not outrank NVD's match of the
// CVE (a surer one does, and no finding is raised): the finding stands, and the analyst
// who confirms the statement marks it not affected (issue 11).
type VendorNote struct {
	// Advisory is the CSAF advisory's ID ("ICSMA-20-170-01").
	Advisory string `json:"advisory"`
	// ProductID is the advisory's product_id that was matched.
	ProductID string `json:"product_id"`
	// Status is the advisory's product status: fixed or known_not_affected.
	Status string `json:"status"`
	// Confidence is the match's confidence (low).
	Confidence string `json:"confidence"`
	// Why says what of the device matched the advisory's product, and how.
	Why *MatchWhy `json:"why,omitempty"`
}

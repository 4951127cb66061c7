package medsec

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Risk treatment decisions of the yearly risk review, by the four options of ISO/IEC
// 27005 (risk retention, modification, sharing, avoidance; named as the hospital's
// reviewers say them) [000 §7(二) 1: a high risk is 不可接受 and must be treated; 002
// 第二十一条; 004 §4 リスク評価].
const (
	// RiskAccept retains the risk as it is (ISO/IEC 27005 risk retention), with the
	// reason it is acceptable.
	RiskAccept = "accept"
	// RiskTreat lowers the risk by a measure (risk modification): the owner and the due
	// date of the treatment are required.
	RiskTreat = "treat"
	// RiskTransfer shares the risk with another party (a vendor's contract, insurance).
	RiskTransfer = "transfer"
	// RiskAvoid removes the activity or the device that carries the risk.
	RiskAvoid = "avoid"
)

// RiskDecisions lists the decisions in the order the forms offer them.
var RiskDecisions = []string{RiskAccept, RiskTreat, RiskTransfer, RiskAvoid}

// Kinds of the risks a yearly review decides on (report risk-review, "Risks to decide on").
const (
	// RiskItemDevice is a classified device at high risk or not reviewed this year
	// (Ref "asset:ID").
	RiskItemDevice = "device"
	// RiskItemControl is a compensating measure due for review (Ref "finding-control:ID"
	// or "assessment:CATALOG/CONTROL/ASSET").
	RiskItemControl = "control"
	// RiskItemVuln is a vulnerability past its deadline (Ref "finding:ID").
	RiskItemVuln = "vulnerability"
	// RiskItemIncident is an incident not closed (Ref "incident:ID").
	RiskItemIncident = "incident"
)

// Risk review states: a draft is decided on; once the security officer and the hospital's
// leadership have both signed it is RiskReviewSigned and never changes again (a new
// revision may be started).
const (
	RiskReviewDraft  = "draft"
	RiskReviewSigned = "signed"
)

// Signatures of a risk review.
const (
	// SignAsOfficer is the security officer's signature (a user holding
	// PermRiskSignOfficer: role security-officer).
	SignAsOfficer = "officer"
	// SignAsLeadership is the hospital's leadership signature (院領導 / 病院管理者): a user
	// holding PermRiskSignLeadership (role leadership) who is not the officer who signed.
	SignAsLeadership = "leadership"
)

// Audit actions of the risk reviews.
const (
	ActionRiskReviewStart  = "risk_review.start"
	ActionRiskReviewDecide = "risk_review.decide"
	ActionRiskReviewSign   = "risk_review.sign"
)

// RiskItem is one risk of a yearly review with the reviewers' decision. Kind, Ref and
// Subject are taken when the revision starts (from the risk-review report's "risks to
// decide on"); the decision fields are the reviewers'.
type RiskItem struct {
	// Seq numbers the items of a revision from 1.
	Seq  int    `json:"seq"`
	Kind string `json:"kind"`
	// Ref names what the risk is about, stable across revisions ("finding:12",
	// "asset:3", "incident:7", "assessment:CATALOG/CONTROL/ASSET").
	Ref string `json:"ref"`
	// Subject is what the report shows ("GE B450-01 · CVE-2020-6961"), in English where
	// medsec worded part of it (SubjectMsg is then set).
	Subject string `json:"subject"`
	// SubjectMsg is the subject where medsec words part of it (the organisation, an
	// incident's title taken from its rule), rendered in each reader's language; nil when
	// Subject is names only.
	SubjectMsg *Message `json:"subject_message,omitempty"`
	// Why says why a decision is due (a high cyber risk level, no review this year, a
	// deadline passed), in each reader's language; Record is what medsec held of the risk
	// when the revision started (the measure, the finding's detail, the incident's
	// actions), as people wrote it. Both are kept with the item, so a signed review shows
	// what was signed however the risks change afterwards.
	Why    *Message `json:"why,omitempty"`
	Record string   `json:"record,omitempty"`
	// Decision is one of RiskDecisions, "" while not decided.
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
	// Owner is who carries the decision out (a treatment's owner), free text.
	Owner string `json:"owner"`
	// Due is when a treatment is to be done; zero for other decisions.
	Due       Date      `json:"due,omitzero"`
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}

// RiskReview is one revision of a site's yearly risk review [000 §7(二); 002 第二十一条 每年
// …进行数据安全风险评估; 004 §4]: the risks to decide on, each decided (accept, treat,
// transfer, avoid) with a reason, and the signatures of the security officer and of the
// hospital's leadership, each with its time. Signed by both it cannot change; a new
// revision of the same year may be started and starts with the last revision's decisions.
type RiskReview struct {
	ID       int64      `json:"id"`
	SiteID   int64      `json:"site_id"`
	SiteName string     `json:"site_name"`
	Year     int        `json:"year"`
	Revision int        `json:"revision"`
	Status   string     `json:"status"`
	Items    []RiskItem `json:"items"`
	// OfficerID, OfficerName and OfficerSignedAt are the security officer's signature.
	OfficerID       int64     `json:"officer_id,omitempty"`
	OfficerName     string    `json:"officer_name,omitempty"`
	OfficerSignedAt time.Time `json:"officer_signed_at,omitzero"`
	// LeaderID, LeaderName, LeaderTitle ("院長") and LeaderSignedAt are the hospital
	// leadership's signature.
	LeaderID       int64     `json:"leader_id,omitempty"`
	LeaderName     string    `json:"leader_name,omitempty"`
	LeaderTitle    string    `json:"leader_title,omitempty"`
	LeaderSignedAt time.Time `json:"leader_signed_at,omitzero"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
}

// Signed reports whether either signature is on the review: decisions no longer change.
func (r *RiskReview) Signed() bool { return !r.OfficerSignedAt.IsZero() || !r.LeaderSignedAt.IsZero() }

// Decided counts the items with a decision.
func (r *RiskReview) Decided() int {
	n := 0
	for _, it := range r.Items {
		if it.Decision != "" {
			n++
		}
	}
	return n
}

// RiskDecision is the reviewers' decision on one item of a draft.
type RiskDecision struct {
	Seq      int    `json:"seq"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
	Owner    string `json:"owner"`
	Due      Date   `json:"due,omitzero"`
}

// Validate checks a decision: a known decision, a reason (1 to 2000 characters), an owner
// of at most 200; a treatment needs its owner and due date.
func (d *RiskDecision) Validate() []FieldError {
	var errs []FieldError
	f := fmt.Sprintf("decisions.%d.", d.Seq)
	if !slices.Contains(RiskDecisions, d.Decision) {
		errs = append(errs, FieldError{Field: f + "decision", Key: "err.risk_decision", Value: d.Decision, Message: "must be accept, treat, transfer or avoid"})
	}
	if d.Reason == "" {
		errs = append(errs, FieldError{Field: f + "reason", Key: "err.required", Message: "is required"})
	}
	for _, x := range []struct {
		field, value string
		multi        bool
		max          int
	}{{"reason", d.Reason, true, 2000}, {"owner", d.Owner, false, 200}} {
		if fe := CheckText(f+x.field, x.value, x.multi); fe != nil {
			errs = append(errs, *fe)
		} else if fe := CheckLength(f+x.field, x.value, x.max); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if d.Decision == RiskTreat {
		if d.Owner == "" {
			errs = append(errs, FieldError{Field: f + "owner", Key: "err.risk_treat_owner", Message: "a treatment needs its owner"})
		}
		if d.Due.IsZero() {
			errs = append(errs, FieldError{Field: f + "due", Key: "err.risk_treat_due", Message: "a treatment needs its due date"})
		}
	}
	return errs
}

// RiskReviewFilter selects risk reviews; zero fields select all.
type RiskReviewFilter struct {
	SiteID int64
	Year   int
}

// RiskReviewService keeps the yearly risk reviews. Reads need PermReportRead; starting a
// revision and deciding need PermReportAdmin; signing needs PermReportRead and the
// signature's own permission (PermRiskSignOfficer, PermRiskSignLeadership); every method sees only the
// caller's sites (another site's review is ENOTFOUND), and every change is audited in its
// transaction.
type RiskReviewService interface {
	// FindRiskReviews returns the reviews of the caller's sites, newest year and revision
	// first.
	FindRiskReviews(ctx context.Context, f RiskReviewFilter) ([]*RiskReview, error)
	// FindRiskReview returns one review or ENOTFOUND.
	FindRiskReview(ctx context.Context, id int64) (*RiskReview, error)
	// StartRiskReview starts the next revision of a site's review of year (2000 to next
	// year): the risks to decide on as the risk-review report finds them now, each with
	// the decision of the last revision on the same Ref. EINVALID for a year out of range.
	StartRiskReview(ctx context.Context, siteID int64, year int) (*RiskReview, error)
	// DecideRisks records decisions on items of a draft (ECONFLICT once signed; EINVALID
	// naming each field, an unknown item included).
	DecideRisks(ctx context.Context, id int64, ds []RiskDecision) (*RiskReview, error)
	// SignRiskReview signs the review as the caller, as SignAsOfficer (PermRiskSignOfficer)
	// or SignAsLeadership (PermRiskSignLeadership; another user than the officer who
	// signed, with title, e.g. "院長"); EFORBIDDEN without the signature's permission,
	// EINVALID for another as. Every item must be decided (EINVALID naming those not);
	// ECONFLICT for a signature already given. With both it is RiskReviewSigned.
	SignRiskReview(ctx context.Context, id int64, as, title string) (*RiskReview, error)
}

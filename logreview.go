package medsec

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// PermLogReview works periodic log reviews: records findings, runs the review's queries
// and signs the review off [004 §17, 000]. Reading reviews needs PermLogRead.
const PermLogReview Permission = "log:review"

// LogReviewQuery is one query a reviewer ran over the review's period: a name, a LogsQL
// filter (as in LogQuery), and what it returned when run — how many records and the
// SHA-256 (hex) of their identities and contents (ReviewDigest), so that a later re-run
// over the same period shows whether the sealed records it covers are still the same.
type LogReviewQuery struct {
	Name    string    `json:"name"`
	Query   string    `json:"query"`
	Records int64     `json:"records"`
	SHA256  string    `json:"sha256"`
	RanAt   time.Time `json:"ran_at,omitzero"`
}

// Log review states.
const (
	LogReviewOpen   = "open"
	LogReviewSigned = "signed"
)

// LogReview is one periodic review of a site's logs [004 §17: logs reviewed regularly;
// 000 日誌紀錄: access to patient records]: the period reviewed (receive times,
// PeriodStart included, PeriodEnd excluded), when it is due, who reviewed it and when,
// the findings, the queries run with the hash of what each returned, and the sign-off.
// A signed review cannot change.
type LogReview struct {
	ID     int64 `json:"id"`
	SiteID int64 `json:"site_id"`
	// TimeZone is the site's time zone (Site.Zone), in which the period's bounds are local
	// midnights; the times below are given in it.
	TimeZone    string    `json:"time_zone"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	Due         time.Time `json:"due"`
	// Status is LogReviewOpen or LogReviewSigned.
	Status string `json:"status"`
	// Overdue is true for an open review whose due time has passed.
	Overdue      bool             `json:"overdue"`
	ReviewerID   int64            `json:"reviewer_id,omitempty"`
	ReviewerName string           `json:"reviewer_name,omitempty"`
	ReviewedAt   time.Time        `json:"reviewed_at,omitzero"`
	Findings     string           `json:"findings"`
	Queries      []LogReviewQuery `json:"queries"`
	SignedBy     int64            `json:"signed_by,omitempty"`
	SignedByName string           `json:"signed_by_name,omitempty"`
	SignedAt     time.Time        `json:"signed_at,omitzero"`
	CreatedAt    time.Time        `json:"created_at"`
}

// LogReviewSchedule is how often a site's logs are reviewed: Cadence is an ISO 8601
// duration of whole days, weeks, months or years ("P1M", default monthly; "P1W", "P3M",
// "P1Y"), and a review is due DueDays days after its period ends.
type LogReviewSchedule struct {
	SiteID  int64  `json:"site_id"`
	Cadence string `json:"cadence"`
	DueDays int    `json:"due_days"`
	// TimeZone is the site's time zone (Site.Zone: its own, else its jurisdiction's), in
	// which periods start at local midnight; the service fills it, a caller does not set it.
	TimeZone string `json:"time_zone,omitempty"`
}

// DefaultLogReviewSchedule is the schedule of a site that set none: monthly, due ten days
// after the month ends.
var DefaultLogReviewSchedule = LogReviewSchedule{Cadence: "P1M", DueDays: 10}

var logCadence = regexp.MustCompile(`^P([1-9][0-9]?)([DWMY])$`)

// Validate checks a schedule: a cadence of 1-99 days, weeks, months or years, and 0-90
// days to do the review.
func (s *LogReviewSchedule) Validate() error {
	var errs []FieldError
	if !logCadence.MatchString(s.Cadence) {
		errs = append(errs, FieldError{Field: "cadence", Key: "err.log_review_cadence", Value: s.Cadence,
			Message: "must be P followed by 1-99 and D, W, M or Y (P1M: monthly)"})
	}
	if s.DueDays < 0 || s.DueDays > 90 {
		errs = append(errs, FieldError{Field: "due_days", Key: "err.log_review_due_days", Value: strconv.Itoa(s.DueDays),
			Message: "must be 0 to 90 days"})
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// LastPeriod returns the latest whole period that ended at or before now, in the
// schedule's time zone (UTC when it has none or an unknown one). Periods are aligned to
// local calendar boundaries: days to midnight, weeks to Monday, months to the first,
// years to 1 January, counted from 2000-01-01 so that every n-unit cadence has fixed
// boundaries. Where the zone has daylight saving time a day is 23 or 25 hours long: a
// period still starts and ends at local midnight.
func (s *LogReviewSchedule) LastPeriod(now time.Time) (start, end time.Time) {
	m := logCadence.FindStringSubmatch(s.Cadence)
	if m == nil {
		m = logCadence.FindStringSubmatch(DefaultLogReviewSchedule.Cadence)
	}
	n, _ := strconv.Atoi(m[1])
	loc := s.Location()
	now = now.In(loc)
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, loc)
	add := func(t time.Time, k int) time.Time {
		switch m[2] {
		case "D":
			return t.AddDate(0, 0, k*n)
		case "W":
			return t.AddDate(0, 0, 7*k*n)
		case "M":
			return t.AddDate(0, k*n, 0)
		}
		return t.AddDate(k*n, 0, 0)
	}
	if m[2] == "W" {
		epoch = epoch.AddDate(0, 0, 2) // 2000-01-03, a Monday
	}
	// Jump close to now, then step: each period ends where the next starts.
	var k int
	switch m[2] {
	case "D":
		k = int(now.Sub(epoch)/(24*time.Hour)) / n
	case "W":
		k = int(now.Sub(epoch)/(7*24*time.Hour)) / n
	case "M":
		k = ((now.Year()-2000)*12 + int(now.Month()) - 1) / n
	default:
		k = (now.Year() - 2000) / n
	}
	end = add(epoch, k)
	for end.After(now) {
		k--
		end = add(epoch, k)
	}
	for !add(epoch, k+1).After(now) {
		k++
		end = add(epoch, k)
	}
	return add(epoch, k-1), end
}

// Location returns the schedule's time zone, UTC when it has none or an unknown one.
func (s *LogReviewSchedule) Location() *time.Location {
	return zoneOrUTC(s.TimeZone)
}

// zoneOrUTC returns the location of an IANA name, UTC for an empty or unknown one.
func zoneOrUTC(name string) *time.Location {
	if name != "" && name != "Local" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}

// ReviewDigest is the hash a review keeps of what a query returned: the SHA-256 (hex) of
// one line per record, ordered by site and index in the site's sealed log,
// "SITE INDEX SHA256(RAW)\n". It names each record by its place in the seal and its raw
// bytes, so a record changed, removed or added in the period changes the digest.
func ReviewDigest(hits []LogHit) string {
	hs := slices.Clone(hits)
	slices.SortFunc(hs, func(a, b LogHit) int {
		if a.SiteID != b.SiteID {
			return int(a.SiteID - b.SiteID)
		}
		return int(a.Index - b.Index)
	})
	h := sha256.New()
	for _, x := range hs {
		fmt.Fprintf(h, "%d %d %x\n", x.SiteID, x.Index, sha256.Sum256([]byte(x.Raw)))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// LogReviewFilter selects reviews.
type LogReviewFilter struct {
	// SiteID keeps one site's reviews; 0 every site of the caller's scope.
	SiteID int64
	// Status keeps open or signed reviews; "" both.
	Status string
	// Overdue keeps the open reviews past their due time.
	Overdue bool
}

// LogReviewUpdate is what a reviewer records on an open review: the findings and the
// queries to run (each is run over the review's period when saved; its count and hash
// are the service's, never the caller's).
type LogReviewUpdate struct {
	Findings string           `json:"findings"`
	Queries  []LogReviewQuery `json:"queries"`
}

// LogReviewCheck is the result of re-running a signed or open review's queries: for each
// query, what it returns now beside what was recorded, and whether they are the same.
type LogReviewCheck struct {
	Query   LogReviewQuery `json:"query"`
	Records int64          `json:"records_now"`
	SHA256  string         `json:"sha256_now"`
	Same    bool           `json:"same"`
}

// MaxLogReviewRecords is the most records one review query may return: the hash covers
// every record, so a query returning more must be narrowed.
const MaxLogReviewRecords = 10000

// MaxLogReviewQueries is the most queries one review holds.
const MaxLogReviewQueries = 20

// Validate checks an update's lengths and queries.
func (u *LogReviewUpdate) Validate() error {
	var errs []FieldError
	if fe := CheckLength("findings", u.Findings, 20000); fe != nil {
		errs = append(errs, *fe)
	}
	if len(u.Queries) > MaxLogReviewQueries {
		errs = append(errs, FieldError{Field: "queries", Key: "err.too_many",
			Message: fmt.Sprintf("has %d entries; at most %d are allowed", len(u.Queries), MaxLogReviewQueries)})
	}
	for i, q := range u.Queries {
		f := fmt.Sprintf("queries.%d.", i)
		if q.Name == "" || q.Query == "" {
			errs = append(errs, FieldError{Field: f + "query", Key: "err.required", Message: "a name and a query are required"})
		}
		if fe := CheckLength(f+"name", q.Name, 200); fe != nil {
			errs = append(errs, *fe)
		}
		if fe := CheckLength(f+"query", q.Query, 4000); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// PatientRecordAccessQueries is the built-in query set of the review of access to patient
// records in the HIS/EMR access logs [004 §17; 000 日誌紀錄內容: who accessed which
// record, when]: every access, exports and prints (records leaving the system), changes,
// and refused attempts. A reviewer adds or edits queries before saving.
var PatientRecordAccessQueries = []LogReviewQuery{
	{Name: "patient records: every access", Query: `"patient record"`},
	{Name: "patient records: exported or printed", Query: `"patient record" (export or print)`},
	{Name: "patient records: changed", Query: `"patient record" update`},
	{Name: "patient records: refused or failed access", Query: `"patient record" (denied or failure or failed)`},
}

// Audit actions of log reviews.
const (
	ActionLogReviewUpdate   = "log_review.update"
	ActionLogReviewSign     = "log_review.sign"
	ActionLogReviewCheck    = "log_review.check"
	ActionLogReviewSchedule = "log_review.schedule"
	ActionLogReviewCreate   = "log_review.create"
)

// LogReviewService keeps the periodic log reviews. Reads need PermLogRead, work on a
// review PermLogReview; both see only the sites of the caller (another site's review is
// ENOTFOUND). Every change is audited in its transaction.
type LogReviewService interface {
	// FindLogReviews returns the reviews of the caller's sites, newest period first.
	FindLogReviews(ctx context.Context, f LogReviewFilter) ([]*LogReview, error)
	// FindLogReview returns one review or ENOTFOUND.
	FindLogReview(ctx context.Context, id int64) (*LogReview, error)
	// UpdateLogReview records findings and runs the queries over the review's period,
	// storing each one's count and hash, with the caller as reviewer. A signed review is
	// ECONFLICT; a query that does not parse or returns more than MaxLogReviewRecords is
	// EINVALID naming it.
	UpdateLogReview(ctx context.Context, id int64, u LogReviewUpdate) (*LogReview, error)
	// SignLogReview signs an open review off as the caller; a review without findings or
	// queries is EINVALID, a signed one ECONFLICT.
	SignLogReview(ctx context.Context, id int64) (*LogReview, error)
	// CheckLogReview re-runs the review's queries and compares with what was recorded
	// (audited, as every search is).
	CheckLogReview(ctx context.Context, id int64) ([]LogReviewCheck, error)
	// LogReviewSchedules returns the schedule of every site of the caller's scope
	// (the default for a site that set none).
	LogReviewSchedules(ctx context.Context) ([]LogReviewSchedule, error)
	// SetLogReviewSchedule sets a site's schedule; needs PermLogAdmin.
	SetLogReviewSchedule(ctx context.Context, s LogReviewSchedule) error
	// EnsureLogReviews creates, for each site, the review of its latest whole period at
	// now when missing (needs PermLogAdmin: the scheduler acts as SystemUser) and returns
	// how many it created.
	EnsureLogReviews(ctx context.Context, now time.Time) (int, error)
}

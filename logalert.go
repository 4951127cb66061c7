package medsec

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// Log alert kinds besides KindLogStorageFailure and KindLogVerifyFailed: a source silent
// beyond its expected interval and a source's clock off beyond its class's limit
// [000 日誌處理失效之回應, 000 時戳, 004 §17 ③].
const (
	KindLogSourceSilent NotificationKind = "logs.source_silent"
	KindLogClockSkew    NotificationKind = "logs.clock_skew"
)

// LogAlertKinds are the kinds of log alerts, in display order.
var LogAlertKinds = []NotificationKind{KindLogSourceSilent, KindLogClockSkew, KindLogStorageFailure, KindLogVerifyFailed}

// DefaultMaxClockSkew is the clock skew (record time against receive time on the server's
// synchronised clock) beyond which a source of a class with no limit of its own raises an
// alert. Ten seconds is far above network delay and well inside what correlating events
// across devices needs.
const DefaultMaxClockSkew = 10 * time.Second

// LogAlertThreshold is one source class's alarm limits: SilentAfter, in seconds, is the
// silence after which a source of the class without its own expected interval counts as
// silent; MaxSkew, in seconds, the clock skew beyond which it raises an alert.
type LogAlertThreshold struct {
	Class       string `json:"class"`
	SilentAfter int64  `json:"silent_after_seconds"`
	MaxSkew     int64  `json:"max_skew_seconds"`
}

// DefaultLogAlertThreshold is the limits of a class that set none.
func DefaultLogAlertThreshold(class string) LogAlertThreshold {
	return LogAlertThreshold{Class: class, SilentAfter: int64(DefaultExpectedInterval / time.Second), MaxSkew: int64(DefaultMaxClockSkew / time.Second)}
}

// Validate checks the class, a silence of 1 minute to 31 days and a skew of 1 second to
// 1 day.
func (t *LogAlertThreshold) Validate() error {
	var errs []FieldError
	if !slices.Contains(LogSourceClasses, t.Class) {
		errs = append(errs, FieldError{Field: "class", Key: "err.log_class", Value: t.Class, Message: "is not a log source class",
			Allowed: LogSourceClasses, Enum: "logclass"})
	}
	if t.SilentAfter < 60 || t.SilentAfter > 31*86400 {
		errs = append(errs, FieldError{Field: "silent_after_seconds", Key: "err.log_silent_after", Value: strconv.FormatInt(t.SilentAfter, 10),
			Message: "must be 60 seconds to 31 days"})
	}
	if t.MaxSkew < 1 || t.MaxSkew > 86400 {
		errs = append(errs, FieldError{Field: "max_skew_seconds", Key: "err.log_max_skew", Value: strconv.FormatInt(t.MaxSkew, 10),
			Message: "must be 1 to 86400 seconds"})
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// SilentLimit is how long the source may be silent under the class limits t: its own
// expected interval when set, else its class's.
func (s *LogSource) SilentLimit(t LogAlertThreshold) time.Duration {
	if s.ExpectedInterval > 0 {
		return time.Duration(s.ExpectedInterval) * time.Second
	}
	if t.SilentAfter > 0 {
		return time.Duration(t.SilentAfter) * time.Second
	}
	return DefaultExpectedInterval
}

// LogAlertCondition is a condition found true at a check: what it is (Kind and Subject,
// which name one occurrence: "source:12", "storage:write", "seal:3"), where (SiteID, 0 for
// the whole store; SourceID when about a source), and its text: the message key (under
// "logalert.") and its arguments, figures that need no translation.
type LogAlertCondition struct {
	Kind     NotificationKind `json:"kind"`
	Subject  string           `json:"subject"`
	SiteID   int64            `json:"site_id,omitempty"`
	SourceID int64            `json:"source_id,omitempty"`
	Key      string           `json:"key"`
	Args     []string         `json:"args"`
}

// LogAlert is one occurrence of a condition: raised when a check first found it, last
// seen at the latest check that still did, resolved when a check found it gone. A
// condition that returns after being resolved is a new occurrence (and a new alert).
type LogAlert struct {
	ID int64 `json:"id"`
	LogAlertCondition
	RaisedAt   time.Time `json:"raised_at"`
	LastSeen   time.Time `json:"last_seen"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Active is true until the alert is resolved.
	Active bool `json:"active"`
}

// LogAlertFilter selects log alerts, newest first.
type LogAlertFilter struct {
	// SiteID keeps one site's alerts and those of the whole store; 0 every site of the
	// caller's scope.
	SiteID int64
	// Active keeps the alerts not resolved.
	Active bool
	// Limit caps the rows (0: 200).
	Limit int
}

// LogVerification is the latest verification of one site's sealed log against its signed
// checkpoints: when, by whom (UserID 0 is medsec's periodic check), how many records it
// checked and the problems it found, with the first one's kind and record index.
type LogVerification struct {
	SiteID     int64     `json:"site_id"`
	At         time.Time `json:"at"`
	UserID     int64     `json:"user_id,omitempty"`
	Checked    int64     `json:"checked"`
	Problems   int       `json:"problems"`
	FirstKind  string    `json:"first_kind,omitempty"`
	FirstIndex int64     `json:"first_index,omitempty"`
}

// Audit actions of log alerts.
const (
	ActionLogAlertRaise     = "log_alert.raise"
	ActionLogAlertResolve   = "log_alert.resolve"
	ActionLogAlertThreshold = "log_alert.threshold"
)

// LogAlertService keeps log alerts, their limits per class and the seal verifications.
// Reads need PermLogRead and see the caller's sites and the whole store's alerts (site 0);
// changes need PermLogAdmin and are audited in their transaction.
type LogAlertService interface {
	// FindLogAlerts returns alerts, newest first.
	FindLogAlerts(ctx context.Context, f LogAlertFilter) ([]*LogAlert, error)
	// SyncLogAlerts records what a check of the kinds found at now: a condition with no
	// open alert raises one, an open one is kept (its text updated), and an open alert of
	// those kinds whose condition is not in conds is resolved. It returns the alerts raised
	// and resolved. Needs PermLogAdmin (the scheduler acts as SystemUser) and a user
	// limited to no site.
	SyncLogAlerts(ctx context.Context, now time.Time, kinds []NotificationKind, conds []LogAlertCondition) (raised, resolved []*LogAlert, err error)
	// LogAlertThresholds returns every class's limits (the defaults where none was set).
	LogAlertThresholds(ctx context.Context) ([]LogAlertThreshold, error)
	// SetLogAlertThreshold sets one class's limits; needs PermLogAdmin and a user limited
	// to no site. EINVALID names a bad field.
	SetLogAlertThreshold(ctx context.Context, t LogAlertThreshold) error
	// LogVerifications returns the latest verification of each site of the caller's
	// scope that was ever verified.
	LogVerifications(ctx context.Context) ([]LogVerification, error)
}

// SilentMinutes is SilentAfter in whole minutes, as forms show it.
func (t LogAlertThreshold) SilentMinutes() int64 { return t.SilentAfter / 60 }

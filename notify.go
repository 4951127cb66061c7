package medsec

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// NotificationKind says what a notification is about; users choose the kinds they receive
// and webhooks the kinds they are sent.
type NotificationKind string

// Notification kinds raised today. Later capabilities (vulnerability deadlines, log and
// detection alerts, incident clocks) add their own kinds here.
const (
	// KindObligationOverdue: an organisational obligation of the calendar is past due.
	KindObligationOverdue NotificationKind = "obligation.overdue"
	// KindReviewOverdue: an assessment's next review date has passed.
	KindReviewOverdue NotificationKind = "review.overdue"
	// KindCRLMissing: a controlled device has no yearly cyber-risk review this year
	// [000 §7(二)].
	KindCRLMissing NotificationKind = "crl.missing"
	// KindEndOfSupport: a device is past its manufacturer's end of support.
	KindEndOfSupport NotificationKind = "eos.passed"
	// KindEndOfSupportNear: a device reaches its end of support soon.
	KindEndOfSupportNear NotificationKind = "eos.near"
	// KindAlertRaised: a detection rule raised an alert; the severity follows the rule's
	// level (LevelSeverity) [003 §3.3.2].
	KindAlertRaised NotificationKind = "alert.raised"
	// KindVulnOverdue: a vulnerability finding is past the fix deadline its site's policy
	// gives it (003 §5.2.1, §3.1.2) and not mitigated.
	KindVulnOverdue NotificationKind = "vuln.deadline_overdue"
	// KindControlReviewOverdue: the compensating control of a mitigated finding is past its
	// review day; it no longer stops the finding's deadline clock until reviewed.
	KindControlReviewOverdue NotificationKind = "vuln.control_review_overdue"
	// KindScanOverdue: assets of a site subject to a scan cadence (000 附表一 漏洞修補 高
	// 二 yearly, 003 §3.2.2 monthly) were never scanned or their last scan is too old.
	KindScanOverdue NotificationKind = "scan.overdue"
	// KindScanDueSoon: assets of a site are due for their next vulnerability scan soon.
	KindScanDueSoon NotificationKind = "scan.due_soon"
	// KindTest: a test message sent by an administrator.
	KindTest NotificationKind = "test"
	// KindDigest: a user's daily digest, in the delivery log.
	KindDigest NotificationKind = "digest"
	// KindIncidentClockLate: a clock of an incident (a duty of the response plan, a
	// jurisdiction or a task) passed its due time unmet [003 §3–5].
	KindIncidentClockLate NotificationKind = "incident.clock_late"
	// KindIncidentLevelSuggested: an incident's outage, not yet restored, has run long
	// enough that its facts suggest a more serious level than the one confirmed (003
	// §3.3.1: core systems down > 4 h is level 1).
	KindIncidentLevelSuggested NotificationKind = "incident.level_suggested"
	// KindIncidentClockEscalated: a late clock stayed unmet as long again as it ran; the
	// security officers and administrators are told.
	KindIncidentClockEscalated NotificationKind = "incident.clock_escalated"
	// KindLogStorageFailure: the log store could not store records (disk full, a write
	// error); senders are pushed back until it is fixed [000 日誌處理失效之回應].
	KindLogStorageFailure NotificationKind = "logs.storage_failure"
	// KindLogVerifyFailed: verifying the log store against its seal found a changed,
	// deleted or inserted record [002 第二十二条(四)].
	KindLogVerifyFailed NotificationKind = "logs.verify_failed"
	// KindLogReviewOverdue: a periodic log review is not signed off by its due date
	// [004 §17].
	KindLogReviewOverdue NotificationKind = "logs.review_overdue"
	// KindEmergencyResetOverdue: an emergency account was used and the change of its
	// password is not confirmed by the reset task's deadline [004 §11 ①].
	KindEmergencyResetOverdue NotificationKind = "emergency.reset_overdue"
	// KindBackupProblem: a clinical system's backup job failed or missed, or its restore
	// test is overdue or failed [003 §3.1.3; 004 §12.2].
	KindBackupProblem NotificationKind = "backup.problem"
	// KindReportReady: a scheduled report (the yearly self-inspection, a monthly ledger)
	// was generated and stored as evidence [002 第九条; M12].
	KindReportReady NotificationKind = "report.ready"
	// KindGovernanceDue: a duty of a site's governance calendar (training, a drill, a
	// review, a filing) is due within GovernanceDueSoonDays or past due undone [M11].
	KindGovernanceDue NotificationKind = "governance.due"
	// KindNoticeWithdrawn: a notice sent earlier was withdrawn (wrong or no longer valid);
	// everyone it reached is told, with the reason, whatever kinds they chose.
	KindNoticeWithdrawn NotificationKind = "notice.withdrawn"
)

// NotificationKinds lists the kinds a user or a webhook may choose, in display order.
var NotificationKinds = []NotificationKind{KindObligationOverdue, KindReviewOverdue, KindCRLMissing, KindEndOfSupport, KindEndOfSupportNear,
	KindIncidentClockLate, KindIncidentClockEscalated, KindIncidentLevelSuggested, KindLogSourceSilent, KindLogClockSkew, KindLogStorageFailure, KindLogVerifyFailed, KindLogReviewOverdue, KindEmergencyResetOverdue, KindAlertRaised, KindVulnOverdue, KindControlReviewOverdue, KindReportReady,
	KindScanOverdue, KindScanDueSoon, KindBackupProblem, KindGovernanceDue, KindMaintenanceRequested}

// Severity ranks a notification.
type Severity string

// Severities, from the least urgent.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// NotifyArg is one argument of a notification's message: literal text, or a message key
// translated into the recipient's language (a catalog's name, an enumeration value); with
// both, Text stands where the key has no text (an imported rule's title). Args are the
// key's own values, in order (a backup finding's detail: "backup_detail.copies" with its
// counts).
type NotifyArg struct {
	Text string   `json:"text,omitempty"`
	Key  string   `json:"key,omitempty"`
	Args []string `json:"args,omitempty"`
}

// NotifyScope says who may see what a notification is about. An asset's notification
// (AssetID set) reaches users who may see the asset: its site, and for vendor
// maintenance users only their company's assets. A notification without an asset is
// about the organisation (SiteID 0) or one site; vendor maintenance users never get it.
type NotifyScope struct {
	AssetID  int64 `json:"asset_id,omitempty"`
	SiteID   int64 `json:"site_id,omitempty"`
	VendorID int64 `json:"vendor_id,omitempty"`
}

// Notification is one thing medsec tells people about. Its text is a message key with
// arguments, rendered in each recipient's language (Key+".subject" and Key+".body" in
// the i18n bundle), or, for text that has no key, Subject and Body by language tag (en is
// the fallback).
type Notification struct {
	Kind     NotificationKind  `json:"kind"`
	Severity Severity          `json:"severity"`
	Key      string            `json:"key,omitempty"`
	Args     []NotifyArg       `json:"args,omitempty"`
	Subject  map[string]string `json:"subject,omitempty"`
	Body     map[string]string `json:"body,omitempty"`
	// Link is the path of the object in medsec's UI (e.g. /assets/12); messages carry it
	// under the configured public URL.
	Link  string      `json:"link,omitempty"`
	Scope NotifyScope `json:"scope"`
	// Perm, when set, is a permission a recipient's role must hold besides seeing the scope.
	Perm Permission `json:"perm,omitempty"`
	// DedupKey names the occurrence: a recipient gets a notification with the same key
	// once. Put what makes a new occurrence in it (e.g. the due date), so that the next
	// cycle notifies again.
	DedupKey string `json:"dedup_key"`
}

// Validate checks that a notification can be delivered.
func (n *Notification) Validate() error {
	var errs []FieldError
	if n.Kind == "" {
		errs = append(errs, FieldError{Field: "kind", Key: "err.required", Message: "is required"})
	}
	if n.Key == "" && n.Subject["en"] == "" {
		errs = append(errs, FieldError{Field: "key", Key: "err.required", Message: "a message key or an English subject is required"})
	}
	if n.DedupKey == "" {
		errs = append(errs, FieldError{Field: "dedup_key", Key: "err.required", Message: "is required"})
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// CanReceive reports whether the user may be told about the notification: the user is
// active, holds its permission and may see its scope.
func (u *User) CanReceive(n *Notification) bool {
	if u.Disabled || (n.Perm != "" && !u.Role.Can(n.Perm)) || !u.Role.Can(PermInventoryRead) {
		return false
	}
	if n.Scope.AssetID != 0 {
		return u.CanSeeAsset(&Asset{SiteID: n.Scope.SiteID, VendorID: n.Scope.VendorID})
	}
	if u.Role == RoleVendor {
		return false
	}
	return n.Scope.SiteID == 0 || u.CanSeeSite(n.Scope.SiteID)
}

// Notifier raises notifications. Every capability that has something to tell people uses
// it; the implementation decides who receives it (preferences, role, sites, vendor),
// delivers it by e-mail now or in the daily digest and to the webhooks, and remembers the
// DedupKey per recipient so that raising the same occurrence again sends nothing.
type Notifier interface {
	// Notify delivers n. EINVALID for a notification that fails Validate; a failed
	// delivery is logged in the delivery log, not returned, and is tried again the next
	// time the same notification is raised.
	Notify(ctx context.Context, n Notification) error
}

// Delivery modes of a user's notifications.
const (
	DeliveryImmediate = "immediate"
	DeliveryDigest    = "digest"
)

// NotifyPrefs are one user's notification preferences.
type NotifyPrefs struct {
	UserID int64 `json:"user_id"`
	// Email is where e-mail goes; empty means no e-mail.
	Email string `json:"email"`
	// Kinds are the kinds the user receives.
	Kinds []NotificationKind `json:"kinds"`
	// Delivery is immediate (one message per notification) or digest (one message per
	// day with every notification of that day).
	Delivery string `json:"delivery"`
}

// Wants reports whether the user takes notifications of the kind by e-mail. Test
// messages go to any address that is set.
func (p *NotifyPrefs) Wants(k NotificationKind) bool {
	return p.Email != "" && (k == KindTest || slices.Contains(p.Kinds, k))
}

// Validate checks the preferences.
func (p *NotifyPrefs) Validate() error {
	var errs []FieldError
	p.Email = strings.TrimSpace(p.Email)
	if p.Email != "" && !validAddress(p.Email) {
		errs = append(errs, FieldError{Field: "email", Key: "err.bad_email", Message: "is not an e-mail address"})
	}
	if p.Delivery != DeliveryImmediate && p.Delivery != DeliveryDigest {
		errs = append(errs, FieldError{Field: "delivery", Key: "err.unknown_value", Message: "must be immediate or digest"})
	}
	for _, k := range p.Kinds {
		if !slices.Contains(NotificationKinds, k) {
			errs = append(errs, FieldError{Field: "kinds", Key: "err.unknown_value", Message: "unknown kind " + string(k)})
		}
	}
	var c textChecks
	c.line("email", p.Email)
	c.count("kinds", len(p.Kinds), MaxListItems)
	errs = append(errs, c.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// validAddress accepts a bare address (user@host), no display name.
func validAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// TLS policies for SMTP: mandatory STARTTLS (refuse a server without it) or opportunistic
// (use STARTTLS when offered).
const (
	TLSMandatory     = "mandatory"
	TLSOpportunistic = "opportunistic"
)

// SMTPSettings say how medsec sends e-mail (RFC 5321, STARTTLS per RFC 3207).
type SMTPSettings struct {
	Host string `json:"host"`
	// Port is the submission port, 587 when zero.
	Port      int    `json:"port"`
	TLSPolicy string `json:"tls_policy"`
	Username  string `json:"username,omitempty"`
	// Password is write-only: reads return it empty and PasswordSet instead. Saving an
	// empty password keeps the stored one unless ClearPassword is set.
	Password      string `json:"password,omitempty"`
	PasswordSet   bool   `json:"password_set"`
	ClearPassword bool   `json:"clear_password,omitempty"`
	// From is the sender address.
	From string `json:"from"`
	// CAFile is a PEM file of CA certificates to trust for the server's certificate
	// besides the system's; empty for the system roots only.
	CAFile string `json:"ca_file,omitempty"`
}

// NotifySettings are the organisation's notification settings.
type NotifySettings struct {
	SMTP SMTPSettings `json:"smtp"`
	// PublicURL is where users reach medsec (https://medsec.example.org); links in
	// messages start with it.
	PublicURL string `json:"public_url"`
}

// Validate checks the settings. An empty SMTP host means e-mail is off.
func (s *NotifySettings) Validate() error {
	var errs []FieldError
	add := func(field, key, msg string) { errs = append(errs, FieldError{Field: field, Key: key, Message: msg}) }
	m := &s.SMTP
	m.Host, m.From, m.Username, m.CAFile = strings.TrimSpace(m.Host), strings.TrimSpace(m.From), strings.TrimSpace(m.Username), strings.TrimSpace(m.CAFile)
	if m.TLSPolicy != TLSMandatory && m.TLSPolicy != TLSOpportunistic {
		add("smtp.tls_policy", "err.unknown_value", "must be mandatory or opportunistic")
	}
	if m.Port < 0 || m.Port > 65535 {
		add("smtp.port", "err.bad_port", "must be between 1 and 65535")
	}
	if m.Host != "" && strings.ContainsAny(m.Host, " /:@") {
		add("smtp.host", "err.bad_host", "must be a host name or address without port")
	}
	if m.Host != "" && !validAddress(m.From) {
		add("smtp.from", "err.bad_email", "is not an e-mail address")
	}
	if s.PublicURL = strings.TrimRight(strings.TrimSpace(s.PublicURL), "/"); s.PublicURL != "" && !validHTTPURL(s.PublicURL) {
		add("public_url", "err.bad_url", "must be an http or https URL")
	}
	var c textChecks
	c.line("smtp.host", m.Host)
	c.line("smtp.from", m.From)
	c.line("smtp.username", m.Username)
	c.lineMax("smtp.password", MaxLineLength, m.Password)
	c.line("smtp.ca_file", m.CAFile)
	c.lineMax("public_url", MaxLinkLength, s.PublicURL)
	errs = append(errs, c.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

// Webhook is an HTTP endpoint that receives notifications as JSON, signed with
// HMAC-SHA256 under its own secret (see package notify for the signature scheme).
type Webhook struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
	// Secret is write-only: reads return it empty and SecretSet instead; saving an empty
	// secret keeps the stored one. A new webhook needs one of at least 16 characters.
	Secret    string `json:"secret,omitempty"`
	SecretSet bool   `json:"secret_set"`
	// Kinds are the kinds sent; SiteIDs, when set, limit it to notifications of those
	// sites (organisation-wide ones always go).
	Kinds   []NotificationKind `json:"kinds"`
	SiteIDs []int64            `json:"site_ids"`
	// Language is the language of the subject and body sent (en, zh-TW, zh-CN, ja).
	Language  string    `json:"language"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks a webhook; isNew requires a secret.
func (w *Webhook) Validate(isNew bool) error {
	var errs []FieldError
	add := func(field, key, msg string) { errs = append(errs, FieldError{Field: field, Key: key, Message: msg}) }
	w.Name, w.URL = strings.TrimSpace(w.Name), strings.TrimSpace(w.URL)
	if w.Name == "" {
		add("name", "err.required", "is required")
	}
	if !validHTTPURL(w.URL) {
		add("url", "err.bad_url", "must be an http or https URL")
	}
	if w.Language == "" {
		w.Language = "en"
	}
	if !slices.Contains([]string{"en", "zh-TW", "zh-CN", "ja"}, w.Language) {
		add("language", "err.unknown_value", "must be en, zh-TW, zh-CN or ja")
	}
	if (isNew || w.Secret != "") && len(w.Secret) < 16 {
		add("secret", "err.short_secret", "must be at least 16 characters")
	}
	for _, k := range w.Kinds {
		if !slices.Contains(NotificationKinds, k) {
			add("kinds", "err.unknown_value", "unknown kind "+string(k))
		}
	}
	var c textChecks
	c.lineMax("name", MaxNameLength, w.Name)
	c.lineMax("url", MaxLinkLength, w.URL)
	c.line("secret", w.Secret)
	c.count("kinds", len(w.Kinds), MaxListItems)
	c.count("site_ids", len(w.SiteIDs), MaxListItems)
	errs = append(errs, c.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// Takes reports whether the webhook is sent the notification.
func (w *Webhook) Takes(n *Notification) bool {
	if !w.Enabled || (n.Kind != KindTest && !slices.Contains(w.Kinds, n.Kind)) {
		return false
	}
	return len(w.SiteIDs) == 0 || n.Scope.SiteID == 0 || slices.Contains(w.SiteIDs, n.Scope.SiteID)
}

// Delivery channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// Delivery results.
const (
	DeliverySent   = "sent"
	DeliveryFailed = "failed"
	// DeliveryQueued: the notification waits for the user's daily digest.
	DeliveryQueued = "queued"
	// DeliverySkipped: a recipient that was owed the notification did not get it, and
	// Delivery.Error holds why, one of the Skip* reasons: a withdrawn notice's recipient
	// who can no longer be told (issue 15), logged so that nobody is left out unseen.
	DeliverySkipped = "skipped"
)

// Why a delivery was skipped (Delivery.Error of a DeliverySkipped row); the pages say each
// in the reader's language (notify_skip.*).
const (
	// SkipNoAddress: the user has no e-mail address any more, or is disabled.
	SkipNoAddress = "no_address"
	// SkipEmailOff: no SMTP server is set, so no e-mail goes out.
	SkipEmailOff = "email_off"
	// SkipWebhookOff: the webhook was disabled or removed.
	SkipWebhookOff = "webhook_off"
)

// Delivery is one row of the delivery log: what was sent to whom, when, and how it went.
type Delivery struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Channel string    `json:"channel"`
	// UserID is the recipient user (e-mail), WebhookID the webhook; Recipient is the
	// address or the webhook's name.
	UserID    int64            `json:"user_id,omitempty"`
	WebhookID int64            `json:"webhook_id,omitempty"`
	Recipient string           `json:"recipient"`
	Kind      NotificationKind `json:"kind"`
	// SiteID is the site of what the notification was about, 0 for the organisation.
	SiteID   int64  `json:"site_id,omitempty"`
	DedupKey string `json:"dedup_key"`
	Subject  string `json:"subject"`
	Result   string `json:"result"`
	// Attempts is how many tries a webhook delivery took.
	Attempts int `json:"attempts"`
	// Error says why a delivery failed, without secrets.
	Error string `json:"error,omitempty"`
	// Withdrawn is set when the notice this delivery carried (every delivery of its
	// DedupKey) was withdrawn: who, when and why.
	Withdrawn *NoticeWithdrawal `json:"withdrawn,omitempty"`
}

// ActionNoticeWithdraw is the audit action of a notice's withdrawal.
const ActionNoticeWithdraw = "notice.withdraw"

// MaxWithdrawReason is the longest reason a withdrawal takes, in characters.
const MaxWithdrawReason = 2000

// NoticeWithdrawal records that a notice sent earlier (a reminder, an alert, an incident
// notification: every delivery of one dedup key) was wrong or is no longer valid. The
// notice is shown as withdrawn in the delivery log, never sent again, dropped from the
// digests not yet sent, and each recipient it reached is told (KindNoticeWithdrawn) in
// their language with the reason, which may give the correction.
type NoticeWithdrawal struct {
	DedupKey string           `json:"dedup_key"`
	Kind     NotificationKind `json:"kind"`
	// SiteID is the site the notice was about, 0 for the organisation.
	SiteID int64 `json:"site_id,omitempty"`
	// Reason says why, in the words of who withdrew it (1 to MaxWithdrawReason characters).
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	// Told is how many recipients (users by e-mail, webhooks) were sent the withdrawal or
	// have it queued in their daily digest; Skipped how many could not be told (each has a
	// DeliverySkipped row saying why); Dropped how many queued digest items of the notice
	// were removed before being sent.
	Told    int `json:"told"`
	Skipped int `json:"skipped"`
	Dropped int `json:"dropped"`
}

// ValidateWithdrawReason checks a withdrawal's reason: required, at most
// MaxWithdrawReason characters; the error names the field "reason".
func ValidateWithdrawReason(reason string) error {
	r := strings.TrimSpace(reason)
	switch {
	case r == "":
		return &ValidationError{Errors: []FieldError{{Field: "reason", Key: "err.required", Message: "is required"}}}
	case utf8.RuneCountInString(r) > MaxWithdrawReason:
		return &ValidationError{Errors: []FieldError{{Field: "reason", Key: "err.too_long", Message: fmt.Sprintf("is longer than %d characters", MaxWithdrawReason)}}}
	}
	return nil
}

// NoticeWithdrawer withdraws a notice sent earlier.
type NoticeWithdrawer interface {
	// WithdrawNotice withdraws the notice delivery deliveryID carried (every delivery of
	// its dedup key), audited, and tells each recipient it reached in their language.
	// Needs PermUserAdmin and the notice's site in the caller's scope. ENOTFOUND (no
	// such delivery, or out of scope), EINVALID (no reason, or a test, digest or
	// withdrawal message), ECONFLICT (already withdrawn).
	WithdrawNotice(ctx context.Context, deliveryID int64, reason string) (*NoticeWithdrawal, error)
}

// DeliveryFilter selects delivery log rows, newest first.
type DeliveryFilter struct {
	Result string
	Offset int
	Limit  int
}

// NotificationService keeps notification preferences, settings, webhooks and the delivery
// log. Every change is audited in its transaction; secrets never enter the audit trail.
type NotificationService interface {
	// FindNotifyPrefs returns the calling user's preferences (defaults when never saved:
	// no address, every kind, immediate).
	FindNotifyPrefs(ctx context.Context) (NotifyPrefs, error)
	// UpdateNotifyPrefs stores the calling user's preferences. EINVALID.
	UpdateNotifyPrefs(ctx context.Context, p NotifyPrefs) error
	// FindNotifySettings returns the settings without the SMTP password. Needs
	// PermUserAdmin.
	FindNotifySettings(ctx context.Context) (NotifySettings, error)
	// UpdateNotifySettings stores them. Needs PermUserAdmin. EINVALID.
	UpdateNotifySettings(ctx context.Context, s NotifySettings) error
	// FindWebhooks lists the webhooks without their secrets. Needs PermUserAdmin.
	FindWebhooks(ctx context.Context) ([]*Webhook, error)
	// CreateWebhook stores a webhook, setting its ID. Needs PermUserAdmin. EINVALID.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// UpdateWebhook changes a webhook. Needs PermUserAdmin. ENOTFOUND, EINVALID.
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook removes a webhook. Needs PermUserAdmin. ENOTFOUND.
	DeleteWebhook(ctx context.Context, id int64) error
	// FindDeliveries returns the delivery log, newest first, and the total count. Needs
	// PermUserAdmin; a user limited to sites sees the rows of those sites and of the
	// organisation.
	FindDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, int, error)
}

// NotifyTester sends test messages with the stored settings, so that an administrator can
// check them. Both need PermUserAdmin and are written to the delivery log.
type NotifyTester interface {
	// SendTestEmail sends a test e-mail to the address. EINVALID for a bad address or
	// when no SMTP server is set; a failed send returns the delivery with its error.
	SendTestEmail(ctx context.Context, to string) (*Delivery, error)
	// SendTestWebhook posts a signed test notification to a webhook. ENOTFOUND.
	SendTestWebhook(ctx context.Context, id int64) (*Delivery, error)
}

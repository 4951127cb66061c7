package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"medsec"
)

// Recipient is a user who may receive notifications, with the preferences saved.
type Recipient struct {
	User  *medsec.User
	Prefs medsec.NotifyPrefs
}

// Target names who a delivery went to, for deduplication: a user's e-mail or a webhook.
type Target struct {
	Channel string // medsec.ChannelEmail or medsec.ChannelWebhook
	ID      int64  // the user's or the webhook's id
}

// DigestBatch is one user's queued notifications of one day.
type DigestBatch struct {
	UserID int64
	Day    medsec.Date
	Items  []medsec.Notification
}

// Store is what delivery needs from storage. sqlstore.NotifyStore implements it; every
// method acts for medsec itself, not for a user.
type Store interface {
	// Recipients returns the users that are not disabled and have saved preferences
	// with an e-mail address.
	Recipients(ctx context.Context) ([]Recipient, error)
	// DeliverySettings returns the settings with the SMTP password and the webhooks with
	// their secrets.
	DeliverySettings(ctx context.Context) (medsec.NotifySettings, []*medsec.Webhook, error)
	// Delivered reports whether the target already got (or has queued) the dedup key.
	Delivered(ctx context.Context, t Target, dedupKey string) (bool, error)
	// RecordDelivery appends d to the delivery log, setting its ID. When d's result is
	// sent or queued and its dedup key is set, the target is remembered as having it;
	// when queued is not nil, it waits in the user's digest for the day of d.At. All in
	// one transaction.
	RecordDelivery(ctx context.Context, d *medsec.Delivery, queued *medsec.Notification) error
	// DueDigests returns the queued notifications of days before day, by user and day.
	DueDigests(ctx context.Context, before medsec.Date) ([]DigestBatch, error)
	// DigestSent records the digest's delivery d and removes the batch from the queue.
	DigestSent(ctx context.Context, userID int64, day medsec.Date, d *medsec.Delivery) error
	// WithdrawNotice records, for the calling user and audited, the withdrawal of the
	// notice delivery deliveryID carried (see medsec.NoticeWithdrawer for the checks and
	// errors), drops its digest items not yet sent, and returns the deliveries that
	// reached their target, one per target. Delivered is true for a withdrawn key.
	WithdrawNotice(ctx context.Context, deliveryID int64, reason string) (*medsec.NoticeWithdrawal, []*medsec.Delivery, error)
}

// Dispatcher delivers notifications: it implements medsec.Notifier and medsec.NotifyTester.
type Dispatcher struct {
	Store      Store
	Translator Translator
	Webhooks   *WebhookPoster
	Logger     *slog.Logger
	// Now is the clock; tests set it.
	Now func() time.Time

	mu sync.Mutex
	// pausedUntil holds, per channel (the SMTP server is Target{email, 0}; a webhook is
	// its own), when sending through it may start again after a failure.
	pausedUntil map[Target]time.Time
}

// FailurePause is how long the dispatcher stops sending through the SMTP server or a
// webhook after a delivery through it failed. What would have been sent meanwhile is not
// logged and not remembered, so the next run of the reminders tries it again: a server
// that is down costs one failed row and one timeout per pause, not one per notification.
// A recipient the server refuses does not pause the server.
const FailurePause = 15 * time.Minute

var smtpTarget = Target{Channel: medsec.ChannelEmail}

// paused reports whether sending through t is paused at now.
func (d *Dispatcher) paused(t Target) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.now().Before(d.pausedUntil[t])
}

// pauseOnFailure pauses t when row failed (unless only its recipient was refused).
func (d *Dispatcher) pauseOnFailure(t Target, row *medsec.Delivery, err error) {
	if row.Result != medsec.DeliveryFailed || errors.Is(err, ErrRecipientRefused) {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pausedUntil == nil {
		d.pausedUntil = map[Target]time.Time{}
	}
	d.pausedUntil[t] = d.now().Add(FailurePause)
}

var (
	_ medsec.Notifier         = (*Dispatcher)(nil)
	_ medsec.NotifyTester     = (*Dispatcher)(nil)
	_ medsec.NoticeWithdrawer = (*Dispatcher)(nil)
)

func (d *Dispatcher) now() time.Time {
	if d.Now == nil {
		return time.Now().UTC()
	}
	return d.Now().UTC()
}

func (d *Dispatcher) send(ctx context.Context, s medsec.SMTPSettings, emails ...Email) error {
	return SendMail(ctx, s, d.now(), emails...)
}

func (d *Dispatcher) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.Default()
	}
	return d.Logger
}

// Notify delivers n to every recipient whose preferences take its kind and who may see its
// scope, and to every webhook that takes it; see medsec.Notifier. A target that already has
// n's dedup key gets nothing.
func (d *Dispatcher) Notify(ctx context.Context, n medsec.Notification) error {
	if err := n.Validate(); err != nil {
		return err
	}
	if n.Severity == "" {
		n.Severity = medsec.SeverityInfo
	}
	settings, hooks, err := d.Store.DeliverySettings(ctx)
	if err != nil {
		return err
	}
	recipients, err := d.Store.Recipients(ctx)
	if err != nil {
		return err
	}
	for _, r := range recipients {
		if !r.Prefs.Wants(n.Kind) || !r.User.CanReceive(&n) {
			continue
		}
		if err := d.deliverEmail(ctx, settings, r, &n); err != nil {
			return err
		}
	}
	for _, w := range hooks {
		if !w.Takes(&n) {
			continue
		}
		if err := d.deliverWebhook(ctx, settings, w, &n); err != nil {
			return err
		}
	}
	return nil
}

// deliverEmail sends or queues n for one user; only storage errors are returned.
func (d *Dispatcher) deliverEmail(ctx context.Context, settings medsec.NotifySettings, r Recipient, n *medsec.Notification) error {
	if done, err := d.Store.Delivered(ctx, Target{medsec.ChannelEmail, r.User.ID}, n.DedupKey); err != nil || done {
		return err
	}
	lang := d.Translator.Match(r.User.Language)
	m := Render(d.Translator, n, lang, settings.PublicURL)
	row := &medsec.Delivery{At: d.now(), Channel: medsec.ChannelEmail, UserID: r.User.ID, Recipient: r.Prefs.Email,
		Kind: n.Kind, SiteID: n.Scope.SiteID, DedupKey: n.DedupKey, Subject: m.Subject, Attempts: 1}
	if r.Prefs.Delivery == medsec.DeliveryDigest {
		row.Result, row.Attempts = medsec.DeliveryQueued, 0
		return d.Store.RecordDelivery(ctx, row, n)
	}
	if settings.SMTP.Host == "" || d.paused(smtpTarget) {
		return nil // e-mail is off or paused; nothing recorded, tried again next run
	}
	err := d.send(ctx, settings.SMTP, emailOf(d.Translator, r.Prefs.Email, m))
	d.result(row, err)
	d.pauseOnFailure(smtpTarget, row, err)
	return d.Store.RecordDelivery(ctx, row, nil)
}

// result sets a delivery's result from a send error, keeping the error's text short.
func (d *Dispatcher) result(row *medsec.Delivery, err error) {
	if err == nil {
		row.Result = medsec.DeliverySent
		return
	}
	row.Result = medsec.DeliveryFailed
	row.Error = truncate(err.Error(), 300)
	d.logger().Warn("notification not delivered", "channel", row.Channel, "kind", row.Kind, "dedup_key", row.DedupKey, "err", row.Error)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// WebhookPayload is the JSON body a webhook receives.
type WebhookPayload struct {
	// ID is the notification's dedup key, the same on every retry.
	ID       string                  `json:"id"`
	Kind     medsec.NotificationKind `json:"kind"`
	Severity medsec.Severity         `json:"severity"`
	Language string                  `json:"language"`
	Subject  string                  `json:"subject"`
	Body     string                  `json:"body"`
	URL      string                  `json:"url,omitempty"`
	Scope    medsec.NotifyScope      `json:"scope"`
	// Key and Args are the message key and its arguments, for receivers that render
	// their own text.
	Key    string             `json:"key,omitempty"`
	Args   []medsec.NotifyArg `json:"args,omitempty"`
	SentAt time.Time          `json:"sent_at"`
}

// deliverWebhook posts n to one webhook; only storage errors are returned.
func (d *Dispatcher) deliverWebhook(ctx context.Context, settings medsec.NotifySettings, w *medsec.Webhook, n *medsec.Notification) error {
	target := Target{medsec.ChannelWebhook, w.ID}
	if d.paused(target) {
		return nil
	}
	if done, err := d.Store.Delivered(ctx, target, n.DedupKey); err != nil || done {
		return err
	}
	row, err := d.postWebhook(ctx, settings, w, n)
	if err != nil {
		return err
	}
	d.pauseOnFailure(target, row, nil)
	return d.Store.RecordDelivery(ctx, row, nil)
}

// postWebhook posts n to w and returns the delivery row (failed when the post failed); the
// error is a failure to build the payload.
func (d *Dispatcher) postWebhook(ctx context.Context, settings medsec.NotifySettings, w *medsec.Webhook, n *medsec.Notification) (*medsec.Delivery, error) {
	lang := d.Translator.Match(w.Language)
	m := Render(d.Translator, n, lang, settings.PublicURL)
	now := d.now()
	body, err := json.Marshal(WebhookPayload{ID: n.DedupKey, Kind: n.Kind, Severity: n.Severity, Language: lang, Subject: m.Subject, Body: m.Body,
		URL: m.URL, Scope: n.Scope, Key: n.Key, Args: n.Args, SentAt: now})
	if err != nil {
		return nil, fmt.Errorf("webhook payload: %w", err)
	}
	poster := d.Webhooks
	if poster == nil {
		poster = &WebhookPoster{}
	}
	if poster.Now == nil {
		p := *poster
		p.Now = d.now
		poster = &p
	}
	row := &medsec.Delivery{At: now, Channel: medsec.ChannelWebhook, WebhookID: w.ID, Recipient: w.Name, Kind: n.Kind, SiteID: n.Scope.SiteID, DedupKey: n.DedupKey, Subject: m.Subject}
	attempts, err := poster.Post(ctx, w.URL, []byte(w.Secret), string(n.Kind), n.DedupKey, body)
	row.Attempts = attempts
	d.result(row, err)
	return row, nil
}

// SendDigests sends every user's digests of the days before today, one e-mail per user
// and day, in the user's language. A failed send stays queued for the next run.
func (d *Dispatcher) SendDigests(ctx context.Context) error {
	settings, _, err := d.Store.DeliverySettings(ctx)
	if err != nil {
		return err
	}
	if settings.SMTP.Host == "" || d.paused(smtpTarget) {
		return nil
	}
	batches, err := d.Store.DueDigests(ctx, medsec.DateOf(d.now()))
	if err != nil {
		return err
	}
	if len(batches) == 0 {
		return nil
	}
	recipients, err := d.Store.Recipients(ctx)
	if err != nil {
		return err
	}
	byUser := map[int64]Recipient{}
	for _, r := range recipients {
		byUser[r.User.ID] = r
	}
	for _, b := range batches {
		r, ok := byUser[b.UserID]
		row := &medsec.Delivery{At: d.now(), Channel: medsec.ChannelEmail, UserID: b.UserID, Kind: medsec.KindDigest,
			DedupKey: "digest:" + b.Day.String(), Attempts: 1}
		if !ok {
			// The user was disabled or removed the address since: drop the batch.
			row.Result, row.Error, row.Attempts = medsec.DeliveryFailed, "no recipient", 0
			if err := d.Store.DigestSent(ctx, b.UserID, b.Day, row); err != nil {
				return err
			}
			continue
		}
		lang := d.Translator.Match(r.User.Language)
		var items []Message
		for i := range b.Items {
			if r.User.CanReceive(&b.Items[i]) {
				items = append(items, Render(d.Translator, &b.Items[i], lang, settings.PublicURL))
			}
		}
		row.Recipient = r.Prefs.Email
		if len(items) == 0 {
			row.Result, row.Attempts = medsec.DeliverySent, 0
			if err := d.Store.DigestSent(ctx, b.UserID, b.Day, row); err != nil {
				return err
			}
			continue
		}
		if d.paused(smtpTarget) {
			return nil
		}
		e := digestOf(d.Translator, r.Prefs.Email, lang, b.Day, items)
		row.Subject = e.Subject
		sendErr := d.send(ctx, settings.SMTP, e)
		d.result(row, sendErr)
		d.pauseOnFailure(smtpTarget, row, sendErr)
		if row.Result == medsec.DeliveryFailed {
			if err := d.Store.RecordDelivery(ctx, row, nil); err != nil {
				return err
			}
			continue
		}
		if err := d.Store.DigestSent(ctx, b.UserID, b.Day, row); err != nil {
			return err
		}
	}
	return nil
}

// SendTestEmail sends a test e-mail in the caller's language; see medsec.NotifyTester.
func (d *Dispatcher) SendTestEmail(ctx context.Context, to string) (*medsec.Delivery, error) {
	u, err := medsec.Authorize(ctx, medsec.PermUserAdmin)
	if err != nil {
		return nil, err
	}
	p := medsec.NotifyPrefs{Email: to, Delivery: medsec.DeliveryImmediate}
	if err := p.Validate(); err != nil || to == "" {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "to", Key: "err.bad_email", Message: "is not an e-mail address"}}}
	}
	settings, _, err := d.Store.DeliverySettings(ctx)
	if err != nil {
		return nil, err
	}
	if settings.SMTP.Host == "" {
		return nil, &medsec.Error{Code: medsec.EINVALID, Message: "No SMTP server is set.", Key: "err.no_smtp"}
	}
	n := d.testNotification()
	lang := d.Translator.Match(u.Language)
	m := Render(d.Translator, &n, lang, settings.PublicURL)
	row := &medsec.Delivery{At: d.now(), Channel: medsec.ChannelEmail, UserID: u.ID, Recipient: p.Email, Kind: n.Kind, DedupKey: n.DedupKey, Subject: m.Subject, Attempts: 1}
	d.result(row, d.send(ctx, settings.SMTP, emailOf(d.Translator, p.Email, m)))
	return row, d.Store.RecordDelivery(ctx, row, nil)
}

// SendTestWebhook posts a test notification to one webhook; see medsec.NotifyTester.
func (d *Dispatcher) SendTestWebhook(ctx context.Context, id int64) (*medsec.Delivery, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermUserAdmin); err != nil {
		return nil, err
	}
	settings, hooks, err := d.Store.DeliverySettings(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range hooks {
		if w.ID != id {
			continue
		}
		n := d.testNotification()
		row, err := d.postWebhook(ctx, settings, w, &n)
		if err != nil {
			return nil, err
		}
		return row, d.Store.RecordDelivery(ctx, row, nil)
	}
	return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.webhook_not_found", "Webhook not found.")
}

func (d *Dispatcher) testNotification() medsec.Notification {
	now := d.now()
	return medsec.Notification{Kind: medsec.KindTest, Severity: medsec.SeverityInfo, Key: "notify.test",
		Args: []medsec.NotifyArg{{Text: now.Format(time.RFC3339)}}, Link: "/notifications", DedupKey: "test:" + now.Format(time.RFC3339Nano)}
}

// WithdrawNotice withdraws a notice sent earlier and tells each recipient it reached, in
// the recipient's language (notify.withdrawn: the subject as they received it and the
// reason), by e-mail to users who still have an address and to the webhooks; see
// medsec.NoticeWithdrawer. A user who takes notifications in a daily digest gets the
// withdrawal in the digest, as every other notification (issue 15: it was mailed at once
// whatever they chose); the others are told now. A recipient that cannot be told (no
// address any more or disabled, e-mail off, the webhook disabled or removed) gets a
// delivery row "skipped" naming why (medsec.Skip*), so the delivery log shows who was
// left out. The withdrawal stands even when telling someone fails: the delivery log shows
// the failed row.
func (d *Dispatcher) WithdrawNotice(ctx context.Context, deliveryID int64, reason string) (*medsec.NoticeWithdrawal, error) {
	w, reached, err := d.Store.WithdrawNotice(ctx, deliveryID, reason)
	if err != nil {
		return nil, err
	}
	settings, hooks, err := d.Store.DeliverySettings(ctx)
	if err != nil {
		return w, err
	}
	recipients, err := d.Store.Recipients(ctx)
	if err != nil {
		return w, err
	}
	byUser := map[int64]Recipient{}
	for _, r := range recipients {
		byUser[r.User.ID] = r
	}
	byHook := map[int64]*medsec.Webhook{}
	for _, h := range hooks {
		byHook[h.ID] = h
	}
	for _, got := range reached {
		n := medsec.Notification{Kind: medsec.KindNoticeWithdrawn, Severity: medsec.SeverityInfo, Key: "notify.withdrawn",
			Args: []medsec.NotifyArg{{Text: got.Subject}, {Text: w.Reason}}, Link: "/notifications#deliveries",
			Scope: medsec.NotifyScope{SiteID: w.SiteID}, DedupKey: "withdrawn:" + w.DedupKey}
		skipped := func(reason string) *medsec.Delivery {
			return &medsec.Delivery{At: d.now(), Channel: got.Channel, UserID: got.UserID, WebhookID: got.WebhookID, Recipient: got.Recipient,
				Kind: n.Kind, SiteID: w.SiteID, DedupKey: n.DedupKey, Subject: got.Subject, Result: medsec.DeliverySkipped, Error: reason}
		}
		var row *medsec.Delivery
		var queued *medsec.Notification
		switch got.Channel {
		case medsec.ChannelEmail:
			r, ok := byUser[got.UserID]
			switch {
			case !ok:
				row = skipped(medsec.SkipNoAddress)
			case r.Prefs.Delivery == medsec.DeliveryDigest:
				m := Render(d.Translator, &n, d.Translator.Match(r.User.Language), settings.PublicURL)
				row = &medsec.Delivery{At: d.now(), Channel: medsec.ChannelEmail, UserID: r.User.ID, Recipient: r.Prefs.Email,
					Kind: n.Kind, SiteID: w.SiteID, DedupKey: n.DedupKey, Subject: m.Subject, Result: medsec.DeliveryQueued}
				queued = &n
			case settings.SMTP.Host == "":
				row = skipped(medsec.SkipEmailOff)
				row.Recipient = r.Prefs.Email
			default:
				m := Render(d.Translator, &n, d.Translator.Match(r.User.Language), settings.PublicURL)
				row = &medsec.Delivery{At: d.now(), Channel: medsec.ChannelEmail, UserID: r.User.ID, Recipient: r.Prefs.Email,
					Kind: n.Kind, SiteID: w.SiteID, DedupKey: n.DedupKey, Subject: m.Subject, Attempts: 1}
				sendErr := d.send(ctx, settings.SMTP, emailOf(d.Translator, r.Prefs.Email, m))
				d.result(row, sendErr)
			}
		case medsec.ChannelWebhook:
			h, ok := byHook[got.WebhookID]
			if !ok || !h.Enabled {
				row = skipped(medsec.SkipWebhookOff)
				break
			}
			if row, err = d.postWebhook(ctx, settings, h, &n); err != nil {
				return w, err
			}
		default:
			continue
		}
		switch row.Result {
		case medsec.DeliverySent, medsec.DeliveryQueued:
			w.Told++
		case medsec.DeliverySkipped:
			w.Skipped++
		}
		if err := d.Store.RecordDelivery(ctx, row, queued); err != nil {
			return w, err
		}
	}
	return w, nil
}

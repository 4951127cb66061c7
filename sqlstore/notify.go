package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/notify"
)

// NotifyService keeps notification preferences, settings, webhooks, the delivery log, the
// deduplication record and the digest queue. It implements medsec.NotificationService for
// users and notify.Store for the dispatcher (which acts as medsec itself).
type NotifyService struct{ db *DB }

var (
	_ medsec.NotificationService = (*NotifyService)(nil)
	_ notify.Store               = (*NotifyService)(nil)
)

// NewNotifyService returns the notification service of db.
func NewNotifyService(db *DB) *NotifyService { return &NotifyService{db: db} }

// notifySettingsKey is the settings row holding the notification settings as JSON.
const notifySettingsKey = "notify"

func joinKinds(ks []medsec.NotificationKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ",")
}

func splitKinds(s string) []medsec.NotificationKind {
	out := []medsec.NotificationKind{}
	for _, k := range strings.Split(s, ",") {
		if k != "" {
			out = append(out, medsec.NotificationKind(k))
		}
	}
	return out
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func splitIDs(s string) []int64 {
	out := []int64{}
	for _, v := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// defaultPrefs are the preferences of a user who never saved any: every kind, immediate,
// and no address (so nothing is sent until the user gives one).
func defaultPrefs(userID int64) medsec.NotifyPrefs {
	return medsec.NotifyPrefs{UserID: userID, Kinds: append([]medsec.NotificationKind{}, medsec.NotificationKinds...), Delivery: medsec.DeliveryImmediate}
}

func findPrefs(ctx context.Context, q querier, d dialect, userID int64) (medsec.NotifyPrefs, error) {
	p := medsec.NotifyPrefs{UserID: userID}
	var kinds string
	err := q.QueryRowContext(ctx, d.rebind(`SELECT email, kinds, delivery FROM notify_prefs WHERE user_id = ?`), userID).Scan(&p.Email, &kinds, &p.Delivery)
	if errors.Is(err, sql.ErrNoRows) {
		return defaultPrefs(userID), nil
	} else if err != nil {
		return p, fmt.Errorf("find notification preferences: %w", err)
	}
	p.Kinds = splitKinds(kinds)
	return p, nil
}

// FindNotifyPrefs returns the calling user's preferences.
func (s *NotifyService) FindNotifyPrefs(ctx context.Context) (medsec.NotifyPrefs, error) {
	u := medsec.UserFromContext(ctx)
	if u == nil || u.ID == 0 {
		return medsec.NotifyPrefs{}, medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.login_required", "You must log in.")
	}
	return findPrefs(ctx, s.db.read, s.db.dialect, u.ID)
}

// UpdateNotifyPrefs stores the calling user's preferences and audits the change.
func (s *NotifyService) UpdateNotifyPrefs(ctx context.Context, p medsec.NotifyPrefs) error {
	u := medsec.UserFromContext(ctx)
	if u == nil || u.ID == 0 {
		return medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.login_required", "You must log in.")
	}
	p.UserID = u.ID
	if p.Kinds == nil {
		p.Kinds = []medsec.NotificationKind{}
	}
	if err := p.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := findPrefs(ctx, tx, tx.db.dialect, u.ID)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM notify_prefs WHERE user_id = ?`, u.ID); err != nil {
		return fmt.Errorf("update notification preferences: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO notify_prefs (user_id, email, kinds, delivery, updated_at) VALUES (?, ?, ?, ?, ?)`,
		u.ID, p.Email, joinKinds(p.Kinds), p.Delivery, tx.now); err != nil {
		return fmt.Errorf("update notification preferences: %w", err)
	}
	if err := tx.auditChange(ctx, "notify.prefs", "user", u.ID, 0, before, p); err != nil {
		return err
	}
	return tx.Commit()
}

// readSettings returns the stored settings with the password.
func readSettings(ctx context.Context, q querier, d dialect) (medsec.NotifySettings, error) {
	set := medsec.NotifySettings{SMTP: medsec.SMTPSettings{TLSPolicy: medsec.TLSMandatory, Port: 587}}
	var v string
	err := q.QueryRowContext(ctx, d.rebind(`SELECT value FROM settings WHERE key = ?`), notifySettingsKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return set, nil
	} else if err != nil {
		return set, fmt.Errorf("find notification settings: %w", err)
	}
	if err := json.Unmarshal([]byte(v), &set); err != nil {
		return set, fmt.Errorf("find notification settings: %w", err)
	}
	set.SMTP.PasswordSet = set.SMTP.Password != ""
	return set, nil
}

// redacted returns the settings as users and the audit trail see them: no password.
func redacted(s medsec.NotifySettings) medsec.NotifySettings {
	s.SMTP.PasswordSet = s.SMTP.Password != ""
	s.SMTP.Password, s.SMTP.ClearPassword = "", false
	return s
}

// FindNotifySettings returns the settings without the password.
func (s *NotifyService) FindNotifySettings(ctx context.Context) (medsec.NotifySettings, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermUserAdmin); err != nil {
		return medsec.NotifySettings{}, err
	}
	set, err := readSettings(ctx, s.db.read, s.db.dialect)
	return redacted(set), err
}

// UpdateNotifySettings stores the settings; an empty password keeps the stored one unless
// ClearPassword is set. The audit row says whether a password is set, never which.
func (s *NotifyService) UpdateNotifySettings(ctx context.Context, set medsec.NotifySettings) error {
	if _, err := medsec.Authorize(ctx, medsec.PermUserAdmin); err != nil {
		return err
	}
	if err := set.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := readSettings(ctx, tx, tx.db.dialect)
	if err != nil {
		return err
	}
	if set.SMTP.Password == "" && !set.SMTP.ClearPassword {
		set.SMTP.Password = before.SMTP.Password
	}
	set.SMTP.ClearPassword, set.SMTP.PasswordSet = false, false
	v, err := json.Marshal(set)
	if err != nil {
		return fmt.Errorf("update notification settings: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM settings WHERE key = ?`, notifySettingsKey); err != nil {
		return fmt.Errorf("update notification settings: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, notifySettingsKey, string(v)); err != nil {
		return fmt.Errorf("update notification settings: %w", err)
	}
	if err := tx.auditChange(ctx, "notify.settings", "settings", 0, 0, redacted(before), redacted(set)); err != nil {
		return err
	}
	return tx.Commit()
}

const webhookColumns = `id, name, url, secret, kinds, site_ids, language, enabled, created_at`

func findWebhooks(ctx context.Context, q querier, d dialect, where string, args ...any) ([]*medsec.Webhook, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT `+webhookColumns+` FROM webhooks`+where+` ORDER BY name, id`), args...)
	if err != nil {
		return nil, fmt.Errorf("find webhooks: %w", err)
	}
	defer rows.Close()
	out := []*medsec.Webhook{}
	for rows.Next() {
		var w medsec.Webhook
		var kinds, sites string
		var enabled int
		if err := rows.Scan(&w.ID, &w.Name, &w.URL, &w.Secret, &kinds, &sites, &w.Language, &enabled, &w.CreatedAt); err != nil {
			return nil, fmt.Errorf("find webhooks: %w", err)
		}
		w.Kinds, w.SiteIDs, w.Enabled, w.SecretSet = splitKinds(kinds), splitIDs(sites), enabled == 1, w.Secret != ""
		w.CreatedAt = w.CreatedAt.UTC()
		out = append(out, &w)
	}
	return out, rows.Err()
}

// withoutSecret returns a copy of w as users and the audit trail see it.
func withoutSecret(w *medsec.Webhook) *medsec.Webhook {
	c := *w
	c.SecretSet, c.Secret = w.Secret != "" || w.SecretSet, ""
	return &c
}

// FindWebhooks lists the webhooks without secrets.
func (s *NotifyService) FindWebhooks(ctx context.Context) ([]*medsec.Webhook, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermUserAdmin); err != nil {
		return nil, err
	}
	hooks, err := findWebhooks(ctx, s.db.read, s.db.dialect, "")
	for i, w := range hooks {
		hooks[i] = withoutSecret(w)
	}
	return hooks, err
}

// CreateWebhook stores a new webhook.
func (s *NotifyService) CreateWebhook(ctx context.Context, w *medsec.Webhook) error {
	if _, err := medsec.Authorize(ctx, medsec.PermUserAdmin); err != nil {
		return err
	}
	if err := w.Validate(true); err != nil {
		return err
	}
	if w.Kinds == nil {
		w.Kinds = []medsec.NotificationKind{}
	}
	if w.SiteIDs == nil {
		w.SiteIDs = []int64{}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	w.CreatedAt = tx.now
	w.ID, err = tx.insert(ctx, `INSERT INTO webhooks (name, url, secret, kinds, site_ids, language, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		w.Name, w.URL, w.Secret, joinKinds(w.Kinds), joinIDs(w.SiteIDs), w.Language, boolInt(w.Enabled), w.CreatedAt)
	if err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	if err := tx.auditChange(ctx, "webhook.create", "webhook", w.ID, 0, nil, withoutSecret(w)); err != nil {
		return err
	}
	w.Secret, w.SecretSet = "", true
	return tx.Commit()
}

// UpdateWebhook changes a webhook; an empty secret keeps the stored one.
func (s *NotifyService) UpdateWebhook(ctx context.Context, w *medsec.Webhook) error {
	if _, err := medsec.Authorize(ctx, medsec.PermUserAdmin); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	found, err := findWebhooks(ctx, tx, tx.db.dialect, " WHERE id = ?", w.ID)
	if err != nil {
		return err
	} else if len(found) == 0 {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.webhook_not_found", "Webhook not found.")
	}
	before := found[0]
	if err := w.Validate(false); err != nil {
		return err
	}
	if w.Secret == "" {
		w.Secret = before.Secret
	}
	if w.Kinds == nil {
		w.Kinds = []medsec.NotificationKind{}
	}
	if w.SiteIDs == nil {
		w.SiteIDs = []int64{}
	}
	w.CreatedAt = before.CreatedAt
	if _, err := tx.exec(ctx, `UPDATE webhooks SET name = ?, url = ?, secret = ?, kinds = ?, site_ids = ?, language = ?, enabled = ? WHERE id = ?`,
		w.Name, w.URL, w.Secret, joinKinds(w.Kinds), joinIDs(w.SiteIDs), w.Language, boolInt(w.Enabled), w.ID); err != nil {
		return fmt.Errorf("update webhook: %w", err)
	}
	if err := tx.auditChange(ctx, "webhook.update", "webhook", w.ID, 0, withoutSecret(before), withoutSecret(w)); err != nil {
		return err
	}
	w.Secret, w.SecretSet = "", true
	return tx.Commit()
}

// DeleteWebhook removes a webhook; its delivery log rows stay.
func (s *NotifyService) DeleteWebhook(ctx context.Context, id int64) error {
	if _, err := medsec.Authorize(ctx, medsec.PermUserAdmin); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	found, err := findWebhooks(ctx, tx, tx.db.dialect, " WHERE id = ?", id)
	if err != nil {
		return err
	} else if len(found) == 0 {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.webhook_not_found", "Webhook not found.")
	}
	if _, err := tx.exec(ctx, `DELETE FROM webhooks WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM notify_sent WHERE channel = ? AND target_id = ?`, medsec.ChannelWebhook, id); err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if err := tx.auditChange(ctx, "webhook.delete", "webhook", id, 0, withoutSecret(found[0]), nil); err != nil {
		return err
	}
	return tx.Commit()
}

// FindDeliveries returns the delivery log, newest first.
func (s *NotifyService) FindDeliveries(ctx context.Context, f medsec.DeliveryFilter) ([]*medsec.Delivery, int, error) {
	sc, err := authorize(ctx, medsec.PermUserAdmin)
	if err != nil {
		return nil, 0, err
	}
	var conds []string
	var args []any
	if f.Result != "" {
		conds, args = append(conds, "result = ?"), append(args, f.Result)
	}
	if cond, cargs := sc.siteCond("site_id"); cond != "" {
		conds, args = append(conds, "(site_id = 0 OR "+cond+")"), append(args, cargs...)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	d := s.db.dialect
	var total int
	if err := s.db.read.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM notify_deliveries`+where), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count deliveries: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.db.read.QueryContext(ctx, d.rebind(`SELECT id, at, channel, user_id, webhook_id, recipient, kind, site_id, dedup_key, subject, result, attempts, error
		FROM notify_deliveries`+where+` ORDER BY id DESC LIMIT ? OFFSET ?`), append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find deliveries: %w", err)
	}
	defer rows.Close()
	out := []*medsec.Delivery{}
	for rows.Next() {
		var r medsec.Delivery
		if err := rows.Scan(&r.ID, &r.At, &r.Channel, &r.UserID, &r.WebhookID, &r.Recipient, &r.Kind, &r.SiteID, &r.DedupKey, &r.Subject, &r.Result, &r.Attempts, &r.Error); err != nil {
			return nil, 0, fmt.Errorf("find deliveries: %w", err)
		}
		r.At = r.At.UTC()
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find deliveries: %w", err)
	}
	rows.Close()
	if err := s.markWithdrawn(ctx, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// markWithdrawn sets Withdrawn on the deliveries whose notice was withdrawn.
func (s *NotifyService) markWithdrawn(ctx context.Context, ds []*medsec.Delivery) error {
	var keys []any
	seen := map[string]bool{}
	for _, d := range ds {
		if d.DedupKey != "" && !seen[d.DedupKey] {
			seen[d.DedupKey] = true
			keys = append(keys, d.DedupKey)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT dedup_key, kind, site_id, reason, by_user, at, dropped FROM notice_withdrawals
		WHERE dedup_key IN (`+placeholders(len(keys))+`)`), keys...)
	if err != nil {
		return fmt.Errorf("find withdrawals: %w", err)
	}
	defer rows.Close()
	byKey := map[string]*medsec.NoticeWithdrawal{}
	for rows.Next() {
		w := &medsec.NoticeWithdrawal{}
		if err := rows.Scan(&w.DedupKey, &w.Kind, &w.SiteID, &w.Reason, &w.By, &w.At, &w.Dropped); err != nil {
			return fmt.Errorf("find withdrawals: %w", err)
		}
		w.At = w.At.UTC()
		byKey[w.DedupKey] = w
	}
	for _, d := range ds {
		d.Withdrawn = byKey[d.DedupKey]
	}
	return rows.Err()
}

// ---- notify.Store: used by the dispatcher, acting as medsec itself ----

// Recipients returns the active users with saved preferences and an address.
func (s *NotifyService) Recipients(ctx context.Context) ([]notify.Recipient, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT p.user_id, p.email, p.kinds, p.delivery FROM notify_prefs p JOIN users u ON u.id = p.user_id
		WHERE p.email <> '' AND u.disabled = 0 ORDER BY p.user_id`)
	if err != nil {
		return nil, fmt.Errorf("find recipients: %w", err)
	}
	var prefs []medsec.NotifyPrefs
	for rows.Next() {
		var p medsec.NotifyPrefs
		var kinds string
		if err := rows.Scan(&p.UserID, &p.Email, &kinds, &p.Delivery); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find recipients: %w", err)
		}
		p.Kinds = splitKinds(kinds)
		prefs = append(prefs, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find recipients: %w", err)
	}
	out := make([]notify.Recipient, 0, len(prefs))
	for _, p := range prefs {
		u, err := findUser(ctx, s.db.read, s.db.dialect, "id = ?", p.UserID)
		if err != nil {
			return nil, fmt.Errorf("find recipients: %w", err)
		}
		out = append(out, notify.Recipient{User: u, Prefs: p})
	}
	return out, nil
}

// DeliverySettings returns the settings and webhooks with their secrets.
func (s *NotifyService) DeliverySettings(ctx context.Context) (medsec.NotifySettings, []*medsec.Webhook, error) {
	set, err := readSettings(ctx, s.db.read, s.db.dialect)
	if err != nil {
		return set, nil, err
	}
	hooks, err := findWebhooks(ctx, s.db.read, s.db.dialect, "")
	return set, hooks, err
}

// Delivered reports whether the target already has the dedup key, or the notice of the
// key was withdrawn (a withdrawn notice is never delivered again).
func (s *NotifyService) Delivered(ctx context.Context, t notify.Target, dedupKey string) (bool, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT (SELECT COUNT(*) FROM notify_sent WHERE channel = ? AND target_id = ? AND dedup_key = ?)
		+ (SELECT COUNT(*) FROM notice_withdrawals WHERE dedup_key = ?)`),
		t.Channel, t.ID, dedupKey, dedupKey).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("find delivered: %w", err)
	}
	return n > 0, nil
}

// RecordDelivery appends to the delivery log, remembers a sent or queued dedup key, and
// queues a digest item; see notify.Store.
func (s *NotifyService) RecordDelivery(ctx context.Context, d *medsec.Delivery, queued *medsec.Notification) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.recordDelivery(ctx, d); err != nil {
		return err
	}
	if queued != nil {
		v, err := json.Marshal(queued)
		if err != nil {
			return fmt.Errorf("queue digest: %w", err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO notify_digest (user_id, day, notification, created_at) VALUES (?, ?, ?, ?)`,
			d.UserID, medsec.DateOf(d.At).String(), string(v), tx.now); err != nil {
			return fmt.Errorf("queue digest: %w", err)
		}
	}
	return tx.Commit()
}

func (tx *Tx) recordDelivery(ctx context.Context, d *medsec.Delivery) error {
	d.At = d.At.UTC().Truncate(time.Microsecond)
	var err error
	d.ID, err = tx.insert(ctx, `INSERT INTO notify_deliveries (at, channel, user_id, webhook_id, recipient, kind, site_id, dedup_key, subject, result, attempts, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.At, d.Channel, d.UserID, d.WebhookID, d.Recipient, string(d.Kind), d.SiteID, d.DedupKey, d.Subject, d.Result, d.Attempts, d.Error)
	if err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	if d.DedupKey == "" || (d.Result != medsec.DeliverySent && d.Result != medsec.DeliveryQueued) {
		return nil
	}
	target := d.UserID
	if d.Channel == medsec.ChannelWebhook {
		target = d.WebhookID
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM notify_sent WHERE channel = ? AND target_id = ? AND dedup_key = ?`, d.Channel, target, d.DedupKey).Scan(&n); err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	if n == 0 {
		if _, err := tx.exec(ctx, `INSERT INTO notify_sent (channel, target_id, dedup_key, at) VALUES (?, ?, ?, ?)`, d.Channel, target, d.DedupKey, d.At); err != nil {
			return fmt.Errorf("record delivery: %w", err)
		}
	}
	return nil
}

// DueDigests returns the queued items of days before the given day.
func (s *NotifyService) DueDigests(ctx context.Context, before medsec.Date) ([]notify.DigestBatch, error) {
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT user_id, day, notification FROM notify_digest WHERE day < ? ORDER BY user_id, day, id`), before.String())
	if err != nil {
		return nil, fmt.Errorf("find digests: %w", err)
	}
	defer rows.Close()
	var out []notify.DigestBatch
	for rows.Next() {
		var userID int64
		var day, v string
		if err := rows.Scan(&userID, &day, &v); err != nil {
			return nil, fmt.Errorf("find digests: %w", err)
		}
		var n medsec.Notification
		if err := json.Unmarshal([]byte(v), &n); err != nil {
			return nil, fmt.Errorf("find digests: user %d, %s: %w", userID, day, err)
		}
		if len(out) == 0 || out[len(out)-1].UserID != userID || out[len(out)-1].Day.String() != day {
			date, err := medsec.ParseDate(day)
			if err != nil {
				return nil, fmt.Errorf("find digests: %w", err)
			}
			out = append(out, notify.DigestBatch{UserID: userID, Day: date})
		}
		out[len(out)-1].Items = append(out[len(out)-1].Items, n)
	}
	return out, rows.Err()
}

// DigestQueueLength counts the notifications waiting in users' digests, of every day,
// with one COUNT query: the /metrics gauge medsec_notify_digest_queue reads it at each
// scrape (issue 17), where DueDigests would load and decode the whole queue.
func (s *NotifyService) DigestQueueLength(ctx context.Context) (int, error) {
	var n int
	if err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_digest`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count digest queue: %w", err)
	}
	return n, nil
}

// DigestSent records the digest's delivery and empties its batch.
func (s *NotifyService) DigestSent(ctx context.Context, userID int64, day medsec.Date, d *medsec.Delivery) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.recordDelivery(ctx, d); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM notify_digest WHERE user_id = ? AND day = ?`, userID, day.String()); err != nil {
		return fmt.Errorf("digest sent: %w", err)
	}
	return tx.Commit()
}

// WithdrawNotice records the withdrawal of the notice delivery deliveryID carried, for the
// calling user (PermUserAdmin; the notice's site in scope, an organisation-wide notice
// only for a user of every site), audited in the same transaction; see notify.Store. It
// drops the notice's digest items not yet sent and returns the deliveries that reached
// their target, one per target: sent e-mails and webhooks, and queued e-mails whose
// digest went out.
func (s *NotifyService) WithdrawNotice(ctx context.Context, deliveryID int64, reason string) (*medsec.NoticeWithdrawal, []*medsec.Delivery, error) {
	sc, err := authorize(ctx, medsec.PermUserAdmin)
	if err != nil {
		return nil, nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	w := &medsec.NoticeWithdrawal{}
	err = tx.queryRow(ctx, `SELECT dedup_key, kind, site_id FROM notify_deliveries WHERE id = ?`, deliveryID).Scan(&w.DedupKey, &w.Kind, &w.SiteID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.delivery_not_found", "Delivery not found.")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("withdraw notice: %w", err)
	}
	if (w.SiteID == 0 && len(sc.user.SiteIDs) > 0) || (w.SiteID != 0 && !sc.seesSite(w.SiteID)) {
		return nil, nil, medsec.NotInScope("Delivery not found.", "err.delivery_not_found", fmt.Sprintf("notification delivery %d", deliveryID), w.SiteID)
	}
	if w.DedupKey == "" || w.Kind == medsec.KindTest || w.Kind == medsec.KindDigest || w.Kind == medsec.KindNoticeWithdrawn {
		return nil, nil, medsec.ErrorWithKey(medsec.EINVALID, "err.notice_not_withdrawable", "Test messages, digests and withdrawals cannot be withdrawn.")
	}
	if err := medsec.ValidateWithdrawReason(reason); err != nil {
		return nil, nil, err
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM notice_withdrawals WHERE dedup_key = ?`, w.DedupKey).Scan(&n); err != nil {
		return nil, nil, fmt.Errorf("withdraw notice: %w", err)
	}
	if n > 0 {
		return nil, nil, medsec.ErrorWithKey(medsec.ECONFLICT, "err.notice_withdrawn", "This notice is already withdrawn.")
	}
	w.Reason, w.By, w.At = strings.TrimSpace(reason), sc.user.Username, tx.now

	// The digest items of the notice not yet sent are dropped; their users are not told.
	unsent := map[int64]bool{}
	rows, err := tx.query(ctx, `SELECT id, user_id, notification FROM notify_digest WHERE notification LIKE ?`, "%"+w.DedupKey+"%")
	if err != nil {
		return nil, nil, fmt.Errorf("withdraw notice: digests: %w", err)
	}
	var drop []int64
	for rows.Next() {
		var id, userID int64
		var v string
		if err := rows.Scan(&id, &userID, &v); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("withdraw notice: digests: %w", err)
		}
		var queued medsec.Notification
		if json.Unmarshal([]byte(v), &queued) == nil && queued.DedupKey == w.DedupKey {
			drop, unsent[userID] = append(drop, id), true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("withdraw notice: digests: %w", err)
	}
	for _, id := range drop {
		if _, err := tx.exec(ctx, `DELETE FROM notify_digest WHERE id = ?`, id); err != nil {
			return nil, nil, fmt.Errorf("withdraw notice: digests: %w", err)
		}
	}
	w.Dropped = len(drop)

	rows, err = tx.query(ctx, `SELECT id, at, channel, user_id, webhook_id, recipient, kind, site_id, dedup_key, subject, result, attempts, error
		FROM notify_deliveries WHERE dedup_key = ? AND result IN (?, ?) ORDER BY id`, w.DedupKey, medsec.DeliverySent, medsec.DeliveryQueued)
	if err != nil {
		return nil, nil, fmt.Errorf("withdraw notice: %w", err)
	}
	var reached []*medsec.Delivery
	seen := map[notify.Target]bool{}
	for rows.Next() {
		var r medsec.Delivery
		if err := rows.Scan(&r.ID, &r.At, &r.Channel, &r.UserID, &r.WebhookID, &r.Recipient, &r.Kind, &r.SiteID, &r.DedupKey, &r.Subject, &r.Result, &r.Attempts, &r.Error); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("withdraw notice: %w", err)
		}
		t := notify.Target{Channel: r.Channel, ID: r.UserID}
		if r.Channel == medsec.ChannelWebhook {
			t.ID = r.WebhookID
		}
		if seen[t] || (r.Result == medsec.DeliveryQueued && unsent[r.UserID]) {
			continue
		}
		seen[t] = true
		r.At = r.At.UTC()
		reached = append(reached, &r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("withdraw notice: %w", err)
	}
	if _, err := tx.insert(ctx, `INSERT INTO notice_withdrawals (dedup_key, kind, site_id, reason, by_user, at, dropped) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		w.DedupKey, string(w.Kind), w.SiteID, w.Reason, w.By, w.At, w.Dropped); err != nil {
		return nil, nil, fmt.Errorf("withdraw notice: %w", err)
	}
	if err := tx.auditChange(ctx, medsec.ActionNoticeWithdraw, "notice", deliveryID, w.SiteID, nil, w); err != nil {
		return nil, nil, err
	}
	return w, reached, tx.Commit()
}

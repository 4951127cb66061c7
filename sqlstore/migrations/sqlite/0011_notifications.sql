-- Notifications: per-user preferences, webhooks, the delivery log, what each recipient
-- already got (deduplication) and the daily digest queue. SMTP settings live in settings
-- under the key "notify".
CREATE TABLE notify_prefs (
	user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	email      TEXT NOT NULL DEFAULT '',
	kinds      TEXT NOT NULL DEFAULT '',
	delivery   TEXT NOT NULL DEFAULT 'immediate',
	updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhooks (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL,
	url        TEXT NOT NULL,
	secret     TEXT NOT NULL,
	kinds      TEXT NOT NULL DEFAULT '',
	site_ids   TEXT NOT NULL DEFAULT '',
	language   TEXT NOT NULL DEFAULT 'en',
	enabled    INTEGER NOT NULL DEFAULT 1,
	created_at TIMESTAMP NOT NULL
);

CREATE TABLE notify_deliveries (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	at         TIMESTAMP NOT NULL,
	channel    TEXT NOT NULL,
	user_id    INTEGER NOT NULL DEFAULT 0,
	webhook_id INTEGER NOT NULL DEFAULT 0,
	recipient  TEXT NOT NULL DEFAULT '',
	kind       TEXT NOT NULL,
	dedup_key  TEXT NOT NULL DEFAULT '',
	subject    TEXT NOT NULL DEFAULT '',
	result     TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notify_deliveries_at ON notify_deliveries (at);

CREATE TABLE notify_sent (
	channel   TEXT NOT NULL,
	target_id INTEGER NOT NULL,
	dedup_key TEXT NOT NULL,
	at        TIMESTAMP NOT NULL,
	PRIMARY KEY (channel, target_id, dedup_key)
);

CREATE TABLE notify_digest (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	day          TEXT NOT NULL,
	notification TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL
);
CREATE INDEX notify_digest_day ON notify_digest (day, user_id);

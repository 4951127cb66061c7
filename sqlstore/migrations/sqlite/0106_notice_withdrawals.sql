-- Notices withdrawn after they were sent [M11; 004 §2]: a reminder, an alert or an
-- incident notification that was wrong or is no longer valid. One row per notice (its
-- dedup key): who withdrew it, when and why; the delivery log shows every delivery of the
-- key as withdrawn, and the key is never delivered again.
CREATE TABLE notice_withdrawals (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	dedup_key  TEXT NOT NULL UNIQUE,
	kind       TEXT NOT NULL,
	site_id    INTEGER NOT NULL DEFAULT 0,
	reason     TEXT NOT NULL,
	by_user    TEXT NOT NULL,
	at         TIMESTAMP NOT NULL,
	dropped    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_deliveries_dedup ON notify_deliveries (dedup_key);

-- Log alerts (issue 12): a condition of log collection that people are told about
-- through the notification service and see on the log sources page until it clears — a
-- silent source, a source's clock off beyond its limit, a storage failure, a failed seal
-- verification. One row per occurrence: raised_at when first seen, last_seen_at at each
-- check while it holds, resolved_at when a check finds it gone. subject names what it is
-- about (source:ID, storage:write, seal:SITE); at most one open row per kind and subject.
-- message_key and args_json are the text shown (args are figures, not translated).
-- site_id 0 is the whole store (storage); source_id 0 none (log_sources comes later in
-- the migration order, 0035, hence no foreign key).
CREATE TABLE log_alerts (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	kind         TEXT NOT NULL,
	subject      TEXT NOT NULL,
	site_id      INTEGER NOT NULL DEFAULT 0,
	source_id    INTEGER NOT NULL DEFAULT 0,
	message_key  TEXT NOT NULL,
	args_json    TEXT NOT NULL DEFAULT '[]',
	raised_at    TIMESTAMP NOT NULL,
	last_seen_at TIMESTAMP NOT NULL,
	resolved_at  TIMESTAMP
);
CREATE UNIQUE INDEX log_alerts_open ON log_alerts (kind, subject) WHERE resolved_at IS NULL;
CREATE INDEX log_alerts_site ON log_alerts (site_id, raised_at);
-- Alarm limits per log source class: silence longer than silent_after seconds (unless the
-- source sets its own expected interval) and a clock off by more than max_skew seconds
-- [000 時戳, 004 §17 ③]. A class not listed keeps the defaults (15 minutes, 10 seconds).
CREATE TABLE log_alert_thresholds (
	class        TEXT PRIMARY KEY,
	silent_after INTEGER NOT NULL,
	max_skew     INTEGER NOT NULL,
	updated_at   TIMESTAMP NOT NULL
);

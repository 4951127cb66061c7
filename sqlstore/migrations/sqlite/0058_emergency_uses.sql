-- Uses of emergency (break-glass) accounts [004 §11 ①; 000 附表一 帳號管理(高) 一]: each
-- login the built-in rule "Emergency account used" finds is a password-reset task with its
-- deadline, the justification a person enters and the confirmation that closes it. One row
-- per event (event_key), so a redelivered or retro-hunted event is not a second use.
CREATE TABLE emergency_uses (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id       INTEGER REFERENCES sites (id),
	asset_id      INTEGER REFERENCES assets (id),
	account_id    INTEGER REFERENCES accounts (id),
	username      TEXT NOT NULL,
	source_ip     TEXT NOT NULL DEFAULT '',
	used_at       TIMESTAMP NOT NULL,
	alert_id      INTEGER NOT NULL REFERENCES alerts (id),
	event_key     TEXT NOT NULL,
	reset_due     TIMESTAMP NOT NULL,
	justification TEXT NOT NULL DEFAULT '',
	justified_by  TEXT NOT NULL DEFAULT '',
	justified_at  TIMESTAMP,
	reset_by      TEXT NOT NULL DEFAULT '',
	reset_note    TEXT NOT NULL DEFAULT '',
	reset_at      TIMESTAMP,
	created_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX emergency_uses_event ON emergency_uses (event_key);
CREATE INDEX emergency_uses_open ON emergency_uses (reset_due) WHERE reset_at IS NULL;

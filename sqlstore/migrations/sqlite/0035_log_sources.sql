-- Log sources (issue 12): devices and systems sending logs, registered by a person or on
-- their first record, linked to an asset, with their health over the latest window: last
-- seen, rate, format, clock skew (record time minus receive time, median, seconds) and how
-- many of the window's records lacked each item of 000 日誌紀錄內容 (missing_json).
-- token_hash is the SHA-256 (hex) of a JSON-over-HTTPS source's token.
CREATE TABLE log_sources (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id           INTEGER NOT NULL REFERENCES sites (id),
	name              TEXT NOT NULL,
	address           TEXT NOT NULL DEFAULT '',
	hostname          TEXT NOT NULL DEFAULT '',
	asset_id          INTEGER REFERENCES assets (id) ON DELETE SET NULL,
	transport         TEXT NOT NULL,
	format            TEXT NOT NULL DEFAULT '',
	auto_registered   INTEGER NOT NULL DEFAULT 0,
	token_hash        TEXT NOT NULL DEFAULT '',
	expected_interval INTEGER NOT NULL DEFAULT 0,
	first_seen        TIMESTAMP,
	last_seen         TIMESTAMP,
	records           INTEGER NOT NULL DEFAULT 0,
	rate              REAL NOT NULL DEFAULT 0,
	skew              REAL NOT NULL DEFAULT 0,
	skew_samples      INTEGER NOT NULL DEFAULT 0,
	window_records    INTEGER NOT NULL DEFAULT 0,
	missing_json      TEXT NOT NULL DEFAULT '{}',
	created_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX log_sources_site_address ON log_sources (site_id, address) WHERE address <> '';
CREATE UNIQUE INDEX log_sources_token ON log_sources (token_hash) WHERE token_hash <> '';
CREATE INDEX log_sources_site_name ON log_sources (site_id, name);

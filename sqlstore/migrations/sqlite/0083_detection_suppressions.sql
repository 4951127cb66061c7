-- Suppressions of known false positives: one rule at one site, matching events by host,
-- user and source address or network; what they silenced is counted, never raised.
-- Kept after they expire (issue 13 finding 12).
CREATE TABLE detection_suppressions (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	rule_id            INTEGER NOT NULL REFERENCES detection_rules (id) ON DELETE CASCADE,
	-- site_id 0 is the organisation (events of no site, such as logins to medsec).
	site_id            INTEGER NOT NULL,
	host               TEXT NOT NULL DEFAULT '',
	user_name          TEXT NOT NULL DEFAULT '',
	-- source is an IP address or a network in CIDR notation.
	source             TEXT NOT NULL DEFAULT '',
	reason             TEXT NOT NULL,
	expires_at         TIMESTAMP,
	created_by         INTEGER REFERENCES users (id),
	created_at         TIMESTAMP NOT NULL,
	suppressed         INTEGER NOT NULL DEFAULT 0,
	last_suppressed_at TIMESTAMP
);
CREATE INDEX detection_suppressions_rule ON detection_suppressions (rule_id, site_id);

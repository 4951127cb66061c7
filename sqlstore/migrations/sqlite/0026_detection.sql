-- Detection: Sigma rules (built-in and imported), their state per site, and alerts with
-- the events that raised them and their triage.
CREATE TABLE detection_rules (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	-- rule_uid is the Sigma rule's id (a UUID), unique among the rules.
	rule_uid    TEXT NOT NULL UNIQUE,
	title       TEXT NOT NULL,
	kind        TEXT NOT NULL DEFAULT 'rule',
	level       TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL DEFAULT '',
	tags        TEXT NOT NULL DEFAULT '',
	origin      TEXT NOT NULL,
	file_name   TEXT NOT NULL DEFAULT '',
	yaml        TEXT NOT NULL,
	-- enabled is the state at sites without their own (built-in rules on, imported off).
	enabled     INTEGER NOT NULL DEFAULT 0,
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE detection_rule_sites (
	rule_id     INTEGER NOT NULL REFERENCES detection_rules (id) ON DELETE CASCADE,
	-- site_id 0 is the organisation (events of no site, such as logins to medsec).
	site_id     INTEGER NOT NULL,
	-- enabled: -1 follows the rule's default, 0 off, 1 on.
	enabled     INTEGER NOT NULL DEFAULT -1,
	hits        INTEGER NOT NULL DEFAULT 0,
	last_hit_at TIMESTAMP,
	PRIMARY KEY (rule_id, site_id)
);

CREATE TABLE alerts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	-- dedup_key names the occurrence (rule, site, group); a repeat adds events to the
	-- open alert of the same key instead of raising another.
	dedup_key   TEXT NOT NULL,
	rule_id     INTEGER NOT NULL REFERENCES detection_rules (id),
	title       TEXT NOT NULL,
	level       TEXT NOT NULL,
	tags        TEXT NOT NULL DEFAULT '',
	-- site_id is NULL for an alert on the organisation (a login to medsec itself).
	site_id     INTEGER REFERENCES sites (id),
	asset_id    INTEGER REFERENCES assets (id),
	zone_id     INTEGER,
	vendor_id   INTEGER,
	status      TEXT NOT NULL DEFAULT 'new',
	assignee_id INTEGER REFERENCES users (id),
	note        TEXT NOT NULL DEFAULT '',
	event_count INTEGER NOT NULL DEFAULT 0,
	first_at    TIMESTAMP NOT NULL,
	last_at     TIMESTAMP NOT NULL,
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL,
	closed_at   TIMESTAMP
);
CREATE INDEX alerts_site_status ON alerts (site_id, status);
CREATE INDEX alerts_dedup ON alerts (dedup_key, status);

CREATE TABLE alert_events (
	alert_id    INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	event_key   TEXT NOT NULL,
	at          TIMESTAMP NOT NULL,
	ref_type    TEXT NOT NULL DEFAULT '',
	ref_id      INTEGER NOT NULL DEFAULT 0,
	fields_json TEXT NOT NULL,
	PRIMARY KEY (alert_id, event_key)
);

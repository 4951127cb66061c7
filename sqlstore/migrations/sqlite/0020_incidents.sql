-- Incidents on the response plan's clock (M9; 003 §3–5, 002 第二十五–二十七条, 004 §18).
-- The jurisdiction whose reporting duties a site's incidents carry.
CREATE TABLE incident_site_settings (
	site_id      INTEGER PRIMARY KEY REFERENCES sites (id),
	jurisdiction TEXT NOT NULL
);

-- A jurisdiction's calendar for working-day clocks: holidays, and weekend days worked.
CREATE TABLE incident_holidays (
	jurisdiction TEXT NOT NULL,
	day          TEXT NOT NULL,
	name         TEXT NOT NULL,
	workday      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (jurisdiction, day)
);

CREATE TABLE incidents (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id         INTEGER NOT NULL REFERENCES sites (id),
	jurisdiction    TEXT NOT NULL,
	title           TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	scenario        TEXT NOT NULL,
	drill           INTEGER NOT NULL DEFAULT 0,
	status          TEXT NOT NULL,
	level           INTEGER NOT NULL,
	suggested_level INTEGER NOT NULL,
	level_reason    TEXT NOT NULL DEFAULT '',
	level_at        TIMESTAMP NOT NULL,
	exposure        TEXT NOT NULL,
	outage          TEXT NOT NULL,
	outage_minutes  INTEGER NOT NULL DEFAULT 0,
	detected_at     TIMESTAMP NOT NULL,
	opened_at       TIMESTAMP NOT NULL,
	closed_at       TIMESTAMP,
	cause           TEXT NOT NULL DEFAULT '',
	actions         TEXT NOT NULL DEFAULT '',
	result          TEXT NOT NULL DEFAULT '',
	version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX incidents_site ON incidents (site_id, status);

-- Tasks come before clocks: a task's deadline is a clock.
CREATE TABLE incident_tasks (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	key         TEXT NOT NULL DEFAULT '',
	title       TEXT NOT NULL DEFAULT '',
	source      TEXT NOT NULL DEFAULT '',
	assignee    TEXT NOT NULL DEFAULT '',
	lesson      INTEGER NOT NULL DEFAULT 0,
	done_at     TIMESTAMP,
	done_by     TEXT NOT NULL DEFAULT '',
	note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_tasks_incident ON incident_tasks (incident_id);


CREATE TABLE incident_clocks (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id   INTEGER NOT NULL REFERENCES incidents (id),
	key           TEXT NOT NULL,
	label         TEXT NOT NULL DEFAULT '',
	source        TEXT NOT NULL DEFAULT '',
	level         INTEGER NOT NULL DEFAULT 0,
	every_minutes INTEGER NOT NULL DEFAULT 0,
	start_at      TIMESTAMP NOT NULL,
	due_at        TIMESTAMP,
	met_at        TIMESTAMP,
	met_by        TEXT NOT NULL DEFAULT '',
	met_note      TEXT NOT NULL DEFAULT '',
	evidence      TEXT NOT NULL DEFAULT '',
	stopped_at    TIMESTAMP,
	custom        INTEGER NOT NULL DEFAULT 0,
	task_id       INTEGER REFERENCES incident_tasks (id)
);
CREATE INDEX incident_clocks_incident ON incident_clocks (incident_id);
CREATE INDEX incident_clocks_open ON incident_clocks (due_at) WHERE met_at IS NULL AND stopped_at IS NULL;

CREATE TABLE incident_checklist (
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	key         TEXT NOT NULL,
	source      TEXT NOT NULL,
	met_at      TIMESTAMP,
	met_by      TEXT NOT NULL DEFAULT '',
	note        TEXT NOT NULL DEFAULT '',
	waived      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (incident_id, key)
);

-- The timeline is append-only: every action, decision and message.
CREATE TABLE incident_timeline (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	at          TIMESTAMP NOT NULL,
	username    TEXT NOT NULL,
	kind        TEXT NOT NULL,
	text        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);
CREATE TRIGGER incident_timeline_no_update BEFORE UPDATE ON incident_timeline
BEGIN SELECT RAISE(ABORT, 'incident_timeline is append-only'); END;
CREATE TRIGGER incident_timeline_no_delete BEFORE DELETE ON incident_timeline
BEGIN SELECT RAISE(ABORT, 'incident_timeline is append-only'); END;

CREATE TABLE incident_people (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	name        TEXT NOT NULL,
	role        TEXT NOT NULL
);

CREATE TABLE incident_assets (
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	asset_id    INTEGER NOT NULL REFERENCES assets (id),
	PRIMARY KEY (incident_id, asset_id)
);

CREATE TABLE incident_evidence (
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	sha256      TEXT NOT NULL,
	name        TEXT NOT NULL,
	PRIMARY KEY (incident_id, sha256)
);

-- Chain of custody of linked evidence, append-only.
CREATE TABLE incident_custody (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	sha256      TEXT NOT NULL,
	at          TIMESTAMP NOT NULL,
	username    TEXT NOT NULL,
	action      TEXT NOT NULL,
	note        TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER incident_custody_no_update BEFORE UPDATE ON incident_custody
BEGIN SELECT RAISE(ABORT, 'incident_custody is append-only'); END;
CREATE TRIGGER incident_custody_no_delete BEFORE DELETE ON incident_custody
BEGIN SELECT RAISE(ABORT, 'incident_custody is append-only'); END;

CREATE TABLE incident_notifications (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	recipient   TEXT NOT NULL,
	name        TEXT NOT NULL DEFAULT '',
	channel     TEXT NOT NULL,
	sent_at     TIMESTAMP NOT NULL,
	language    TEXT NOT NULL,
	content     TEXT NOT NULL,
	sent_by     TEXT NOT NULL,
	clock_id    INTEGER REFERENCES incident_clocks (id)
);

-- Alerts linked to incidents (the alerts table is the detection pipeline's).
CREATE TABLE incident_alerts (
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	alert_id    INTEGER NOT NULL,
	PRIMARY KEY (incident_id, alert_id)
);

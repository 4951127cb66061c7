-- The governance calendar [M11; 002, 003 §3.2.2, §3.4, 004 §2]: one row per site, duty and
-- period (its first day and its due day, 'YYYY-MM-DD'), done when its record is entered.
-- Training [003 §3.4.2]: sessions held at a site, the people who attended, and whether a
-- person holds a key role (16 hours a year).
CREATE TABLE governance_items (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id      INTEGER NOT NULL REFERENCES sites (id),
	kind         TEXT NOT NULL,
	period_start TEXT NOT NULL,
	due          TEXT NOT NULL,
	done_on      TEXT NOT NULL DEFAULT '',
	done_by      TEXT NOT NULL DEFAULT '',
	record       TEXT NOT NULL DEFAULT '',
	evidence     TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMP NOT NULL,
	UNIQUE (site_id, kind, period_start)
);
CREATE INDEX governance_items_due ON governance_items (due);
CREATE TABLE training_sessions (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id  INTEGER NOT NULL REFERENCES sites (id),
	course   TEXT NOT NULL,
	day      TEXT NOT NULL,
	minutes  INTEGER NOT NULL,
	trainer  TEXT NOT NULL DEFAULT '',
	evidence TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL,
	UNIQUE (site_id, course, day)
);
CREATE TABLE training_attendance (
	session_id INTEGER NOT NULL REFERENCES training_sessions (id),
	person_id  INTEGER NOT NULL REFERENCES people (id),
	PRIMARY KEY (session_id, person_id)
);
CREATE INDEX training_attendance_person ON training_attendance (person_id);
ALTER TABLE people ADD COLUMN key_role INTEGER NOT NULL DEFAULT 0;

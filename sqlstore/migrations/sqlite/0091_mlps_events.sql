-- Event-driven duties of the governance calendar [M11; 002 第六条(二), (四)]: a 等保 grading
-- of a system at a site owes its filing within 10 working days and an assessment, a change
-- owes the re-filing. mlps_events keeps the events; governance_items.event_id links the
-- items an event created (0 for the recurring duties' items), so that two systems graded
-- on one day each have their items: the uniqueness of an item gains event_id (SQLite
-- cannot change a constraint in place, so the table is rebuilt; nothing refers to it).
CREATE TABLE mlps_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id     INTEGER NOT NULL REFERENCES sites (id),
	system      TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('grading', 'change')),
	level       INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
	people      INTEGER NOT NULL DEFAULT 0,
	day         TEXT NOT NULL,
	note        TEXT NOT NULL DEFAULT '',
	recorded_by TEXT NOT NULL,
	created_at  TIMESTAMP NOT NULL
);
CREATE INDEX mlps_events_site ON mlps_events (site_id, system);
CREATE TABLE governance_items_new (
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
	event_id     INTEGER NOT NULL DEFAULT 0,
	UNIQUE (site_id, kind, period_start, event_id)
);
INSERT INTO governance_items_new (id, site_id, kind, period_start, due, done_on, done_by, record, evidence, created_at)
	SELECT id, site_id, kind, period_start, due, done_on, done_by, record, evidence, created_at FROM governance_items;
DROP TABLE governance_items;
ALTER TABLE governance_items_new RENAME TO governance_items;
CREATE INDEX governance_items_due ON governance_items (due);

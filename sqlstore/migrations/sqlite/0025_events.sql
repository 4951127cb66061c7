-- medsec's own events (logins, discovery, zone analysis, vulnerability matches): written in
-- the transaction of the change that raised them, published to the event stream after it
-- commits, and kept for testing detection rules and retro-hunting. event_key is the
-- event's idempotent ID; fields_json its ECS fields.
CREATE TABLE events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	event_key   TEXT NOT NULL UNIQUE,
	at          TIMESTAMP NOT NULL,
	site_id     INTEGER NOT NULL DEFAULT 0,
	asset_id    INTEGER NOT NULL DEFAULT 0,
	dataset     TEXT NOT NULL DEFAULT '',
	action      TEXT NOT NULL DEFAULT '',
	ref_type    TEXT NOT NULL DEFAULT '',
	ref_id      INTEGER NOT NULL DEFAULT 0,
	fields_json TEXT NOT NULL
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_site_at ON events (site_id, at);

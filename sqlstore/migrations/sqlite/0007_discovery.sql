-- Passive discovery runs: a capture's summary, its stocktake counts, and the whole result.
CREATE TABLE discovery_runs (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id      INTEGER NOT NULL REFERENCES sites (id),
	source       TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	size         INTEGER NOT NULL,
	format       TEXT NOT NULL,
	packets      INTEGER NOT NULL,
	hosts        INTEGER NOT NULL,
	flows        INTEGER NOT NULL,
	matched      INTEGER NOT NULL,
	proposed_new INTEGER NOT NULL,
	not_seen     INTEGER NOT NULL,
	error        TEXT NOT NULL DEFAULT '',
	created_by   TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	result_json  TEXT NOT NULL
);
CREATE INDEX discovery_runs_site ON discovery_runs (site_id, created_at);

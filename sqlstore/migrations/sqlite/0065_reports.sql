-- Generated reports [M12]: each file kept in the evidence store under its SHA-256, with the
-- parameters it was built from. site_id is NULL for a report of every site the author saw;
-- content_hash is report.Document.ContentHash (the content without who and when), so a
-- regeneration for the same parameters can say whether anything changed.
CREATE TABLE reports (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	name         TEXT NOT NULL,
	site_id      INTEGER REFERENCES sites (id),
	period       TEXT NOT NULL,
	lang         TEXT NOT NULL,
	format       TEXT NOT NULL,
	catalog      TEXT NOT NULL DEFAULT '',
	sha256       TEXT NOT NULL,
	content_hash TEXT NOT NULL,
	size         INTEGER NOT NULL,
	generated_by TEXT NOT NULL,
	generated_at TIMESTAMP NOT NULL
);
CREATE INDEX reports_params ON reports (name, period, lang, format, catalog, site_id);

-- Retention per log source class (issue 12; 000: logs kept at least six months): the
-- class a person chose for a source (none: derived from its linked asset's kind), and
-- each class's retention in days (a class not listed keeps the default, 190 days).
-- log_sources comes later in the migration order (0035), hence no foreign key: the
-- service removes a source's row with the source.
CREATE TABLE log_source_classes (
	source_id INTEGER PRIMARY KEY,
	class     TEXT NOT NULL
);
CREATE TABLE log_retention (
	class      TEXT PRIMARY KEY,
	days       INTEGER NOT NULL,
	updated_at TIMESTAMP NOT NULL
);

-- Sealed log records attached to an incident as evidence (issue 14): the record (its site
-- log and index, receive time, sender, format and raw text), its seal reference (leaf
-- hash, the signed checkpoint it is proven against, its tree size and root) and the proof
-- itself, a one-record verification bundle (medsec-log-bundle/2, docs/LOG-SEAL.md) an
-- auditor checks offline; sha256 is the bundle's digest, the key of its chain of custody
-- in incident_custody. Append-only, as the custody.
CREATE TABLE incident_log_records (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id     INTEGER NOT NULL REFERENCES incidents (id),
	site_id         INTEGER NOT NULL,
	log_index       INTEGER NOT NULL,
	received_at     TIMESTAMP NOT NULL,
	source          TEXT NOT NULL,
	format          TEXT NOT NULL,
	raw             TEXT NOT NULL,
	leaf_hash       TEXT NOT NULL,
	checkpoint_size INTEGER NOT NULL,
	root_hash       TEXT NOT NULL,
	checkpoint      TEXT NOT NULL,
	proof           TEXT NOT NULL,
	sha256          TEXT NOT NULL,
	attached_at     TIMESTAMP NOT NULL,
	attached_by     TEXT NOT NULL,
	UNIQUE (incident_id, site_id, log_index)
);
CREATE TRIGGER incident_log_records_no_update BEFORE UPDATE ON incident_log_records
BEGIN SELECT RAISE(ABORT, 'incident_log_records is append-only'); END;
CREATE TRIGGER incident_log_records_no_delete BEFORE DELETE ON incident_log_records
BEGIN SELECT RAISE(ABORT, 'incident_log_records is append-only'); END;

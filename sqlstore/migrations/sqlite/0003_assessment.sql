-- Compliance assessments [M4]: append-only; a subject's current state is its latest row.
CREATE TABLE assessments (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	catalog_id   TEXT NOT NULL,
	control_id   TEXT NOT NULL,
	asset_id     INTEGER NOT NULL DEFAULT 0, -- 0 = the organisation
	site_id      INTEGER NOT NULL DEFAULT 0,
	status       TEXT NOT NULL,
	reason       TEXT NOT NULL DEFAULT '',
	compensating TEXT NOT NULL DEFAULT '',
	notes        TEXT NOT NULL DEFAULT '',
	links        TEXT NOT NULL DEFAULT '',
	assessor_id  INTEGER,
	assessor     TEXT NOT NULL,
	assessed_on  TEXT NOT NULL,
	next_review  TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMP NOT NULL
);
CREATE INDEX assessments_subject ON assessments (catalog_id, asset_id, control_id, id);

CREATE TABLE assessment_evidence (
	assessment_id INTEGER NOT NULL REFERENCES assessments (id),
	sha256        TEXT NOT NULL,
	name          TEXT NOT NULL,
	size          INTEGER NOT NULL,
	media_type    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (assessment_id, sha256)
);
CREATE INDEX assessment_evidence_sha ON assessment_evidence (sha256);

-- Environmental re-scoring of a finding for its device (issue 11), guided by MITRE's
-- rubric for applying CVSS to medical devices: each re-scoring is kept with who made it,
-- when and why; the finding carries the latest vector and score, which its deadline
-- follows (env_vector '' when never re-scored).
ALTER TABLE vuln_findings ADD COLUMN env_vector TEXT NOT NULL DEFAULT '';
ALTER TABLE vuln_findings ADD COLUMN env_score REAL NOT NULL DEFAULT 0;
CREATE TABLE vuln_rescores (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	finding_id  INTEGER NOT NULL REFERENCES vuln_findings (id) ON DELETE CASCADE,
	base_vector TEXT NOT NULL,
	vector      TEXT NOT NULL,
	score       REAL NOT NULL,
	answers     TEXT NOT NULL,
	metrics     TEXT NOT NULL,
	reason      TEXT NOT NULL,
	due_at      TIMESTAMP NOT NULL,
	deadline_rule TEXT NOT NULL,
	scored_by   TEXT NOT NULL,
	scored_at   TIMESTAMP NOT NULL
);
CREATE INDEX vuln_rescores_finding ON vuln_rescores (finding_id);

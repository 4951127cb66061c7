-- Who uploaded which evidence file: a file a user uploaded counts as seen by that user, who
-- may cite it in an assessment before it is attached (docs/SECURITY.md, evidence). No
-- foreign key: the system user (id 0) uploads demo evidence.
CREATE TABLE evidence_uploads (
	sha256      TEXT NOT NULL,
	user_id     INTEGER NOT NULL,
	name        TEXT NOT NULL,
	uploaded_at TIMESTAMP NOT NULL,
	PRIMARY KEY (sha256, user_id)
);

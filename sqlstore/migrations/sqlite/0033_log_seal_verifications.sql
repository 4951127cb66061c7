-- Seal verifications (issue 12; 002 第二十二条(四), 004 §17): each verification of a
-- site's sealed log against its signed checkpoints — when, by whom (0: medsec's own
-- periodic check), how many records it checked, how many problems it found and the first
-- (kind and record index). The latest per site decides the seal alert and the automatic
-- compliance check of log protection.
CREATE TABLE log_seal_verifications (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id       INTEGER NOT NULL,
	at            TIMESTAMP NOT NULL,
	user_id       INTEGER NOT NULL DEFAULT 0,
	checked       INTEGER NOT NULL,
	problems      INTEGER NOT NULL,
	first_kind    TEXT NOT NULL DEFAULT '',
	first_index   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX log_seal_verifications_site ON log_seal_verifications (site_id, at);

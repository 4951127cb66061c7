-- detection_version counts the changes to the detection rules, their states per site and
-- the detection settings, in the transaction of each change: a running server polls it
-- and reloads its rules when another process (the CLI's "rules import") changed them.
CREATE TABLE detection_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version BIGINT NOT NULL
);
INSERT INTO detection_version (id, version) VALUES (1, 0);

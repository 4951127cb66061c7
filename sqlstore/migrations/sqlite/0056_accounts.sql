-- Account inventory of clinical systems and the staff roster [M6; 000 帳號管理; 004 §14 ⑦]:
-- people get the roster's employee number, directory user name, status and dates; each
-- asset's accounts as its last import listed them (removed_at when a later import no
-- longer did), linked to people.
ALTER TABLE people ADD COLUMN employee_no TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN username TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN joined TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN status_effective TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX people_employee_no ON people (employee_no) WHERE employee_no <> '';
CREATE TABLE accounts (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	asset_id         INTEGER NOT NULL REFERENCES assets (id),
	username         TEXT NOT NULL,
	display_name     TEXT NOT NULL DEFAULT '',
	type             TEXT NOT NULL,
	person_id        INTEGER REFERENCES people (id),
	enabled          INTEGER NOT NULL,
	last_login       TIMESTAMP,
	password_changed TEXT NOT NULL DEFAULT '',
	mfa              TEXT NOT NULL DEFAULT 'unknown',
	source           TEXT NOT NULL,
	dn               TEXT NOT NULL DEFAULT '',
	notes            TEXT NOT NULL DEFAULT '',
	removed_at       TIMESTAMP,
	created_at       TIMESTAMP NOT NULL,
	updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX accounts_asset_username ON accounts (asset_id, username);
CREATE INDEX accounts_person ON accounts (person_id);

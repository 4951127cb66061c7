CREATE TABLE sites (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	code    TEXT NOT NULL UNIQUE,
	name    TEXT NOT NULL UNIQUE,
	address TEXT NOT NULL DEFAULT ''
);

CREATE TABLE departments (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id INTEGER NOT NULL REFERENCES sites (id),
	name    TEXT NOT NULL,
	UNIQUE (site_id, name)
);

CREATE TABLE people (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	name          TEXT NOT NULL UNIQUE,
	title         TEXT NOT NULL DEFAULT '',
	email         TEXT NOT NULL DEFAULT '',
	phone         TEXT NOT NULL DEFAULT '',
	department_id INTEGER REFERENCES departments (id)
);

CREATE TABLE vendors (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	name    TEXT NOT NULL UNIQUE,
	contact TEXT NOT NULL DEFAULT '',
	email   TEXT NOT NULL DEFAULT '',
	phone   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE assets (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id            INTEGER NOT NULL REFERENCES sites (id),
	department_id      INTEGER REFERENCES departments (id),
	name               TEXT NOT NULL,
	kind               TEXT NOT NULL,
	vendor_id          INTEGER REFERENCES vendors (id),
	model              TEXT NOT NULL DEFAULT '',
	serial             TEXT NOT NULL DEFAULT '',
	software           TEXT NOT NULL DEFAULT '',
	firmware           TEXT NOT NULL DEFAULT '',
	ips                TEXT NOT NULL DEFAULT '',
	macs               TEXT NOT NULL DEFAULT '',
	vlan               INTEGER NOT NULL DEFAULT 0,
	ssid               TEXT NOT NULL DEFAULT '',
	location           TEXT NOT NULL DEFAULT '',
	responsible_id     INTEGER REFERENCES people (id),
	vendor_contact     TEXT NOT NULL DEFAULT '',
	connectivity       TEXT NOT NULL DEFAULT '',
	data_class         TEXT NOT NULL,
	patient_records    INTEGER NOT NULL DEFAULT 0,
	end_of_support     TEXT NOT NULL DEFAULT '',
	remote_maintenance TEXT NOT NULL DEFAULT '',
	patching_permitted TEXT NOT NULL,
	default_creds      TEXT NOT NULL,
	level              TEXT NOT NULL DEFAULT '',
	notes              TEXT NOT NULL DEFAULT '',
	status             TEXT NOT NULL,
	retired_at         TIMESTAMP,
	created_at         TIMESTAMP NOT NULL,
	updated_at         TIMESTAMP NOT NULL,
	version            INTEGER NOT NULL DEFAULT 1,
	search_text        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assets_site ON assets (site_id, status);
CREATE INDEX assets_name ON assets (name);
CREATE INDEX assets_serial ON assets (vendor_id, serial);
CREATE INDEX assets_updated ON assets (updated_at);

CREATE TABLE users (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	username        TEXT NOT NULL UNIQUE,
	display_name    TEXT NOT NULL DEFAULT '',
	role            TEXT NOT NULL,
	vendor_id       INTEGER REFERENCES vendors (id),
	language        TEXT NOT NULL DEFAULT '',
	password_hash   TEXT NOT NULL,
	totp_secret     TEXT NOT NULL DEFAULT '',
	totp_enabled    INTEGER NOT NULL DEFAULT 0,
	totp_last_step  INTEGER NOT NULL DEFAULT 0,
	failed_logins   INTEGER NOT NULL DEFAULT 0,
	locked_until    TIMESTAMP,
	disabled        INTEGER NOT NULL DEFAULT 0,
	last_login_at   TIMESTAMP,
	created_at      TIMESTAMP NOT NULL
);

CREATE TABLE user_sites (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	site_id INTEGER NOT NULL REFERENCES sites (id),
	PRIMARY KEY (user_id, site_id)
);

CREATE TABLE sessions (
	token_hash   TEXT PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at   TIMESTAMP NOT NULL,
	expires_at   TIMESTAMP NOT NULL,
	last_seen_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	created_at   TIMESTAMP NOT NULL,
	last_used_at TIMESTAMP
);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE audit_log (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	at          TIMESTAMP NOT NULL,
	user_id     INTEGER,
	username    TEXT NOT NULL,
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id   INTEGER NOT NULL DEFAULT 0,
	site_id     INTEGER NOT NULL DEFAULT 0,
	before_json TEXT NOT NULL DEFAULT '',
	after_json  TEXT NOT NULL DEFAULT '',
	remote_addr TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

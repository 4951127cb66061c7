-- Accounts and access reviews may belong to a clinical system instead of one asset [issue 15
-- M6: "account inventory per system (an asset or a system of assets)"]: an HIS's accounts
-- are the HIS's, not one of its servers'. Each account and each review names exactly one of
-- asset_id and system_id. SQLite cannot drop a NOT NULL in place, so accounts,
-- access_reviews and the two tables that refer to them are rebuilt: the new tables refer
-- to the new ones (renaming rewrites those references), the old ones are dropped children
-- first (a DROP fires no trigger, so signed reviews move as they are), and the indexes and
-- the triggers that keep a signed review unchanged are made again.
CREATE TABLE accounts_new (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	asset_id         INTEGER REFERENCES assets (id),
	system_id        INTEGER REFERENCES clinical_systems (id),
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
	updated_at       TIMESTAMP NOT NULL,
	CHECK ((asset_id IS NULL) <> (system_id IS NULL))
);
INSERT INTO accounts_new (id, asset_id, username, display_name, type, person_id, enabled, last_login, password_changed, mfa, source, dn, notes, removed_at, created_at, updated_at)
	SELECT id, asset_id, username, display_name, type, person_id, enabled, last_login, password_changed, mfa, source, dn, notes, removed_at, created_at, updated_at FROM accounts;
CREATE TABLE access_reviews_new (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	asset_id     INTEGER REFERENCES assets (id),
	system_id    INTEGER REFERENCES clinical_systems (id),
	owner_id     INTEGER REFERENCES people (id),
	period_start TIMESTAMP NOT NULL,
	period_end   TIMESTAMP NOT NULL,
	due          TIMESTAMP NOT NULL,
	signed_by    INTEGER REFERENCES users (id),
	signed_at    TIMESTAMP,
	created_at   TIMESTAMP NOT NULL,
	CHECK ((asset_id IS NULL) <> (system_id IS NULL))
);
INSERT INTO access_reviews_new (id, asset_id, owner_id, period_start, period_end, due, signed_by, signed_at, created_at)
	SELECT id, asset_id, owner_id, period_start, period_end, due, signed_by, signed_at, created_at FROM access_reviews;
CREATE TABLE access_review_items_new (
	review_id   INTEGER NOT NULL REFERENCES access_reviews_new (id),
	account_id  INTEGER NOT NULL REFERENCES accounts_new (id),
	username    TEXT NOT NULL,
	type        TEXT NOT NULL,
	person_name TEXT NOT NULL DEFAULT '',
	enabled     INTEGER NOT NULL,
	last_login  TIMESTAMP,
	findings    TEXT NOT NULL DEFAULT '',
	decision    TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL DEFAULT '',
	decided_by  TEXT NOT NULL DEFAULT '',
	decided_at  TIMESTAMP,
	PRIMARY KEY (review_id, account_id)
);
INSERT INTO access_review_items_new SELECT review_id, account_id, username, type, person_name, enabled, last_login, findings, decision, reason, decided_by, decided_at
	FROM access_review_items;
CREATE TABLE emergency_uses_new (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id       INTEGER REFERENCES sites (id),
	asset_id      INTEGER REFERENCES assets (id),
	account_id    INTEGER REFERENCES accounts_new (id),
	username      TEXT NOT NULL,
	source_ip     TEXT NOT NULL DEFAULT '',
	used_at       TIMESTAMP NOT NULL,
	alert_id      INTEGER NOT NULL REFERENCES alerts (id),
	event_key     TEXT NOT NULL,
	reset_due     TIMESTAMP NOT NULL,
	justification TEXT NOT NULL DEFAULT '',
	justified_by  TEXT NOT NULL DEFAULT '',
	justified_at  TIMESTAMP,
	reset_by      TEXT NOT NULL DEFAULT '',
	reset_note    TEXT NOT NULL DEFAULT '',
	reset_at      TIMESTAMP,
	created_at    TIMESTAMP NOT NULL
);
INSERT INTO emergency_uses_new SELECT id, site_id, asset_id, account_id, username, source_ip, used_at, alert_id, event_key, reset_due, justification, justified_by,
	justified_at, reset_by, reset_note, reset_at, created_at FROM emergency_uses;
DROP TABLE access_review_items;
DROP TABLE emergency_uses;
DROP TABLE access_reviews;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
ALTER TABLE access_reviews_new RENAME TO access_reviews;
ALTER TABLE access_review_items_new RENAME TO access_review_items;
ALTER TABLE emergency_uses_new RENAME TO emergency_uses;
CREATE UNIQUE INDEX accounts_asset_username ON accounts (asset_id, username) WHERE asset_id IS NOT NULL;
CREATE UNIQUE INDEX accounts_system_username ON accounts (system_id, username) WHERE system_id IS NOT NULL;
CREATE INDEX accounts_person ON accounts (person_id);
CREATE UNIQUE INDEX access_reviews_asset_period ON access_reviews (asset_id, period_start) WHERE asset_id IS NOT NULL;
CREATE UNIQUE INDEX access_reviews_system_period ON access_reviews (system_id, period_start) WHERE system_id IS NOT NULL;
CREATE UNIQUE INDEX emergency_uses_event ON emergency_uses (event_key);
CREATE INDEX emergency_uses_open ON emergency_uses (reset_due) WHERE reset_at IS NULL;
CREATE TRIGGER access_reviews_signed_immutable BEFORE UPDATE ON access_reviews
WHEN OLD.signed_at IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'access review is signed');
END;
CREATE TRIGGER access_reviews_signed_kept BEFORE DELETE ON access_reviews
WHEN OLD.signed_at IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'access review is signed');
END;
CREATE TRIGGER access_review_items_signed BEFORE UPDATE ON access_review_items
WHEN (SELECT signed_at FROM access_reviews WHERE id = OLD.review_id) IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'access review is signed');
END;
CREATE TRIGGER access_review_items_signed_kept BEFORE DELETE ON access_review_items
WHEN (SELECT signed_at FROM access_reviews WHERE id = OLD.review_id) IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'access review is signed');
END;

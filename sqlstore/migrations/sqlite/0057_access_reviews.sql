-- Access reviews [000 帳號管理(高) 一 定期盤點帳號並審核; 004 §14 ④, ⑦]: per asset and
-- quarter, every account of the system when opened with the owner's decision (keep or
-- remove) and reason, then the sign-off. A signed review never changes: the service
-- refuses it and the triggers stop any other writer.
CREATE TABLE access_reviews (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	asset_id     INTEGER NOT NULL REFERENCES assets (id),
	owner_id     INTEGER REFERENCES people (id),
	period_start TIMESTAMP NOT NULL,
	period_end   TIMESTAMP NOT NULL,
	due          TIMESTAMP NOT NULL,
	signed_by    INTEGER REFERENCES users (id),
	signed_at    TIMESTAMP,
	created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX access_reviews_asset_period ON access_reviews (asset_id, period_start);
CREATE TABLE access_review_items (
	review_id   INTEGER NOT NULL REFERENCES access_reviews (id),
	account_id  INTEGER NOT NULL REFERENCES accounts (id),
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

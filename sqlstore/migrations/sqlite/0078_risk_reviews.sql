-- Yearly risk reviews [000 §7(二); 002 第二十一条; 004 §4]: per site, year and revision, the
-- risks to decide on with the reviewers' decision (accept, treat, transfer, avoid), reason,
-- owner and due date, then the security officer's and the leadership's signatures. Items
-- never change once either has signed; the review never changes once both have (a new
-- revision is started instead). The service refuses it and the triggers stop any other
-- writer.
CREATE TABLE risk_reviews (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id           INTEGER NOT NULL REFERENCES sites (id),
	year              INTEGER NOT NULL,
	revision          INTEGER NOT NULL,
	officer_id        INTEGER REFERENCES users (id),
	officer_name      TEXT NOT NULL DEFAULT '',
	officer_signed_at TIMESTAMP,
	leader_id         INTEGER REFERENCES users (id),
	leader_name       TEXT NOT NULL DEFAULT '',
	leader_title      TEXT NOT NULL DEFAULT '',
	leader_signed_at  TIMESTAMP,
	created_by        TEXT NOT NULL,
	created_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX risk_reviews_site_year_revision ON risk_reviews (site_id, year, revision);
CREATE TABLE risk_review_items (
	review_id  INTEGER NOT NULL REFERENCES risk_reviews (id),
	seq        INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	ref        TEXT NOT NULL,
	subject    TEXT NOT NULL,
	decision   TEXT NOT NULL DEFAULT '',
	reason     TEXT NOT NULL DEFAULT '',
	owner      TEXT NOT NULL DEFAULT '',
	due        TEXT NOT NULL DEFAULT '',
	decided_by TEXT NOT NULL DEFAULT '',
	decided_at TIMESTAMP,
	PRIMARY KEY (review_id, seq)
);
CREATE TRIGGER risk_reviews_signed_immutable BEFORE UPDATE ON risk_reviews
WHEN OLD.officer_signed_at IS NOT NULL AND OLD.leader_signed_at IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'risk review is signed');
END;
CREATE TRIGGER risk_reviews_signed_kept BEFORE DELETE ON risk_reviews
WHEN OLD.officer_signed_at IS NOT NULL OR OLD.leader_signed_at IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'risk review is signed');
END;
CREATE TRIGGER risk_review_items_signed BEFORE UPDATE ON risk_review_items
WHEN (SELECT officer_signed_at IS NOT NULL OR leader_signed_at IS NOT NULL FROM risk_reviews WHERE id = OLD.review_id)
BEGIN
	SELECT RAISE(ABORT, 'risk review is signed');
END;
CREATE TRIGGER risk_review_items_signed_kept BEFORE DELETE ON risk_review_items
WHEN (SELECT officer_signed_at IS NOT NULL OR leader_signed_at IS NOT NULL FROM risk_reviews WHERE id = OLD.review_id)
BEGIN
	SELECT RAISE(ABORT, 'risk review is signed');
END;

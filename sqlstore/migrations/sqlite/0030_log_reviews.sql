-- Periodic log reviews with sign-off (issue 12; 004 §17, 000): per site a schedule
-- (ISO 8601 cadence, days to do it), and the reviews: the period reviewed (receive times,
-- end excluded), the due time, the reviewer, the findings, the queries run with the count
-- and SHA-256 of what each returned (queries_json), and the sign-off. A signed review
-- never changes: the service refuses it and the trigger below stops any other writer.
CREATE TABLE log_review_schedules (
	site_id    INTEGER PRIMARY KEY REFERENCES sites (id),
	cadence    TEXT NOT NULL,
	due_days   INTEGER NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE TABLE log_reviews (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id      INTEGER NOT NULL REFERENCES sites (id),
	period_start TIMESTAMP NOT NULL,
	period_end   TIMESTAMP NOT NULL,
	due          TIMESTAMP NOT NULL,
	reviewer_id  INTEGER REFERENCES users (id),
	reviewed_at  TIMESTAMP,
	findings     TEXT NOT NULL DEFAULT '',
	queries_json TEXT NOT NULL DEFAULT '[]',
	signed_by    INTEGER REFERENCES users (id),
	signed_at    TIMESTAMP,
	created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX log_reviews_site_period ON log_reviews (site_id, period_start, period_end);
CREATE TRIGGER log_reviews_signed_immutable BEFORE UPDATE ON log_reviews
WHEN OLD.signed_at IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'log review is signed');
END;
CREATE TRIGGER log_reviews_signed_kept BEFORE DELETE ON log_reviews
WHEN OLD.signed_at IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'log review is signed');
END;

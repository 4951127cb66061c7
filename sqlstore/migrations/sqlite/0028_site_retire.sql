-- Site retire (issue 10): a site that closes is retired, not deleted, so that its history
-- (assets retired there, incidents, audit) keeps its name. NULL: the site is in use.
ALTER TABLE sites ADD COLUMN retired_at TIMESTAMP;

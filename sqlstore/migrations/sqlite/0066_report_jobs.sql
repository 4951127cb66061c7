-- Reports generated in the background [M12]: a report is recorded as running when asked
-- for and ends done (its file in the evidence store) or failed (error: a message key).
-- content_change and previous_id keep how its content compared with the previous report of the
-- same parameters; scheduled marks the reports the scheduler generated.
ALTER TABLE reports ADD COLUMN status TEXT NOT NULL DEFAULT 'done';
ALTER TABLE reports ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN content_change TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN previous_id INTEGER;
ALTER TABLE reports ADD COLUMN scheduled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX reports_site ON reports (site_id, generated_at);

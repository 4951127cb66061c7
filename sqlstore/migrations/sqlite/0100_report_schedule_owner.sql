-- Who set a site's report schedule (issue 16: scheduled reports named the system user as
-- their generator). The scheduler generates the site's reports on behalf of that user,
-- and the report says so in its language ("the scheduler, on behalf of ciso"). Schedules
-- set before are owned by no one ('') and say "the scheduler" alone.
ALTER TABLE report_schedules ADD COLUMN set_by TEXT NOT NULL DEFAULT '';

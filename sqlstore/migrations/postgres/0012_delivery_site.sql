-- The delivery log keeps the site of what a notification was about, so that a user limited
-- to sites sees only those rows (and those about the organisation, site 0).
ALTER TABLE notify_deliveries ADD COLUMN site_id BIGINT NOT NULL DEFAULT 0;

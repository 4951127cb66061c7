-- Time zones (issue 10): a site's time zone is its jurisdiction's (incident_site_settings,
-- migration 0020: TW Asia/Taipei, CN Asia/Shanghai, JP Asia/Tokyo) unless time_zone, an
-- IANA name, overrides it. A user's time_zone, when set, overrides the sites' for what
-- the user reads.
ALTER TABLE sites ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';

-- When a rule was last turned on at a site (NULL: not since this migration), so that the
-- re-correlation of late matches does not raise a correlation over events of a span in
-- which it was turned off there (bt13h M4).
ALTER TABLE detection_rule_sites ADD COLUMN enabled_at TIMESTAMPTZ;

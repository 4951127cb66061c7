-- What medsec itself writes on an incident is kept as a message key and its arguments
-- (JSON: {"key": ..., "args": [{"text"|"key"|"keys": ...}]}) and shown in the reader's
-- language; text a person typed stays in the text columns. Rows written before keep their
-- text.
-- title_key: the message key of a title medsec chose (an alert's rule title), '' for a typed one.
ALTER TABLE incidents ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN description_msg TEXT NOT NULL DEFAULT '';
-- level_reasons: the codes of the suggestion's reasons, a JSON array; level_reason is the
-- person's reason for the confirmed level.
ALTER TABLE incidents ADD COLUMN level_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE incident_timeline ADD COLUMN msg TEXT NOT NULL DEFAULT '';
ALTER TABLE incident_custody ADD COLUMN msg TEXT NOT NULL DEFAULT '';
ALTER TABLE incident_clocks ADD COLUMN met_msg TEXT NOT NULL DEFAULT '';
-- The reason medsec wrote when the suggestion was taken ("suggested: a, b") becomes its codes.
UPDATE incidents SET level_reasons = '["' || replace(substr(level_reason, 12), ', ', '","') || '"]', level_reason = ''
	WHERE level_reason LIKE 'suggested: %';

-- What each incident clock counts from (issue 14): 'occurred' (事件發生後, 003 ch.2),
-- 'detected' (發現事件後, 003 §4.1.2), 'detected-no-occurrence' (counted from detection
-- because the occurrence is not known), 'opened' (recorded in medsec: the report reached
-- the technical team, 003 §4.1.3), 'level' (the level decided), 'exposure' (a patient- or
-- personal-data exposure confirmed, 003 §5.3.3), 'closed' (the response ended), 'met' (a
-- repeating duty's previous round met), 'added' (a clock a person added); '' for clocks
-- written before this migration (the page derives it from the duty's definition).
ALTER TABLE incident_clocks ADD COLUMN basis TEXT NOT NULL DEFAULT '';
-- When patient or personal data was found exposed (003 §5.3.3 counts the leak reports
-- from it): the detection time for an exposure known when the incident was opened, the
-- time a person gave when it was found later; NULL while none is known.
ALTER TABLE incidents ADD COLUMN exposure_found_at TIMESTAMPTZ;
UPDATE incidents SET exposure_found_at = detected_at WHERE exposure <> 'none';
-- The clocks written before: what each counted from under the definitions of their time
-- (the duties of a level from the level's decision, the leak reports from detection).
UPDATE incident_clocks SET basis = CASE
	WHEN custom <> 0 THEN 'added'
	WHEN task_id IS NOT NULL THEN 'detected'
	WHEN key IN ('first-report', 'leak-report-authority', 'leak-inform-patients') THEN 'detected'
	WHEN key IN ('handover', 'summary', 'investigation', 'review-meeting') THEN 'closed'
	WHEN every_minutes > 0 AND EXISTS (SELECT 1 FROM incident_clocks o
		WHERE o.incident_id = incident_clocks.incident_id AND o.key = incident_clocks.key AND o.id < incident_clocks.id) THEN 'met'
	WHEN level <> 0 THEN 'level'
	ELSE 'opened' END;

-- A patient-data leak is reported to two authorities, each its own duty (issue 14, bt14b
-- #1): 患者數據泄露事件需在24小時內向屬地衛健委和網信辦報告 (003 §5.3.3). Before, one clock
-- (leak-report-authority) was met by a report to either. It becomes the health
-- commission's clock (leak-report-health, met by a notification to the authority) beside a
-- new cyberspace office's clock (leak-report-cyberspace, met by one to 網信辦) with the same
-- start, due time, basis and stop, for incidents at mainland-China sites only: 網信辦 (the Cyberspace
-- Administration) is a mainland authority, and a site in Taiwan or Japan owes its leak
-- report to its own health authority only.
--
-- The new clock is met when the old one was met by a notification to 網信辦 (that
-- notification now meets it) or by a person by hand (the duty they attested named both
-- authorities); one met by a notification to the health authority leaves it unmet, owed.
INSERT INTO incident_clocks (incident_id, key, label, source, level, every_minutes, start_at, due_at,
	met_at, met_by, met_note, met_msg, evidence, stopped_at, stop_reason, custom, basis)
SELECT c.incident_id, 'leak-report-cyberspace', c.label, '003 §5.3.3 (向…網信辦報告)', c.level, c.every_minutes, c.start_at, c.due_at,
	CASE WHEN a.id IS NULL THEN c.met_at END,
	CASE WHEN a.id IS NULL THEN c.met_by ELSE '' END,
	CASE WHEN a.id IS NULL THEN c.met_note ELSE '' END,
	CASE WHEN a.id IS NULL THEN c.met_msg ELSE '' END,
	CASE WHEN a.id IS NULL THEN c.evidence ELSE '' END,
	c.stopped_at, c.stop_reason, c.custom, c.basis
FROM incident_clocks c
JOIN incidents i ON i.id = c.incident_id AND i.jurisdiction = 'CN'
LEFT JOIN incident_notifications a ON a.id = (SELECT MIN(n.id) FROM incident_notifications n
	WHERE n.clock_id = c.id AND n.recipient <> 'cyberspace')
WHERE c.key = 'leak-report-authority'
ORDER BY c.id;

-- A notification to 網信辦 that met the old clock meets the new one.
UPDATE incident_notifications SET clock_id = (SELECT n.id FROM incident_clocks o, incident_clocks n
		WHERE o.id = incident_notifications.clock_id AND n.incident_id = o.incident_id
		AND n.key = 'leak-report-cyberspace' AND n.start_at = o.start_at AND n.met_at = o.met_at
		ORDER BY n.id LIMIT 1)
	WHERE recipient = 'cyberspace'
	AND clock_id IN (SELECT id FROM incident_clocks WHERE key = 'leak-report-authority');

-- The old clock met only by that notification is the health commission's report, still owed.
UPDATE incident_clocks SET met_at = NULL, met_by = '', met_note = '', met_msg = '', evidence = ''
	WHERE key = 'leak-report-authority' AND met_at IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM incident_notifications n WHERE n.clock_id = incident_clocks.id)
	AND EXISTS (SELECT 1 FROM incident_clocks n WHERE n.incident_id = incident_clocks.incident_id
		AND n.key = 'leak-report-cyberspace' AND n.start_at = incident_clocks.start_at AND n.met_at = incident_clocks.met_at
		AND EXISTS (SELECT 1 FROM incident_notifications x WHERE x.clock_id = n.id AND x.recipient = 'cyberspace'));

UPDATE incident_clocks SET key = 'leak-report-health', source = '003 §5.3.3 (向屬地衛健委…報告)'
	WHERE key = 'leak-report-authority';

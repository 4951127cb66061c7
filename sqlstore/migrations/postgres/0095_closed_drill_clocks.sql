-- A closed drill's clocks stop, its legal duties too (issue 14): an exercise owes no
-- authority a report (002 第二十五–二十七条; 003 §5.3.3), so once it is closed nothing of it
-- runs on, goes late or is notified. Drills closed before kept their legal duties
-- running: they stop at the drill's close. Met clocks, and those already stopped, keep
-- their record; one a level change stopped late is ended by the close as the others.
UPDATE incident_clocks SET stopped_at = (SELECT closed_at FROM incidents i WHERE i.id = incident_clocks.incident_id), stop_reason = 'closed'
	WHERE met_at IS NULL AND stopped_at IS NULL
	AND incident_id IN (SELECT id FROM incidents WHERE drill = 1 AND status <> 'open' AND closed_at IS NOT NULL);
UPDATE incident_clocks SET stop_reason = 'closed'
	WHERE met_at IS NULL AND stop_reason = 'level'
	AND incident_id IN (SELECT id FROM incidents WHERE drill = 1 AND status <> 'open' AND closed_at IS NOT NULL);

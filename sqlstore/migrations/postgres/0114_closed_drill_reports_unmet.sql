-- A closed drill's reports to the leading group and the president end with it (bt14f H3):
-- an exercise's duties do not run on after it, go late or get notified; one not met by
-- the close is unmet at close (stop_reason 'closed', counted in the drill's ledger row).
-- Drills closed before kept these two reports running: they stop at the drill's close.
-- Met reports, and those already stopped, keep their record.
UPDATE incident_clocks SET stopped_at = (SELECT closed_at FROM incidents i WHERE i.id = incident_clocks.incident_id), stop_reason = 'closed'
	WHERE met_at IS NULL AND stopped_at IS NULL AND key IN ('leadership-report', 'president-report')
	AND incident_id IN (SELECT id FROM incidents WHERE drill = 1 AND status <> 'open' AND closed_at IS NOT NULL);

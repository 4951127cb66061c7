-- A continuity-drill calendar item names the drill whose run did it by the drill's ID
-- (drill_id, 0 for none) [000 附表一 營運持續 普 一 (執行演練)]. Items were linked by
-- matching their evidence text ('continuity drill N'): evidence a user typed alike linked
-- a drill that did not do the item, and any change of the words broke the link. Items a
-- drill's run did (evidence, site and day the run's) keep their drill.
ALTER TABLE governance_items ADD COLUMN drill_id INTEGER NOT NULL DEFAULT 0;
UPDATE governance_items SET drill_id = COALESCE((SELECT cd.id FROM continuity_drills cd
	WHERE governance_items.evidence = 'continuity drill ' || cd.id AND cd.site_id = governance_items.site_id
	AND cd.run_on = governance_items.done_on AND cd.recorded_by = governance_items.done_by), 0)
	WHERE kind = 'continuity_drill' AND evidence LIKE 'continuity drill %';

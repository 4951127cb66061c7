-- The asset's class in the grouping model of 000 §4 ('' = not classified).
ALTER TABLE assets ADD COLUMN class TEXT NOT NULL DEFAULT '';

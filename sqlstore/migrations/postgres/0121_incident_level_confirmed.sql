-- A person confirming (or setting) an incident's level against medsec's suggestion is
-- recorded on the incident, not only on its timeline: who, when, and the suggestion they
-- weighed, so the page shows the level as confirmed and stops asking for a confirmation
-- until the suggestion changes. Incidents before keep '' and NULL and 0 (not confirmed).
ALTER TABLE incidents ADD COLUMN level_confirmed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN level_confirmed_at TIMESTAMPTZ;
ALTER TABLE incidents ADD COLUMN level_confirmed_against INTEGER NOT NULL DEFAULT 0;

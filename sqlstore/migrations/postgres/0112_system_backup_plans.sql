-- A backup plan may be of a clinical system instead of one asset [issue 15 M10: "Backup
-- jobs per clinical system"; docs/SYSTEMS.md "Not yet"]: the HIS is backed up as the HIS,
-- its continuity targets the system's. Each plan names exactly one of asset_id and
-- system_id, as accounts do since 0111.
ALTER TABLE backup_plans ALTER COLUMN asset_id DROP NOT NULL;
ALTER TABLE backup_plans ADD COLUMN IF NOT EXISTS system_id BIGINT REFERENCES clinical_systems (id);
ALTER TABLE backup_plans DROP CONSTRAINT IF EXISTS backup_plans_asset_or_system;
ALTER TABLE backup_plans ADD CONSTRAINT backup_plans_asset_or_system CHECK ((asset_id IS NULL) <> (system_id IS NULL));
CREATE INDEX IF NOT EXISTS backup_plans_system ON backup_plans (system_id) WHERE system_id IS NOT NULL;

-- Identifiers an inventory gives a device for vulnerability matching (issue 11): its
-- firmware or software CPE, its hardware CPE and a package URL.
ALTER TABLE assets ADD COLUMN firmware_cpe TEXT NOT NULL DEFAULT '';
ALTER TABLE assets ADD COLUMN hardware_cpe TEXT NOT NULL DEFAULT '';
ALTER TABLE assets ADD COLUMN purl TEXT NOT NULL DEFAULT '';

-- DICOM AE titles of an asset, comma-separated, for matching passive discovery.
ALTER TABLE assets ADD COLUMN ae_titles TEXT NOT NULL DEFAULT '';

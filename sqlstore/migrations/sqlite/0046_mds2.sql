-- A device model's security-capability profile read from its filled MDS2 form (HN 1-2019):
-- one per model, replaced by the next import. The answers and the capabilities derived
-- from them are kept as JSON (medsec.MDS2Answer and medsec.CapabilityStatus lists): they
-- are read whole, with the model, never queried by field.
CREATE TABLE mds2_profiles (
	model_id     INTEGER PRIMARY KEY REFERENCES device_models (id),
	manufacturer TEXT NOT NULL DEFAULT '',
	model        TEXT NOT NULL DEFAULT '',
	description  TEXT NOT NULL DEFAULT '',
	release_date TEXT NOT NULL DEFAULT '',
	file_name    TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	capabilities TEXT NOT NULL,
	answers      TEXT NOT NULL,
	imported_at  TIMESTAMP NOT NULL,
	imported_by  TEXT NOT NULL
);

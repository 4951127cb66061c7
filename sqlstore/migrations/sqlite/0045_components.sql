-- Device models and software bills of materials (M1). A device model is a vendor and the
-- model name its assets carry (assets.vendor_id, assets.model); assets of the model share
-- its SBOMs' components. An SBOM sits on exactly one asset or one model; re-importing a
-- document with the same key onto the same target replaces it (the unique index). Each
-- component keeps its SBOM and, copied for matching, the SBOM's asset or model.
CREATE TABLE device_models (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	vendor_id  INTEGER NOT NULL REFERENCES vendors (id),
	name       TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (vendor_id, name)
);

CREATE TABLE sboms (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	asset_id     INTEGER REFERENCES assets (id),
	model_id     INTEGER REFERENCES device_models (id),
	doc_key      TEXT NOT NULL,
	format       TEXT NOT NULL,
	spec_version TEXT NOT NULL,
	subject      TEXT NOT NULL DEFAULT '',
	file_name    TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	components   INTEGER NOT NULL,
	imported_at  TIMESTAMP NOT NULL,
	imported_by  TEXT NOT NULL,
	CHECK ((asset_id IS NULL) <> (model_id IS NULL))
);
CREATE UNIQUE INDEX sboms_target_key ON sboms (COALESCE(asset_id, 0), COALESCE(model_id, 0), doc_key);
CREATE INDEX sboms_model ON sboms (model_id);

CREATE TABLE components (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	sbom_id  INTEGER NOT NULL REFERENCES sboms (id) ON DELETE CASCADE,
	asset_id INTEGER REFERENCES assets (id),
	model_id INTEGER REFERENCES device_models (id),
	ref      TEXT NOT NULL DEFAULT '',
	type     TEXT NOT NULL DEFAULT '',
	name     TEXT NOT NULL,
	version  TEXT NOT NULL DEFAULT '',
	supplier TEXT NOT NULL DEFAULT '',
	cpe      TEXT NOT NULL DEFAULT '',
	purl     TEXT NOT NULL DEFAULT '',
	hashes   TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX components_sbom ON components (sbom_id);
CREATE INDEX components_asset ON components (asset_id);
CREATE INDEX components_model ON components (model_id);

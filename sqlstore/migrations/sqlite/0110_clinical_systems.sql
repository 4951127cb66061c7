-- A clinical system is a system of assets (an HIS, a PACS: application servers, a database
-- server, archive storage, workstations) that accounts, access reviews and continuity plans
-- are kept for [issue 15 M6, M10; 000 tw-cp-1.l; 004 §11 ①]. Its member assets are of its
-- site; an asset may be in several systems.
CREATE TABLE clinical_systems (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id     INTEGER NOT NULL REFERENCES sites (id),
	name        TEXT NOT NULL,
	owner_id    INTEGER REFERENCES people (id),
	description TEXT NOT NULL DEFAULT '',
	rto_hours   INTEGER NOT NULL DEFAULT 0,
	rpo_hours   INTEGER NOT NULL DEFAULT 0,
	fallback    TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL,
	UNIQUE (site_id, name)
);
CREATE TABLE clinical_system_assets (
	system_id INTEGER NOT NULL REFERENCES clinical_systems (id) ON DELETE CASCADE,
	asset_id  INTEGER NOT NULL REFERENCES assets (id),
	PRIMARY KEY (system_id, asset_id)
);
CREATE INDEX clinical_system_assets_asset ON clinical_system_assets (asset_id);

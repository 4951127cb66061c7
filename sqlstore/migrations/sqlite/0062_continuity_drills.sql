-- Business-continuity drills [000 附表一 營運持續 普 一; M10, M11]: planned for a site or one
-- of its systems, then run with a result and findings; a run marks the site's
-- continuity-drill item of the governance calendar done.
CREATE TABLE continuity_drills (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id     INTEGER NOT NULL REFERENCES sites (id),
	asset_id    INTEGER REFERENCES assets (id),
	scenario    TEXT NOT NULL,
	planned     TEXT NOT NULL,
	run_on      TEXT NOT NULL DEFAULT '',
	result      TEXT NOT NULL DEFAULT '',
	findings    TEXT NOT NULL DEFAULT '',
	recorded_by TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMP NOT NULL
);
CREATE INDEX continuity_drills_site ON continuity_drills (site_id);

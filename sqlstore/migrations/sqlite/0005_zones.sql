-- Zones, conduits, flows, placements, class decisions and CRL reviews (000 §4, §6, §7; M2, M3).
CREATE TABLE zones (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id     INTEGER NOT NULL REFERENCES sites (id),
	name        TEXT NOT NULL,
	kind        TEXT NOT NULL,
	parent_id   INTEGER REFERENCES zones (id),
	ranges      TEXT NOT NULL DEFAULT '',
	vlans       TEXT NOT NULL DEFAULT '',
	ssids       TEXT NOT NULL DEFAULT '',
	ratings     TEXT NOT NULL DEFAULT '',
	sl          INTEGER,
	description TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL,
	UNIQUE (site_id, name)
);

CREATE TABLE conduits (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id      INTEGER NOT NULL REFERENCES sites (id),
	name         TEXT NOT NULL,
	from_zone_id INTEGER NOT NULL REFERENCES zones (id),
	to_zone_id   INTEGER NOT NULL REFERENCES zones (id),
	protocol     TEXT NOT NULL,
	ports        TEXT NOT NULL DEFAULT '',
	app          TEXT NOT NULL DEFAULT '',
	sources      TEXT NOT NULL DEFAULT '',
	destinations TEXT NOT NULL DEFAULT '',
	controls     TEXT NOT NULL DEFAULT '',
	description  TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMP NOT NULL,
	updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX conduits_site ON conduits (site_id);

CREATE TABLE flows (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id    INTEGER NOT NULL REFERENCES sites (id),
	src        TEXT NOT NULL,
	dst        TEXT NOT NULL,
	proto      TEXT NOT NULL,
	port       INTEGER NOT NULL DEFAULT 0,
	app        TEXT NOT NULL DEFAULT '',
	first_seen TIMESTAMP,
	last_seen  TIMESTAMP,
	packets    INTEGER NOT NULL DEFAULT 0,
	bytes      INTEGER NOT NULL DEFAULT 0,
	source     TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX flows_site ON flows (site_id);

-- An asset placed in a zone by hand; assets without a row are placed from their addresses.
CREATE TABLE asset_zones (
	asset_id INTEGER PRIMARY KEY REFERENCES assets (id),
	zone_id  INTEGER NOT NULL REFERENCES zones (id),
	set_by   TEXT NOT NULL,
	set_at   TIMESTAMP NOT NULL
);

CREATE TABLE class_decisions (
	asset_id    INTEGER PRIMARY KEY REFERENCES assets (id),
	proposed    TEXT NOT NULL,
	boundary_of TEXT NOT NULL DEFAULT '',
	reasons     TEXT NOT NULL DEFAULT '[]',
	status      TEXT NOT NULL,
	class       TEXT NOT NULL DEFAULT '',
	decided_by  TEXT NOT NULL DEFAULT '',
	why         TEXT NOT NULL DEFAULT '',
	at          TIMESTAMP NOT NULL
);

CREATE TABLE crl_reviews (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	asset_id    INTEGER NOT NULL REFERENCES assets (id),
	year        INTEGER NOT NULL,
	level       TEXT NOT NULL,
	method      TEXT NOT NULL,
	reasons     TEXT NOT NULL DEFAULT '[]',
	actions     TEXT NOT NULL DEFAULT '[]',
	assessor    TEXT NOT NULL,
	review_date TEXT NOT NULL,
	created_at  TIMESTAMP NOT NULL
);
CREATE INDEX crl_reviews_asset ON crl_reviews (asset_id, year);

-- Maintenance vendors' approved work plans [004 §10 ③, ④; 000 附表一 遠端存取]: the vendor,
-- its engineer, the purpose, the window and the systems (assets) it covers. A login with a
-- vendor account of the inventory on one of its systems outside every plan's window is an
-- alert of detection's built-in rule.
CREATE TABLE maintenance_plans (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id     INTEGER NOT NULL REFERENCES sites (id),
	vendor_id   INTEGER NOT NULL REFERENCES vendors (id),
	engineer    TEXT NOT NULL,
	purpose     TEXT NOT NULL,
	starts_at   TIMESTAMP NOT NULL,
	ends_at     TIMESTAMP NOT NULL,
	approved_by TEXT NOT NULL,
	created_at  TIMESTAMP NOT NULL
);
CREATE TABLE maintenance_plan_assets (
	plan_id  INTEGER NOT NULL REFERENCES maintenance_plans (id),
	asset_id INTEGER NOT NULL REFERENCES assets (id),
	PRIMARY KEY (plan_id, asset_id)
);
CREATE INDEX maintenance_plan_assets_asset ON maintenance_plan_assets (asset_id);

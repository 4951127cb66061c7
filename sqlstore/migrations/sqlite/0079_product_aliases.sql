-- The product alias table (issue 11, t11 finding 4): the advisories of a manufacturer name
-- a product otherwise than the inventory does (GE's "CARESCAPE Central Station" is the
-- inventory's "CSCS"). Each line says that the manufacturer's advisories write name for
-- the inventory's model; matching compares such a device also as name. The keys are
-- vuln.NameKey of the names as written (the vendor's compared through the vendor alias
-- table at matching).
CREATE TABLE vuln_product_aliases (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	vendor     TEXT NOT NULL,
	vendor_key TEXT NOT NULL,
	name       TEXT NOT NULL,
	name_key   TEXT NOT NULL,
	model      TEXT NOT NULL,
	model_key  TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (vendor_key, name_key, model_key)
);

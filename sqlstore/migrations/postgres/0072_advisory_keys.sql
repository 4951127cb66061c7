-- The advisories' keys (issue 11): the CPE products of their NVD criteria, the purl
-- type/namespace/name and the product and model names of their CSAF product trees
-- (vuln.IndexKeys, the vendor left out so that the hospital's alias table never makes a key
-- stale), so that matching a device that changed reads only the advisories that name
-- something it is instead of decoding every stored advisory. keys_version says which
-- version of vuln.IndexKeys filled an advisory's keys: 0 (stored before this migration)
-- is filled at the next matching, once.
CREATE TABLE vuln_advisory_keys (
	key         TEXT NOT NULL,
	advisory_id BIGINT NOT NULL REFERENCES vuln_advisories (id) ON DELETE CASCADE,
	PRIMARY KEY (key, advisory_id)
);
CREATE INDEX vuln_advisory_keys_advisory ON vuln_advisory_keys (advisory_id);
ALTER TABLE vuln_advisories ADD COLUMN keys_version INTEGER NOT NULL DEFAULT 0;

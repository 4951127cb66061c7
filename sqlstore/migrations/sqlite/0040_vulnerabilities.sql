-- Vulnerabilities of the fleet (issue 11): advisories as imported, vulnerabilities with
-- their scores and enrichment, the vendor alias table, findings with their analysis, the
-- manufacturer's patch permissions, compensating controls and the fix ledger.
CREATE TABLE vuln_advisories (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	ref         TEXT NOT NULL UNIQUE,
	source      TEXT NOT NULL,
	title       TEXT NOT NULL DEFAULT '',
	publisher   TEXT NOT NULL DEFAULT '',
	published   TIMESTAMP,
	updated     TIMESTAMP,
	file        TEXT NOT NULL DEFAULT '',
	doc_json    TEXT NOT NULL,
	imported_at TIMESTAMP NOT NULL
);

CREATE TABLE vuln_vulnerabilities (
	cve             TEXT PRIMARY KEY,
	title           TEXT NOT NULL DEFAULT '',
	cwe             TEXT NOT NULL DEFAULT '',
	cvss_vector     TEXT NOT NULL DEFAULT '',
	base_score      REAL NOT NULL DEFAULT 0,
	threat_score    REAL NOT NULL DEFAULT 0,
	score_known     INTEGER NOT NULL DEFAULT 0,
	epss            REAL NOT NULL DEFAULT 0,
	epss_percentile REAL NOT NULL DEFAULT 0,
	epss_date       TEXT NOT NULL DEFAULT '',
	kev             INTEGER NOT NULL DEFAULT 0,
	kev_due         TEXT NOT NULL DEFAULT '',
	updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE vuln_vendor_aliases (
	alias_key  TEXT PRIMARY KEY,
	alias      TEXT NOT NULL,
	canonical  TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);

CREATE TABLE vuln_findings (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	asset_id        INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
	component_id    INTEGER NOT NULL DEFAULT 0,
	site_id         INTEGER NOT NULL,
	cve             TEXT NOT NULL,
	advisory_id     INTEGER NOT NULL REFERENCES vuln_advisories (id) ON DELETE CASCADE,
	advisories      TEXT NOT NULL DEFAULT '',
	advisory_status TEXT NOT NULL,
	product_id      TEXT NOT NULL DEFAULT '',
	identifier      TEXT NOT NULL,
	rule            TEXT NOT NULL,
	version_test    TEXT NOT NULL,
	confidence      TEXT NOT NULL,
	score           REAL NOT NULL DEFAULT 0,
	state           TEXT NOT NULL,
	justification   TEXT NOT NULL DEFAULT '',
	detail          TEXT NOT NULL DEFAULT '',
	analyzed_by     TEXT NOT NULL DEFAULT '',
	analyzed_at     TIMESTAMP,
	found_at        TIMESTAMP NOT NULL,
	due_at          TIMESTAMP NOT NULL,
	deadline_rule   TEXT NOT NULL,
	matched_at      TIMESTAMP NOT NULL,
	gone_at         TIMESTAMP,
	fixed_at        TIMESTAMP,
	version         INTEGER NOT NULL DEFAULT 1,
	UNIQUE (asset_id, component_id, cve)
);
CREATE INDEX vuln_findings_site ON vuln_findings (site_id, state, due_at);
CREATE INDEX vuln_findings_cve ON vuln_findings (cve);
CREATE INDEX vuln_findings_advisory ON vuln_findings (advisory_id);

CREATE TABLE vuln_patch_permissions (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	vendor_id   INTEGER REFERENCES vendors (id),
	model_key   TEXT NOT NULL DEFAULT '',
	model       TEXT NOT NULL DEFAULT '',
	asset_id    INTEGER REFERENCES assets (id) ON DELETE CASCADE,
	allowed     INTEGER NOT NULL,
	said_by     TEXT NOT NULL,
	said_on     TEXT NOT NULL,
	evidence    TEXT NOT NULL DEFAULT '',
	recorded_by TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMP NOT NULL
);
CREATE INDEX vuln_patch_permissions_model ON vuln_patch_permissions (vendor_id, model_key);
CREATE INDEX vuln_patch_permissions_asset ON vuln_patch_permissions (asset_id);

CREATE TABLE vuln_controls (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	finding_id  INTEGER NOT NULL REFERENCES vuln_findings (id) ON DELETE CASCADE,
	description TEXT NOT NULL,
	review_on   TEXT NOT NULL,
	created_by  TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMP NOT NULL
);
CREATE INDEX vuln_controls_finding ON vuln_controls (finding_id);

CREATE TABLE vuln_fix_ledger (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	finding_id    INTEGER NOT NULL REFERENCES vuln_findings (id) ON DELETE CASCADE,
	at            TIMESTAMP NOT NULL,
	operator      TEXT NOT NULL,
	action        TEXT NOT NULL,
	verification  TEXT NOT NULL DEFAULT '',
	result        TEXT NOT NULL,
	retest_on     TEXT NOT NULL DEFAULT '',
	retest_result TEXT NOT NULL DEFAULT '',
	created_by    TEXT NOT NULL DEFAULT '',
	created_at    TIMESTAMP NOT NULL
);
CREATE INDEX vuln_fix_ledger_finding ON vuln_fix_ledger (finding_id);

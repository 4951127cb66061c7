-- Vulnerability scanners' reports (Greenbone/OpenVAS, Nessus, Trivy, Grype): each host or
-- artifact of a report, the asset it was attached to (by address, host name, SBOM, or
-- chosen by the importer; NULL when none matched) and the host's results with their CVEs
-- (comma-separated). site_id is the attached asset's site, for scope.
CREATE TABLE scan_reports (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	format      TEXT NOT NULL,
	scanner     TEXT NOT NULL,
	file_name   TEXT NOT NULL,
	sha256      TEXT NOT NULL,
	scanned_at  TIMESTAMP,
	imported_at TIMESTAMP NOT NULL,
	imported_by TEXT NOT NULL,
	hosts       INTEGER NOT NULL,
	results     INTEGER NOT NULL,
	attached    INTEGER NOT NULL
);

CREATE TABLE scan_hosts (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	report_id  INTEGER NOT NULL REFERENCES scan_reports (id) ON DELETE CASCADE,
	address    TEXT NOT NULL DEFAULT '',
	hostname   TEXT NOT NULL DEFAULT '',
	target     TEXT NOT NULL DEFAULT '',
	os         TEXT NOT NULL DEFAULT '',
	asset_id   INTEGER REFERENCES assets (id),
	site_id    INTEGER,
	matched_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scan_hosts_report ON scan_hosts (report_id);
CREATE INDEX scan_hosts_asset ON scan_hosts (asset_id);

CREATE TABLE scan_results (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	host_id       INTEGER NOT NULL REFERENCES scan_hosts (id) ON DELETE CASCADE,
	asset_id      INTEGER REFERENCES assets (id),
	scanner_id    TEXT NOT NULL DEFAULT '',
	title         TEXT NOT NULL DEFAULT '',
	severity      TEXT NOT NULL,
	score         REAL NOT NULL DEFAULT 0,
	vector        TEXT NOT NULL DEFAULT '',
	port          TEXT NOT NULL DEFAULT '',
	cves          TEXT NOT NULL DEFAULT '',
	package       TEXT NOT NULL DEFAULT '',
	version       TEXT NOT NULL DEFAULT '',
	fixed_version TEXT NOT NULL DEFAULT '',
	purl          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scan_results_host ON scan_results (host_id);
CREATE INDEX scan_results_asset ON scan_results (asset_id);

-- Scheduled reports per site [002 第九条; 003 §3.3.3, §5.2.1]: when enabled, the yearly
-- self-inspection and the monthly vulnerability and incident ledgers are generated once
-- their period has ended, in lang and format. A site without a row is off.
CREATE TABLE report_schedules (
	site_id BIGINT PRIMARY KEY REFERENCES sites (id),
	enabled INTEGER NOT NULL,
	lang    TEXT NOT NULL,
	format  TEXT NOT NULL
);

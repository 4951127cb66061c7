-- Why a finding matched, as data (issue 11): the identifiers, rule and version tests of
-- vuln.Match.Why as JSON (medsec.MatchWhy), said in the reader's language by the UI, the
-- API and the reports. The English columns identifier, rule and version_test stay for a
-- log or a terminal; a finding matched before this migration has '' until it is matched
-- again.
ALTER TABLE vuln_findings ADD COLUMN why_json TEXT NOT NULL DEFAULT '';

-- A finding keeps where its CVSS score came from (issue 11 #8): score_source is
-- 'advisory' when the CVE's published score (an NVD record or a CSAF advisory, stored in
-- vuln_vulnerabilities) set it, 'scanner' when a scanner's check gave it because the CVE
-- had no published score (score_vector holds that check's vector; the check itself is in
-- why_json), 'none' when nothing scored it (the deadline treats it as 7.0). A scanner's
-- score no longer goes into the CVE row every site shares. Findings stored before read as
-- their CVE row says: a scanner-filled row cannot be told from a published one.
ALTER TABLE vuln_findings ADD COLUMN score_source TEXT NOT NULL DEFAULT 'none';
ALTER TABLE vuln_findings ADD COLUMN score_vector TEXT NOT NULL DEFAULT '';
UPDATE vuln_findings SET score_source = 'advisory'
	WHERE cve IN (SELECT cve FROM vuln_vulnerabilities WHERE score_known = 1);

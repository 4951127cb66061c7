-- A scanner's title for a result belongs to the finding it made, not to the CVE (issue
-- 11): vuln_vulnerabilities is shared by every site, so a title one site's scanner wrote
-- there showed on other sites' findings of the same CVE. A finding keeps its own title; a
-- CVE keeps the one an advisory gives it. Each scanner finding takes its own asset's
-- result title, and the titles scanners wrote into vuln_vulnerabilities are cleared (the
-- next advisory import that names the CVE gives it one).
ALTER TABLE vuln_findings ADD COLUMN title TEXT NOT NULL DEFAULT '';
UPDATE vuln_findings SET title = COALESCE((SELECT SUBSTR(r.title, 1, 500) FROM scan_results r
	WHERE r.asset_id = vuln_findings.asset_id AND (',' || r.cves || ',') LIKE '%,' || vuln_findings.cve || ',%'
	ORDER BY r.score DESC, r.id LIMIT 1), '')
	WHERE source = 'scanner';
UPDATE vuln_vulnerabilities SET title = '' WHERE EXISTS (SELECT 1 FROM scan_results r
	WHERE SUBSTR(r.title, 1, 500) = vuln_vulnerabilities.title AND (',' || r.cves || ',') LIKE '%,' || vuln_vulnerabilities.cve || ',%');

-- Who published a CVE's stored score (issue 11): score_origin 'nvd' (an NVD CVE record)
-- or 'csaf' (a vendor's or CISA's CSAF advisory), score_ref the advisory that gave it
-- (the CVE ID for NVD, "ICSMA-17-255-01" for a CSAF advisory). A finding whose
-- score_source is 'advisory' shows which.
--
-- Rows stored before: before migration 0090 a scanner's check wrote its score into the
-- CVE row every site shares, so a row may hold a scanner's score as if published. Such a
-- row is told by what is stored: its vector is one a stored scanner result listing the CVE
-- gives, and no stored NVD record or CSAF advisory that names the CVE gives that vector
-- (their documents are searched as text for both); it is marked 'scanner' — a scanner's
-- score, not published — and shown so. The others are given the origin of a stored
-- advisory that names the CVE with the same vector, NVD first; a row none of them explains
-- keeps '' (not known) until an advisory scores the CVE again.
ALTER TABLE vuln_vulnerabilities ADD COLUMN score_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE vuln_vulnerabilities ADD COLUMN score_ref TEXT NOT NULL DEFAULT '';
UPDATE vuln_vulnerabilities SET score_origin = 'nvd', score_ref = cve
	WHERE score_known = 1 AND cvss_vector <> '' AND EXISTS (SELECT 1 FROM vuln_advisories adv WHERE adv.source = 'nvd'
		AND adv.doc_json LIKE '%"' || vuln_vulnerabilities.cve || '"%' AND adv.doc_json LIKE '%"' || vuln_vulnerabilities.cvss_vector || '"%');
UPDATE vuln_vulnerabilities SET score_origin = 'csaf', score_ref = (SELECT MIN(adv.ref) FROM vuln_advisories adv WHERE adv.source = 'csaf'
		AND adv.doc_json LIKE '%"' || vuln_vulnerabilities.cve || '"%' AND adv.doc_json LIKE '%"' || vuln_vulnerabilities.cvss_vector || '"%')
	WHERE score_known = 1 AND cvss_vector <> '' AND score_origin = '' AND EXISTS (SELECT 1 FROM vuln_advisories adv WHERE adv.source = 'csaf'
		AND adv.doc_json LIKE '%"' || vuln_vulnerabilities.cve || '"%' AND adv.doc_json LIKE '%"' || vuln_vulnerabilities.cvss_vector || '"%');
UPDATE vuln_vulnerabilities SET score_origin = 'scanner'
	WHERE score_known = 1 AND cvss_vector <> '' AND score_origin = '' AND EXISTS (SELECT 1 FROM scan_results r
		WHERE r.vector = vuln_vulnerabilities.cvss_vector AND ',' || r.cves || ',' LIKE '%,' || vuln_vulnerabilities.cve || ',%');

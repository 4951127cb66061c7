-- The published score a finding takes is chosen for its device, not for its CVE (issue
-- 11): a manufacturer's CSAF advisory that covers the device scores it (OASIS CSAF v2.0
-- §3.2.3.12, scores for the products listed), else NVD's record; several vendors' CSAF
-- advisories of one CVE each score their own devices. pub_vector is the vector the
-- finding's score came from, pub_origin its source (csaf, nvd) and pub_ref the
-- advisory's ID; empty for findings stored before, which read their CVE row as before
-- until the next matching.
ALTER TABLE vuln_findings ADD COLUMN pub_vector TEXT NOT NULL DEFAULT '';
ALTER TABLE vuln_findings ADD COLUMN pub_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE vuln_findings ADD COLUMN pub_ref TEXT NOT NULL DEFAULT '';

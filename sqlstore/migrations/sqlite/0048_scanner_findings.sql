-- Findings that a vulnerability scanner reported (issue 11): source says where a finding
-- was first found, 'advisory' (matched against an advisory) or 'scanner' (a CVE of a scan
-- report's result on an attached asset). A scanner finding is not marked gone by the next
-- matching of advisories: only a later scan or a person closes it. Each scan report is
-- its own advisory row (ref 'SCAN-<report id>', source 'scanner'), so a finding names the
-- report it came from as it names an advisory.
ALTER TABLE vuln_findings ADD COLUMN source TEXT NOT NULL DEFAULT 'advisory';
ALTER TABLE scan_reports ADD COLUMN findings INTEGER NOT NULL DEFAULT 0;

-- A manufacturer's CSAF statement that the device is not affected by the finding's CVE
-- (fixed or known_not_affected), matched to the device only with low confidence, so that
-- it did not outrank NVD's match (issue 11): JSON of medsec.VendorNote, '' when none.
ALTER TABLE vuln_findings ADD COLUMN vendor_note TEXT NOT NULL DEFAULT '';

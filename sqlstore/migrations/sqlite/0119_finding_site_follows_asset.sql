-- An open finding's site is its device's (issue 11): the findings of devices moved to
-- another site before the move carried them stayed at the old site, out of reach of the
-- new site's deadline policy. Their deadlines were already computed by the new site's
-- policy when the device moved (issue 16 B); only the site follows here.
UPDATE vuln_findings SET site_id = (SELECT a.site_id FROM assets a WHERE a.id = vuln_findings.asset_id)
WHERE state IN ('new', 'confirmed', 'mitigated')
  AND site_id <> (SELECT a.site_id FROM assets a WHERE a.id = vuln_findings.asset_id);

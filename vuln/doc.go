// Package vuln is medsec's capability for the vulnerabilities of the fleet. It holds what
// needs no storage: CVSS vectors parsed and scored (FIRST's CVSS v3.0, v3.1 and v4.0
// specifications, scored by github.com/pandatix/go-cvss) and the fix deadlines a site's
// policy gives a finding (the hospital incident-response plan, seed 003, §3.1.2 and
// §5.2.1). Advisories, matching, findings and VEX build on it.
package vuln

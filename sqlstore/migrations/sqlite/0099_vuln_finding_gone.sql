-- When a finding went from its asset and came back (issue 16: gone_at was set and cleared
-- by the matcher without history, so a closed period's report could not tell whether a
-- finding was gone at the period's end). One row per change: gone 1 when the matcher
-- no longer matched it, 0 when it matched again. A report of a closed period reads the
-- last row before the period's end (sqlstore/history.go, findingsAt). The findings gone
-- now are filled in from gone_at; earlier spells were not recorded.
CREATE TABLE vuln_finding_gone (
	id         INTEGER PRIMARY KEY,
	finding_id INTEGER NOT NULL REFERENCES vuln_findings (id) ON DELETE CASCADE,
	gone       INTEGER NOT NULL,
	at         TIMESTAMP NOT NULL
);
CREATE INDEX vuln_finding_gone_finding ON vuln_finding_gone (finding_id, at);

INSERT INTO vuln_finding_gone (finding_id, gone, at) SELECT id, 1, gone_at FROM vuln_findings WHERE gone_at IS NOT NULL ORDER BY id;

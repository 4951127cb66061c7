-- A site's choice of the cadence of a governance duty whose period the seeds leave to the
-- hospital [M11; issue 15: a default the hospital can change, said as a choice]: the months
-- it recurs in, why, who set it and when. No row: medsec's default (medsec.Duties).
CREATE TABLE governance_cadences (
	site_id INTEGER NOT NULL REFERENCES sites (id),
	kind    TEXT NOT NULL,
	months  INTEGER NOT NULL CHECK (months IN (1, 2, 3, 4, 6, 12)),
	reason  TEXT NOT NULL,
	set_by  TEXT NOT NULL,
	set_at  TIMESTAMP NOT NULL,
	PRIMARY KEY (site_id, kind)
);

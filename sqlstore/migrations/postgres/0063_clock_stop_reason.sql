-- Why an incident clock stopped (issue 14, t14 finding 6): 'level' (a level change ended
-- it), 'closed' (the incident closed), 'ended' (a termination condition met ended a
-- repeating clock); '' for clocks stopped before this migration or not stopped. A clock a
-- level change stopped after it was due stays owed (finding 20): it is still notified and
-- escalated until met.
ALTER TABLE incident_clocks ADD COLUMN stop_reason TEXT NOT NULL DEFAULT '';

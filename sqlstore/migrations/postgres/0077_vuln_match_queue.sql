-- The devices waiting to be matched against the stored advisories again (issue 11, t11
-- finding 25): a feed import, an alias edit or "Rematch" stores what changed and queues the
-- devices it can change in one short transaction, then matches them in bounded batches,
-- each committed with the removal of its devices from this queue. Other writers get in
-- between batches; a crash midway leaves the devices not yet matched here, and the next
-- import, alias edit or Rematch matches them.
CREATE TABLE vuln_match_queue (
	asset_id  BIGINT PRIMARY KEY,
	queued_at TIMESTAMPTZ NOT NULL
);

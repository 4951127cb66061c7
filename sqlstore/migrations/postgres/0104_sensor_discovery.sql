-- Discovery by site sensors (issue 17): a sensor analyses its captures (live windows or
-- capture files) and sends each one's result to central in parts, each small enough for a
-- NATS message. capture_id names the sensor's capture ("<site>/<sensor>/<file hash or
-- interface and window>"); a run of a capture is stored once, whatever the redeliveries.
ALTER TABLE discovery_runs ADD COLUMN capture_id TEXT;
CREATE UNIQUE INDEX discovery_runs_capture ON discovery_runs (capture_id) WHERE capture_id IS NOT NULL;
-- Parts of a sensor's capture received before the last one: the run is made of them once
-- every part has come, and they are removed in the run's transaction. data is the part's
-- result as gzip-compressed JSON, base64-encoded as it came.
CREATE TABLE discovery_parts (
	capture_id  TEXT NOT NULL,
	part        INTEGER NOT NULL,
	parts       INTEGER NOT NULL CHECK (parts > 0 AND part >= 1 AND part <= parts),
	site_id     BIGINT NOT NULL REFERENCES sites (id),
	data        TEXT NOT NULL,
	received_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (capture_id, part)
);

-- Site sensors (issue 17): "medsec sensor" instances that forward a site's records over
-- NATS JetStream, registered on their first message, with their latest health report
-- (health_json, medsec.SensorHealth) and what central took from them. lag is central's
-- commit time minus the sensor's receive time of the latest message, in seconds.
CREATE TABLE sensors (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	site_id      INTEGER NOT NULL REFERENCES sites (id),
	name         TEXT NOT NULL,
	health_json  TEXT NOT NULL DEFAULT '{}',
	reported_at  TIMESTAMP,
	last_message TIMESTAMP,
	lag          REAL NOT NULL DEFAULT 0,
	messages     INTEGER NOT NULL DEFAULT 0,
	duplicates   INTEGER NOT NULL DEFAULT 0,
	created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX sensors_site_name ON sensors (site_id, name);
-- The idempotent key of every message central committed (Envelope.ID, the Nats-Msg-Id):
-- a redelivery or a resend finds its ID here and is skipped.
CREATE TABLE sensor_messages (
	msg_id     TEXT PRIMARY KEY,
	sensor_id  INTEGER NOT NULL REFERENCES sensors (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	sent_at    TIMESTAMP NOT NULL,
	stored_at  TIMESTAMP NOT NULL
);

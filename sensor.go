package medsec

import (
	"context"
	"time"
)

// SensorHealth is what a site sensor ("medsec sensor", issue 17) reports about itself
// every few seconds while it reaches the broker: whether its link is up, how much it
// holds in its disk spool and how old the oldest unsent record is, and what it dropped.
type SensorHealth struct {
	// Connected is true while the sensor's link to the broker is up.
	Connected bool `json:"connected"`
	// SpoolBytes is how much the disk spool holds, in bytes; SpoolLimit its bound.
	SpoolBytes int64 `json:"spool_bytes"`
	SpoolLimit int64 `json:"spool_limit"`
	// Pending is the number of spooled records not yet acknowledged by the broker.
	Pending int64 `json:"pending"`
	// OldestPending is when the oldest of them was received; zero when none is pending.
	OldestPending time.Time `json:"oldest_pending,omitzero"`
	// Sent counts records the broker acknowledged since the sensor started.
	Sent int64 `json:"sent"`
	// Dropped counts records the sensor could not keep since it started (spool full, UDP
	// queue full); each is lost.
	Dropped int64 `json:"dropped"`
	// Received counts records the sensor received since it started.
	Received int64 `json:"received"`
	// Version is the sensor's medsec version.
	Version string `json:"version,omitempty"`
}

// Sensor is one site sensor as the central server knows it: registered on its first
// message, with its latest health and what central has taken from it.
type Sensor struct {
	ID     int64  `json:"id"`
	SiteID int64  `json:"site_id"`
	Name   string `json:"name"`
	// Health is the sensor's latest report.
	Health SensorHealth `json:"health"`
	// ReportedAt is when central stored the latest health report (zero before the first).
	ReportedAt time.Time `json:"reported_at,omitzero"`
	// LastMessage is when central committed the latest message from the sensor.
	LastMessage time.Time `json:"last_message,omitzero"`
	// Lag is the central commit time minus the sensor's receive time of the latest
	// message, in seconds: how far behind central is.
	Lag float64 `json:"lag_seconds"`
	// Messages counts messages central committed from the sensor; Duplicates those it
	// recognised as already stored (redeliveries, resends) and skipped.
	Messages   int64     `json:"messages"`
	Duplicates int64     `json:"duplicates"`
	CreatedAt  time.Time `json:"created_at"`
}

// SensorSilentAfter is how long without a health report a sensor is shown as silent.
const SensorSilentAfter = 2 * time.Minute

// Silent reports whether the sensor has not reported for SensorSilentAfter at now.
func (s *Sensor) Silent(now time.Time) bool {
	return s.ReportedAt.IsZero() || now.Sub(s.ReportedAt) > SensorSilentAfter
}

// SensorFilter selects sensors.
type SensorFilter struct {
	// SiteID keeps one site's sensors; 0 keeps every site of the caller's scope.
	SiteID int64
}

// SensorMessage is one message central took from a sensor, as SensorService.Commit
// records it: its idempotent ID, the sensor and site, and when the sensor received it.
type SensorMessage struct {
	ID     string
	SiteID int64
	Sensor string
	Kind   string
	Time   time.Time
}

// SensorService keeps site sensors and the IDs of the messages central took from them.
// Reads need PermLogRead and see the sites of the caller's scope (another site's sensor is
// ENOTFOUND); the ingest methods need PermLogAdmin (the central consumer acts as
// SystemUser).
type SensorService interface {
	// FindSensors returns the sensors of the caller's scope, by site and name.
	FindSensors(ctx context.Context, f SensorFilter) ([]*Sensor, error)
	// SeenMessages returns which of ids central has committed already.
	SeenMessages(ctx context.Context, ids []string) (map[string]bool, error)
	// CommitMessages records msgs as taken, in one transaction: a message whose ID is
	// recorded already is skipped and counted as a duplicate; a sensor met for the first
	// time is registered (audited as sensor.register); each sensor's message count, lag
	// and last message time are updated. It returns the IDs that were new.
	CommitMessages(ctx context.Context, msgs []SensorMessage) (fresh []string, err error)
	// RecordSensorHealth stores a sensor's latest health report, registering the sensor
	// (audited) when it is new. EINVALID for a bad site or name.
	RecordSensorHealth(ctx context.Context, siteID int64, name string, h SensorHealth) error
}

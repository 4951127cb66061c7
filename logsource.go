package medsec

import (
	"context"
	"time"
)

// LogSource is a device or system that sends logs to medsec (issue 12): registered by a
// person or registered automatically when its first record arrives, linked to an inventory
// asset by address or host name, and watched for health — when it was last heard from, at
// what rate, in which format, how far its clock is off [000 時戳, 004 §17 ③], and which
// items of the minimum content of 000 日誌紀錄內容 (event, time, user, source) its
// records lack.
type LogSource struct {
	ID int64 `json:"id"`
	// SiteID is the site the source belongs to (its asset's site when linked).
	SiteID int64 `json:"site_id"`
	// Name is what people call it; an auto-registered source is named by its host name or
	// address.
	Name string `json:"name"`
	// Address is the IP address records arrive from (network sources); empty for a JSON
	// source over HTTPS, which is known by its token.
	Address string `json:"address,omitempty"`
	// Hostname is the host name the source's records carry (syslog HOSTNAME, host.name).
	Hostname string `json:"hostname,omitempty"`
	// AssetID is the linked inventory asset; 0 when none is linked.
	AssetID int64 `json:"asset_id,omitempty"`
	// Class is what the source is, for retention (LogSourceClasses): ChosenClass when
	// someone chose one, else derived from the linked asset's kind (LogClassOfKind).
	Class       string `json:"class"`
	ChosenClass string `json:"chosen_class,omitempty"`
	// Transport is how its records arrive: "udp", "tcp", "tls", "https" or "file".
	Transport string `json:"transport"`
	// Format is the format of its latest records: rfc5424, rfc3164, cef or json.
	Format string `json:"format,omitempty"`
	// AutoRegistered is true when medsec registered the source on its first record.
	AutoRegistered bool `json:"auto_registered"`
	// HasToken is true when the source sends JSON over HTTPS with a token (the token
	// itself is stored only as a SHA-256 hash and shown once, when it is issued).
	HasToken bool `json:"has_token"`
	// ExpectedInterval is the longest silence expected of the source, in seconds; longer
	// is an alarm [000 日誌處理失效之回應]. 0 uses the default (15 minutes).
	ExpectedInterval int64 `json:"expected_interval_seconds"`
	// FirstSeen and LastSeen are the receive times of its first and latest records.
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	// Records counts every record received from it.
	Records int64 `json:"records"`
	// Rate is its records per minute over the latest window.
	Rate float64 `json:"rate_per_minute"`
	// Skew is the median, over the latest window, of record time minus receive time, in
	// seconds (negative: the source's clock is behind); SkewSamples is how many records
	// carried a time of their own. Network delay is included (usually well under 1 s).
	Skew        float64 `json:"clock_skew_seconds"`
	SkewSamples int64   `json:"clock_skew_samples"`
	// WindowRecords is the number of records in the latest window and Missing how many of
	// them lacked each item of the minimum content ("event", "time", "user", "source").
	WindowRecords int64            `json:"window_records"`
	Missing       map[string]int64 `json:"missing,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
}

// DefaultExpectedInterval is the silence after which a source with no ExpectedInterval
// of its own counts as silent.
const DefaultExpectedInterval = 15 * time.Minute

// Silent reports whether the source has been silent longer than its expected interval at
// now.
func (s *LogSource) Silent(now time.Time) bool {
	if s.LastSeen.IsZero() {
		return false
	}
	limit := DefaultExpectedInterval
	if s.ExpectedInterval > 0 {
		limit = time.Duration(s.ExpectedInterval) * time.Second
	}
	return now.Sub(s.LastSeen) > limit
}

// LogSourceActivity is what one listener saw of one source over a window: the summary
// LogSourceService.RecordLogSourceActivity folds into the source's health.
type LogSourceActivity struct {
	// SourceID is the source when it is known (a JSON source, by its token); else 0 and
	// Address identifies it.
	SourceID int64
	// Address is the sender's IP address (no port).
	Address string
	// Hostname is the host name its latest record carried, if any.
	Hostname  string
	Transport string
	Format    string
	// First and Last are the receive times of the window's first and latest records.
	First, Last time.Time
	// Window is the length of the window the counts cover.
	Window time.Duration
	// Records is the number of records in the window.
	Records int64
	// Skew is the median of record time minus receive time over SkewSamples records.
	Skew        time.Duration
	SkewSamples int64
	// Missing counts the records lacking each item of the minimum content.
	Missing map[string]int64
}

// LogSourceFilter selects log sources.
type LogSourceFilter struct {
	// SiteID keeps one site's sources; 0 keeps every site of the caller's scope.
	SiteID int64
}

// LogSourceService keeps log sources. Reads need PermLogRead and see the sites of the
// caller's scope (a source of another site is ENOTFOUND); changes need PermLogAdmin and
// write an audit row in their transaction.
type LogSourceService interface {
	// FindLogSources returns the sources of the caller's scope, by site and name.
	FindLogSources(ctx context.Context, f LogSourceFilter) ([]*LogSource, error)
	// FindLogSource returns one source, or ENOTFOUND.
	FindLogSource(ctx context.Context, id int64) (*LogSource, error)
	// CreateLogSource registers a source. With withToken it issues a token for JSON over
	// HTTPS and returns it (shown once; only its hash is kept). EINVALID names a bad field.
	CreateLogSource(ctx context.Context, s *LogSource, withToken bool) (token string, err error)
	// UpdateLogSource changes a source's name, linked asset and expected interval.
	UpdateLogSource(ctx context.Context, s *LogSource) error
	// DeleteLogSource removes a source (its stored records stay in the log store).
	DeleteLogSource(ctx context.Context, id int64) error
	// RecordLogSourceActivity folds listeners' windows into the sources' health,
	// registering unknown senders (audited) and linking them to the asset whose address
	// or name matches. Needs PermLogAdmin (medsec's own listeners act as SystemUser).
	RecordLogSourceActivity(ctx context.Context, siteID int64, acts []LogSourceActivity) error
	// LogSourceByToken returns the source a JSON-over-HTTPS token belongs to, or
	// EUNAUTHORIZED. It needs no user: the token is the credential.
	LogSourceByToken(ctx context.Context, token string) (*LogSource, error)
}

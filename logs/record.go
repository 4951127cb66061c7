// Package logs receives security log records: it parses syslog (RFC 5424,
// RFC 3164), CEF and JSON lines into fields named as the Elastic Common Schema
// (ECS) names them, and hands them, raw bytes kept, to a Sink that stores and
// seals them (issue 12). Listeners for UDP, TCP, TLS (RFC 5425, RFC 6587) and
// file import live here too; storage does not.
package logs

import (
	"context"
	"time"
)

// Formats a Record can have. Record.Format holds one of them.
const (
	// FormatRFC5424 is The Syslog Protocol, RFC 5424.
	FormatRFC5424 = "rfc5424"
	// FormatRFC3164 is BSD syslog as RFC 3164 describes it.
	FormatRFC3164 = "rfc3164"
	// FormatCEF is ArcSight Common Event Format, bare or inside a syslog header.
	FormatCEF = "cef"
	// FormatJSON is one JSON object per line.
	FormatJSON = "json"
)

// Record is one received log record: the raw bytes exactly as received (one
// syslog message without its transport framing, or one JSON line), the
// server's receive time from its synchronised clock, the format it was parsed
// as, the parsed fields, and the peer it came from.
//
// Fields holds values under ECS dotted names: "@timestamp" (time.Time, the
// record's own time, absent when the record carries none), "host.name",
// "host.ip", "source.ip", "user.name", "event.action", "event.outcome",
// "process.name", "process.pid" (int), "message", "log.syslog.priority",
// "log.syslog.facility.code", "log.syslog.severity.code" (int),
// "log.syslog.appname", "log.syslog.procid", "log.syslog.msgid",
// "log.syslog.version", "log.syslog.structured_data" (map of SD-ID to map of
// parameter to string), and "cef.*" for CEF header fields and extensions.
// Values are string, int, float64, bool, time.Time, []string or maps of those; a
// []string is a multi-valued field: a CEF extension key or an RFC 5424 SD-PARAM given
// more than once in the record, its values in order (a JSON list stays []any).
type Record struct {
	// Received is the time the server received the record (UTC).
	Received time.Time
	// Raw is the record exactly as received, without transport framing.
	Raw []byte
	// Format is FormatRFC5424, FormatRFC3164, FormatCEF or FormatJSON.
	Format string
	// Fields are the parsed fields under ECS names; never nil after parsing.
	Fields map[string]any
	// Peer is the sender's address ("ip:port"), or for HTTP JSON the
	// registered source name, or for file import the file name.
	Peer string
	// SiteID and Index name the record once stored: the site whose sealed log
	// holds it and its index there (0-based). A Sink sets them in the slice
	// it was given before Append returns nil. Before that Index is 0, and
	// SiteID is 0 unless the receiver knows the site (a JSON source, by its
	// token), which the Sink then keeps.
	SiteID, Index int64
}

// Sink takes received records. Append returns nil only once every record in
// recs is durable (stored and sealed), so a listener may acknowledge the
// sender; on error none of recs may be assumed stored, and stream listeners
// stop reading (push back) instead of dropping. Append must be safe for
// concurrent use.
type Sink interface {
	Append(ctx context.Context, recs []Record) error
}

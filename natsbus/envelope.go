// Package natsbus carries medsec's events between the sites of a hospital group and its
// central server over NATS JetStream (issue 17): the wire envelope and its subjects, the
// group's stream, a sensor's disk spool and forwarder, a durable work-queue consumer for
// the central server, and Bus, the JetStream implementation of medsec.EventBus beside the
// in-process eventbus.Memory.
//
// Subjects are medsec.<group>.<site>.<kind>; one stream per group (StreamName) holds
// medsec.<group>.>. Every message carries the Nats-Msg-Id header set to Envelope.ID, so
// the stream drops a retransmission inside its duplicate window and the central server
// drops one after it (a unique key in PostgreSQL).
package natsbus

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"medsec"
)

// Kinds of envelope. A kind is the last token of the subject.
const (
	// KindLog carries one received log record (Envelope.Log).
	KindLog = "log"
	// KindEvent carries one medsec.Event (Envelope.Event): a discovery summary, a host
	// identity, or any event of the in-process bus.
	KindEvent = "event"
	// KindHealth carries a sensor's health report (Envelope.Health).
	KindHealth = "health"
)

// Kinds lists every kind, in subject order.
var Kinds = []string{KindLog, KindEvent, KindHealth}

// Envelope is one message on the wire: who sent it (group, site, sensor), what it is
// (Kind), its idempotent ID and exactly one payload. It marshals to JSON.
type Envelope struct {
	// ID is the idempotent message ID (the Nats-Msg-Id header and the central server's
	// unique key): "<site>/<sensor>/<spool>/<seq>" for spooled records, so that a resend
	// after a crash or a lost acknowledgement has the same ID.
	ID string `json:"id"`
	// Group is the hospital group's name (the stream's); Site the code of the site
	// (medsec.Site.Code) the sensor serves; Sensor the sensor's name at that site.
	Group  string `json:"group"`
	Site   string `json:"site"`
	Sensor string `json:"sensor"`
	// Kind is KindLog, KindEvent or KindHealth.
	Kind string `json:"kind"`
	// Time is when the sensor received or produced the payload (UTC); the central server's
	// lag is its commit time minus this.
	Time time.Time `json:"time"`
	// Seq is the sensor's sequence number of the message (1, 2, ...), in the order it was
	// spooled; 0 for messages that are not spooled (health).
	Seq uint64 `json:"seq,omitempty"`
	// Log, Event and Health are the payloads; the one named by Kind is set.
	Log    *LogRecord           `json:"log,omitempty"`
	Event  *medsec.Event        `json:"event,omitempty"`
	Health *medsec.SensorHealth `json:"health,omitempty"`
}

// LogRecord is a log record as a sensor forwards it: the raw bytes exactly as received,
// the receive time and the peer. The central server parses Raw again with its own parser,
// so the sealed log holds what a record received there directly would hold.
type LogRecord struct {
	// Received is when the sensor received the record (UTC).
	Received time.Time `json:"received"`
	// Raw is the record without transport framing (base64 in JSON).
	Raw []byte `json:"raw"`
	// Peer is the sender's address ("ip:port") as the sensor saw it.
	Peer string `json:"peer"`
	// Transport is how it reached the sensor: "udp", "tcp" or "tls".
	Transport string `json:"transport,omitempty"`
}

// Subject returns the subject of e: medsec.<group>.<site>.<kind>.
func (e *Envelope) Subject() string { return Subject(e.Group, e.Site, e.Kind) }

// Subject returns medsec.<group>.<site>.<kind>; "*" in an argument is a wildcard.
func Subject(group, site, kind string) string {
	return "medsec." + group + "." + site + "." + kind
}

// StreamName is the name of a group's stream: "MEDSEC_" and the group in upper case.
func StreamName(group string) string { return "MEDSEC_" + strings.ToUpper(group) }

// CheckToken reports whether s can be one token of a subject (a group, site code, sensor
// name or kind): 1 to 64 characters of letters, digits, '-' and '_'. The error names what
// (e.g. "site") and the value.
func CheckToken(what, s string) error {
	if s == "" || len(s) > 64 {
		return fmt.Errorf("%s %q: 1 to 64 characters", what, s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("%s %q: only letters, digits, '-' and '_' may be used (it is part of a NATS subject)", what, s)
		}
	}
	return nil
}

// Validate checks what the central server relies on: an ID, tokens that make a subject,
// a known kind, a time and the kind's payload.
func (e *Envelope) Validate() error {
	if e.ID == "" || len(e.ID) > 256 {
		return fmt.Errorf("envelope: id: 1 to 256 characters")
	}
	for _, t := range [][2]string{{"group", e.Group}, {"site", e.Site}, {"sensor", e.Sensor}} {
		if err := CheckToken(t[0], t[1]); err != nil {
			return fmt.Errorf("envelope: %w", err)
		}
	}
	if e.Time.IsZero() {
		return fmt.Errorf("envelope %s: time is required", e.ID)
	}
	ok := false
	switch e.Kind {
	case KindLog:
		ok = e.Log != nil && len(e.Log.Raw) > 0
	case KindEvent:
		ok = e.Event != nil && e.Event.Validate() == nil
	case KindHealth:
		ok = e.Health != nil
	default:
		return fmt.Errorf("envelope %s: kind %q: not one of %s", e.ID, e.Kind, strings.Join(Kinds, ", "))
	}
	if !ok {
		return fmt.Errorf("envelope %s: kind %s: its payload is missing or invalid", e.ID, e.Kind)
	}
	return nil
}

// Decode reads an envelope from a message body and validates it. The error says what is
// wrong; the central server terminates such a message (it would never decode).
func Decode(b []byte) (*Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &e, nil
}

// marshal encodes an envelope.
func marshal(e *Envelope) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("envelope %s: %w", e.ID, err)
	}
	return b, nil
}
